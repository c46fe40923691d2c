/* A file's attributes: access checks, mode (and umask), owner, times. */
#include "unix/syscall.h"
#include "unix/process.h"
#include "unix/usercopy.h"
#include "unix/fd.h"
#include "unix/at.h"
#include "fs/vfs.h"
#include "lib/errno.h"
#include "drivers/clock.h"

/* Everything runs as root; access only checks existence (and X bits for
 * X_OK, as root does). */
static int64_t do_access(int dirfd, uint64_t upath, uint64_t mode, uint64_t flags)
{
    if (mode & ~7ull)
        return -EINVAL;
    struct vnode *vn;
    int err = at_resolve(dirfd, upath, (int)flags, !(flags & AT_SYMLINK_NOFOLLOW), &vn);
    if (err)
        return err;
    if ((mode & 1) && !vn_is_dir(vn) && !(vn->mode & 0111))
        return -EACCES;
    return 0;
}

int64_t sys_access(SYSCALL_ARGS) { UNUSED_ARGS; return do_access(AT_FDCWD, a0, a1, 0); }
int64_t sys_faccessat(SYSCALL_ARGS) { UNUSED_ARGS; return do_access((int)a0, a1, a2, 0); }
int64_t sys_faccessat2(SYSCALL_ARGS) { UNUSED_ARGS; return do_access((int)a0, a1, a2, a3); }

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
    int err = at_resolve(AT_FDCWD, a0, 0, true, &vn);
    return err ? err : vfs_chmod(vn, (uint32_t)a1);
}

int64_t sys_fchmodat(SYSCALL_ARGS)
{
    UNUSED_ARGS;
    struct vnode *vn;
    int err = at_resolve((int)a0, a1, 0, true, &vn);
    return err ? err : vfs_chmod(vn, (uint32_t)a2);
}

/* Everything runs as root and ownership has no meaning yet: the file must
 * exist, and nothing changes.  As on Linux, lchown and fchownat with
 * AT_SYMLINK_NOFOLLOW act on a symbolic link itself (a dangling link is
 * fine), chown follows it. */
static int64_t do_chown(int dirfd, uint64_t upath, int flags)
{
    if (flags & ~(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH))
        return -EINVAL;
    struct vnode *vn;
    return at_resolve(dirfd, upath, flags, !(flags & AT_SYMLINK_NOFOLLOW), &vn);
}

int64_t sys_fchown(SYSCALL_ARGS) { UNUSED_ARGS; return fd_get((int)a0) ? 0 : -EBADF; }
int64_t sys_chown(SYSCALL_ARGS) { UNUSED_ARGS; return do_chown(AT_FDCWD, a0, 0); }
int64_t sys_lchown(SYSCALL_ARGS) { UNUSED_ARGS; return do_chown(AT_FDCWD, a0, AT_SYMLINK_NOFOLLOW); }
int64_t sys_fchownat(SYSCALL_ARGS) { UNUSED_ARGS; return do_chown((int)a0, a1, (int)a4); }

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
    } else if ((err = at_resolve((int)a0, a1, (int)a3, !(a3 & AT_SYMLINK_NOFOLLOW), &vn))) {
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
