/* Timers that send signals: setitimer/alarm and the POSIX timers
 * (timer_create...).  A timer counts on the monotonic clock (a
 * CLOCK_REALTIME expiry is turned into a monotonic one when it is set) or
 * on a CPU-time clock (unix/cpu_clock.h: ITIMER_VIRTUAL, ITIMER_PROF and
 * POSIX timers on CPU-time clocks).
 *
 * One kernel thread sleeps until the nearest expiry (the scheduler's own
 * deadline list and one-shot timer wake it) and fires what is due: it
 * only marks signals pending and wakes their threads (signal_send), never
 * allocates or blocks on anything but its own sleep.  A timer whose signal
 * is still pending when it expires again counts an overrun instead of
 * sending another (Linux's si_overrun, timer_getoverrun).
 *
 * A CPU-time clock only advances while the program runs; the thread looks
 * at it again after the time it needs at the least to reach the expiry
 * (what is left, divided by the CPUs that could be running it), so a timer
 * fires within a time slice or so of its CPU time being used. */
#ifndef UNIX_SIGNAL_TIMER_H
#define UNIX_SIGNAL_TIMER_H
#include <stdint.h>
#include <stdbool.h>
#include "unix/interval_timer.h"
#include "unix/cpu_clock.h"

#define SIGNAL_TIMERS 32                /* POSIX timers per program */
#define SIGEV_SIGNAL 0
#define SIGEV_NONE 1
#define SIGEV_THREAD 2
#define SIGEV_THREAD_ID 4

/* The three interval timers (setitimer's which) come first. */
#define ITIMER_REAL 0
#define ITIMER_VIRTUAL 1
#define ITIMER_PROF 2
#define ITIMERS 3

struct signal_timer {
    bool used;
    struct interval_timer it;           /* ns on its clock */
    bool on_cpu;                        /* counts on cpu, not the monotonic clock */
    struct cpu_clock cpu;
    int notify;                         /* SIGEV_* */
    int signo;
    int tid;                            /* SIGEV_THREAD_ID's thread */
    int id;                             /* timer_create's id (si_timerid) */
    int code;                           /* si_code: SI_TIMER, or SI_KERNEL for itimers */
    bool clock_realtime;                /* absolute times are CLOCK_REALTIME ones */
    uint64_t value;                     /* sigev_value */
    int32_t overrun_last;               /* timer_getoverrun */
};

/* The timer lock: every field above.  Taken before signal_lock. */
uint64_t signal_timer_lock(void);
void signal_timer_unlock(uint64_t flags);
/* setitimer's timers (which: ITIMER_*), and POSIX timer id (NULL if not in
 * use); lock held. */
struct signal_timer *signal_itimer(int which);
struct signal_timer *signal_posix_timer(int id);
/* A free POSIX timer slot, marked used; NULL if all are (lock held). */
struct signal_timer *signal_posix_timer_new(void);
/* (Re)arms t at `at` on its clock (0: disarm), then every interval ns; lock
 * held.  The timer thread is started if needed (0, or -EAGAIN without
 * memory for it; call it without the lock: signal_timer_start). */
void signal_timer_arm(struct signal_timer *t, uint64_t at, uint64_t interval);
int signal_timer_start(void);
/* The reading of t's clock (monotonic or CPU time); false if its thread
 * has gone. */
bool signal_timer_now(const struct signal_timer *t, uint64_t *now);
/* Time left to the next expiry (0: disarmed); lock held. */
uint64_t signal_timer_left(struct signal_timer *t);
/* True while a timer that sends a signal is armed: a lone thread may then
 * wait for something (a pipe) that a handler will see to. */
bool signal_timer_armed(void);

#endif
