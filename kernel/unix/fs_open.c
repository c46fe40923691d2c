/* Opening and closing files, and the descriptor operations: dup, fcntl. */
#include "unix/syscall.h"
#include "unix/process.h"
#include "unix/usercopy.h"
#include "unix/fd.h"
#include "unix/at.h"
#include "fs/path.h"
#include "fs/vfs.h"
#include "lib/string.h"
#include "lib/errno.h"

/* The file an open() names, created when O_CREAT asks and it is missing. */
static int64_t open_lookup(struct vnode *base, const char *path, uint64_t flags, uint32_t mode,
                           struct vnode **vn)
{
    int64_t err = path_resolve(base, path, !(flags & O_NOFOLLOW), vn);
    if (err == 0 && (flags & O_CREAT) && (flags & O_EXCL))
        return -EEXIST;
    if (err != -ENOENT || !(flags & O_CREAT))
        return err;
    struct vnode *dir;
    const char *name;
    size_t len;
    if ((err = path_resolve_parent(base, path, &dir, &name, &len)))
        return err;
    if (path[strlen(path) - 1] == '/')
        return -EISDIR;
    return vfs_create(dir, name, len, S_IFREG | (mode & 07777 & ~proc.umask), vn);
}

/* Whether the access mode and flags suit the file found. */
static int64_t open_check(struct vnode *vn, uint64_t flags)
{
    if ((flags & O_DIRECTORY) && !vn_is_dir(vn))
        return -ENOTDIR;
    uint32_t acc = flags & O_ACCMODE;
    if (vn_is_dir(vn) && (acc != O_RDONLY || (flags & O_TRUNC)) && !(flags & O_PATH))
        return -EISDIR;
    if (acc != O_RDONLY && vn_is_reg(vn) && vfs_read_only(vn))
        return -EROFS;
    if ((flags & O_TRUNC) && vn_is_reg(vn) && acc != O_RDONLY)
        return vfs_truncate(vn, 0);
    return 0;
}

static int64_t do_open(int dirfd, uint64_t upath, uint64_t flags, uint32_t mode)
{
    char path[PATH_MAX];
    int64_t err = at_get_path(upath, path);
    if (err)
        return err;
    if ((flags & O_TMPFILE) == O_TMPFILE)
        return -EOPNOTSUPP;
    struct vnode *vn = 0, *base;
    if ((err = at_dir(dirfd, path, &base)) || (err = open_lookup(base, path, flags, mode, &vn)))
        return err;
    if (vn_is_link(vn))
        return (flags & O_PATH) ? 0 : -ELOOP;
    if ((err = open_check(vn, flags)))
        return err;
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

/* Another descriptor >= min for f (which gains a reference). */
static int64_t dup_from(struct file *f, int min, bool cloexec)
{
    f->refs++;
    int fd = fd_install(f, min, cloexec);
    if (fd < 0)
        f->refs--;
    return fd;
}

int64_t sys_dup(SYSCALL_ARGS)
{
    UNUSED_ARGS;
    struct file *f = fd_get((int)a0);
    return f ? dup_from(f, 0, false) : -EBADF;
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
#define F_UNLCK 2

int64_t sys_fcntl(SYSCALL_ARGS)
{
    UNUSED_ARGS;
    int fd = (int)a0;
    struct file *f = fd_get(fd);
    if (!f)
        return -EBADF;
    switch (a1) {
    case F_DUPFD:
    case F_DUPFD_CLOEXEC:
        return dup_from(f, (int)a2, a1 == F_DUPFD_CLOEXEC);
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
        /* One process: no lock can conflict (l_type = F_UNLCK). */
        int16_t unlck = F_UNLCK;
        return copy_to_user(a2, &unlck, sizeof(unlck));
    }
    case F_SETLK:
    case F_SETLKW:
        return 0;
    default:
        return -EINVAL;
    }
}
