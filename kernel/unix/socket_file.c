/* Sockets as open files (unix/socket.h): read, write, poll and close go
 * to net/'s socket; net/ tells of changes through on_change, which wakes
 * the calls blocked on this socket and the poll/select/epoll watchers. */
#include "unix/socket.h"
#include "unix/anon_fd.h"
#include "unix/timeout.h"
#include "sched/sched.h"
#include "drivers/clock.h"
#include "mm/heap.h"
#include "lib/errno.h"
#include "lib/string.h"

#define SOCKFS_DEV 8                     /* st_dev of every socket, as Linux's sockfs */

static void on_change(void *owner, uint32_t events)
{
    struct sock_file *sf = owner;
    uint64_t flags = waitq_lock(&sf->wq);
    sf->gen++;
    waitq_wake_locked(&sf->wq, 0, WAITQ_ALL_BITS, WAITQ_ALL);
    waitq_unlock(&sf->wq, flags);
    readiness_notify(&sf->ready, events);
}

/* Sleeps until the socket changes after `seen`, or deadline: 0,
 * -ETIMEDOUT, -EINTR. */
static int wait_change(struct sock_file *sf, uint64_t seen, uint64_t deadline)
{
    uint64_t flags = waitq_lock(&sf->wq);
    if (sf->gen != seen) {
        waitq_unlock(&sf->wq, flags);
        return 0;
    }
    struct waiter w;
    return waitq_wait_locked(&sf->wq, &w, 0, WAITQ_ALL_BITS, deadline, flags);
}

int64_t sock_block(struct sock_file *sf, bool nonblock, uint64_t timeout_ns, sock_op_fn op,
                   void *arg)
{
    uint64_t deadline = timeout_ns ? timeout_deadline_after(clock_monotonic_ns(), timeout_ns)
                                   : SCHED_FOREVER;
    for (;;) {
        uint64_t seen = __atomic_load_n(&sf->gen, __ATOMIC_ACQUIRE);
        int64_t r = op(sf, arg);
        if (r != -EAGAIN || nonblock)
            return r;
        int err = wait_change(sf, seen, deadline);
        if (err == -ETIMEDOUT)
            return -EAGAIN;
        if (err)
            return err;
    }
}

static int64_t sock_read(struct vnode *vn, void *buf, uint64_t len, uint64_t off)
{
    (void)off;
    return sock_recv(vn->fs, buf, len, 0, NULL, NULL);
}

static int64_t sock_write(struct vnode *vn, const void *buf, uint64_t len, uint64_t off)
{
    (void)off;
    return sock_send(vn->fs, buf, len, 0, NULL);
}

static int sock_poll(struct vnode *vn, uint32_t flags)
{
    (void)flags;
    struct sock_file *sf = vn->fs;
    return (int)net_sock_poll(sf->ns);
}

static struct readiness *sock_readiness(struct vnode *vn)
{
    return &((struct sock_file *)vn->fs)->ready;
}

static void sock_release(struct vnode *vn, uint32_t flags)
{
    (void)flags;
    struct sock_file *sf = vn->fs;
    net_sock_close(sf->ns);
    kfree(sf);
    anon_fd_free_vnode(vn);
}

static const struct vnode_ops socket_ops = {
    .read = sock_read,
    .write = sock_write,
    .poll = sock_poll,
    .readiness = sock_readiness,
    .release = sock_release,
    .not_seekable = true,
};

int sock_file_install(struct net_sock *ns, uint32_t flags)
{
    static uint64_t next_ino = 10000;
    struct sock_file *sf = kzalloc(sizeof(*sf));
    if (!sf) {
        net_sock_close(ns);
        return -ENOMEM;
    }
    sf->ns = ns;
    waitq_init(&sf->wq);
    int fd = anon_fd_create(&socket_ops, sf, "socket", O_RDWR | (flags & SOCK_NONBLOCK),
                            flags & SOCK_CLOEXEC, &sf->file);
    if (fd < 0) {
        net_sock_close(ns);
        kfree(sf);
        return fd;
    }
    sf->file->vn->mode = S_IFSOCK | 0777;
    sf->file->vn->dev = SOCKFS_DEV;
    sf->file->vn->ino = next_ino++;
    net_sock_set_notify(ns, on_change, sf);
    return fd;
}

struct sock_file *sock_of_file(struct file *f)
{
    return f && f->vn->ops == &socket_ops ? f->vn->fs : NULL;
}

struct sock_file *sock_get(int fd, struct file **fp, int *err)
{
    struct file *f = fd_get(fd);
    if (!f) {
        *err = -EBADF;
        return NULL;
    }
    struct sock_file *sf = sock_of_file(f);
    if (!sf) {
        *err = -ENOTSOCK;
        return NULL;
    }
    f->refs++;                           /* a call may block: a close must not free it */
    *fp = f;
    return sf;
}
