/* poll and ppoll: regular files are always ready; devices and pipes say. */
#include "unix/syscall.h"
#include "unix/usercopy.h"
#include "unix/timeout.h"
#include "unix/fd.h"
#include "drivers/clock.h"
#include "mm/heap.h"
#include "lib/errno.h"

#define POLLIN 0x1
#define POLLPRI 0x2
#define POLLOUT 0x4
#define POLLERR 0x8
#define POLLHUP 0x10
#define POLLNVAL 0x20
#define POLLRDNORM 0x40
#define POLLWRNORM 0x100
#define MAX_POLL_FDS 1024

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
    int ready = f->vn->ops->poll ? f->vn->ops->poll(f->vn) : (POLLIN | POLLOUT);
    if (ready & POLLIN)
        ready |= POLLRDNORM;
    if (ready & POLLOUT)
        ready |= POLLWRNORM;
    p->revents = (int16_t)(ready & (p->events | POLLERR | POLLHUP));
    return p->revents != 0;
}

/* timeout_ns: TIMEOUT_FOREVER = forever. */
static int64_t do_poll(uint64_t ufds, uint64_t nfds, uint64_t timeout_ns)
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
    uint64_t start = clock_monotonic_ns();
    for (;;) {
        int n = 0;
        for (uint64_t i = 0; i < nfds; i++)
            n += readiness(&fds[i]);
        uint64_t waited = clock_monotonic_ns() - start;
        if (n || waited >= timeout_ns) {
            ret = copy_to_user(ufds, fds, sizeof(*fds) * nfds) ? -EFAULT : n;
            break;
        }
        /* Nothing to wake us but time and the console: look again soon. */
        uint64_t step = 10000000;
        if (timeout_ns - waited < step)
            step = timeout_ns - waited;
        clock_sleep_until(clock_monotonic_ns() + step);
    }
out:
    kfree(fds);
    return ret;
}

int64_t sys_poll(SYSCALL_ARGS)
{
    UNUSED_ARGS;
    int64_t ms = (int32_t)a2;
    return do_poll(a0, a1, ms < 0 ? TIMEOUT_FOREVER : (uint64_t)ms * 1000000);
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
    return do_poll(a0, a1, timeout);   /* the signal mask has nothing to do: no delivery yet */
}
