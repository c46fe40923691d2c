/* Path lookup for the *at() family (unix/at.h). */
#include "unix/at.h"
#include "unix/process.h"
#include "unix/usercopy.h"
#include "unix/fd.h"
#include "fs/path.h"
#include "lib/errno.h"

int64_t at_get_path(uint64_t upath, char *buf)
{
    if (!upath)
        return -EFAULT;
    int64_t n = strncpy_from_user(buf, upath, PATH_MAX);
    return n < 0 ? n : 0;
}

int at_dir(int dirfd, const char *path, struct vnode **dir)
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

int at_resolve(int dirfd, uint64_t upath, int flags, bool follow, struct vnode **out)
{
    char path[PATH_MAX];
    int64_t err = at_get_path(upath, path);
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

int at_parent(int dirfd, const char *path, struct vnode **dir, const char **name, size_t *len)
{
    struct vnode *base;
    int err = at_dir(dirfd, path, &base);
    if (err)
        return err;
    return path_resolve_parent(base, path, dir, name, len);
}

int at_user_parent(int dirfd, uint64_t upath, char *buf, struct vnode **dir, const char **name, size_t *len)
{
    int err = (int)at_get_path(upath, buf);
    return err ? err : at_parent(dirfd, buf, dir, name, len);
}

bool at_is_dot_name(const char *name, size_t len)
{
    return (len == 1 && name[0] == '.') || (len == 2 && name[0] == '.' && name[1] == '.');
}
