/* Pipes: a ring buffer between a read end and a write end.  With one
 * thread, a read that would wait for a writer (or a write that would wait
 * for a reader) can never be satisfied: it fails instead of hanging. */
#include "unix/syscall.h"
#include "unix/process.h"
#include "unix/usercopy.h"
#include "unix/fd.h"
#include "unix/readiness.h"
#include "fs/ramfs.h"
#include "mm/heap.h"
#include "lib/string.h"
#include "lib/errno.h"
#include "lib/log.h"

#define PIPE_SIZE 65536u

struct pipe {
    uint8_t buf[PIPE_SIZE];
    uint32_t head, count;
    uint32_t readers, writers;
    struct readiness ready;
};

static int64_t pipe_read(struct vnode *vn, void *out, uint64_t len, uint64_t off)
{
    (void)off;
    struct pipe *p = vn->fs;
    if (p->count == 0) {
        if (p->writers == 0 || len == 0)
            return 0;
        klog_once(pipe_read, "pipe: read from an empty pipe whose writer is this same thread: it would "
                             "wait forever; returning EAGAIN");
        return -EAGAIN;
    }
    uint64_t n = len < p->count ? len : p->count;
    for (uint64_t i = 0; i < n;) {
        uint32_t chunk = PIPE_SIZE - p->head;
        if (chunk > n - i)
            chunk = (uint32_t)(n - i);
        memcpy((uint8_t *)out + i, p->buf + p->head, chunk);
        p->head = (p->head + chunk) % PIPE_SIZE;
        i += chunk;
    }
    /* As Linux, writers are told only when a full pipe gets room. */
    if (p->count == PIPE_SIZE)
        readiness_notify(&p->ready, POLLOUT | POLLWRNORM);
    p->count -= (uint32_t)n;
    return (int64_t)n;
}

static int64_t pipe_write(struct vnode *vn, const void *in, uint64_t len, uint64_t off)
{
    (void)off;
    struct pipe *p = vn->fs;
    if (p->readers == 0) {
        /* Delivered on the way out; EPIPE if it is ignored or handled. */
        signal_send(&(struct signal_info){ .signo = SIGPIPE, .code = SI_USER, .pid = PROCESS_PID,
                                           .why = "wrote to a pipe with no reader" });
        return -EPIPE;
    }
    uint64_t room = PIPE_SIZE - p->count;
    if (room == 0) {
        klog_once(pipe_write, "pipe: write to a full pipe whose reader is this same thread: it would "
                              "wait forever; returning EAGAIN");
        return -EAGAIN;
    }
    uint64_t n = len < room ? len : room;
    uint32_t tail = (p->head + p->count) % PIPE_SIZE;
    for (uint64_t i = 0; i < n;) {
        uint32_t chunk = PIPE_SIZE - tail;
        if (chunk > n - i)
            chunk = (uint32_t)(n - i);
        memcpy(p->buf + tail, (const uint8_t *)in + i, chunk);
        tail = (tail + chunk) % PIPE_SIZE;
        i += chunk;
    }
    p->count += (uint32_t)n;
    readiness_notify(&p->ready, POLLIN | POLLRDNORM);
    return (int64_t)n;
}

/* As Linux's pipe_poll: the read end is readable with data and hung up
 * without writers; the write end is writable with room and in error
 * without readers. */
static int pipe_poll(struct vnode *vn, uint32_t flags)
{
    struct pipe *p = vn->fs;
    int r = 0;
    if ((flags & O_ACCMODE) != O_WRONLY) {
        if (p->count)
            r |= POLLIN;
        if (p->writers == 0)
            r |= POLLHUP;
    }
    if ((flags & O_ACCMODE) != O_RDONLY) {
        if (p->count < PIPE_SIZE)
            r |= POLLOUT;
        if (p->readers == 0)
            r |= POLLERR;
    }
    return r;
}

static struct readiness *pipe_readiness(struct vnode *vn)
{
    return &((struct pipe *)vn->fs)->ready;
}

static void pipe_opened(struct vnode *vn, uint32_t flags)
{
    struct pipe *p = vn->fs;
    if ((flags & O_ACCMODE) == O_RDONLY)
        p->readers++;
    else
        p->writers++;
}

static void pipe_release(struct vnode *vn, uint32_t flags)
{
    struct pipe *p = vn->fs;
    if ((flags & O_ACCMODE) == O_RDONLY)
        p->readers--;
    else
        p->writers--;
    readiness_notify(&p->ready, 0);
    if (p->readers == 0 && p->writers == 0) {
        kfree(p);
        kfree(vn);
    }
}

static const struct vnode_ops pipe_ops = {
    .read = pipe_read,
    .write = pipe_write,
    .poll = pipe_poll,
    .readiness = pipe_readiness,
    .opened = pipe_opened,
    .release = pipe_release,
    .not_seekable = true,
};

static int64_t do_pipe(uint64_t ufds, uint64_t flags)
{
    if (flags & ~(uint64_t)(O_CLOEXEC | O_NONBLOCK | 040000 /* O_DIRECT */))
        return -EINVAL;
    struct pipe *p = kzalloc(sizeof(*p));
    struct vnode *vn = kzalloc(sizeof(*vn));
    if (!p || !vn) {
        kfree(p);
        kfree(vn);
        return -ENOMEM;
    }
    static uint64_t next_ino = 1;
    vn->mode = S_IFIFO | 0600;
    vn->ino = next_ino++;
    vn->nlink = 1;
    vn->dev = 9;
    vn->ops = &pipe_ops;
    vn->fs = p;
    vn_touch(vn, true);
    uint32_t extra = (uint32_t)(flags & O_NONBLOCK);
    struct file *r = file_new(vn, O_RDONLY | extra, 0);
    struct file *w = r ? file_new(vn, O_WRONLY | extra, 0) : 0;
    if (!r || !w) {
        if (r)
            file_put(r);           /* frees the pipe with the last end */
        else {
            kfree(p);
            kfree(vn);
        }
        return -ENOMEM;
    }
    int fds[2];
    fds[0] = fd_install(r, 0, flags & O_CLOEXEC);
    fds[1] = fds[0] < 0 ? -EMFILE : fd_install(w, 0, flags & O_CLOEXEC);
    if (fds[0] < 0 || fds[1] < 0) {
        if (fds[0] >= 0)
            fd_close(fds[0]);
        else
            file_put(r);
        file_put(w);
        return -EMFILE;
    }
    if (copy_to_user(ufds, fds, sizeof(fds))) {
        fd_close(fds[0]);
        fd_close(fds[1]);
        return -EFAULT;
    }
    return 0;
}

int64_t sys_pipe(SYSCALL_ARGS) { UNUSED_ARGS; return do_pipe(a0, 0); }
int64_t sys_pipe2(SYSCALL_ARGS) { UNUSED_ARGS; return do_pipe(a0, a1); }
