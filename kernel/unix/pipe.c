/* Pipes: a ring buffer between a read end and a write end.  A read from an
 * empty pipe waits for a writer, a write to a full one for a reader, on the
 * pipe's wait queue (readers and writers told apart by the waiter's key).
 * With no other thread in the program nobody could ever answer: such a
 * read or write fails with EAGAIN and a log line instead of hanging. */
#include "unix/syscall.h"
#include "unix/process.h"
#include "unix/usercopy.h"
#include "unix/fd.h"
#include "unix/readiness.h"
#include "unix/signal_thread.h"
#include "unix/signal_timer.h"
#include "unix/sigset.h"
#include "fs/ramfs.h"
#include "sched/sched.h"
#include "sched/waitq.h"
#include "mm/heap.h"
#include "lib/string.h"
#include "lib/errno.h"
#include "lib/log.h"

#define PIPE_SIZE 65536u
#define PIPE_BUF 4096u                  /* writes up to this size are never split */

/* Waiter keys on the pipe's queue. */
#define WAIT_DATA 1                     /* readers: data, or no writer left */
#define WAIT_ROOM 2                     /* writers: room, or no reader left */

struct pipe {
    uint8_t buf[PIPE_SIZE];
    uint32_t head, count;
    uint32_t readers, writers;
    struct waitq wq;                    /* its lock guards everything above */
    struct readiness ready;             /* poll, select and epoll watch it */
};

/* Whether the caller may wait for the other end: not on an O_NONBLOCK
 * file, and not when it is the program's only thread. */
static int64_t may_wait(const void *key, const char *what)
{
    if (sched_current()->nonblock)
        return -EAGAIN;
    if (sched_thread_count() <= 1 && !signal_timer_armed()) {
        klog_once(key, "pipe: %s, and no other thread exists to answer: it would wait forever; "
                       "returning EAGAIN", what);
        return -EAGAIN;
    }
    return 0;
}

/* Waits on the pipe's queue (lock held, released on return, retaken by
 * the caller): 0 or an error to return; -ERESTARTSYS when a signal
 * interrupts (EINTR, or a restart with SA_RESTART, as Linux's pipes). */
static int64_t pipe_wait(struct pipe *p, uint64_t key, uint64_t flags)
{
    struct waiter w;
    if (signal_wait_begin()) {
        waitq_unlock(&p->wq, flags);
        return -ERESTARTSYS;
    }
    int64_t err = waitq_wait_locked(&p->wq, &w, key, WAITQ_ALL_BITS, SCHED_FOREVER, flags);
    signal_wait_end();
    /* A wake-up for a signal that does not act here: look again. */
    if (err == -EINTR)
        return signal_pending_interrupts() ? -ERESTARTSYS : 0;
    return err;
}

static void copy_out(struct pipe *p, uint8_t *out, uint64_t n)
{
    for (uint64_t i = 0; i < n;) {
        uint32_t chunk = PIPE_SIZE - p->head;
        if (chunk > n - i)
            chunk = (uint32_t)(n - i);
        memcpy(out + i, p->buf + p->head, chunk);
        p->head = (p->head + chunk) % PIPE_SIZE;
        i += chunk;
    }
    p->count -= (uint32_t)n;
}

static void copy_in(struct pipe *p, const uint8_t *in, uint64_t n)
{
    uint32_t tail = (p->head + p->count) % PIPE_SIZE;
    for (uint64_t i = 0; i < n;) {
        uint32_t chunk = PIPE_SIZE - tail;
        if (chunk > n - i)
            chunk = (uint32_t)(n - i);
        memcpy(p->buf + tail, in + i, chunk);
        tail = (tail + chunk) % PIPE_SIZE;
        i += chunk;
    }
    p->count += (uint32_t)n;
}

static int64_t pipe_read(struct vnode *vn, void *out, uint64_t len, uint64_t off)
{
    (void)off;
    struct pipe *p = vn->fs;
    static const char alone;
    uint64_t flags = waitq_lock(&p->wq);
    while (p->count == 0 && p->writers && len) {
        int64_t err = may_wait(&alone, "read from an empty pipe");
        if (err) {
            waitq_unlock(&p->wq, flags);
            return err;
        }
        if ((err = pipe_wait(p, WAIT_DATA, flags)))
            return err;
        flags = waitq_lock(&p->wq);
    }
    uint64_t n = len < p->count ? len : p->count;
    bool was_full = p->count == PIPE_SIZE;
    copy_out(p, out, n);
    if (n)
        waitq_wake_locked(&p->wq, WAIT_ROOM, WAITQ_ALL_BITS, WAITQ_ALL);
    /* As Linux, pollers are told only when a full pipe gets room. */
    if (n && was_full)
        readiness_notify(&p->ready, POLLOUT | POLLWRNORM);
    waitq_unlock(&p->wq, flags);
    return (int64_t)n;
}

/* Room for the next piece: all of a write up to PIPE_BUF (never split),
 * else whatever is free. */
static uint64_t room_for(const struct pipe *p, uint64_t left, uint64_t total)
{
    uint64_t room = PIPE_SIZE - p->count;
    if (total <= PIPE_BUF && room < left)
        return 0;
    return room < left ? room : left;
}

static int64_t pipe_write(struct vnode *vn, const void *in, uint64_t len, uint64_t off)
{
    (void)off;
    struct pipe *p = vn->fs;
    static const char alone;
    uint64_t done = 0;
    if (len == 0)
        return 0;                       /* as Linux: before looking for a reader */
    uint64_t flags = waitq_lock(&p->wq);
    while (done < len) {
        if (p->readers == 0) {
            waitq_unlock(&p->wq, flags);
            if (done)
                return (int64_t)done;
            /* To the writing thread, delivered on the way out; EPIPE if
             * it is ignored or handled. */
            signal_send_thread(sched_current(),
                               &(struct signal_info){ .signo = SIGPIPE, .code = SI_USER,
                                                      .pid = PROCESS_PID,
                                                      .why = "wrote to a pipe with no reader" });
            return -EPIPE;
        }
        uint64_t n = room_for(p, len - done, len);
        if (n) {
            copy_in(p, (const uint8_t *)in + done, n);
            done += n;
            waitq_wake_locked(&p->wq, WAIT_DATA, WAITQ_ALL_BITS, WAITQ_ALL);
            readiness_notify(&p->ready, POLLIN | POLLRDNORM);
            continue;
        }
        /* A write that cannot wait returns what it wrote, if anything. */
        int64_t err = may_wait(&alone, "write to a full pipe");
        if (err) {
            waitq_unlock(&p->wq, flags);
            return done ? (int64_t)done : err;
        }
        if ((err = pipe_wait(p, WAIT_ROOM, flags)))
            return done ? (int64_t)done : err;
        flags = waitq_lock(&p->wq);
    }
    waitq_unlock(&p->wq, flags);
    return (int64_t)done;
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
    uint64_t irq = waitq_lock(&p->wq);
    if ((flags & O_ACCMODE) == O_RDONLY)
        p->readers--;
    else
        p->writers--;
    /* Readers see the end of file, writers EPIPE. */
    waitq_wake_locked(&p->wq, (flags & O_ACCMODE) == O_RDONLY ? WAIT_ROOM : WAIT_DATA, WAITQ_ALL_BITS, WAITQ_ALL);
    waitq_unlock(&p->wq, irq);
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
    waitq_init(&p->wq);
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
