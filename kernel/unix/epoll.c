/* epoll_create, epoll_create1, epoll_ctl, epoll_wait, epoll_pwait,
 * epoll_pwait2 (epoll(7)).  The bookkeeping is unix/epoll_set.c; this file
 * holds the descriptors, the checks and errors of Linux's epoll_ctl and
 * epoll_wait, and the nesting rules.  Anything with a poll method can be
 * watched (pipes, the console, eventfd, timerfd, another epoll, sockets);
 * what notifies its readiness is told edge by edge, the rest is polled. */
#include "unix/syscall.h"
#include "unix/signal_thread.h"
#include "unix/epoll.h"
#include "unix/epoll_set.h"
#include "unix/anon_fd.h"
#include "unix/readiness.h"
#include "unix/timeout.h"
#include "unix/usercopy.h"
#include "mm/layout.h"
#include "mm/heap.h"
#include "drivers/clock.h"
#include "lib/errno.h"

#define EPOLL_CTL_ADD 1
#define EPOLL_CTL_DEL 2
#define EPOLL_CTL_MOD 3
#define EPOLL_CLOEXEC O_CLOEXEC
#define EP_MAX_NESTS 4                         /* Linux's limit on epolls in epolls */
#define EP_MAX_EVENTS (0x7fffffff / (int)sizeof(struct epoll_event_k))
#define EXCLUSIVE_OK_BITS (EPOLLIN | EPOLLOUT | EPOLLERR | EPOLLHUP | EPOLLWAKEUP | EPOLLET | EPOLLEXCLUSIVE)
#define SIGSET_SIZE 8

struct epoll {
    struct epoll_set set;
    struct epoll *next;                        /* every instance: for closes */
};

static struct epoll *instances;
static const struct vnode_ops epoll_ops;

static uint32_t item_poll(struct epoll_item *it)
{
    return file_poll(it->file);
}

static struct epoll *epoll_of_file(struct file *f)
{
    return f->vn->ops == &epoll_ops ? f->vn->fs : 0;
}

static int epoll_poll(struct vnode *vn, uint32_t flags)
{
    (void)flags;
    struct epoll *ep = vn->fs;
    return epoll_set_has_events(&ep->set) ? POLLIN : 0;
}

static struct readiness *epoll_readiness(struct vnode *vn)
{
    return &((struct epoll *)vn->fs)->set.ready;
}

static void remove_item(struct epoll *ep, struct epoll_item *it)
{
    epoll_set_remove(&ep->set, it);
    kfree(it);
}

static void epoll_release(struct vnode *vn, uint32_t flags)
{
    (void)flags;
    struct epoll *ep = vn->fs;
    while (ep->set.items)
        remove_item(ep, ep->set.items);
    for (struct epoll **p = &instances; *p; p = &(*p)->next) {
        if (*p == ep) {
            *p = ep->next;
            break;
        }
    }
    kfree(ep);
    anon_fd_free_vnode(vn);
}

static const struct vnode_ops epoll_ops = {
    .poll = epoll_poll,
    .readiness = epoll_readiness,
    .release = epoll_release,
    .not_seekable = true,
};

void epoll_file_closing(struct file *f)
{
    for (struct epoll *ep = instances; ep; ep = ep->next) {
        for (struct epoll_item *it = ep->set.items, *next; it; it = next) {
            next = it->next;
            if (it->file == f)
                remove_item(ep, it);
        }
    }
}

static int64_t do_epoll_create(uint64_t flags)
{
    if (flags & ~(uint64_t)EPOLL_CLOEXEC)
        return -EINVAL;
    struct epoll *ep = kzalloc(sizeof(*ep));
    if (!ep)
        return -ENOMEM;
    epoll_set_init(&ep->set, item_poll);
    int fd = anon_fd_create(&epoll_ops, ep, "[eventpoll]", O_RDWR, flags & EPOLL_CLOEXEC, 0);
    if (fd < 0) {
        kfree(ep);
        return fd;
    }
    ep->next = instances;
    instances = ep;
    return fd;
}

int64_t sys_epoll_create(SYSCALL_ARGS)
{
    UNUSED_ARGS;
    if ((int32_t)a0 <= 0)
        return -EINVAL;
    return do_epoll_create(0);
}

