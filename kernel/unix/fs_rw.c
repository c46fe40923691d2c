/* File contents: read and write (plain, positioned, vectored), lseek,
 * sendfile, truncate and the syncs. */
#include "unix/syscall.h"
#include "unix/usercopy.h"
#include "unix/fd.h"
#include "unix/at.h"
#include "fs/vfs.h"
#include "sched/sched.h"
#include "mm/heap.h"
#include "lib/errno.h"

#define IOV_MAX 1024
#define RW_MAX 0x7ffff000ull      /* Linux caps a single transfer here */
#define SENDFILE_CHUNK 65536

static bool seekable(const struct vnode *vn)
{
    return !vn->ops->not_seekable;
}

/* pos < 0: at the file offset, which then advances. */
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
    sched_current()->nonblock = f->flags & O_NONBLOCK;   /* pipes ask whether they may wait */
    f->refs++;                  /* a read may block: another thread's close must not free the file */
    int64_t n = vfs_read(f->vn, (void *)ubuf, len, pos >= 0 ? (uint64_t)pos : f->offset);
    user_end();
    if (n > 0 && pos < 0 && seekable(f->vn))
        f->offset += (uint64_t)n;
    file_put(f);
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
    sched_current()->nonblock = f->flags & O_NONBLOCK;
    f->refs++;
    int64_t n = vfs_write(f->vn, (const void *)ubuf, len, off);
    user_end();
    if (n > 0 && pos < 0 && seekable(f->vn))
        f->offset = off + (uint64_t)n;
    file_put(f);
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

/* Copies up to count bytes from in (at *off) to out through buf; the bytes
 * written, or the first error when nothing was. */
static int64_t sendfile_copy(struct file *out, struct file *in, uint64_t *off, uint64_t count,
                             uint8_t *buf)
{
    int64_t total = 0;
    while ((uint64_t)total < count) {
        uint64_t left = count - (uint64_t)total;
        uint64_t want = left < SENDFILE_CHUNK ? left : SENDFILE_CHUNK;
        sched_current()->nonblock = in->flags & O_NONBLOCK;
        int64_t got = vfs_read(in->vn, buf, want, *off);
        if (got <= 0)
            return got < 0 && !total ? got : total;
        sched_current()->nonblock = out->flags & O_NONBLOCK;   /* a pipe asks */
        uint64_t woff = (out->flags & O_APPEND) ? out->vn->size : out->offset;
        int64_t put = vfs_write(out->vn, buf, (uint64_t)got, woff);
        if (put <= 0)
            return put < 0 && !total ? put : total;
        if (seekable(out->vn))
            out->offset = woff + (uint64_t)put;
        *off += (uint64_t)put;
        total += put;
        if (put < got)
            break;
    }
    return total;
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
    uint8_t *buf = kmalloc(SENDFILE_CHUNK);
    if (!buf)
        return -ENOMEM;
    in->refs++;                 /* a write to a socket or pipe may block: a close must not free them */
    out->refs++;
    int64_t total = sendfile_copy(out, in, &off, a3 > RW_MAX ? RW_MAX : a3, buf);
    kfree(buf);
    if (total >= 0 && !a2)
        in->offset = off;
    file_put(in);
    file_put(out);
    if (total >= 0 && a2 && copy_to_user(a2, &off, sizeof(off)))
        return -EFAULT;
    return total;
}

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
    int err = at_resolve(AT_FDCWD, a0, 0, true, &vn);
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
