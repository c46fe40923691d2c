/* setitimer, getitimer, alarm and the POSIX timers (timer_create,
 * timer_settime, timer_gettime, timer_getoverrun, timer_delete): the
 * system calls over unix/signal_timer.h.
 *
 * ITIMER_VIRTUAL counts the program's user CPU time, ITIMER_PROF its user
 * and system time, POSIX timers on a CPU-time clock that clock
 * (unix/cpu_clock.h): none of them runs while the program sleeps. */
#include "unix/syscall.h"
#include "unix/signal.h"
#include "unix/signal_timer.h"
#include "unix/process.h"
#include "unix/timeout.h"
#include "unix/usercopy.h"
#include "sched/sched.h"
#include "drivers/clock.h"
#include "lib/errno.h"
#include "lib/string.h"

#define CLOCK_REALTIME 0
#define CLOCK_MONOTONIC 1
#define CLOCK_PROCESS_CPUTIME_ID 2
#define CLOCK_THREAD_CPUTIME_ID 3
#define CLOCK_MONOTONIC_RAW 4
#define CLOCK_BOOTTIME 7
#define TIMER_ABSTIME 1
#define SIGALRM 14
#define NS_PER_SEC 1000000000ull
#define NS_PER_USEC 1000ull

struct itimerval_k { int64_t interval_sec, interval_usec, value_sec, value_usec; };
struct itimerspec_k { int64_t interval_sec, interval_nsec, value_sec, value_nsec; };
struct sigevent_k {
    uint64_t value;
    int32_t signo, notify;
    int32_t tid;                        /* SIGEV_THREAD_ID */
    int32_t pad[11];
};

/* A timeval's nanoseconds; -EINVAL for a negative or unnormalized one. */
static int timeval_ns(int64_t sec, int64_t usec, uint64_t *ns)
{
    if (usec < 0 || usec >= 1000000)
        return -EINVAL;
    return timeout_ns(sec, usec * (int64_t)NS_PER_USEC, ns);
}

static struct itimerval_k itimerval_of(uint64_t left, uint64_t interval)
{
    /* Linux rounds a time left below a microsecond up to one, so that an
     * armed timer never reads as disarmed. */
    if (left && left < NS_PER_USEC)
        left = NS_PER_USEC;
    return (struct itimerval_k){ (int64_t)(interval / NS_PER_SEC), (int64_t)(interval % NS_PER_SEC / NS_PER_USEC),
                                 (int64_t)(left / NS_PER_SEC), (int64_t)(left % NS_PER_SEC / NS_PER_USEC) };
}

/* Sets (value 0: disarms) interval timer `which`; the old setting in *old. */
static int set_itimer(int which, uint64_t value, uint64_t interval, struct itimerval_k *old)
{
    int err = signal_timer_start();
    if (err)
        return err;
    uint64_t flags = signal_timer_lock();
    struct signal_timer *t = signal_itimer(which);
    *old = itimerval_of(signal_timer_left(t), t->it.interval);
    uint64_t now = 0;
    signal_timer_now(t, &now);
    signal_timer_arm(t, value ? timeout_deadline_after(now, value) : 0, interval);
    signal_timer_unlock(flags);
    return 0;
}

int64_t sys_setitimer(SYSCALL_ARGS)
{
    UNUSED_ARGS;
    if (a0 >= ITIMERS)
        return -EINVAL;
    struct itimerval_k new = { 0, 0, 0, 0 }, old;
    uint64_t value, interval;
    if (a1 && copy_from_user(&new, a1, sizeof(new)))
        return -EFAULT;
    int err = timeval_ns(new.value_sec, new.value_usec, &value);
    if (!err)
        err = timeval_ns(new.interval_sec, new.interval_usec, &interval);
    if (err)
        return err;
    if ((err = set_itimer((int)a0, value, interval, &old)))
        return err;
    if (a2 && copy_to_user(a2, &old, sizeof(old)))
        return -EFAULT;
    return 0;
}

int64_t sys_getitimer(SYSCALL_ARGS)
{
    UNUSED_ARGS;
    if (a0 >= ITIMERS)
        return -EINVAL;
    uint64_t flags = signal_timer_lock();
    struct signal_timer *t = signal_itimer((int)a0);
    struct itimerval_k cur = itimerval_of(signal_timer_left(t), t->it.interval);
    signal_timer_unlock(flags);
    return copy_to_user(a1, &cur, sizeof(cur)) ? -EFAULT : 0;
}

/* ITIMER_REAL in whole seconds; the seconds that were left, rounded as
 * Linux does (half a second up, and never 0 for a timer still armed). */
int64_t sys_alarm(SYSCALL_ARGS)
{
    UNUSED_ARGS;
    struct itimerval_k old;
    int err = set_itimer(ITIMER_REAL, (uint64_t)(uint32_t)a0 * NS_PER_SEC, 0, &old);
    if (err)
        return err;
    int64_t secs = old.value_sec;
    if (old.value_usec >= 500000 || (secs == 0 && old.value_usec))
        secs++;
    return secs;
}

static bool known_clock(uint64_t id)
{
    return id == CLOCK_REALTIME || id == CLOCK_MONOTONIC || id == CLOCK_BOOTTIME;
}

