/* The CPU-time clocks of Linux: CLOCK_PROCESS_CPUTIME_ID,
 * CLOCK_THREAD_CPUTIME_ID and the ids clock_getcpuclockid and
 * pthread_getcpuclockid make, which encode a pid or tid and a kind
 * (Linux's CPUCLOCK_* in posix-timers.h):
 *     id = (~pid << 3) | (per-thread ? 4 : 0) | kind,
 *     kind 0 = PROF (user + system), 1 = VIRT (user), 2 = SCHED (run time).
 * Here SCHED and PROF read the same: the time on a CPU, from sched/. */
#ifndef UNIX_CPU_CLOCK_H
#define UNIX_CPU_CLOCK_H
#include <stdint.h>
#include <stdbool.h>

#define CPU_CLOCK_PROF 0
#define CPU_CLOCK_VIRT 1
#define CPU_CLOCK_SCHED 2

struct cpu_clock {
    int kind;                           /* CPU_CLOCK_* */
    int tid;                            /* the thread's; 0: the whole program */
};

/* True if id names a CPU-time clock (valid or not). */
bool cpu_clock_id(uint64_t id);
/* Decodes a CPU-time clock id for the calling thread: 0, or -EINVAL for
 * an invalid kind or a pid/tid that is not this program's (for_timer: a
 * process clock must name the program, as Linux asks of timers). */
int cpu_clock_parse(uint64_t id, bool for_timer, struct cpu_clock *c);
/* The clock's reading; -EINVAL if its thread has gone. */
int cpu_clock_read(const struct cpu_clock *c, uint64_t *ns);
/* How many times faster than the monotonic clock it can advance at most
 * (a process clock: one second a second for each CPU). */
unsigned cpu_clock_rate(const struct cpu_clock *c);
/* Sleeps until the clock reads target or more (0; also when its thread
 * has gone), or -EINTR if a signal that runs a handler or ends the
 * program comes first. */
int cpu_clock_sleep_until(const struct cpu_clock *c, uint64_t target);

#endif
