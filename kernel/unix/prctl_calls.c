/* Smaller calls: prctl, sendfile, statfs. */
#include "unix/syscall.h"
#include "unix/process.h"
#include "unix/usercopy.h"
#include "unix/fd.h"
#include "fs/vfs.h"
#include "fs/path.h"
#include "mm/heap.h"
#include "lib/string.h"
#include "lib/errno.h"

#define PR_SET_PDEATHSIG 1
#define PR_GET_PDEATHSIG 2
#define PR_GET_DUMPABLE 3
#define PR_SET_DUMPABLE 4
#define PR_SET_NAME 15
#define PR_GET_NAME 16
#define PR_SET_NO_NEW_PRIVS 38
#define PR_GET_NO_NEW_PRIVS 39

static char comm[16] = "program";
static int no_new_privs;

int64_t sys_prctl(SYSCALL_ARGS)
{
    UNUSED_ARGS;
    switch (a0) {
    case PR_SET_NAME: {
        char name[16];
        int64_t n = strncpy_from_user(name, a1, sizeof(name));
        if (n == -EFAULT)
            return -EFAULT;
        name[15] = 0;
        memcpy(comm, name, sizeof(comm));
        return 0;
    }
    case PR_GET_NAME:
        return copy_to_user(a1, comm, sizeof(comm));
    case PR_SET_PDEATHSIG:
        return a1 <= 64 ? 0 : -EINVAL;
    case PR_GET_PDEATHSIG: {
        int32_t zero = 0;
        return copy_to_user(a1, &zero, sizeof(zero));
    }
    case PR_GET_DUMPABLE:
        return 0;
    case PR_SET_DUMPABLE:
        return a1 <= 1 ? 0 : -EINVAL;
    case PR_SET_NO_NEW_PRIVS:
        if (a1 != 1 || a2 || a3 || a4)
            return -EINVAL;
        no_new_privs = 1;
        return 0;
    case PR_GET_NO_NEW_PRIVS:
        return no_new_privs;
    default:
        return -EINVAL;
    }
}

/* sendfile through a kernel buffer. */
int64_t sys_sendfile(SYSCALL_ARGS)
{
    UNUSED_ARGS;
    struct file *out = fd_get((int)a0), *in = fd_get((int)a1);
    if (!out || !in)
        return -EBADF;
    if ((in->flags & O_ACCMODE) == O_WRONLY || (out->flags & O_ACCMODE) == O_RDONLY)
        return -EBADF;
    if (vn_is_dir(in->vn))
        return -EINVAL;
    uint64_t off = in->offset;
    if (a2 && copy_from_user(&off, a2, sizeof(off)))
        return -EFAULT;
    if ((int64_t)off < 0)
        return -EINVAL;
    uint64_t count = a3 > 0x7ffff000 ? 0x7ffff000 : a3;
    uint8_t *buf = kmalloc(65536);
    if (!buf)
        return -ENOMEM;
    int64_t total = 0;
    while ((uint64_t)total < count) {
        uint64_t want = count - (uint64_t)total < 65536 ? count - (uint64_t)total : 65536;
        int64_t got = vfs_read(in->vn, buf, want, off);
        if (got <= 0) {
            if (got < 0 && !total)
                total = got;
            break;
        }
        uint64_t woff = (out->flags & O_APPEND) ? out->vn->size : out->offset;
        int64_t put = vfs_write(out->vn, buf, (uint64_t)got, woff);
        if (put <= 0) {
            if (put < 0 && !total)
                total = put;
            break;
        }
        if (!out->vn->ops->not_seekable)
            out->offset = woff + (uint64_t)put;
        off += (uint64_t)put;
        total += put;
        if (put < got)
            break;
    }
    kfree(buf);
    if (total > 0 || total == 0) {
        if (a2) {
            if (copy_to_user(a2, &off, sizeof(off)))
                return -EFAULT;
        } else {
            in->offset = off;
        }
    }
    return total;
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
