#include "fs/path.h"
#include "fs/ramfs.h"
#include "lib/string.h"
#include "lib/errno.h"

static int walk(struct vnode *dir, const char *path, bool follow, int *links, struct vnode **out);

/* Follows one symlink found in directory `dir`. */
static int follow_link(struct vnode *dir, struct vnode *link, int *links, struct vnode **out)
{
    if (++*links > MAX_SYMLINKS)
        return -ELOOP;
    return walk(dir, link->target, true, links, out);
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
        if (len > NAME_MAX)
            return -ENAMETOOLONG;
        if (!vn_is_dir(cur))
            return -ENOTDIR;
        struct vnode *next = ramfs_lookup(cur, path, len);
        if (!next)
            return -ENOENT;
        while (*end == '/')
            end++;
        bool last = *end == 0;
        bool trailing_slash = last && end > path + len;
        if (vn_is_link(next) && (!last || follow || trailing_slash)) {
            int err = follow_link(cur, next, links, &next);
            if (err)
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
        char buf[PATH_MAX];
        memcpy(buf, path, start);
        buf[start] = 0;
        int err = path_resolve(cwd, buf, true, dir);
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

int path_of_dir(struct vnode *dir, char *buf, size_t size)
{
    /* Collect names from dir up to the root, then reverse. */
    const char *names[256];
    size_t depth = 0;
    for (struct vnode *v = dir; v != vfs_root && depth < 256; v = v->parent) {
        struct vnode *p = v->parent;
        const char *nm = 0;
        for (struct dir_entry *e = p->entries; e; e = e->next)
            if (e->vn == v) {
                nm = e->name;
                break;
            }
        if (!nm)
            return -ENOENT;           /* removed directory */
        names[depth++] = nm;
    }
    size_t pos = 0;
    if (depth == 0) {
        if (size < 2)
            return -ERANGE;
        buf[0] = '/';
        buf[1] = 0;
        return 2;
    }
    while (depth--) {
        size_t l = strlen(names[depth]);
        if (pos + 1 + l + 1 > size)
            return -ERANGE;
        buf[pos++] = '/';
        memcpy(buf + pos, names[depth], l);
        pos += l;
    }
    buf[pos] = 0;
    return (int)pos + 1;
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
