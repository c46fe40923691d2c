/* The stat family (stat, lstat, fstat, newfstatat, statx) and statfs. */
#include "unix/syscall.h"
#include "unix/process.h"
#include "unix/usercopy.h"
#include "unix/fd.h"
#include "unix/at.h"
#include "fs/path.h"
#include "fs/vfs.h"
#include "mm/heap.h"
#include "lib/string.h"
#include "lib/errno.h"

struct linux_stat {
    uint64_t dev, ino, nlink;
    uint32_t mode, uid, gid, pad0;
    uint64_t rdev;
    int64_t size, blksize, blocks;
    int64_t atime, atime_nsec, mtime, mtime_nsec, ctime, ctime_nsec;
    int64_t reserved[3];
};

static void fill_stat(const struct vnode *vn, struct linux_stat *st)
{
    memset(st, 0, sizeof(*st));
    st->dev = vn->dev;
    st->ino = vn->ino;
    st->nlink = vn->nlink;
    st->mode = vn->mode;
    st->uid = vn->uid;
    st->gid = vn->gid;
    st->rdev = vn->rdev;
    st->size = vn_is_dir(vn) ? 4096 : (int64_t)vn->size;
    st->blksize = 4096;
    st->blocks = vn->blocks512 ? (int64_t)vn->blocks512 : (st->size + 511) / 512;
    st->atime = vn->atime.sec; st->atime_nsec = vn->atime.nsec;
    st->mtime = vn->mtime.sec; st->mtime_nsec = vn->mtime.nsec;
    st->ctime = vn->ctime.sec; st->ctime_nsec = vn->ctime.nsec;
}

static int64_t stat_to_user(struct vnode *vn, uint64_t ust)
{
    struct linux_stat st;
    fill_stat(vn, &st);
    return copy_to_user(ust, &st, sizeof(st));
}

int64_t sys_stat(SYSCALL_ARGS)
{
    UNUSED_ARGS;
    struct vnode *vn;
    int err = at_resolve(AT_FDCWD, a0, 0, true, &vn);
    return err ? err : stat_to_user(vn, a1);
}

int64_t sys_lstat(SYSCALL_ARGS)
{
    UNUSED_ARGS;
    struct vnode *vn;
    int err = at_resolve(AT_FDCWD, a0, 0, false, &vn);
    return err ? err : stat_to_user(vn, a1);
}

int64_t sys_fstat(SYSCALL_ARGS)
{
    UNUSED_ARGS;
    struct file *f = fd_get((int)a0);
    if (!f)
        return -EBADF;
    return stat_to_user(f->vn, a1);
}

int64_t sys_newfstatat(SYSCALL_ARGS)
{
    UNUSED_ARGS;
    if (a3 & ~(uint64_t)(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH | AT_NO_AUTOMOUNT))
        return -EINVAL;
    struct vnode *vn;
    int err = at_resolve((int)a0, a1, (int)a3, !(a3 & AT_SYMLINK_NOFOLLOW), &vn);
    return err ? err : stat_to_user(vn, a2);
}

struct statx_timestamp { int64_t sec; uint32_t nsec; int32_t reserved; };
struct statx {
    uint32_t mask, blksize;
    uint64_t attributes;
    uint32_t nlink, uid, gid;
    uint16_t mode, pad1;
    uint64_t ino, size, blocks, attributes_mask;
    struct statx_timestamp atime, btime, ctime, mtime;
    uint32_t rdev_major, rdev_minor, dev_major, dev_minor;
    uint64_t spare[14];
};

int64_t sys_statx(SYSCALL_ARGS)
{
    UNUSED_ARGS;
    struct vnode *vn;
    int err = at_resolve((int)a0, a1, (int)a2, !(a2 & AT_SYMLINK_NOFOLLOW), &vn);
    if (err)
        return err;
    struct linux_stat st;
    fill_stat(vn, &st);
    struct statx sx;
    memset(&sx, 0, sizeof(sx));
    sx.mask = 0x7ff;                 /* STATX_BASIC_STATS */
    sx.blksize = 4096;
    sx.nlink = (uint32_t)st.nlink;
    sx.uid = st.uid;
    sx.gid = st.gid;
    sx.mode = (uint16_t)st.mode;
    sx.ino = st.ino;
    sx.size = (uint64_t)st.size;
    sx.blocks = (uint64_t)st.blocks;
    sx.atime = (struct statx_timestamp){ st.atime, (uint32_t)st.atime_nsec, 0 };
    sx.mtime = (struct statx_timestamp){ st.mtime, (uint32_t)st.mtime_nsec, 0 };
    sx.ctime = (struct statx_timestamp){ st.ctime, (uint32_t)st.ctime_nsec, 0 };
    sx.rdev_major = (uint32_t)(vn->rdev >> 8);
    sx.rdev_minor = (uint32_t)(vn->rdev & 0xff);
    sx.dev_major = 0;
    sx.dev_minor = (uint32_t)vn->dev;
    return copy_to_user(a4, &sx, sizeof(sx));
}

struct statfs_k {
    int64_t type, bsize;
    uint64_t blocks, bfree, bavail, files, ffree;
    int32_t fsid[2];
    int64_t namelen, frsize, flags, spare[4];
};

static int64_t statfs_of(struct vnode *vn, uint64_t ubuf)
{
    struct statfs_k st;
    memset(&st, 0, sizeof(st));
    st.bsize = st.frsize = 4096;
    st.namelen = 255;
    struct fs_stats fs;
    if (vn->mount && vn->mount->statfs && vn->mount->statfs(vn->mount, &fs) == 0) {
        st.type = (int64_t)fs.magic;
        st.bsize = st.frsize = (int64_t)fs.block_size;
        st.blocks = fs.blocks;
        st.bfree = st.bavail = fs.free_blocks;
        st.files = fs.files;
        st.ffree = fs.free_files;
        if (vn->mount->read_only)
            st.flags |= 1;              /* ST_RDONLY */
    } else {
        st.type = 0x01021994;           /* TMPFS_MAGIC */
    }
    return copy_to_user(ubuf, &st, sizeof(st));
}

int64_t sys_fstatfs(SYSCALL_ARGS)
{
    UNUSED_ARGS;
    struct file *f = fd_get((int)a0);
    return f ? statfs_of(f->vn, a1) : -EBADF;
}

int64_t sys_statfs(SYSCALL_ARGS)
{
    UNUSED_ARGS;
    char *path = kmalloc(PATH_MAX);
    if (!path)
        return -ENOMEM;
    int64_t n = strncpy_from_user(path, a0, PATH_MAX);
    int64_t r = n;
    if (n >= 0) {
        struct vnode *vn;
        r = path_resolve(proc.cwd, path, true, &vn);
        if (!r)
            r = statfs_of(vn, a1);
    }
    kfree(path);
    return r;
}
