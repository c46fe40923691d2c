/* Names in directories: listing (getdents64), the current directory,
 * mkdir, unlink and rmdir, rename, hard and symbolic links, readlink. */
#include "unix/syscall.h"
#include "unix/process.h"
#include "unix/usercopy.h"
#include "unix/fd.h"
#include "unix/at.h"
#include "fs/ramfs.h"
#include "fs/path.h"
#include "fs/vfs.h"
#include "mm/heap.h"
#include "lib/string.h"
#include "lib/errno.h"

#define RENAME_NOREPLACE 1
#define DIRENT_HEADER 19          /* linux_dirent64 up to d_name */

static uint64_t dirent_len(size_t nlen)
{
    return (DIRENT_HEADER + nlen + 1 + 7) & ~7ull;
}

/* One linux_dirent64 record of reclen bytes (dirent_len) into rec. */
static void dirent_pack(uint8_t *rec, uint64_t reclen, uint64_t ino, uint64_t cookie, uint8_t type,
                        const char *name, size_t nlen)
{
    uint16_t rl = (uint16_t)reclen;
    memset(rec, 0, reclen);
    memcpy(rec, &ino, 8);
    memcpy(rec + 8, &cookie, 8);
    memcpy(rec + 16, &rl, 2);
    rec[18] = type;
    memcpy(rec + DIRENT_HEADER, name, nlen);
}

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
        uint64_t reclen = dirent_len(nlen);
        if (used + reclen > size) {
            if (used == 0)
                return -EINVAL;
            break;
        }
        dirent_pack(rec, reclen, ino, cookie, type, name, nlen);
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
    int err = at_resolve(AT_FDCWD, a0, 0, true, &vn);
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
    struct vnode *dir, *vn;
    const char *name;
    size_t len;
    int err = at_user_parent(dirfd, upath, path, &dir, &name, &len);
    if (err)
        return err;
    return vfs_create(dir, name, len, S_IFDIR | (mode & 07777 & ~proc.umask), &vn);
}

int64_t sys_mkdir(SYSCALL_ARGS) { UNUSED_ARGS; return do_mkdir(AT_FDCWD, a0, (uint32_t)a1); }
int64_t sys_mkdirat(SYSCALL_ARGS) { UNUSED_ARGS; return do_mkdir((int)a0, a1, (uint32_t)a2); }

static int64_t do_unlink(int dirfd, uint64_t upath, int flags)
{
    char path[PATH_MAX];
    struct vnode *dir, *vn;
    const char *name;
    size_t len;
    int err = at_user_parent(dirfd, upath, path, &dir, &name, &len);
    if (err)
        return err;
    bool rmdir = flags & AT_REMOVEDIR;
    if (!at_is_dot_name(name, len) && vfs_lookup(dir, name, len, &vn) == 0) {
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

/* rename with both paths already copied in. */
static int64_t rename_paths(int olddirfd, const char *oldp, int newdirfd, const char *newp, uint64_t flags)
{
    struct vnode *odir, *ndir, *target;
    const char *oname, *nname;
    size_t olen, nlen;
    int64_t err;
    if (flags & ~(uint64_t)RENAME_NOREPLACE)
        return -EINVAL;
    if ((err = at_parent(olddirfd, oldp, &odir, &oname, &olen)) ||
        (err = at_parent(newdirfd, newp, &ndir, &nname, &nlen)))
        return err;
    if ((flags & RENAME_NOREPLACE) && !at_is_dot_name(nname, nlen) &&
        vfs_lookup(ndir, nname, nlen, &target) == 0)
        return -EEXIST;
    return vfs_rename(odir, oname, olen, ndir, nname, nlen);
}

static int64_t do_rename(int olddirfd, uint64_t uold, int newdirfd, uint64_t unew, uint64_t flags)
{
    char *oldp = kmalloc(PATH_MAX), *newp = kmalloc(PATH_MAX);
    int64_t err = (!oldp || !newp) ? -ENOMEM : 0;
    if (!err && !(err = at_get_path(uold, oldp)) && !(err = at_get_path(unew, newp)))
        err = rename_paths(olddirfd, oldp, newdirfd, newp, flags);
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
    if (!err && !(err = at_get_path(utarget, target)) && !(err = at_get_path(upath, path))) {
        struct vnode *dir;
        const char *name;
        size_t len;
        if (target[0] == 0)
            err = -ENOENT;
        else if (!(err = at_parent(dirfd, path, &dir, &name, &len)))
            err = vfs_symlink(dir, name, len, target);
    }
    kfree(target);
    kfree(path);
    return err;
}

int64_t sys_symlink(SYSCALL_ARGS) { UNUSED_ARGS; return do_symlink(a0, AT_FDCWD, a1); }
int64_t sys_symlinkat(SYSCALL_ARGS) { UNUSED_ARGS; return do_symlink(a0, (int)a1, a2); }

static int64_t do_link(int olddirfd, uint64_t uold, int newdirfd, uint64_t unew, uint64_t flags)
{
    if (flags & ~(uint64_t)(AT_SYMLINK_FOLLOW | AT_EMPTY_PATH))
        return -EINVAL;
    struct vnode *vn;
    int err = at_resolve(olddirfd, uold, (int)flags, flags & AT_SYMLINK_FOLLOW, &vn);
    if (err)
        return err;
    char *path = kmalloc(PATH_MAX);
    if (!path)
        return -ENOMEM;
    struct vnode *dir;
    const char *name;
    size_t len;
    if (!(err = at_user_parent(newdirfd, unew, path, &dir, &name, &len)))
        err = vfs_link(dir, name, len, vn);
    kfree(path);
    return err;
}

int64_t sys_link(SYSCALL_ARGS) { UNUSED_ARGS; return do_link(AT_FDCWD, a0, AT_FDCWD, a1, 0); }
int64_t sys_linkat(SYSCALL_ARGS) { UNUSED_ARGS; return do_link((int)a0, a1, (int)a2, a3, a4); }

static int64_t do_readlink(int dirfd, uint64_t upath, uint64_t ubuf, uint64_t size)
{
    if ((int64_t)size <= 0)
        return -EINVAL;
    struct vnode *vn;
    int err = at_resolve(dirfd, upath, AT_EMPTY_PATH, false, &vn);
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
