/* File-system system calls over the in-memory root file system. */
#include "unix/syscall.h"
#include "unix/process.h"
#include "unix/usercopy.h"
#include "unix/fd.h"
#include "fs/ramfs.h"
#include "fs/path.h"
#include "fs/vfs.h"
#include "mm/heap.h"
#include "lib/string.h"
#include "lib/errno.h"
#include "drivers/clock.h"

#define AT_FDCWD (-100)
#define AT_SYMLINK_NOFOLLOW 0x100
#define AT_REMOVEDIR 0x200
#define AT_SYMLINK_FOLLOW 0x400
#define AT_EMPTY_PATH 0x1000
#define IOV_MAX 1024
#define RW_MAX 0x7ffff000ull      /* Linux caps a single transfer here */

/* --- helpers ----------------------------------------------------------- */

static int64_t get_path(uint64_t upath, char *buf)
{
    if (!upath)
        return -EFAULT;
    int64_t n = strncpy_from_user(buf, upath, PATH_MAX);
    return n < 0 ? n : 0;
}

/* The directory a *at() call is relative to. */
static int at_dir(int dirfd, const char *path, struct vnode **dir)
{
    if (path[0] == '/' || dirfd == AT_FDCWD) {
        *dir = proc.cwd;
        return 0;
    }
    struct file *f = fd_get(dirfd);
    if (!f)
        return -EBADF;
    if (!vn_is_dir(f->vn))
        return -ENOTDIR;
    *dir = f->vn;
    return 0;
}

static int resolve_at(int dirfd, uint64_t upath, int flags, bool follow, struct vnode **out)
{
    char path[PATH_MAX];
    int64_t err = get_path(upath, path);
    if (err)
        return (int)err;
    if (path[0] == 0) {
        if (!(flags & AT_EMPTY_PATH))
            return -ENOENT;
        if (dirfd == AT_FDCWD) {
            *out = proc.cwd;
            return 0;
        }
        struct file *f = fd_get(dirfd);
        if (!f)
            return -EBADF;
        *out = f->vn;
        return 0;
    }
    struct vnode *dir;
    if ((err = at_dir(dirfd, path, &dir)))
        return (int)err;
    return path_resolve(dir, path, follow, out);
}

static int parent_at(int dirfd, const char *path, struct vnode **dir, const char **name, size_t *len)
{
    struct vnode *base;
    int err = at_dir(dirfd, path, &base);
    if (err)
        return err;
    return path_resolve_parent(base, path, dir, name, len);
}

static bool is_dot_name(const char *name, size_t len)
{
    return (len == 1 && name[0] == '.') || (len == 2 && name[0] == '.' && name[1] == '.');
}

static bool seekable(const struct vnode *vn)
{
    return !vn->ops->not_seekable;
}

/* --- read and write ----------------------------------------------------- */

static int64_t do_read(int fd, uint64_t ubuf, uint64_t len, int64_t pos)
{
    struct file *f = fd_get(fd);
    if (!f || (f->flags & O_PATH))
        return -EBADF;
    if ((f->flags & O_ACCMODE) == O_WRONLY)
        return -EBADF;
    if (len > RW_MAX)
        len = RW_MAX;
    if (pos >= 0 && !seekable(f->vn))
        return -ESPIPE;
    if (!user_begin(ubuf, len, true))
        return -EFAULT;
    int64_t n = vfs_read(f->vn, (void *)ubuf, len, pos >= 0 ? (uint64_t)pos : f->offset);
    user_end();
    if (n > 0 && pos < 0 && seekable(f->vn))
        f->offset += (uint64_t)n;
    return n;
}

static int64_t do_write(int fd, uint64_t ubuf, uint64_t len, int64_t pos)
{
    struct file *f = fd_get(fd);
    if (!f || (f->flags & O_PATH))
        return -EBADF;
    if ((f->flags & O_ACCMODE) == O_RDONLY)
        return -EBADF;
    if (len > RW_MAX)
        len = RW_MAX;
    if (pos >= 0 && !seekable(f->vn))
        return -ESPIPE;
    uint64_t off = pos >= 0 ? (uint64_t)pos : f->offset;
    if (pos < 0 && (f->flags & O_APPEND))
        off = f->vn->size;
    if (!user_begin(ubuf, len, false))
        return -EFAULT;
    int64_t n = vfs_write(f->vn, (const void *)ubuf, len, off);
    user_end();
    if (n > 0 && pos < 0 && seekable(f->vn))
        f->offset = off + (uint64_t)n;
    return n;
}

