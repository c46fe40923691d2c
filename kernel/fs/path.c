#include "fs/path.h"
#include "fs/ramfs.h"
#include "mm/heap.h"
#include "lib/string.h"
#include "lib/errno.h"

static bool is_mount_root(const struct vnode *v)
{
    return v->mount && v->mount->root == v;
}

int vfs_lookup(struct vnode *dir, const char *name, size_t len, struct vnode **out)
{
    if (!vn_is_dir(dir))
        return -ENOTDIR;
    if (len > NAME_MAX)
        return -ENAMETOOLONG;
    bool dotdot = len == 2 && name[0] == '.' && name[1] == '.';
    if (dotdot && is_mount_root(dir))
        dir = dir->mount->mountpoint;     /* ".." leaves the mounted file system */
    if (!dir->ops || !dir->ops->lookup)
        return -ENOTDIR;
    struct vnode *v;
    int err = dir->ops->lookup(dir, name, len, &v);
    if (err)
        return err;
    while (v->mounted)
        v = v->mounted;
    *out = v;
    return 0;
}

static int walk(struct vnode *dir, const char *path, bool follow, int *links, struct vnode **out);

/* Follows the symlink `link` found in directory `dir`. */
static int follow_link(struct vnode *dir, struct vnode *link, int *links, struct vnode **out)
{
    if (++*links > MAX_SYMLINKS)
        return -ELOOP;
    if (!link->ops || !link->ops->readlink)
        return -EINVAL;
    char *target = kmalloc(PATH_MAX);
    if (!target)
        return -ENOMEM;
    int n = link->ops->readlink(link, target, PATH_MAX - 1);
    if (n <= 0) {
        kfree(target);
        return n < 0 ? n : -ENOENT;
    }
    target[n] = 0;
    int err = walk(dir, target, true, links, out);
    kfree(target);
    return err;
}

static int walk(struct vnode *dir, const char *path, bool follow, int *links, struct vnode **out)
{
    if (path[0] == 0)
        return -ENOENT;
    if (path[0] == '/') {
        dir = vfs_root;
        while (*path == '/')
            path++;
    }
    struct vnode *cur = dir;
    while (*path) {
        const char *end = path;
        while (*end && *end != '/')
            end++;
        size_t len = (size_t)(end - path);
        struct vnode *next;
        int err = vfs_lookup(cur, path, len, &next);
        if (err)
            return err;
        while (*end == '/')
            end++;
        bool last = *end == 0;
        bool trailing_slash = last && end > path + len;
        if (vn_is_link(next) && (!last || follow || trailing_slash)) {
            if ((err = follow_link(cur, next, links, &next)))
                return err;
        }
        if (trailing_slash && !vn_is_dir(next))
            return -ENOTDIR;
        cur = next;
        path = end;
    }
    *out = cur;
    return 0;
}

int path_resolve(struct vnode *cwd, const char *path, bool follow, struct vnode **out)
{
    int links = 0;
    return walk(cwd, path, follow, &links, out);
}

int path_resolve_parent(struct vnode *cwd, const char *path, struct vnode **dir, const char **name, size_t *len)
{
    size_t n = strlen(path);
    if (n == 0)
        return -ENOENT;
    if (n >= PATH_MAX)
        return -ENAMETOOLONG;
    while (n > 1 && path[n - 1] == '/')
        n--;
    size_t start = n;
    while (start > 0 && path[start - 1] != '/')
        start--;
    *name = path + start;
    *len = n - start;
    if (*len > NAME_MAX)
        return -ENAMETOOLONG;
    if (start == 0) {
        *dir = cwd;
    } else {
        char *buf = kmalloc(start + 1);
        if (!buf)
            return -ENOMEM;
        memcpy(buf, path, start);
        buf[start] = 0;
        int err = path_resolve(cwd, buf, true, dir);
        kfree(buf);
        if (err)
            return err;
    }
    if (!vn_is_dir(*dir))
        return -ENOTDIR;
    if (*len == 0) {               /* the path is "/" */
        *name = ".";
        *len = 1;
    }
    return 0;
}

/* The name under which `child` appears in `parent` (same file system). */
static int name_in(struct vnode *parent, struct vnode *child, char name[NAME_MAX + 1])
{
    if (!parent->ops->readdir)
        return -ENOENT;
    uint64_t cookie = 0, ino;
    uint8_t type;
    int r;
    while ((r = parent->ops->readdir(parent, &cookie, name, &ino, &type)) == 1) {
        if (ino == child->ino && strcmp(name, ".") && strcmp(name, ".."))
            return 0;
    }
    return r < 0 ? r : -ENOENT;
}

int path_of_dir(struct vnode *dir, char *buf, size_t size)
{
    char *names = kmalloc(PATH_MAX);
    char *name = kmalloc(NAME_MAX + 1);
    if (!names || !name) {
        kfree(names);
        kfree(name);
        return -ENOMEM;
    }
    /* Build the path backwards at the end of `names`. */
    size_t pos = PATH_MAX - 1;
    names[pos] = 0;
    int err = 0;
    struct vnode *v = dir;
    for (int depth = 0; v != vfs_root; depth++) {
        struct vnode *parent;
        if (depth > 1024 || (err = vfs_lookup(v, "..", 2, &parent)))
            break;
        struct vnode *child = is_mount_root(v) ? v->mount->mountpoint : v;
        if (parent == child) {        /* a root that is its own parent */
            err = -ENOENT;
            break;
        }
        if ((err = name_in(parent, child, name)))
            break;
        size_t l = strlen(name);
        if (pos < l + 1) {
            err = -ENAMETOOLONG;
            break;
        }
        pos -= l;
        memcpy(names + pos, name, l);
        names[--pos] = '/';
        v = parent;
    }
    if (!err && pos == PATH_MAX - 1)
        names[--pos] = '/';
    int result;
    size_t len = PATH_MAX - 1 - pos;
    if (err)
        result = err;
    else if (len + 1 > size)
        result = -ERANGE;
    else {
        memcpy(buf, names + pos, len + 1);
        result = (int)(len + 1);
    }
    kfree(names);
    kfree(name);
    return result;
}

int path_mkdir_all(const char *path, size_t len, struct vnode **out)
{
    struct vnode *cur = vfs_root;
    size_t i = 0;
    while (i < len) {
        while (i < len && path[i] == '/')
            i++;
        size_t s = i;
        while (i < len && path[i] != '/')
            i++;
        if (i == s)
            break;
        struct vnode *next = ramfs_lookup(cur, path + s, i - s);
        if (!next) {
            next = ramfs_new(S_IFDIR | 0755);
            if (!next)
                return -ENOMEM;
            int err = ramfs_link(cur, path + s, i - s, next);
            if (err)
                return err;
        }
        if (!vn_is_dir(next))
            return -ENOTDIR;
        cur = next;
    }
    *out = cur;
    return 0;
}
