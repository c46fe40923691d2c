/* The timers that send signals and the kernel thread that fires them
 * (unix/signal_timer.h). */
#include "unix/signal_timer.h"
#include "unix/signal.h"
#include "unix/signal_thread.h"
#include "unix/process.h"
#include "sched/sched.h"
#include "drivers/clock.h"
#include "lib/errno.h"
#include "lib/log.h"

#define SIGALRM 14
#define SIGVTALRM 26
#define SIGPROF 27

static struct spinlock timers_lock = SPINLOCK_INIT;
static struct signal_timer itimers[ITIMERS];
static struct signal_timer posix[SIGNAL_TIMERS];
static struct thread *timer_thread;

uint64_t signal_timer_lock(void) { return spin_lock_irqsave(&timers_lock); }
void signal_timer_unlock(uint64_t flags) { spin_unlock_irqrestore(&timers_lock, flags); }

struct signal_timer *signal_itimer(int which)
{
    static const int signals[ITIMERS] = { SIGALRM, SIGVTALRM, SIGPROF };
    struct signal_timer *t = &itimers[which];
    if (!t->used) {
        /* Linux sends them as the kernel (si_code SI_KERNEL) to the
         * program; VIRTUAL counts its user time, PROF user + system. */
        *t = (struct signal_timer){ .used = true, .notify = SIGEV_SIGNAL, .signo = signals[which],
                                    .code = SI_KERNEL, .on_cpu = which != ITIMER_REAL,
                                    .cpu = { which == ITIMER_VIRTUAL ? CPU_CLOCK_VIRT : CPU_CLOCK_PROF, 0 } };
    }
    return t;
}

bool signal_timer_now(const struct signal_timer *t, uint64_t *now)
{
    if (!t->on_cpu) {
        *now = clock_monotonic_ns();
        return true;
    }
    return cpu_clock_read(&t->cpu, now) == 0;
}

/* The CPU-time clocks change slowly at most this often: a look sooner
 * than this after the last is not worth a wake-up. */
#define CPU_LOOK_MIN_NS 1000000ull

/* When to look at t again, on the monotonic clock (mono: now). */
static uint64_t next_look(const struct signal_timer *t, uint64_t now, uint64_t mono)
{
    if (!t->on_cpu)
        return t->it.next;
    uint64_t left = t->it.next - now, rate = cpu_clock_rate(&t->cpu);
    uint64_t wait = (left + rate - 1) / rate;
    return mono + (wait < CPU_LOOK_MIN_NS ? CPU_LOOK_MIN_NS : wait);
}

struct signal_timer *signal_posix_timer(int id)
{
    return id >= 0 && id < SIGNAL_TIMERS && posix[id].used ? &posix[id] : 0;
}

struct signal_timer *signal_posix_timer_new(void)
{
    for (int i = 0; i < SIGNAL_TIMERS; i++) {
        if (!posix[i].used) {
            posix[i] = (struct signal_timer){ .used = true, .id = i };
            return &posix[i];
        }
    }
    return 0;
}

/* Fires t if due (lock held): one signal, or overruns while the last one
 * is still pending. */
static void fire(struct signal_timer *t, uint64_t now)
{
    interval_timer_advance(&t->it, now);
    uint64_t n = interval_timer_take(&t->it);
    if (!n || t->notify == SIGEV_NONE)
        return;
    struct signal_info info = { .signo = t->signo, .code = t->code, .value = t->value,
                                .why = "sent by a timer" };
    if (t->code == SI_TIMER) {
        /* SI_TIMER's siginfo is { si_timerid, si_overrun, si_value }: the
         * places of { pid, uid, value }. */
        info.pid = t->id;
        info.uid = (uint32_t)(n - 1 > INT32_MAX ? INT32_MAX : n - 1);
    }
    struct thread *target = 0;
    if (t->notify == SIGEV_THREAD_ID && !(target = sched_thread_by_tid(t->tid)))
        return;                         /* its thread has gone: nothing to send */
    t->overrun_last = signal_send_timer(target, &info, (uint32_t)n);
}

static uint64_t fire_due(uint64_t mono)
{
    uint64_t next = SCHED_FOREVER;
    struct signal_timer *all[2] = { itimers, posix };
    int counts[2] = { ITIMERS, SIGNAL_TIMERS };
    for (int k = 0; k < 2; k++) {
        for (int i = 0; i < counts[k]; i++) {
            struct signal_timer *t = &all[k][i];
            uint64_t now = mono;
            if (!t->used || (!t->it.armed && !t->it.ticks))
                continue;
            if (!signal_timer_now(t, &now)) {
                interval_timer_set(&t->it, 0, 0);     /* its thread has gone */
                continue;
            }
            /* A look (timer_gettime) may have counted an expiry already. */
            if (t->it.ticks || (t->it.armed && t->it.next <= now))
                fire(t, now);
            if (t->it.armed) {
                uint64_t look = next_look(t, now, mono);
                if (look < next)
                    next = look;
            }
        }
    }
    return next;
}

/* Sleeps until the nearest expiry; woken early when a timer is set. */
static void timer_loop(void *arg)
{
    (void)arg;
    for (;;) {
        uint64_t flags = spin_lock_irqsave(&timers_lock);
        uint64_t next = fire_due(clock_monotonic_ns());
        sched_block(&timers_lock, next);    /* releases the lock once asleep */
        irq_restore(flags);
    }
}

int signal_timer_start(void)
{
    if (__atomic_load_n(&timer_thread, __ATOMIC_ACQUIRE))
        return 0;
    struct thread *t = sched_thread_new_kernel(timer_loop, 0);
    if (!t) {
        klog("signal: no memory for the timer thread: timers cannot be armed");
        return -EAGAIN;
    }
    __atomic_store_n(&timer_thread, t, __ATOMIC_RELEASE);
    sched_start(t);
    return 0;
}

void signal_timer_arm(struct signal_timer *t, uint64_t at, uint64_t interval)
{
    interval_timer_set(&t->it, at, interval);
    if (timer_thread)
        sched_wake(timer_thread);       /* it computes its next wake-up again */
}

uint64_t signal_timer_left(struct signal_timer *t)
{
    uint64_t now;
    if (!signal_timer_now(t, &now))
        return 0;
    return interval_timer_remaining(&t->it, now);
}

bool signal_timer_armed(void)
{
    bool armed = false;
    uint64_t flags = spin_lock_irqsave(&timers_lock);
    for (int i = 0; i < ITIMERS && !armed; i++)
        armed = itimers[i].used && itimers[i].it.armed;
    for (int i = 0; i < SIGNAL_TIMERS && !armed; i++)
        armed = posix[i].used && posix[i].it.armed && posix[i].notify != SIGEV_NONE;
    spin_unlock_irqrestore(&timers_lock, flags);
    return armed;
}
