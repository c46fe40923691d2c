/* splice and copy_file_range, through a kernel buffer of 64 KiB (no page
 * is moved or shared: every byte is copied once in and once out).  sendfile
 * itself is fs_rw.c's, the same way.
 *
 * splice: one end must be a pipe.  Out of a pipe, one read (what the pipe
 * holds, up to len) then a write of all of it; bytes a non-blocking output
 * does not take are lost, as they are already out of the pipe (Linux
 * keeps them in the pipe; programs that splice use blocking outputs or
 * poll first).  Into a pipe from a file: chunks until len, the end of the
 * file or a full pipe. */
#include "unix/syscall.h"
#include "unix/usercopy.h"
#include "unix/fd.h"
#include "fs/vfs.h"
#include "sched/sched.h"
#include "mm/heap.h"
#include "lib/errno.h"

#define CHUNK 65536
#define RW_MAX 0x7ffff000ull
#define SPLICE_F_NONBLOCK 2
#define SPLICE_FLAGS 0xf                 /* MOVE, NONBLOCK, MORE, GIFT */

static bool is_pipe(const struct file *f) { return (f->vn->mode & S_IFMT) == S_IFIFO; }

/* An offset argument: *use (whether given) and its value. */
static int64_t read_off(uint64_t uoff, bool *use, uint64_t *off)
{
    *use = uoff != 0;
    if (!uoff)
        return 0;
    if (copy_from_user(off, uoff, sizeof(*off)))
        return -EFAULT;
    return (int64_t)*off < 0 ? -EINVAL : 0;
}

struct copy_end {
    struct file *f;
    bool use_off, nonblock;
    uint64_t off;                        /* the offset argument, when given */
};

static uint64_t end_pos(const struct copy_end *e)
{
    if (e->use_off)
        return e->off;
    return (e->f->flags & O_APPEND) ? e->f->vn->size : e->f->offset;
}

static void end_advance(struct copy_end *e, uint64_t n)
{
    if (e->use_off)
        e->off += n;
    else if (!e->f->vn->ops->not_seekable)
        e->f->offset = end_pos(e) + n;
}

/* Moves up to len bytes; once: stop after one read (a pipe's input). */
static int64_t copy_loop(struct copy_end *in, struct copy_end *out, uint64_t len, bool once)
{
    uint8_t *buf = kmalloc(CHUNK);
    if (!buf)
        return -ENOMEM;
    int64_t total = 0, err = 0;
    while ((uint64_t)total < len) {
        uint64_t want = len - (uint64_t)total < CHUNK ? len - (uint64_t)total : CHUNK;
        sched_current()->nonblock = in->nonblock;
        int64_t got = vfs_read(in->f->vn, buf, want, end_pos(in));
        if (got <= 0) {
            err = got;
            break;
        }
        sched_current()->nonblock = out->nonblock;
        int64_t put = vfs_write(out->f->vn, buf, (uint64_t)got, end_pos(out));
        if (put <= 0) {
            err = put;
            break;
        }
        end_advance(in, (uint64_t)put);
        end_advance(out, (uint64_t)put);
        total += put;
        if (put < got || once)
            break;
    }
    kfree(buf);
    return total ? total : err;
}

static int64_t write_off(uint64_t uoff, const struct copy_end *e, int64_t r)
{
    if (r > 0 && uoff && copy_to_user(uoff, &e->off, sizeof(e->off)))
        return -EFAULT;
    return r;
}

/* Checks and runs a copy between two descriptors held for the call. */
static int64_t copy_between(struct file *in, uint64_t uoff_in, struct file *out,
                            uint64_t uoff_out, uint64_t len, bool nonblock, bool splice)
{
    struct copy_end i = { .f = in, .nonblock = nonblock || (in->flags & O_NONBLOCK) };
    struct copy_end o = { .f = out, .nonblock = nonblock || (out->flags & O_NONBLOCK) };
    int64_t r = read_off(uoff_in, &i.use_off, &i.off);
    if (!r)
        r = read_off(uoff_out, &o.use_off, &o.off);
    if (r)
        return r;
    if (splice && ((i.use_off && is_pipe(in)) || (o.use_off && is_pipe(out))))
        return -ESPIPE;
    if (len > RW_MAX)
        len = RW_MAX;
    if (!splice && in->vn == out->vn) {
        uint64_t a = end_pos(&i), b = end_pos(&o);
        if ((a <= b && b < a + len) || (b <= a && a < b + len))
            return -EINVAL;              /* overlapping ranges of one file */
    }
    r = len ? copy_loop(&i, &o, len, splice && is_pipe(in)) : 0;
    r = write_off(uoff_in, &i, r);
    return write_off(uoff_out, &o, r);
}

/* Both descriptors, referenced for the call (it may block). */
static int64_t hold_pair(int fd_in, int fd_out, struct file **in, struct file **out)
{
    *in = fd_get(fd_in);
    *out = fd_get(fd_out);
    if (!*in || !*out || ((*in)->flags & O_PATH) || ((*out)->flags & O_PATH))
        return -EBADF;
    if (((*in)->flags & O_ACCMODE) == O_WRONLY || ((*out)->flags & O_ACCMODE) == O_RDONLY)
        return -EBADF;
    (*in)->refs++;
    (*out)->refs++;
    return 0;
}

int64_t sys_splice(SYSCALL_ARGS)
{
    if (a5 & ~(uint64_t)SPLICE_FLAGS)
        return -EINVAL;
    struct file *in, *out;
    int64_t r = hold_pair((int)a0, (int)a2, &in, &out);
    if (r)
        return r;
    if (!is_pipe(in) && !is_pipe(out))
        r = -EINVAL;                     /* splice needs a pipe at one end */
    else if (vn_is_dir(in->vn))
        r = -EINVAL;
    else
        r = copy_between(in, a1, out, a3, a4, a5 & SPLICE_F_NONBLOCK, true);
    file_put(in);
    file_put(out);
    return r;
}

int64_t sys_copy_file_range(SYSCALL_ARGS)
{
    if (a5)
        return -EINVAL;
    struct file *in, *out;
    int64_t r = hold_pair((int)a0, (int)a2, &in, &out);
    if (r)
        return r;
    if (vn_is_dir(in->vn) || vn_is_dir(out->vn))
        r = -EISDIR;
    else if (!vn_is_reg(in->vn) || !vn_is_reg(out->vn))
        r = -EINVAL;
    else if (out->flags & O_APPEND)
        r = -EBADF;
    else
        r = copy_between(in, a1, out, a3, a4, false, false);
    file_put(in);
    file_put(out);
    return r;
}
