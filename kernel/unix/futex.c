/* futex with one thread: nobody else can wake a waiter, so a wait either
 * fails at once (value changed), times out, or is a deadlock the program
 * cannot leave; wakes find no waiters.  Threads will replace this. */
#include "unix/syscall.h"
#include "unix/process.h"
#include "unix/usercopy.h"
#include "unix/timeout.h"
#include "drivers/clock.h"
#include "lib/errno.h"
#include "lib/log.h"

#define FUTEX_WAIT 0
#define FUTEX_WAKE 1
#define FUTEX_REQUEUE 3
#define FUTEX_CMP_REQUEUE 4
#define FUTEX_WAKE_OP 5
#define FUTEX_WAIT_BITSET 9
#define FUTEX_WAKE_BITSET 10
#define FUTEX_PRIVATE_FLAG 128
#define FUTEX_CLOCK_REALTIME 256

static int wake_op(uint64_t uaddr2, uint32_t val3)
{
    unsigned op = (val3 >> 28) & 0xf, cmp = (val3 >> 24) & 0xf;
    uint32_t oparg = (val3 >> 12) & 0xfff, cmparg = val3 & 0xfff;
    if (op & 8) {
        if (oparg > 31)
            return -EINVAL;
        oparg = 1u << oparg;
        op &= 7;
    }
    if (op > 4 || cmp > 5)
        return -ENOSYS;
    uint32_t old, nv;
    if (copy_from_user(&old, uaddr2, 4))
        return -EFAULT;
    switch (op) {
    case 0: nv = oparg; break;
    case 1: nv = old + oparg; break;
    case 2: nv = old | oparg; break;
    case 3: nv = old & ~oparg; break;
    default: nv = old ^ oparg; break;
    }
    if (copy_to_user(uaddr2, &nv, 4))
        return -EFAULT;
    (void)cmparg;              /* the comparison only decides whom to wake: nobody waits */
    return 0;
}

/* The timeout is read and checked before the futex word, as Linux does. */
static int64_t wait(uint64_t uaddr, uint32_t val, uint64_t utimeout, bool absolute, bool realtime)
{
    uint64_t ns = 0;
    if (utimeout) {
        int err = timeout_from_user(utimeout, &ns);
        if (err)
            return err;
    }
    uint32_t cur;
    if (uaddr & 3)
        return -EINVAL;
    if (copy_from_user(&cur, uaddr, 4))
        return -EFAULT;
    if (cur != val)
        return -EAGAIN;
    if (!utimeout) {
        klog("futex: the program waits on %lx with no other thread to wake it: a deadlock", uaddr);
        process_kill(SIGABRT, "deadlocked in futex wait (one thread)");
    }
    uint64_t now = clock_monotonic_ns();
    if (absolute)
        clock_sleep_until(timeout_deadline_at(now, realtime ? clock_realtime_ns() : now, ns));
    else
        clock_sleep_until(timeout_deadline_after(now, ns));
    return -ETIMEDOUT;
}

int64_t sys_futex(SYSCALL_ARGS)
{
    UNUSED_ARGS;
    unsigned cmd = (unsigned)a1 & ~(unsigned)(FUTEX_PRIVATE_FLAG | FUTEX_CLOCK_REALTIME);
    bool realtime = a1 & FUTEX_CLOCK_REALTIME;
    switch (cmd) {
    case FUTEX_WAIT:
        return wait(a0, (uint32_t)a2, a3, false, false);
    case FUTEX_WAIT_BITSET:
        if ((uint32_t)a5 == 0)
            return -EINVAL;
        return wait(a0, (uint32_t)a2, a3, true, realtime);
    case FUTEX_WAKE:
    case FUTEX_WAKE_BITSET:
        return 0;
    case FUTEX_REQUEUE:
        return 0;
    case FUTEX_CMP_REQUEUE: {
        uint32_t cur;
        if (copy_from_user(&cur, a0, 4))
            return -EFAULT;
        return cur == (uint32_t)a5 ? 0 : -EAGAIN;
    }
    case FUTEX_WAKE_OP:
        return wake_op(a4, (uint32_t)a5);
    default:
        return -ENOSYS;
    }
}