int64_t sys_read(SYSCALL_ARGS) { UNUSED_ARGS; return do_read((int)a0, a1, a2, -1); }
int64_t sys_write(SYSCALL_ARGS) { UNUSED_ARGS; return do_write((int)a0, a1, a2, -1); }

int64_t sys_pread64(SYSCALL_ARGS)
{
    UNUSED_ARGS;
    if ((int64_t)a3 < 0)
        return -EINVAL;
    return do_read((int)a0, a1, a2, (int64_t)a3);
}

int64_t sys_pwrite64(SYSCALL_ARGS)
{
    UNUSED_ARGS;
    if ((int64_t)a3 < 0)
        return -EINVAL;
    return do_write((int)a0, a1, a2, (int64_t)a3);
}

struct iovec { uint64_t base; uint64_t len; };

static int64_t do_vector(int fd, uint64_t uiov, uint64_t count, bool write)
{
    if (count > IOV_MAX)
        return -EINVAL;
    if (!fd_get(fd))
        return -EBADF;
    int64_t total = 0;
    for (uint64_t i = 0; i < count; i++) {
        struct iovec v;
        if (copy_from_user(&v, uiov + i * sizeof(v), sizeof(v)))
            return total ? total : -EFAULT;
        if ((int64_t)v.len < 0)
            return -EINVAL;
        if (v.len == 0)
            continue;
        int64_t n = write ? do_write(fd, v.base, v.len, -1) : do_read(fd, v.base, v.len, -1);
        if (n < 0)
            return total ? total : n;
        total += n;
        if ((uint64_t)n < v.len)
            break;
    }
    return total;
}

int64_t sys_readv(SYSCALL_ARGS) { UNUSED_ARGS; return do_vector((int)a0, a1, a2, false); }
int64_t sys_writev(SYSCALL_ARGS) { UNUSED_ARGS; return do_vector((int)a0, a1, a2, true); }

/* --- open and close ------------------------------------------------------ */

static int64_t do_open(int dirfd, uint64_t upath, uint64_t flags, uint32_t mode)
{
    char path[PATH_MAX];
    int64_t err = get_path(upath, path);
    if (err)
        return err;
    if ((flags & O_TMPFILE) == O_TMPFILE)
        return -EOPNOTSUPP;
    struct vnode *vn = 0;
    struct vnode *base;
    if ((err = at_dir(dirfd, path, &base)))
        return err;
    bool follow = !(flags & O_NOFOLLOW);
    err = path_resolve(base, path, follow, &vn);
    if (err == 0 && (flags & O_CREAT) && (flags & O_EXCL))
        return -EEXIST;
    if (err == -ENOENT && (flags & O_CREAT)) {
        struct vnode *dir;
        const char *name;
        size_t len;
        if ((err = path_resolve_parent(base, path, &dir, &name, &len)))
            return err;
        if (path[strlen(path) - 1] == '/')
            return -EISDIR;
        if ((err = vfs_create(dir, name, len, S_IFREG | (mode & 07777 & ~proc.umask), &vn)))
            return err;
    } else if (err) {
        return err;
    }
    if (vn_is_link(vn))
        return (flags & O_PATH) ? 0 : -ELOOP;
    if ((flags & O_DIRECTORY) && !vn_is_dir(vn))
        return -ENOTDIR;
    uint32_t acc = flags & O_ACCMODE;
    if (vn_is_dir(vn) && (acc != O_RDONLY || (flags & O_TRUNC)) && !(flags & O_PATH))
        return -EISDIR;
    if (acc != O_RDONLY && vn_is_reg(vn) && vfs_read_only(vn))
        return -EROFS;
    if ((flags & O_TRUNC) && vn_is_reg(vn) && acc != O_RDONLY) {
        if ((err = vfs_truncate(vn, 0)))
            return err;
    }
    struct file *f = file_new(vn, (uint32_t)(flags & ~(O_CREAT | O_EXCL | O_NOCTTY | O_TRUNC | O_CLOEXEC)), path);
    if (!f)
        return -ENOMEM;
    int fd = fd_install(f, 0, flags & O_CLOEXEC);
    if (fd < 0)
        file_put(f);
    return fd;
}