/* timer_create(clockid, sigevent or NULL, timer_t *id). */
int64_t sys_timer_create(SYSCALL_ARGS)
{
    UNUSED_ARGS;
    struct cpu_clock cpu = { 0, 0 };
    bool on_cpu = cpu_clock_id(a0);
    if (on_cpu) {
        int err = cpu_clock_parse(a0, true, &cpu);
        if (err)
            return err;
    } else if (!known_clock(a0)) {
        return a0 == CLOCK_MONOTONIC_RAW ? -ENOTSUP : -EINVAL;
    }
    struct sigevent_k ev = { .signo = SIGALRM, .notify = SIGEV_SIGNAL };
    bool given = a1 != 0;
    if (given && copy_from_user(&ev, a1, sizeof(ev)))
        return -EFAULT;
    int notify = ev.notify;
    if (notify != SIGEV_SIGNAL && notify != SIGEV_NONE && notify != SIGEV_THREAD_ID)
        return -EINVAL;                 /* SIGEV_THREAD is the C library's, on top of SIGEV_THREAD_ID */
    if (notify != SIGEV_NONE && (ev.signo < 1 || ev.signo > NSIG))
        return -EINVAL;
    if (notify == SIGEV_THREAD_ID && (ev.tid <= 0 || !sched_thread_by_tid(ev.tid)))
        return -EINVAL;
    int err = signal_timer_start();
    if (err)
        return err;
    uint64_t flags = signal_timer_lock();
    struct signal_timer *t = signal_posix_timer_new();
    if (t) {
        t->notify = notify;
        t->signo = notify == SIGEV_NONE ? 0 : ev.signo;
        t->tid = ev.tid;
        t->code = SI_TIMER;
        t->clock_realtime = a0 == CLOCK_REALTIME;
        t->on_cpu = on_cpu;
        t->cpu = cpu;
        t->value = given ? ev.value : (uint64_t)t->id;    /* Linux: the id when no sigevent */
    }
    signal_timer_unlock(flags);
    if (!t)
        return -EAGAIN;
    int32_t id = t->id;
    if (copy_to_user(a2, &id, sizeof(id))) {
        flags = signal_timer_lock();
        t->used = false;
        signal_timer_unlock(flags);
        return -EFAULT;
    }
    return 0;
}

static struct itimerspec_k itimerspec_of(uint64_t left, uint64_t interval)
{
    return (struct itimerspec_k){ (int64_t)(interval / NS_PER_SEC), (int64_t)(interval % NS_PER_SEC),
                                  (int64_t)(left / NS_PER_SEC), (int64_t)(left % NS_PER_SEC) };
}

/* timer_settime(id, flags, new, old).  A CLOCK_REALTIME absolute time is
 * turned into a monotonic one now (a later clock change does not move it). */
int64_t sys_timer_settime(SYSCALL_ARGS)
{
    UNUSED_ARGS;
    struct itimerspec_k new, old;
    uint64_t value, interval;
    if (copy_from_user(&new, a2, sizeof(new)))
        return -EFAULT;
    int err = timeout_ns(new.value_sec, new.value_nsec, &value);
    if (!err)
        err = timeout_ns(new.interval_sec, new.interval_nsec, &interval);
    if (err)
        return err;
    uint64_t flags = signal_timer_lock();
    struct signal_timer *t = signal_posix_timer((int)a0);
    if (!t) {
        signal_timer_unlock(flags);
        return -EINVAL;
    }
    old = itimerspec_of(signal_timer_left(t), t->it.interval);
    uint64_t now = 0, at = 0;
    signal_timer_now(t, &now);          /* a thread gone: it never fires */
    if (value && (a1 & TIMER_ABSTIME) && t->on_cpu)
        at = value;
    else if (value && (a1 & TIMER_ABSTIME))
        at = timeout_deadline_at(now, t->clock_realtime ? clock_realtime_ns() : now, value);
    else if (value)
        at = timeout_deadline_after(now, value);
    if (value && at == 0)
        at = 1;                         /* already passed: expires at once */
    signal_timer_arm(t, at, value ? interval : 0);
    t->overrun_last = 0;
    signal_timer_unlock(flags);
    if (a3 && copy_to_user(a3, &old, sizeof(old)))
        return -EFAULT;
    return 0;
}

int64_t sys_timer_gettime(SYSCALL_ARGS)
{
    UNUSED_ARGS;
    uint64_t flags = signal_timer_lock();
    struct signal_timer *t = signal_posix_timer((int)a0);
    struct itimerspec_k cur = t ? itimerspec_of(signal_timer_left(t), t->it.interval)
                                : (struct itimerspec_k){ 0, 0, 0, 0 };
    signal_timer_unlock(flags);
    if (!t)
        return -EINVAL;
    return copy_to_user(a1, &cur, sizeof(cur)) ? -EFAULT : 0;
}

int64_t sys_timer_getoverrun(SYSCALL_ARGS)
{
    UNUSED_ARGS;
    uint64_t flags = signal_timer_lock();
    struct signal_timer *t = signal_posix_timer((int)a0);
    int64_t n = t ? t->overrun_last : -EINVAL;
    signal_timer_unlock(flags);
    return n;
}

int64_t sys_timer_delete(SYSCALL_ARGS)
{
    UNUSED_ARGS;
    uint64_t flags = signal_timer_lock();
    struct signal_timer *t = signal_posix_timer((int)a0);
    if (t) {
        signal_timer_arm(t, 0, 0);
        t->used = false;
    }
    signal_timer_unlock(flags);
    return t ? 0 : -EINVAL;
}
