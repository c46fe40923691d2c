/* select and pselect6 (select(2)): three fd_set bitmaps of nfds bits.  A
 * descriptor counts once per set it is ready in; a closed descriptor in
 * any set is EBADF; the sets are rewritten with the ready bits only, and
 * the timeout with the time left, as Linux does.  The wait is
 * readiness_wait's (unix/readiness.h). */
#include "unix/syscall.h"
#include "unix/signal_thread.h"
#include "unix/sigset.h"
#include "unix/usercopy.h"
#include "unix/timeout.h"
#include "unix/poll_timeout.h"
#include "unix/readiness.h"
#include "unix/fd_bits.h"
#include "unix/fd.h"
#include "drivers/clock.h"
#include "mm/heap.h"
#include "lib/errno.h"

#define SIGSET_SIZE 8

struct select_look {
    struct fd_bits in, out;
    uint64_t user[3];            /* the sets' addresses (0: none) */
    int nfds;
    int n;
};

static bool any_selected(void *arg)
{
    struct select_look *l = arg;
    l->n = fd_bits_select(&l->in, &l->out, l->nfds, file_poll_fd);
    return l->n != 0;
}

/* deadline: monotonic ns, TIMEOUT_FOREVER for none. */
static int64_t do_select(uint64_t nfds, uint64_t uin, uint64_t uout, uint64_t uex, uint64_t deadline)
{
    if ((int32_t)nfds < 0)
        return -EINVAL;
    struct select_look *l = kzalloc(sizeof(*l));
    if (!l)
        return -ENOMEM;
    l->nfds = (int32_t)nfds > MAX_FDS ? MAX_FDS : (int32_t)nfds;
    l->user[0] = uin;
    l->user[1] = uout;
    l->user[2] = uex;
    size_t bytes = fd_bits_bytes(l->nfds);
    int64_t ret = 0;
    for (int s = 0; s < 3; s++) {
        if (l->user[s] && copy_from_user(l->in.set[s], l->user[s], bytes)) {
            ret = -EFAULT;
            goto out;
        }
    }
    ret = fd_bits_check_open(&l->in, l->nfds, file_poll_fd);
    if (ret < 0)
        goto out;
    if (readiness_wait(any_selected, l, deadline) == -EINTR) {
        ret = -ERESTARTNOHAND;          /* EINTR for a handler, never SA_RESTART (signal(7)) */
        goto out;
    }
    ret = l->n;
    for (int s = 0; s < 3; s++) {
        if (l->user[s] && copy_to_user(l->user[s], l->out.set[s], bytes)) {
            ret = -EFAULT;
            break;
        }
    }
out:
    kfree(l);
    return ret;
}

int64_t sys_select(SYSCALL_ARGS)
{
    UNUSED_ARGS;
    uint64_t timeout = TIMEOUT_FOREVER;
    if (a4) {
        int64_t tv[2];                 /* struct timeval: tv_sec, tv_usec */
        if (copy_from_user(tv, a4, sizeof(tv)))
            return -EFAULT;
        /* Linux folds whole seconds of tv_usec into tv_sec first. */
        int64_t sec = (int64_t)((uint64_t)tv[0] + (uint64_t)(tv[1] / 1000000));
        int err = timeout_ns(sec, tv[1] % 1000000 * 1000, &timeout);
        if (err)
            return err;
    }
    uint64_t deadline = timeout_deadline_after(clock_monotonic_ns(), timeout);
    int64_t ret = do_select(a0, a1, a2, a3, deadline);
    poll_timeout_write_back(a4, true, timeout, deadline);
    return ret;
}

/* The sixth argument points to { const sigset_t *mask; size_t size }:
 * read first; the mask is checked after the timeout, as Linux does, and
 * is the thread's mask while it waits. */
int64_t sys_pselect6(SYSCALL_ARGS)
{
    UNUSED_ARGS;
    uint64_t pack[2] = { 0, 0 }, mask;
    if (a5 && copy_from_user(pack, a5, sizeof(pack)))
        return -EFAULT;
    uint64_t timeout = TIMEOUT_FOREVER;
    if (a4) {
        int err = timeout_from_user(a4, &timeout);
        if (err)
            return err;
    }
    uint64_t deadline = timeout_deadline_after(clock_monotonic_ns(), timeout);
    if (pack[0] && pack[1] != SIGSET_SIZE)
        return -EINVAL;
    if (pack[0] && copy_from_user(&mask, pack[0], sizeof(mask)))
        return -EFAULT;
    if (pack[0])
        signal_mask_push(mask);
    int64_t ret = do_select(a0, a1, a2, a3, deadline);
    if (pack[0])
        signal_mask_pop(ret == -ERESTARTNOHAND);
    poll_timeout_write_back(a4, false, timeout, deadline);
    return ret;
}