int64_t sys_open(SYSCALL_ARGS) { UNUSED_ARGS; return do_open(AT_FDCWD, a0, a1, (uint32_t)a2); }
int64_t sys_openat(SYSCALL_ARGS) { UNUSED_ARGS; return do_open((int)a0, a1, a2, (uint32_t)a3); }
int64_t sys_close(SYSCALL_ARGS) { UNUSED_ARGS; return fd_close((int)a0); }

int64_t sys_lseek(SYSCALL_ARGS)
{
    UNUSED_ARGS;
    struct file *f = fd_get((int)a0);
    if (!f)
        return -EBADF;
    if (!seekable(f->vn))
        return -ESPIPE;
    int64_t off = (int64_t)a1, base;
    switch (a2) {
    case 0: base = 0; break;                         /* SEEK_SET */
    case 1: base = (int64_t)f->offset; break;        /* SEEK_CUR */
    case 2: base = (int64_t)f->vn->size; break;      /* SEEK_END */
    case 3:                                          /* SEEK_DATA */
        if (off < 0 || (uint64_t)off >= f->vn->size) return -ENXIO;
        f->offset = (uint64_t)off;
        return off;
    case 4:                                          /* SEEK_HOLE */
        if (off < 0 || (uint64_t)off >= f->vn->size) return -ENXIO;
        f->offset = f->vn->size;
        return (int64_t)f->offset;
    default: return -EINVAL;
    }
    if ((off > 0 && base > INT64_MAX - off) || base + off < 0)
        return -EINVAL;
    f->offset = (uint64_t)(base + off);
    return (int64_t)f->offset;
}

/* --- stat ---------------------------------------------------------------- */

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
    int err = resolve_at(AT_FDCWD, a0, 0, true, &vn);
    return err ? err : stat_to_user(vn, a1);
}

