#include "fs/vfs.h"
#include "fs/ramfs.h"
#include "lib/errno.h"

bool vfs_read_only(const struct vnode *vn)
{
    return vn->mount && vn->mount->read_only;
}

int64_t vfs_read(struct vnode *vn, void *buf, uint64_t len, uint64_t off)
{
    if (vn_is_dir(vn))
        return -EISDIR;
    if (!vn->ops->read)
        return -EINVAL;
    return vn->ops->read(vn, buf, len, off);
}

int64_t vfs_write(struct vnode *vn, const void *buf, uint64_t len, uint64_t off)
{
    if (vn_is_dir(vn))
        return -EISDIR;
    if (!vn->ops->write)
        return -EINVAL;
    if (vfs_read_only(vn) && vn_is_reg(vn))
        return -EROFS;
    return vn->ops->write(vn, buf, len, off);
}

int vfs_truncate(struct vnode *vn, uint64_t size)
{
    if (vn_is_dir(vn))
        return -EISDIR;
    if (!vn_is_reg(vn) || !vn->ops->truncate)
        return -EINVAL;
    if (vfs_read_only(vn))
        return -EROFS;
    return vn->ops->truncate(vn, size);
}

int vfs_fsync(struct vnode *vn)
{
    return vn->ops->fsync ? vn->ops->fsync(vn) : 0;
}

int vfs_readdir(struct vnode *dir, uint64_t *cookie, char name[NAME_MAX + 1], uint64_t *ino, uint8_t *dtype)
{
    if (!vn_is_dir(dir))
        return -ENOTDIR;
    if (!dir->ops->readdir)
        return 0;
    return dir->ops->readdir(dir, cookie, name, ino, dtype);
}

static int modifiable_dir(struct vnode *dir, void *op)
{
    if (!vn_is_dir(dir))
        return -ENOTDIR;
    if (!op)
        return -EPERM;
    if (vfs_read_only(dir))
        return -EROFS;
    return 0;
}

static bool dot_name(const char *name, size_t len)
{
    return (len == 1 && name[0] == '.') || (len == 2 && name[0] == '.' && name[1] == '.');
}

int vfs_create(struct vnode *dir, const char *name, size_t len, uint32_t mode, struct vnode **out)
{
    int err = modifiable_dir(dir, (void *)dir->ops->create);
    if (err)
        return err;
    if (dot_name(name, len))
        return -EEXIST;
    return dir->ops->create(dir, name, len, mode, out);
}

int vfs_symlink(struct vnode *dir, const char *name, size_t len, const char *target)
{
    int err = modifiable_dir(dir, (void *)dir->ops->symlink);
    if (err)
        return err;
    if (dot_name(name, len))
        return -EEXIST;
    struct vnode *vn;
    return dir->ops->symlink(dir, name, len, target, &vn);
}

int vfs_link(struct vnode *dir, const char *name, size_t len, struct vnode *vn)
{
    int err = modifiable_dir(dir, (void *)dir->ops->link);
    if (err)
        return err;
    if (vn->mount != dir->mount || vn->ops != dir->ops)
        return -EXDEV;
    if (vn_is_dir(vn))
        return -EPERM;
    if (dot_name(name, len))
        return -EEXIST;
    return dir->ops->link(dir, name, len, vn);
}

int vfs_unlink(struct vnode *dir, const char *name, size_t len, bool is_dir)
{
    int err = modifiable_dir(dir, (void *)dir->ops->unlink);
    if (err)
        return err;
    if (dot_name(name, len))
        return is_dir ? (len == 1 ? -EINVAL : -ENOTEMPTY) : -EISDIR;
    return dir->ops->unlink(dir, name, len, is_dir);
}

int vfs_rename(struct vnode *odir, const char *oname, size_t olen, struct vnode *ndir, const char *nname, size_t nlen)
{
    int err = modifiable_dir(odir, (void *)odir->ops->rename);
    if (err)
        return err;
    if ((err = modifiable_dir(ndir, (void *)ndir->ops->rename)))
        return err;
    if (odir->mount != ndir->mount || odir->ops != ndir->ops)
        return -EXDEV;
    if (dot_name(oname, olen) || dot_name(nname, nlen))
        return -EBUSY;
    return odir->ops->rename(odir, oname, olen, ndir, nname, nlen);
}

int vfs_readlink(struct vnode *vn, char *buf, size_t size)
{
    if (!vn_is_link(vn) || !vn->ops->readlink)
        return -EINVAL;
    return vn->ops->readlink(vn, buf, size);
}

int vfs_chmod(struct vnode *vn, uint32_t mode)
{
    if (vfs_read_only(vn))
        return -EROFS;
    vn->mode = (vn->mode & S_IFMT) | (mode & 07777);
    vn_touch(vn, true);
    return vn->ops->setattr ? vn->ops->setattr(vn) : 0;
}

int vfs_set_times(struct vnode *vn, const struct timespec64 *atime, const struct timespec64 *mtime)
{
    if (vfs_read_only(vn))
        return -EROFS;
    if (atime)
        vn->atime = *atime;
    if (mtime)
        vn->mtime = *mtime;
    return vn->ops->setattr ? vn->ops->setattr(vn) : 0;
}

static struct mount *mounts;

int vfs_mount(struct vnode *on, struct mount *m)
{
    if (!vn_is_dir(on))
        return -ENOTDIR;
    if (on->mounted)
        return -EBUSY;
    m->mountpoint = on;
    m->root->mount = m;
    on->mounted = m->root;
    m->next = mounts;
    mounts = m;
    return 0;
}

void mounts_sync(void)
{
    for (struct mount *m = mounts; m; m = m->next)
        if (m->sync && !m->read_only)
            m->sync(m);
}

void mounts_unmount_all(void)
{
    for (struct mount *m = mounts; m; m = m->next)
        if (m->unmount)
            m->unmount(m);
}
