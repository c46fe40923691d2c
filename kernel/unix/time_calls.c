/* Clocks and sleeping. */
#include "unix/syscall.h"
#include "unix/usercopy.h"
#include "unix/timeout.h"
#include "drivers/clock.h"
#include "lib/errno.h"

#define CLOCK_REALTIME 0
#define CLOCK_MONOTONIC 1
#define CLOCK_PROCESS_CPUTIME_ID 2
#define CLOCK_THREAD_CPUTIME_ID 3
#define CLOCK_MONOTONIC_RAW 4
#define CLOCK_REALTIME_COARSE 5
#define CLOCK_MONOTONIC_COARSE 6
#define CLOCK_BOOTTIME 7
#define TIMER_ABSTIME 1

struct timespec_k { int64_t sec; int64_t nsec; };

static int clock_ns(uint64_t id, uint64_t *ns)
{
    switch (id) {
    case CLOCK_REALTIME:
    case CLOCK_REALTIME_COARSE:
        *ns = clock_realtime_ns();
        return 0;
    case CLOCK_MONOTONIC:
    case CLOCK_MONOTONIC_RAW:
    case CLOCK_MONOTONIC_COARSE:
    case CLOCK_BOOTTIME:
    /* One process that never waits on another: its CPU time is (close to)
     * the time since boot. */
    case CLOCK_PROCESS_CPUTIME_ID:
    case CLOCK_THREAD_CPUTIME_ID:
        *ns = clock_monotonic_ns();
        return 0;
    default:
        return -EINVAL;
    }
}

int64_t sys_clock_gettime(SYSCALL_ARGS)
{
    UNUSED_ARGS;
    uint64_t ns;
    int err = clock_ns(a0, &ns);
    if (err)
        return err;
    struct timespec_k ts = { (int64_t)(ns / 1000000000), (int64_t)(ns % 1000000000) };
    return copy_to_user(a1, &ts, sizeof(ts));
}

int64_t sys_clock_getres(SYSCALL_ARGS)
{
    UNUSED_ARGS;
    uint64_t ns;
    int err = clock_ns(a0, &ns);
    if (err)
        return err;
    if (!a1)
        return 0;
    struct timespec_k ts = { 0, 1 };
    return copy_to_user(a1, &ts, sizeof(ts));
}

int64_t sys_gettimeofday(SYSCALL_ARGS)
{
    UNUSED_ARGS;
    if (a0) {
        uint64_t ns = clock_realtime_ns();
        int64_t tv[2] = { (int64_t)(ns / 1000000000), (int64_t)(ns % 1000000000 / 1000) };
        if (copy_to_user(a0, tv, sizeof(tv)))
            return -EFAULT;
    }
    if (a1) {
        int32_t tz[2] = { 0, 0 };
        if (copy_to_user(a1, tz, sizeof(tz)))
            return -EFAULT;
    }
    return 0;
}

int64_t sys_time(SYSCALL_ARGS)
{
    UNUSED_ARGS;
    int64_t t = (int64_t)(clock_realtime_ns() / 1000000000);
    if (a0 && copy_to_user(a0, &t, sizeof(t)))
        return -EFAULT;
    return t;
}

int64_t sys_nanosleep(SYSCALL_ARGS)
{
    UNUSED_ARGS;
    uint64_t ns;
    int err = timeout_from_user(a0, &ns);
    if (err)
        return err;
    clock_sleep_until(timeout_deadline_after(clock_monotonic_ns(), ns));
    return 0;
}

int64_t sys_clock_nanosleep(SYSCALL_ARGS)
{
    UNUSED_ARGS;
    uint64_t ns, now;
    if (a0 == CLOCK_PROCESS_CPUTIME_ID || a0 == CLOCK_THREAD_CPUTIME_ID)
        return -EINVAL;
    int err = clock_ns(a0, &now);
    if (err)
        return err;
    if ((err = timeout_from_user(a2, &ns)))
        return err;
    uint64_t mono = clock_monotonic_ns();
    if (a1 & TIMER_ABSTIME)
        clock_sleep_until(timeout_deadline_at(mono, now, ns));
    else
        clock_sleep_until(timeout_deadline_after(mono, ns));
    return 0;
}
