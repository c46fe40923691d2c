#include "fs/ramfs.h"
#include "mm/heap.h"
#include "lib/string.h"
#include "lib/errno.h"
#include "drivers/clock.h"

struct vnode *vfs_root;
static uint64_t next_ino = 1;

void vn_touch(struct vnode *vn, bool modify)
{
    uint64_t ns = clock_realtime_ns();
    struct timespec64 t = { (int64_t)(ns / 1000000000), (int64_t)(ns % 1000000000) };
    if (modify)
        vn->mtime = vn->ctime = t;
    else
        vn->atime = t;
}

struct vnode *ramfs_new(uint32_t mode)
{
    struct vnode *v = kzalloc(sizeof(*v));
    if (!v)
        return 0;
    v->mode = mode;
    v->ino = next_ino++;
    v->nlink = (mode & S_IFMT) == S_IFDIR ? 2 : 1;
    v->dev = 1;
    v->ops = &ramfs_ops;
    v->data_owned = true;
    vn_touch(v, true);
    v->atime = v->mtime;
    return v;
}

void ramfs_init(void)
{
    vfs_root = ramfs_new(S_IFDIR | 0755);
    vfs_root->parent = vfs_root;
}

struct vnode *ramfs_lookup(struct vnode *dir, const char *name, size_t len)
{
    if (len == 1 && name[0] == '.')
        return dir;
    if (len == 2 && name[0] == '.' && name[1] == '.')
        return dir->parent;
    for (struct dir_entry *e = dir->entries; e; e = e->next)
        if (strlen(e->name) == len && !memcmp(e->name, name, len))
            return e->vn;
    return 0;
}

int ramfs_link(struct vnode *dir, const char *name, size_t len, struct vnode *vn)
{
    if (len == 0 || len > NAME_MAX)
        return -ENAMETOOLONG;
    if (ramfs_lookup(dir, name, len))
        return -EEXIST;
    struct dir_entry *e = kmalloc(sizeof(*e));
    char *copy = kmalloc(len + 1);
    if (!e || !copy) {
        kfree(e);
        kfree(copy);
        return -ENOMEM;
    }
    memcpy(copy, name, len);
    copy[len] = 0;
    e->name = copy;
    e->vn = vn;
    /* Append, so directory order follows creation order. */
    struct dir_entry **pp = &dir->entries;
    while (*pp)
        pp = &(*pp)->next;
    e->next = 0;
    *pp = e;
    if (vn_is_dir(vn)) {
        vn->parent = dir;
        dir->nlink++;
    }
    dir->size++;
    vn_touch(dir, true);
    return 0;
}

/* Removes the entry; the vnode lives on (open files may still use it). */
static int remove_entry(struct vnode *dir, const char *name, size_t len)
{
    for (struct dir_entry **pp = &dir->entries; *pp; pp = &(*pp)->next) {
        struct dir_entry *e = *pp;
        if (strlen(e->name) == len && !memcmp(e->name, name, len)) {
            *pp = e->next;
            if (vn_is_dir(e->vn))
                dir->nlink--;
            if (e->vn->nlink)
                e->vn->nlink--;
            kfree(e->name);
            kfree(e);
            dir->size--;
            vn_touch(dir, true);
            return 0;
        }
    }
    return -ENOENT;
}

/* Makes the file's data private and at least `cap` bytes large. */
static int own_data(struct vnode *vn, uint64_t cap)
{
    if (vn->data_owned && vn->capacity >= cap)
        return 0;
    uint64_t newcap = vn->capacity > 256 ? vn->capacity : 256;
    while (newcap < cap) {
        if (newcap > (1ull << 40))
            return -EFBIG;
        newcap *= 2;
    }
    uint8_t *d = kmalloc(newcap);
    if (!d)
        return -ENOMEM;
    if (vn->size)
        memcpy(d, vn->data, vn->size);
    memset(d + vn->size, 0, newcap - vn->size);
    if (vn->data_owned)
        kfree(vn->data);
    vn->data = d;
    vn->capacity = newcap;
    vn->data_owned = true;
    return 0;
}

static int ramfs_truncate(struct vnode *vn, uint64_t size)
{
    if (!vn_is_reg(vn))
        return -EINVAL;
    if (size > vn->size) {
        int err = own_data(vn, size);
        if (err)
            return err;
        memset(vn->data + vn->size, 0, size - vn->size);
    } else if (size < vn->size && vn->data_owned) {
        memset(vn->data + size, 0, vn->size - size);
    }
    vn->size = size;
    vn_touch(vn, true);
    return 0;
}

static int64_t ramfs_read(struct vnode *vn, void *buf, uint64_t len, uint64_t off)
{
    if (vn_is_dir(vn))
        return -EISDIR;
    if (off >= vn->size)
        return 0;
    if (len > vn->size - off)
        len = vn->size - off;
    memcpy(buf, vn->data + off, len);
    return (int64_t)len;
}

static int64_t ramfs_write(struct vnode *vn, const void *buf, uint64_t len, uint64_t off)
{
    if (vn_is_dir(vn))
        return -EISDIR;
    if (len == 0)
        return 0;
    if (off + len < off)
        return -EFBIG;
    int err = own_data(vn, off + len);
    if (err)
        return err;
    memcpy(vn->data + off, buf, len);
    if (off + len > vn->size)
        vn->size = off + len;
    vn_touch(vn, true);
    return (int64_t)len;
}