int64_t sys_epoll_create1(SYSCALL_ARGS) { UNUSED_ARGS; return do_epoll_create(a0); }

/* The longest chain of epolls watched below ep (0: none), as Linux's
 * ep_loop_check_proc; EP_MAX_NESTS + 1 when `into` is among them (a loop). */
static int depth_below(struct epoll *ep, struct epoll *into, int depth)
{
    int result = 0;
    for (struct epoll_item *it = ep->set.items; it; it = it->next) {
        struct epoll *sub = epoll_of_file(it->file);
        if (!sub)
            continue;
        int d = sub == into || depth > EP_MAX_NESTS ? EP_MAX_NESTS + 1
                                                    : depth_below(sub, into, depth + 1) + 1;
        if (d > result)
            result = d;
        if (result > EP_MAX_NESTS)
            break;
    }
    return result;
}

/* The longest chain of epolls watching ep (0: none). */
static int depth_above(struct epoll *ep, int depth)
{
    int result = 0;
    if (depth > EP_MAX_NESTS)
        return EP_MAX_NESTS + 1;
    for (struct epoll *up = instances; up; up = up->next) {
        for (struct epoll_item *it = up->set.items; it; it = it->next) {
            if (epoll_of_file(it->file) != ep)
                continue;
            int d = depth_above(up, depth + 1) + 1;
            if (d > result)
                result = d;
        }
    }
    return result;
}

static bool would_loop(struct epoll *ep, struct epoll *target)
{
    int below = depth_below(target, ep, 0);
    return below > EP_MAX_NESTS || below + 1 + depth_above(ep, 0) > EP_MAX_NESTS;
}

/* Linux's epoll_ctl, check by check in its order. */
int64_t sys_epoll_ctl(SYSCALL_ARGS)
{
    UNUSED_ARGS;
    int op = (int)a1, fd = (int)a2;
    struct epoll_event_k ev = { 0, 0 };
    if (op != EPOLL_CTL_DEL && copy_from_user(&ev, a3, sizeof(ev)))
        return -EFAULT;
    struct file *ef = fd_get((int)a0), *tf = fd_get(fd);
    if (!ef || !tf)
        return -EBADF;
    if (!file_pollable(tf))
        return -EPERM;                /* regular files, directories */
    struct epoll *ep = epoll_of_file(ef), *target = epoll_of_file(tf);
    if (ef == tf || !ep)
        return -EINVAL;
    if (op != EPOLL_CTL_DEL && (ev.events & EPOLLEXCLUSIVE)) {
        if (op == EPOLL_CTL_MOD || (op == EPOLL_CTL_ADD && (target || (ev.events & ~EXCLUSIVE_OK_BITS))))
            return -EINVAL;
    }
    if (op == EPOLL_CTL_ADD && target && would_loop(ep, target))
        return -ELOOP;
    struct epoll_item *it = epoll_set_find(&ep->set, tf, fd);
    switch (op) {
    case EPOLL_CTL_ADD:
        if (it)
            return -EEXIST;
        it = kzalloc(sizeof(*it));
        if (!it)
            return -ENOMEM;
        epoll_set_insert(&ep->set, it, tf, fd, file_readiness(tf), ev.events, ev.data);
        return 0;
    case EPOLL_CTL_DEL:
        if (!it)
            return -ENOENT;
        remove_item(ep, it);
        return 0;
    case EPOLL_CTL_MOD:
        if (!it)
            return -ENOENT;
        if (it->events & EPOLLEXCLUSIVE)
            return -EINVAL;
        epoll_set_modify(&ep->set, it, ev.events, ev.data);
        return 0;
    default:
        return -EINVAL;
    }
}

struct harvest {
    struct epoll *ep;
    struct epoll_event_k *buf;
    int max, n;
};

static bool harvested(void *arg)
{
    struct harvest *h = arg;
    epoll_set_poll_sources(&h->ep->set);
    h->n = epoll_set_harvest(&h->ep->set, h->buf, h->max);
    return h->n > 0;
}

