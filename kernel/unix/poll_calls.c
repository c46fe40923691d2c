/* poll and ppoll: regular files are always ready; devices and pipes say.
 * The wait is readiness_wait's (unix/readiness.h). */
#include "unix/syscall.h"
#include "unix/signal_thread.h"
#include "unix/sigset.h"
#include "unix/usercopy.h"
#include "unix/timeout.h"
#include "unix/poll_timeout.h"
#include "unix/readiness.h"
#include "unix/fd.h"
#include "drivers/clock.h"
#include "mm/heap.h"
#include "lib/errno.h"

#define MAX_POLL_FDS 1024
#define SIGSET_SIZE 8

struct pollfd_k { int32_t fd; int16_t events; int16_t revents; };

static int readiness(struct pollfd_k *p)
{
    if (p->fd < 0) {
        p->revents = 0;
        return 0;
    }
    struct file *f = fd_get(p->fd);
    if (!f) {
        p->revents = POLLNVAL;
        return 1;
    }
    uint32_t ready = file_poll(f);
    p->revents = (int16_t)(ready & ((uint16_t)p->events | POLLERR | POLLHUP));
    return p->revents != 0;
}

struct poll_look {
    struct pollfd_k *fds;
    uint64_t nfds;
    int n;
};

static bool any_ready(void *arg)
{
    struct poll_look *l = arg;
    l->n = 0;
    for (uint64_t i = 0; i < l->nfds; i++)
        l->n += readiness(&l->fds[i]);
    return l->n > 0;
}

/* timeout_ns: TIMEOUT_FOREVER = forever. */
static int64_t do_poll(uint64_t ufds, uint64_t nfds, uint64_t deadline)
{
    if (nfds > MAX_POLL_FDS)
        return -EINVAL;
    struct pollfd_k *fds = kmalloc(sizeof(*fds) * (nfds ? nfds : 1));
    if (!fds)
        return -ENOMEM;
    int64_t ret;
    if (copy_from_user(fds, ufds, sizeof(*fds) * nfds)) {
        ret = -EFAULT;
        goto out;
    }
    struct poll_look look = { fds, nfds, 0 };
    if (readiness_wait(any_ready, &look, deadline) == -EINTR)
        ret = -ERESTARTNOHAND;          /* EINTR for a handler, never SA_RESTART (signal(7)) */
    else
        ret = copy_to_user(ufds, fds, sizeof(*fds) * nfds) ? -EFAULT : look.n;
out:
    kfree(fds);
    return ret;
}

int64_t sys_poll(SYSCALL_ARGS)
{
    UNUSED_ARGS;
    int64_t ms = (int32_t)a2;
    uint64_t timeout = ms < 0 ? TIMEOUT_FOREVER : (uint64_t)ms * 1000000;
    return do_poll(a0, a1, timeout_deadline_after(clock_monotonic_ns(), timeout));
}

int64_t sys_ppoll(SYSCALL_ARGS)
{
    UNUSED_ARGS;
    uint64_t timeout = TIMEOUT_FOREVER;
    if (a2) {
        int err = timeout_from_user(a2, &timeout);
        if (err)
            return err;
    }
    uint64_t deadline = timeout_deadline_after(clock_monotonic_ns(), timeout);
    /* The thread's mask while it waits. */
    uint64_t mask;
    if (a3 && a4 != SIGSET_SIZE)
        return -EINVAL;
    if (a3 && copy_from_user(&mask, a3, sizeof(mask)))
        return -EFAULT;
    if (a3)
        signal_mask_push(mask);
    int64_t ret = do_poll(a0, a1, deadline);
    if (a3)
        signal_mask_pop(ret == -ERESTARTNOHAND);
    poll_timeout_write_back(a2, false, timeout, deadline);
    return ret;
}
