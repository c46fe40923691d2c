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

int ramfs_unlink(struct vnode *dir, const char *name, size_t len)
{
    for (struct dir_entry **pp = &dir->entries; *pp; pp = &(*pp)->next) {
        struct dir_entry *e = *pp;
        if (strlen(e->name) == len && !memcmp(e->name, name, len)) {
            *pp = e->next;
            if (vn_is_dir(e->vn))
                dir->nlink--;
            if (e->vn->nlink)
                e->vn->nlink--;
            /* Open files may still use the vnode; its memory is kept. */
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
    uint64_t newcap = vn->capacity ? vn->capacity : 256;
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

int ramfs_truncate(struct vnode *vn, uint64_t size)
{
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

int64_t ramfs_read(struct vnode *vn, void *buf, uint64_t len, uint64_t off)
{
    if (off >= vn->size)
        return 0;
    if (len > vn->size - off)
        len = vn->size - off;
    memcpy(buf, vn->data + off, len);
    return (int64_t)len;
}

int64_t ramfs_write(struct vnode *vn, const void *buf, uint64_t len, uint64_t off)
{
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

bool ramfs_dir_entry(struct vnode *dir, uint64_t n, const char **name, struct vnode **vn)
{
    if (n == 0) {
        *name = ".";
        *vn = dir;
        return true;
    }
    if (n == 1) {
        *name = "..";
        *vn = dir->parent;
        return true;
    }
    uint64_t i = 2;
    for (struct dir_entry *e = dir->entries; e; e = e->next, i++) {
        if (i == n) {
            *name = e->name;
            *vn = e->vn;
            return true;
        }
    }
    return false;
}
