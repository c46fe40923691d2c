/* Decoding and reading the CPU-time clocks (unix/cpu_clock.h). */
#include "unix/cpu_clock.h"
#include "unix/process.h"
#include "unix/signal_thread.h"
#include "sched/sched.h"
#include "drivers/clock.h"
#include "lib/errno.h"

#define CLOCK_PROCESS_CPUTIME_ID 2
#define CLOCK_THREAD_CPUTIME_ID 3
#define CPUCLOCK_PERTHREAD 4
#define CPUCLOCK_KINDS 3

bool cpu_clock_id(uint64_t id)
{
    return id == CLOCK_PROCESS_CPUTIME_ID || id == CLOCK_THREAD_CPUTIME_ID || (int32_t)id < 0;
}

int cpu_clock_parse(uint64_t id, bool for_timer, struct cpu_clock *c)
{
    int self = sched_current()->tid;
    if (id == CLOCK_PROCESS_CPUTIME_ID || id == CLOCK_THREAD_CPUTIME_ID) {
        *c = (struct cpu_clock){ CPU_CLOCK_SCHED, id == CLOCK_THREAD_CPUTIME_ID ? self : 0 };
        return 0;
    }
    int32_t v = (int32_t)id;            /* clockid_t is an int */
    if (v >= 0)
        return -EINVAL;
    int kind = v & 3;
    int pid = ~(v >> 3);
    if (kind >= CPUCLOCK_KINDS)
        return -EINVAL;
    if (v & CPUCLOCK_PERTHREAD) {
        /* A thread of this program (0: the caller). */
        if (pid != 0 && !sched_thread_by_tid(pid))
            return -EINVAL;
        *c = (struct cpu_clock){ kind, pid ? pid : self };
        return 0;
    }
    /* The program: by its pid, 0, or (reading it) the caller's own tid. */
    if (pid != 0 && pid != PROCESS_PID && (for_timer || pid != self))
        return -EINVAL;
    *c = (struct cpu_clock){ kind, 0 };
    return 0;
}

int cpu_clock_read(const struct cpu_clock *c, uint64_t *ns)
{
    struct sched_cputime t;
    if (c->tid)
        if (!sched_thread_cputime(c->tid, &t))
            return -EINVAL;
    if (!c->tid)
        sched_process_cputime(&t);
    *ns = c->kind == CPU_CLOCK_VIRT ? t.user_ns : t.user_ns + t.sys_ns;
    return 0;
}

unsigned cpu_clock_rate(const struct cpu_clock *c)
{
    unsigned n = sched_cpu_count();
    return c->tid || n == 0 ? 1 : n;
}

/* A sleeper looks at the clock at most this often: CPU time is charged in
 * stretches anyway (sched/cputime.c). */
#define CPU_LOOK_MIN_NS 1000000ull

/* As the timers on CPU clocks are rechecked (signal_timer.c): sleep on the
 * monotonic clock for the least time the clock needs to reach the target
 * at its fastest (cpu_clock_rate), then look again. */
int cpu_clock_sleep_until(const struct cpu_clock *c, uint64_t target)
{
    for (;;) {
        uint64_t now;
        if (cpu_clock_read(c, &now) < 0 || now >= target)
            return 0;                   /* reached, or its thread has gone */
        uint64_t rate = cpu_clock_rate(c), wait = (target - now + rate - 1) / rate;
        if (wait < CPU_LOOK_MIN_NS)
            wait = CPU_LOOK_MIN_NS;
        if (signal_sleep_until(clock_monotonic_ns() + wait))
            return -EINTR;
    }
}
