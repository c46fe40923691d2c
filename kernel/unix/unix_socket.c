/* AF_UNIX socket objects (unix/unix_socket.h): their life, waiting, the
 * file a descriptor opens on them, and close as Linux does it (the peer of
 * a stream sees the end of file, or ECONNRESET when unread data was
 * thrown away).  Sending and receiving: unix_socket_io.c. */
#include "unix/unix_socket.h"
#include "unix/anon_fd.h"
#include "unix/timeout.h"
#include "unix/signal.h"
#include "unix/signal_thread.h"
#include "unix/signal_timer.h"
#include "unix/sigset.h"
#include "sched/sched.h"
#include "drivers/clock.h"
#include "mm/heap.h"
#include "lib/errno.h"
#include "lib/log.h"
#include "lib/string.h"

#define SOCKFS_DEV 8                     /* st_dev of every socket, as Linux's sockfs */

struct unix_sock *unix_sock_new(int type)
{
    struct unix_sock *s = kzalloc(sizeof(*s));
    if (!s)
        return NULL;
    s->type = type;
    s->refs = 1;
    s->sndbuf = s->rcvbuf = UNIX_BUF_DEFAULT;
    waitq_init(&s->wq);
    return s;
}

void unix_sock_put(struct unix_sock *s)
{
    if (s && --s->refs == 0)
        kfree(s);
}

void unix_sock_changed(struct unix_sock *s, uint32_t events)
{
    uint64_t flags = waitq_lock(&s->wq);
    s->gen++;
    waitq_wake_locked(&s->wq, 0, WAITQ_ALL_BITS, WAITQ_ALL);
    waitq_unlock(&s->wq, flags);
    readiness_notify(&s->ready, events);
}

uint64_t unix_sock_deadline(uint64_t timeout_ns)
{
    return timeout_ns ? timeout_deadline_after(clock_monotonic_ns(), timeout_ns) : SCHED_FOREVER;
}

bool unix_sock_nonblock(const struct unix_sock *s, int flags)
{
    return (flags & 0x40 /* MSG_DONTWAIT */) || (s->file && (s->file->flags & O_NONBLOCK));
}

int unix_sock_wait(struct unix_sock *on, uint64_t seen, uint64_t deadline)
{
    /* As pipes: with no other thread nobody could ever answer (a wait
     * with a timeout ends by itself). */
    if (deadline == SCHED_FOREVER && sched_thread_count() <= 1 && !signal_timer_armed()) {
        klog_once(&unix_sock_wait, "unix socket: a call would wait and no other thread exists "
                                   "to answer: returning EAGAIN");
        return -EAGAIN;
    }
    uint64_t flags = waitq_lock(&on->wq);
    if (on->gen != seen) {
        waitq_unlock(&on->wq, flags);
        return 0;
    }
    /* As Linux's sock_intr_errno: a wait with a timeout is not restarted. */
    int interrupted = deadline == SCHED_FOREVER ? -ERESTARTSYS : -EINTR;
    if (signal_wait_begin()) {
        waitq_unlock(&on->wq, flags);
        return interrupted;
    }
    struct waiter w;
    int err = waitq_wait_locked(&on->wq, &w, 0, WAITQ_ALL_BITS, deadline, flags);
    signal_wait_end();
    if (err == -EINTR)
        return signal_pending_interrupts() ? interrupted : 0;
    return err == -ETIMEDOUT ? -EAGAIN : err;
}

void unix_files_put(struct file **files, uint32_t n)
{
    for (uint32_t i = 0; i < n; i++)
        if (files[i])
            file_put(files[i]);
    kfree(files);
}

/* Throws away s's receive queue: its senders get their buffer back. */
static void purge_queue(struct unix_sock *s)
{
    while (s->head) {
        struct unix_msg *m = s->head;
        s->head = m->next;
        unix_msg_free(m);
    }
    s->tail = NULL;
    s->qlen = 0;
    s->qbytes = 0;
}

/* The last reference of a user goes: as Linux's unix_release_sock.
 * embryo: a connection never accepted (its client sees ECONNRESET). */
