/* Clocks and sleeping. */
#include "unix/syscall.h"
#include "unix/usercopy.h"
#include "unix/timeout.h"
#include "unix/signal_thread.h"
#include "unix/sigset.h"
#include "unix/cpu_clock.h"
#include "sched/sched.h"
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
    if (cpu_clock_id(id)) {
        struct cpu_clock c;
        int err = cpu_clock_parse(id, false, &c);
        return err ? err : cpu_clock_read(&c, ns);
    }
    switch (id) {
    case CLOCK_REALTIME:
    case CLOCK_REALTIME_COARSE:
        *ns = clock_realtime_ns();
        return 0;
    case CLOCK_MONOTONIC:
    case CLOCK_MONOTONIC_RAW:
    case CLOCK_MONOTONIC_COARSE:
    case CLOCK_BOOTTIME:
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
    struct cpu_clock c;
    /* Linux: a CPU clock's PROF and VIRT kinds tick (1/HZ; Debian's HZ is
     * 250), its SCHED kind is exact. */
    if (cpu_clock_id(a0) && cpu_clock_parse(a0, false, &c) == 0 && c.kind != CPU_CLOCK_SCHED)
        ts.nsec = 4000000;
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

static int64_t sleep_relative(uint64_t deadline, uint64_t urem);

/* restart_syscall after a signal that ran no handler: on to the deadline. */
static int64_t sleep_restart(struct signal_restart *r)
{
    return sleep_relative(r->deadline, r->arg[0]);
}

/* nanosleep and relative clock_nanosleep: interrupted by a signal, the
 * time left goes to urem and the call ends with EINTR if a handler runs
 * (never restarted by SA_RESTART, signal(7)); otherwise it sleeps on. */
static int64_t sleep_relative(uint64_t deadline, uint64_t urem)
{
    if (signal_sleep_until(deadline) == 0)
        return 0;
    if (urem) {
        uint64_t now = clock_monotonic_ns();
        uint64_t left = deadline > now ? deadline - now : 0;
        struct timespec_k ts = { (int64_t)(left / 1000000000), (int64_t)(left % 1000000000) };
        if (copy_to_user(urem, &ts, sizeof(ts)))
            return -EFAULT;
    }
    signal_self()->restart = (struct signal_restart){ sleep_restart, deadline, { urem } };
    return -ERESTART_RESTARTBLOCK;
}

int64_t sys_nanosleep(SYSCALL_ARGS)
{
    UNUSED_ARGS;
    uint64_t ns;
    int err = timeout_from_user(a0, &ns);
    if (err)
        return err;
    return sleep_relative(timeout_deadline_after(clock_monotonic_ns(), ns), a1);
}

static int64_t cpu_sleep(uint64_t id, const struct cpu_clock *c, uint64_t target, uint64_t urem);

/* restart_syscall after a CPU-time sleep that ran no handler. */
static int64_t cpu_sleep_restart(struct signal_restart *r)
{
    struct cpu_clock c = { (int)r->arg[1], (int)r->arg[2] };
    return cpu_sleep(r->arg[0], &c, r->deadline, r->arg[3]);
}

/* A relative sleep on a CPU clock to target on it: interrupted, the time
 * the clock still has to run goes to urem, and it goes on to the same
 * target if no handler ran (Linux's posix_cpu_nsleep_restart). */
static int64_t cpu_sleep(uint64_t id, const struct cpu_clock *c, uint64_t target, uint64_t urem)
{
    if (cpu_clock_sleep_until(c, target) == 0)
        return 0;
    uint64_t now = target;
    if (urem && cpu_clock_read(c, &now) == 0) {
        uint64_t left = target > now ? target - now : 0;
        struct timespec_k ts = { (int64_t)(left / 1000000000), (int64_t)(left % 1000000000) };
        if (copy_to_user(urem, &ts, sizeof(ts)))
            return -EFAULT;
    }
    signal_self()->restart = (struct signal_restart){ cpu_sleep_restart, target,
                                                      { id, (uint64_t)c->kind, (uint64_t)c->tid, urem } };
    return -ERESTART_RESTARTBLOCK;
}

/* clock_nanosleep on a CPU-time clock, as Linux's posix_cpu_nsleep: until
 * the program's or another thread's CPU time reaches the time asked for.
 * The caller's own thread clock is EINVAL (it would never advance), and
 * CLOCK_THREAD_CPUTIME_ID and kind 3 (Linux's clock fds) have no sleep:
 * EOPNOTSUPP (the C libraries say EINVAL for CLOCK_THREAD_CPUTIME_ID
 * themselves). */
static int64_t cpu_nanosleep(uint64_t id, uint64_t flags, uint64_t uts, uint64_t urem)
{
    if (id == CLOCK_THREAD_CPUTIME_ID || ((int32_t)id < 0 && (id & 7) == 3))
        return -EOPNOTSUPP;
    struct cpu_clock c;
    uint64_t ns, now;
    int err = cpu_clock_parse(id, true, &c);
    if (err)
        return err;
    if (c.tid == sched_current()->tid)
        return -EINVAL;
    if ((err = timeout_from_user(uts, &ns)) || (err = cpu_clock_read(&c, &now)))
        return err;
    if (flags & TIMER_ABSTIME)
        return cpu_clock_sleep_until(&c, ns) ? -ERESTARTNOHAND : 0;
    return cpu_sleep(id, &c, now + ns < now ? UINT64_MAX : now + ns, urem);
}

int64_t sys_clock_nanosleep(SYSCALL_ARGS)
{
    UNUSED_ARGS;
    uint64_t ns, now;
    if (cpu_clock_id(a0))
        return cpu_nanosleep(a0, a1, a2, a3);
    int err = clock_ns(a0, &now);
    if (err)
        return err;
    if ((err = timeout_from_user(a2, &ns)))
        return err;
    uint64_t mono = clock_monotonic_ns();
    if (!(a1 & TIMER_ABSTIME))
        return sleep_relative(timeout_deadline_after(mono, ns), a3);
    /* Absolute: nothing to write back; a restart sleeps to the same time. */
    if (signal_sleep_until(timeout_deadline_at(mono, now, ns)))
        return -ERESTARTNOHAND;
    return 0;
}

/* times(): CPU times in clock ticks (USER_HZ, 100 a second); children
 * none.  Returns the ticks since boot, as Linux does (from an arbitrary
 * point). */
#define USER_HZ 100
#define NS_PER_TICK (1000000000 / USER_HZ)

int64_t sys_times(SYSCALL_ARGS)
{
    UNUSED_ARGS;
    if (a0) {
        struct sched_cputime t;
        sched_process_cputime(&t);
        int64_t tms[4] = { (int64_t)(t.user_ns / NS_PER_TICK), (int64_t)(t.sys_ns / NS_PER_TICK), 0, 0 };
        if (copy_to_user(a0, tms, sizeof(tms)))
            return -EFAULT;
    }
    return (int64_t)(clock_monotonic_ns() / NS_PER_TICK);
}