static int ramfs_fsync(struct vnode *vn)
{
    (void)vn;
    return 0;                    /* memory: nothing to flush */
}

static int ramfs_lookup_op(struct vnode *dir, const char *name, size_t len, struct vnode **out)
{
    struct vnode *v = ramfs_lookup(dir, name, len);
    if (!v)
        return -ENOENT;
    *out = v;
    return 0;
}

static int ramfs_readdir(struct vnode *dir, uint64_t *cookie, char name[NAME_MAX + 1], uint64_t *ino, uint8_t *dtype)
{
    uint64_t n = *cookie;
    struct vnode *vn = 0;
    const char *nm = 0;
    if (n == 0) {
        nm = ".";
        vn = dir;
    } else if (n == 1) {
        nm = "..";
        vn = dir->parent;
    } else {
        uint64_t i = 2;
        for (struct dir_entry *e = dir->entries; e; e = e->next, i++) {
            if (i == n) {
                nm = e->name;
                vn = e->vn;
                break;
            }
        }
    }
    if (!vn)
        return 0;
    strlcpy(name, nm, NAME_MAX + 1);
    *ino = vn->ino;
    *dtype = (uint8_t)((vn->mode & S_IFMT) >> 12);
    *cookie = n + 1;
    return 1;
}

static int ramfs_create(struct vnode *dir, const char *name, size_t len, uint32_t mode, struct vnode **out)
{
    struct vnode *vn = ramfs_new(mode);
    if (!vn)
        return -ENOMEM;
    int err = ramfs_link(dir, name, len, vn);
    if (err) {
        kfree(vn);
        return err;
    }
    *out = vn;
    return 0;
}

static int ramfs_symlink(struct vnode *dir, const char *name, size_t len, const char *target, struct vnode **out)
{
    struct vnode *vn = ramfs_new(S_IFLNK | 0777);
    size_t tl = strlen(target);
    if (!vn || !(vn->target = kmalloc(tl + 1))) {
        kfree(vn);
        return -ENOMEM;
    }
    memcpy(vn->target, target, tl + 1);
    vn->size = tl;
    int err = ramfs_link(dir, name, len, vn);
    if (err) {
        kfree(vn->target);
        kfree(vn);
        return err;
    }
    *out = vn;
    return 0;
}

static int ramfs_hardlink(struct vnode *dir, const char *name, size_t len, struct vnode *vn)
{
    if (vn_is_dir(vn))
        return -EPERM;
    int err = ramfs_link(dir, name, len, vn);
    if (!err)
        vn->nlink++;
    return err;
}

static int ramfs_unlink(struct vnode *dir, const char *name, size_t len, bool is_dir)
{
    struct vnode *vn = ramfs_lookup(dir, name, len);
    if (!vn)
        return -ENOENT;
    if (is_dir) {
        if (!vn_is_dir(vn))
            return -ENOTDIR;
        if (vn->entries)
            return -ENOTEMPTY;
        if (vn->mounted)
            return -EBUSY;
    } else if (vn_is_dir(vn)) {
        return -EISDIR;
    }
    return remove_entry(dir, name, len);
}

static bool is_ancestor(struct vnode *a, struct vnode *b)
{
    for (struct vnode *v = b;; v = v->parent) {
        if (v == a)
            return true;
        if (v == vfs_root || !v->parent || v->parent == v)
            return false;
    }
}

static int ramfs_rename(struct vnode *odir, const char *oname, size_t olen, struct vnode *ndir, const char *nname,
                        size_t nlen)
{
    struct vnode *vn = ramfs_lookup(odir, oname, olen);
    if (!vn)
        return -ENOENT;
    struct vnode *target = ramfs_lookup(ndir, nname, nlen);
    if (target == vn)
        return 0;
    if (vn_is_dir(vn) && is_ancestor(vn, ndir))
        return -EINVAL;
    if (target) {
        if (vn_is_dir(vn) && !vn_is_dir(target))
            return -ENOTDIR;
        if (!vn_is_dir(vn) && vn_is_dir(target))
            return -EISDIR;
        if (vn_is_dir(target) && (target->entries || target->mounted))
            return -ENOTEMPTY;
        remove_entry(ndir, nname, nlen);
    }
    /* Link under the new name first, so a failure loses nothing. */
    uint32_t links = vn->nlink;
    int err = ramfs_link(ndir, nname, nlen, vn);
    if (err)
        return err;
    remove_entry(odir, oname, olen);
    vn->nlink = links;
    if (vn_is_dir(vn))
        vn->parent = ndir;
    return 0;
}

static int ramfs_readlink(struct vnode *vn, char *buf, size_t size)
{
    if (!vn_is_link(vn))
        return -EINVAL;
    size_t n = strlen(vn->target);
    if (n > size)
        n = size;
    memcpy(buf, vn->target, n);
    return (int)n;
}

static int ramfs_setattr(struct vnode *vn)
{
    (void)vn;
    return 0;                    /* the vnode is the storage */
}

const struct vnode_ops ramfs_ops = {
    .read = ramfs_read,
    .write = ramfs_write,
    .truncate = ramfs_truncate,
    .fsync = ramfs_fsync,
    .lookup = ramfs_lookup_op,
    .readdir = ramfs_readdir,
    .create = ramfs_create,
    .symlink = ramfs_symlink,
    .link = ramfs_hardlink,
    .unlink = ramfs_unlink,
    .rename = ramfs_rename,
    .readlink = ramfs_readlink,
    .setattr = ramfs_setattr,
};