static void unix_sock_close(struct unix_sock *s, bool embryo)
{
    s->closed = true;
    s->shutdown = UNIX_SHUT_RCV | UNIX_SHUT_SEND;
    unix_unbind(s);
    while (s->accept_head) {
        struct unix_sock *n = s->accept_head;
        s->accept_head = n->accept_next;
        unix_sock_close(n, true);
    }
    s->accept_tail = NULL;
    struct unix_sock *peer = s->peer;
    s->peer = NULL;
    if (peer && s->type != SOCK_DGRAM) {
        peer->shutdown = UNIX_SHUT_RCV | UNIX_SHUT_SEND;
        if (s->head || embryo)
            peer->err = ECONNRESET;
        unix_sock_changed(peer, 0);
    }
    purge_queue(s);
    s->state = UNIX_UNCONNECTED;
    unix_sock_changed(s, 0);
    unix_sock_put(peer);
    unix_sock_put(s);
}

static int64_t us_read(struct vnode *vn, void *buf, uint64_t len, uint64_t off)
{
    (void)off;
    struct sock_iov iov = { (uint64_t)(uintptr_t)buf, len };
    struct sock_iter b = { .iov = &iov, .count = 1 };
    return unix_sock_recv(vn->fs, &b, len, 0, NULL);
}

static int64_t us_write(struct vnode *vn, const void *buf, uint64_t len, uint64_t off)
{
    (void)off;
    struct sock_iov iov = { (uint64_t)(uintptr_t)buf, len };
    struct sock_iter b = { .iov = &iov, .count = 1 };
    return unix_sock_send(vn->fs, &b, len, 0, NULL, NULL);
}

static int us_poll(struct vnode *vn, uint32_t flags)
{
    (void)flags;
    return (int)unix_sock_poll(vn->fs);
}

static struct readiness *us_readiness(struct vnode *vn)
{
    return &((struct unix_sock *)vn->fs)->ready;
}

static void us_release(struct vnode *vn, uint32_t flags)
{
    (void)flags;
    struct unix_sock *s = vn->fs;
    s->file = NULL;
    unix_sock_close(s, false);
    anon_fd_free_vnode(vn);
    unix_gc();                           /* what only s kept reachable may be garbage now */
}

static const struct vnode_ops unix_socket_ops = {
    .read = us_read,
    .write = us_write,
    .poll = us_poll,
    .readiness = us_readiness,
    .release = us_release,
    .not_seekable = true,
};

int unix_sock_install(struct unix_sock *s, uint32_t flags)
{
    static uint64_t next_ino = 20000;
    struct file *f;
    int fd = anon_fd_create(&unix_socket_ops, s, "socket", O_RDWR | (flags & O_NONBLOCK),
                            flags & O_CLOEXEC, &f);
    if (fd < 0) {
        unix_sock_close(s, false);
        return fd;
    }
    s->file = f;
    f->vn->mode = S_IFSOCK | 0777;
    f->vn->dev = SOCKFS_DEV;
    f->vn->ino = next_ino++;
    return fd;
}

struct unix_sock *unix_sock_of_file(struct file *f)
{
    return f && f->vn->ops == &unix_socket_ops ? f->vn->fs : NULL;
}

/* As Linux's unix_poll and unix_dgram_poll. */
uint32_t unix_sock_poll(struct unix_sock *s)
{
    uint32_t m = 0;
    if (s->err)
        m |= POLLERR;
    if (s->shutdown == (UNIX_SHUT_RCV | UNIX_SHUT_SEND))
        m |= POLLHUP;
    if (s->shutdown & UNIX_SHUT_RCV)
        m |= POLLRDHUP | POLLIN | POLLRDNORM;
    if (s->head || s->accept_head)
        m |= POLLIN | POLLRDNORM;
    if (s->type != SOCK_DGRAM && s->state == UNIX_UNCONNECTED)
        m |= POLLHUP;
    bool writable = s->state != UNIX_LISTENING && s->wmem * 4 <= (uint64_t)s->sndbuf;
    /* A datagram socket whose peer talks to others waits for its queue. */
    if (writable && s->type == SOCK_DGRAM && s->peer && s->peer->peer != s &&
        s->peer->qlen > 10)
        writable = false;
    if (writable)
        m |= POLLOUT | POLLWRNORM | POLLWRBAND;
    return m;
}