int64_t sys_lstat(SYSCALL_ARGS)
{
    UNUSED_ARGS;
    struct vnode *vn;
    int err = resolve_at(AT_FDCWD, a0, 0, false, &vn);
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
    if (a3 & ~(uint64_t)(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH | 0x800 /* AT_NO_AUTOMOUNT */))
        return -EINVAL;
    struct vnode *vn;
    int err = resolve_at((int)a0, a1, (int)a3, !(a3 & AT_SYMLINK_NOFOLLOW), &vn);
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
    int err = resolve_at((int)a0, a1, (int)a2, !(a2 & AT_SYMLINK_NOFOLLOW), &vn);
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

/* --- directories --------------------------------------------------------- */

int64_t sys_getdents64(SYSCALL_ARGS)
{
    UNUSED_ARGS;
    struct file *f = fd_get((int)a0);
    if (!f)
        return -EBADF;
    if (!vn_is_dir(f->vn))
        return -ENOTDIR;
    uint64_t ubuf = a1, size = a2, used = 0;
    char name[NAME_MAX + 1];
    uint8_t rec[24 + NAME_MAX + 1];
    for (;;) {
        uint64_t cookie = f->offset, ino;
        uint8_t type;
        int r = vfs_readdir(f->vn, &cookie, name, &ino, &type);
        if (r < 0)
            return used ? (int64_t)used : r;
        if (r == 0)
            break;
        size_t nlen = strlen(name);
        uint64_t reclen = (19 + nlen + 1 + 7) & ~7ull;
        if (used + reclen > size) {
            if (used == 0)
                return -EINVAL;
            break;
        }
        memset(rec, 0, reclen);
        uint16_t rl = (uint16_t)reclen;
        memcpy(rec, &ino, 8);
        memcpy(rec + 8, &cookie, 8);
        memcpy(rec + 16, &rl, 2);
        rec[18] = type;
        memcpy(rec + 19, name, nlen);
        if (copy_to_user(ubuf + used, rec, reclen))
            return used ? (int64_t)used : -EFAULT;
        used += reclen;
        f->offset = cookie;
    }
    vn_touch(f->vn, false);
    return (int64_t)used;
}

int64_t sys_getcwd(SYSCALL_ARGS)
{
    UNUSED_ARGS;
    char buf[PATH_MAX];
    int n = path_of_dir(proc.cwd, buf, sizeof(buf));
    if (n < 0)
        return n;
    if ((uint64_t)n > a1)
        return -ERANGE;
    if (copy_to_user(a0, buf, (size_t)n))
        return -EFAULT;
    return n;
}

static int64_t set_cwd(struct vnode *vn)
{
    if (!vn_is_dir(vn))
        return -ENOTDIR;
    proc.cwd = vn;
    return 0;
}

int64_t sys_chdir(SYSCALL_ARGS)
{
    UNUSED_ARGS;
    struct vnode *vn;
    int err = resolve_at(AT_FDCWD, a0, 0, true, &vn);
    return err ? err : set_cwd(vn);
}

int64_t sys_fchdir(SYSCALL_ARGS)
{
    UNUSED_ARGS;
    struct file *f = fd_get((int)a0);
    return f ? set_cwd(f->vn) : -EBADF;
}

static int64_t do_mkdir(int dirfd, uint64_t upath, uint32_t mode)
{
    char path[PATH_MAX];
    int64_t err = get_path(upath, path);
    if (err)
        return err;
    struct vnode *dir, *vn;
    const char *name;
    size_t len;
    if ((err = parent_at(dirfd, path, &dir, &name, &len)))
        return err;
    return vfs_create(dir, name, len, S_IFDIR | (mode & 07777 & ~proc.umask), &vn);
}

int64_t sys_mkdir(SYSCALL_ARGS) { UNUSED_ARGS; return do_mkdir(AT_FDCWD, a0, (uint32_t)a1); }
int64_t sys_mkdirat(SYSCALL_ARGS) { UNUSED_ARGS; return do_mkdir((int)a0, a1, (uint32_t)a2); }

static int64_t do_unlink(int dirfd, uint64_t upath, int flags)
{
    char path[PATH_MAX];
    int64_t err = get_path(upath, path);
    if (err)
        return err;
    struct vnode *dir, *vn;
    const char *name;
    size_t len;
    if ((err = parent_at(dirfd, path, &dir, &name, &len)))
        return err;
    bool rmdir = flags & AT_REMOVEDIR;
    if (!is_dot_name(name, len) && vfs_lookup(dir, name, len, &vn) == 0) {
        if (rmdir && (vn == proc.cwd || vn == vfs_root || (vn->mount && vn->mount->root == vn)))
            return -EBUSY;
    }
    return vfs_unlink(dir, name, len, rmdir);
}

int64_t sys_unlink(SYSCALL_ARGS) { UNUSED_ARGS; return do_unlink(AT_FDCWD, a0, 0); }
int64_t sys_rmdir(SYSCALL_ARGS) { UNUSED_ARGS; return do_unlink(AT_FDCWD, a0, AT_REMOVEDIR); }
int64_t sys_unlinkat(SYSCALL_ARGS)
{
    UNUSED_ARGS;
    if (a2 & ~(uint64_t)AT_REMOVEDIR)
        return -EINVAL;
    return do_unlink((int)a0, a1, (int)a2);
}

static int64_t do_rename(int olddirfd, uint64_t uold, int newdirfd, uint64_t unew, uint64_t flags)
{
    char *oldp = kmalloc(PATH_MAX), *newp = kmalloc(PATH_MAX);
    int64_t err = (!oldp || !newp) ? -ENOMEM : 0;
    if (!err && !(err = get_path(uold, oldp)) && !(err = get_path(unew, newp))) {
        struct vnode *odir, *ndir, *target;
        const char *oname, *nname;
        size_t olen, nlen;
        if (flags & ~1ull)                  /* only RENAME_NOREPLACE */
            err = -EINVAL;
        else if (!(err = parent_at(olddirfd, oldp, &odir, &oname, &olen)) &&
                 !(err = parent_at(newdirfd, newp, &ndir, &nname, &nlen))) {
            if ((flags & 1) && !is_dot_name(nname, nlen) && vfs_lookup(ndir, nname, nlen, &target) == 0)
                err = -EEXIST;
            else
                err = vfs_rename(odir, oname, olen, ndir, nname, nlen);
        }
    }
    kfree(oldp);
    kfree(newp);
    return err;
}

int64_t sys_rename(SYSCALL_ARGS) { UNUSED_ARGS; return do_rename(AT_FDCWD, a0, AT_FDCWD, a1, 0); }
int64_t sys_renameat(SYSCALL_ARGS) { UNUSED_ARGS; return do_rename((int)a0, a1, (int)a2, a3, 0); }
int64_t sys_renameat2(SYSCALL_ARGS) { UNUSED_ARGS; return do_rename((int)a0, a1, (int)a2, a3, a4); }

static int64_t do_symlink(uint64_t utarget, int dirfd, uint64_t upath)
{
    char *target = kmalloc(PATH_MAX), *path = kmalloc(PATH_MAX);
    int64_t err = (!target || !path) ? -ENOMEM : 0;
    if (!err && !(err = get_path(utarget, target)) && !(err = get_path(upath, path))) {
        struct vnode *dir;
        const char *name;
        size_t len;
        if (target[0] == 0)
            err = -ENOENT;
        else if (!(err = parent_at(dirfd, path, &dir, &name, &len)))
            err = vfs_symlink(dir, name, len, target);
    }
    kfree(target);
    kfree(path);
    return err;
}

static int64_t do_link(int olddirfd, uint64_t uold, int newdirfd, uint64_t unew, uint64_t flags)
{
    if (flags & ~(uint64_t)(AT_SYMLINK_FOLLOW | AT_EMPTY_PATH))
        return -EINVAL;
    struct vnode *vn;
    int err = resolve_at(olddirfd, uold, (int)flags, flags & AT_SYMLINK_FOLLOW, &vn);
    if (err)
        return err;
    char *path = kmalloc(PATH_MAX);
    if (!path)
        return -ENOMEM;
    if (!(err = (int)get_path(unew, path))) {
        struct vnode *dir;
        const char *name;
        size_t len;
        if (!(err = parent_at(newdirfd, path, &dir, &name, &len)))
            err = vfs_link(dir, name, len, vn);
    }
    kfree(path);
    return err;
}

int64_t sys_link(SYSCALL_ARGS) { UNUSED_ARGS; return do_link(AT_FDCWD, a0, AT_FDCWD, a1, 0); }
int64_t sys_linkat(SYSCALL_ARGS) { UNUSED_ARGS; return do_link((int)a0, a1, (int)a2, a3, a4); }

int64_t sys_symlink(SYSCALL_ARGS) { UNUSED_ARGS; return do_symlink(a0, AT_FDCWD, a1); }
int64_t sys_symlinkat(SYSCALL_ARGS) { UNUSED_ARGS; return do_symlink(a0, (int)a1, a2); }

static int64_t do_readlink(int dirfd, uint64_t upath, uint64_t ubuf, uint64_t size)
{
    if ((int64_t)size <= 0)
        return -EINVAL;
    struct vnode *vn;
    int err = resolve_at(dirfd, upath, AT_EMPTY_PATH, false, &vn);
    if (err)
        return err;
    char *buf = kmalloc(PATH_MAX);
    if (!buf)
        return -ENOMEM;
    int n = vfs_readlink(vn, buf, size < PATH_MAX ? size : PATH_MAX);
    if (n >= 0 && copy_to_user(ubuf, buf, (size_t)n))
        n = -EFAULT;
    kfree(buf);
    return n;
}

int64_t sys_readlink(SYSCALL_ARGS) { UNUSED_ARGS; return do_readlink(AT_FDCWD, a0, a1, a2); }
int64_t sys_readlinkat(SYSCALL_ARGS) { UNUSED_ARGS; return do_readlink((int)a0, a1, a2, a3); }

/* Everything runs as root; access only checks existence (and X bits for
 * X_OK, as root does). */
static int64_t do_access(int dirfd, uint64_t upath, uint64_t mode, uint64_t flags)
{
    if (mode & ~7ull)
        return -EINVAL;
    struct vnode *vn;
    int err = resolve_at(dirfd, upath, (int)flags, !(flags & AT_SYMLINK_NOFOLLOW), &vn);
    if (err)
        return err;
    if ((mode & 1) && !vn_is_dir(vn) && !(vn->mode & 0111))
        return -EACCES;
    return 0;
}

int64_t sys_access(SYSCALL_ARGS) { UNUSED_ARGS; return do_access(AT_FDCWD, a0, a1, 0); }
int64_t sys_faccessat(SYSCALL_ARGS) { UNUSED_ARGS; return do_access((int)a0, a1, a2, 0); }
int64_t sys_faccessat2(SYSCALL_ARGS) { UNUSED_ARGS; return do_access((int)a0, a1, a2, a3); }

/* --- sizes, sync, modes ---------------------------------------------------- */

int64_t sys_ftruncate(SYSCALL_ARGS)
{
    UNUSED_ARGS;
    struct file *f = fd_get((int)a0);
    if (!f)
        return -EBADF;
    if ((int64_t)a1 < 0 || !vn_is_reg(f->vn) || (f->flags & O_ACCMODE) == O_RDONLY)
        return -EINVAL;
    return vfs_truncate(f->vn, a1);
}

int64_t sys_truncate(SYSCALL_ARGS)
{
    UNUSED_ARGS;
    struct vnode *vn;
    int err = resolve_at(AT_FDCWD, a0, 0, true, &vn);
    if (err)
        return err;
    if ((int64_t)a1 < 0)
        return -EINVAL;
    return vfs_truncate(vn, a1);
}

int64_t sys_fsync(SYSCALL_ARGS)
{
    UNUSED_ARGS;
    struct file *f = fd_get((int)a0);
    return f ? vfs_fsync(f->vn) : -EBADF;
}

int64_t sys_fdatasync(SYSCALL_ARGS) { UNUSED_ARGS; return sys_fsync(a0, 0, 0, 0, 0, 0); }

int64_t sys_sync(SYSCALL_ARGS)
{
    UNUSED_ARGS;
    mounts_sync();
    return 0;
}

int64_t sys_umask(SYSCALL_ARGS)
{
    UNUSED_ARGS;
    uint32_t old = proc.umask;
    proc.umask = (uint32_t)a0 & 0777;
    return old;
}

int64_t sys_fchmod(SYSCALL_ARGS)
{
    UNUSED_ARGS;
    struct file *f = fd_get((int)a0);
    return f ? vfs_chmod(f->vn, (uint32_t)a1) : -EBADF;
}

int64_t sys_chmod(SYSCALL_ARGS)
{
    UNUSED_ARGS;
    struct vnode *vn;
    int err = resolve_at(AT_FDCWD, a0, 0, true, &vn);
    return err ? err : vfs_chmod(vn, (uint32_t)a1);
}

int64_t sys_fchmodat(SYSCALL_ARGS)
{
    UNUSED_ARGS;
    struct vnode *vn;
    int err = resolve_at((int)a0, a1, 0, true, &vn);
    return err ? err : vfs_chmod(vn, (uint32_t)a2);
}

/* Everything runs as root and ownership has no meaning yet: accept. */
int64_t sys_fchown(SYSCALL_ARGS) { UNUSED_ARGS; return fd_get((int)a0) ? 0 : -EBADF; }
int64_t sys_chown(SYSCALL_ARGS)
{
    UNUSED_ARGS;
    struct vnode *vn;
    return resolve_at(AT_FDCWD, a0, 0, true, &vn);
}
int64_t sys_fchownat(SYSCALL_ARGS)
{
    UNUSED_ARGS;
    struct vnode *vn;
    return resolve_at((int)a0, a1, (int)a4, !(a4 & AT_SYMLINK_NOFOLLOW), &vn);
}

#define UTIME_NOW ((1l << 30) - 1l)
#define UTIME_OMIT ((1l << 30) - 2l)

int64_t sys_utimensat(SYSCALL_ARGS)
{
    UNUSED_ARGS;
    struct vnode *vn;
    int err;
    if (a1 == 0) {                          /* futimens(fd, ...) */
        struct file *f = fd_get((int)a0);
        if (!f)
            return -EBADF;
        vn = f->vn;
    } else if ((err = resolve_at((int)a0, a1, (int)a3, !(a3 & AT_SYMLINK_NOFOLLOW), &vn))) {
        return err;
    }
    uint64_t ns = clock_realtime_ns();
    struct timespec64 now = { (int64_t)(ns / 1000000000), (int64_t)(ns % 1000000000) };
    struct timespec64 t[2] = { now, now };
    if (a2) {
        if (copy_from_user(t, a2, sizeof(t)))
            return -EFAULT;
        for (int i = 0; i < 2; i++) {
            if (t[i].nsec == UTIME_NOW)
                t[i] = now;
            else if (t[i].nsec != UTIME_OMIT && (t[i].nsec < 0 || t[i].nsec >= 1000000000))
                return -EINVAL;
        }
    }
    vn->ctime = now;
    return vfs_set_times(vn, t[0].nsec == UTIME_OMIT ? 0 : &t[0], t[1].nsec == UTIME_OMIT ? 0 : &t[1]);
}

/* --- descriptors ------------------------------------------------------------ */

int64_t sys_dup(SYSCALL_ARGS)
{
    UNUSED_ARGS;
    struct file *f = fd_get((int)a0);
    if (!f)
        return -EBADF;
    f->refs++;
    int fd = fd_install(f, 0, false);
    if (fd < 0)
        f->refs--;
    return fd;
}

int64_t sys_dup2(SYSCALL_ARGS)
{
    UNUSED_ARGS;
    if (!fd_get((int)a0))
        return -EBADF;
    return fd_dup_to((int)a0, (int)a1, false);
}

int64_t sys_dup3(SYSCALL_ARGS)
{
    UNUSED_ARGS;
    if (a0 == a1 || (a2 & ~(uint64_t)O_CLOEXEC))
        return -EINVAL;
    return fd_dup_to((int)a0, (int)a1, a2 & O_CLOEXEC);
}

#define F_DUPFD 0
#define F_GETFD 1
#define F_SETFD 2
#define F_GETFL 3
#define F_SETFL 4
#define F_GETLK 5
#define F_SETLK 6
#define F_SETLKW 7
#define F_DUPFD_CLOEXEC 1030
#define FD_CLOEXEC 1

int64_t sys_fcntl(SYSCALL_ARGS)
{
    UNUSED_ARGS;
    int fd = (int)a0;
    struct file *f = fd_get(fd);
    if (!f)
        return -EBADF;
    switch (a1) {
    case F_DUPFD:
    case F_DUPFD_CLOEXEC: {
        f->refs++;
        int n = fd_install(f, (int)a2, a1 == F_DUPFD_CLOEXEC);
        if (n < 0)
            f->refs--;
        return n;
    }
    case F_GETFD:
        return fd_cloexec(fd) ? FD_CLOEXEC : 0;
    case F_SETFD:
        fd_set_cloexec(fd, a2 & FD_CLOEXEC);
        return 0;
    case F_GETFL:
        return f->flags;
    case F_SETFL:
        f->flags = (f->flags & ~(uint32_t)(O_APPEND | O_NONBLOCK)) | ((uint32_t)a2 & (O_APPEND | O_NONBLOCK));
        return 0;
    case F_GETLK: {
        /* One process: no lock can conflict.  l_type = F_UNLCK. */
        int16_t unlck = 2;
        return copy_to_user(a2, &unlck, sizeof(unlck));
    }
    case F_SETLK:
    case F_SETLKW:
        return 0;
    default:
        return -EINVAL;
    }
}

#define TCGETS 0x5401
#define TCSETS 0x5402
#define TCSETSW 0x5403
#define TCSETSF 0x5404
#define TIOCGWINSZ 0x5413
#define TIOCSWINSZ 0x5414
#define TIOCGPGRP 0x540f
#define FIONBIO 0x5421
#define FIOCLEX 0x5451
#define FIONCLEX 0x5450

struct termios_k {
    uint32_t iflag, oflag, cflag, lflag;
    uint8_t line;
    uint8_t cc[19];
};

int64_t sys_ioctl(SYSCALL_ARGS)
{
    UNUSED_ARGS;
    int fd = (int)a0;
    struct file *f = fd_get(fd);
    if (!f)
        return -EBADF;
    switch (a1) {
    case FIOCLEX: fd_set_cloexec(fd, true); return 0;
    case FIONCLEX: fd_set_cloexec(fd, false); return 0;
    case FIONBIO: return 0;
    }
    bool tty = f->vn->ops && f->vn->ops->is_tty;
    if (!tty)
        return -ENOTTY;
    switch (a1) {
    case TCGETS: {
        static struct termios_k t = {
            .iflag = 0x500,              /* ICRNL | IXON */
            .oflag = 0x5,                /* OPOST | ONLCR */
            .cflag = 0xbf,               /* B38400 | CS8 | CREAD */
            .lflag = 0x8a3b,             /* ISIG ICANON ECHO ECHOE ECHOK ECHOCTL ECHOKE IEXTEN */
            .cc = { 3, 28, 127, 21, 4, 0, 1, 0, 17, 19, 26, 0, 18, 15, 23, 22 },
        };
        return copy_to_user(a2, &t, sizeof(t));
    }
    case TCSETS:
    case TCSETSW:
    case TCSETSF:
    case TIOCSWINSZ:
        return 0;
    case TIOCGWINSZ: {
        uint16_t ws[4] = { 24, 80, 0, 0 };
        return copy_to_user(a2, ws, sizeof(ws));
    }
    case TIOCGPGRP: {
        int32_t pgrp = PROCESS_PID;
        return copy_to_user(a2, &pgrp, sizeof(pgrp));
    }
    default:
        return -EINVAL;
    }
}