/* For a buffer that cannot take the events: waits for one without taking
 * it, so that edge-triggered and one-shot items keep it, as Linux puts an
 * event it could not copy back on the ready list. */
static bool has_events(void *arg)
{
    return epoll_set_has_events(&((struct harvest *)arg)->ep->set);
}

static int64_t do_epoll_wait(uint64_t epfd, uint64_t uevents, uint64_t maxevents, uint64_t timeout_ns)
{
    int max = (int)maxevents;
    if (max <= 0 || max > EP_MAX_EVENTS)
        return -EINVAL;
    /* Linux's access_ok: the buffer lies in the program's half; whether it
     * is mapped shows when events are copied. */
    uint64_t size = (uint64_t)max * sizeof(struct epoll_event_k);
    if (uevents > USER_TOP || size > USER_TOP - uevents)
        return -EFAULT;
    struct file *f = fd_get((int)epfd);
    if (!f)
        return -EBADF;
    struct epoll *ep = epoll_of_file(f);
    if (!ep)
        return -EINVAL;
    struct harvest h = { .ep = ep, .max = max };
    /* One thread: no item comes while it waits, so room for every item is
     * enough (a waiter of a threaded kernel gets what fits). */
    if ((unsigned)h.max > ep->set.nitems)
        h.max = ep->set.nitems ? (int)ep->set.nitems : 1;
    uint64_t deadline = timeout_deadline_after(clock_monotonic_ns(), timeout_ns);
    if (!user_begin(uevents, sizeof(*h.buf) * (size_t)h.max, true)) {
        int waited = readiness_wait(has_events, &h, deadline);
        return waited == -EINTR ? -EINTR : waited ? 0 : -EFAULT;
    }
    user_end();
    h.buf = kmalloc(sizeof(*h.buf) * (size_t)h.max);
    if (!h.buf)
        return -ENOMEM;
    /* Interrupted: EINTR, never restarted (signal(7)). */
    int64_t ret = readiness_wait(harvested, &h, deadline) == -EINTR ? -EINTR : h.n;
    if (h.n && copy_to_user(uevents, h.buf, sizeof(*h.buf) * (size_t)h.n))
        ret = -EFAULT;
    kfree(h.buf);
    return ret;
}

static uint64_t ms_timeout(uint64_t ms)
{
    return (int32_t)ms < 0 ? TIMEOUT_FOREVER : (uint64_t)(int32_t)ms * 1000000;
}

/* The thread's mask while it waits (read and checked first). */
static int check_sigmask(uint64_t umask, uint64_t size, uint64_t *mask)
{
    if (!umask)
        return 0;
    if (size != SIGSET_SIZE)
        return -EINVAL;
    return copy_from_user(mask, umask, sizeof(*mask)) ? -EFAULT : 0;
}

static int64_t wait_with_mask(uint64_t umask, uint64_t mask, uint64_t epfd, uint64_t uevents,
                              uint64_t maxevents, uint64_t timeout_ns)
{
    if (umask)
        signal_mask_push(mask);
    int64_t ret = do_epoll_wait(epfd, uevents, maxevents, timeout_ns);
    if (umask)
        signal_mask_pop(ret == -EINTR);
    return ret;
}

int64_t sys_epoll_wait(SYSCALL_ARGS)
{
    UNUSED_ARGS;
    return do_epoll_wait(a0, a1, a2, ms_timeout(a3));
}

int64_t sys_epoll_pwait(SYSCALL_ARGS)
{
    UNUSED_ARGS;
    uint64_t mask;
    int err = check_sigmask(a4, a5, &mask);
    if (err)
        return err;
    return wait_with_mask(a4, mask, a0, a1, a2, ms_timeout(a3));
}

int64_t sys_epoll_pwait2(SYSCALL_ARGS)
{
    UNUSED_ARGS;
    uint64_t timeout = TIMEOUT_FOREVER;
    if (a3) {
        int err = timeout_from_user(a3, &timeout);
        if (err)
            return err;
    }
    uint64_t mask;
    int err = check_sigmask(a4, a5, &mask);
    if (err)
        return err;
    return wait_with_mask(a4, mask, a0, a1, a2, timeout);
}
