/* The scheduler: run queues, blocking and waking, time slices, the idle
 * thread (sched/sched.h).  Locking: each CPU's lock guards its run queue,
 * its sleeping threads and the state of the threads it runs; it is taken
 * after any wait-queue lock (sched_block is called with one held), never
 * before.  The CPU that switches away from a thread holds its lock across
 * the switch; the thread switched to releases it (finish_switch). */
#include "sched/sched.h"
#include "sched/thread.h"
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/gdt.h"
#include "arch/x86_64/trap.h"
#include "lib/log.h"

struct cpu_sched {
    struct spinlock lock;
    struct list_node runq;
    struct list_node timers;            /* blocked threads with a deadline, nearest first */
    struct thread *current, *idle;
    struct thread *switched_from;       /* for finish_switch */
    bool need_resched;
    uint64_t slice_end;
    uint64_t armed;                     /* the deadline the timer is set for */
};

static struct cpu_sched cpus[SCHED_MAX_CPUS];
static bool started;
static uint64_t context_switches;
static struct thread *frozen;           /* the only thread allowed to run (program ending) */
static uint64_t (*clock_now)(void);
static void (*clock_arm)(uint64_t deadline_ns);

void context_switch(uint64_t *save_rsp, uint64_t load_rsp);

/* Only CPU 0 runs threads for now: the one place that changes for SMP. */
static struct cpu_sched *sched_cpu(void)
{
    return &cpus[0];
}

struct thread *sched_current(void)
{
    return sched_cpu()->current;
}

bool sched_running(void)
{
    return started;
}

void sched_set_clock(uint64_t (*now_ns)(void), void (*arm)(uint64_t deadline_ns))
{
    clock_now = now_ns;
    clock_arm = arm;
}

uint64_t sched_now_ns(void)
{
    return clock_now ? clock_now() : 0;
}

/* Programs the timer for the nearest event: a sleeper's deadline, or the
 * end of the slice when another thread waits for the CPU. */
static void arm(struct cpu_sched *c)
{
    uint64_t when = SCHED_FOREVER;
    if (!list_empty(&c->timers))
        when = LIST_ENTRY(c->timers.next, struct thread, timer_node)->deadline;
    if (!list_empty(&c->runq) && c->current != c->idle && c->slice_end < when)
        when = c->slice_end;
    /* Only ever earlier: an interrupt that comes too soon costs one
     * sched_timer_interrupt, which arms again; reprogramming the LAPIC on
     * every switch cost ~3 us each under TCG (futex ping-pong 19 -> 8 us). */
    if (when < c->armed && clock_arm) {
        c->armed = when;
        clock_arm(when);
    }
}

static void timer_add(struct cpu_sched *c, struct thread *t, uint64_t deadline)
{
    t->deadline = deadline;
    struct list_node *pos = &c->timers;
    while (pos->next != &c->timers && LIST_ENTRY(pos->next, struct thread, timer_node)->deadline <= deadline)
        pos = pos->next;
    list_insert_after(pos, &t->timer_node);
}

/* A blocked thread becomes runnable (c's lock held). */
static void make_runnable(struct cpu_sched *c, struct thread *t, enum wake_reason why)
{
    if (!list_empty(&t->timer_node))
        list_del(&t->timer_node);
    t->state = THREAD_RUNNABLE;
    t->wake_reason = why;
    if (frozen && t != frozen)
        return;                         /* the program is ending: it never runs again */
    list_add_tail(&c->runq, &t->run_node);
    if (c->current == c->idle)
        c->need_resched = true;
}

static struct thread *pick_next(struct cpu_sched *c)
{
    if (list_empty(&c->runq))
        return c->idle;
    struct thread *t = LIST_ENTRY(c->runq.next, struct thread, run_node);
    list_del(&t->run_node);
    return t;
}

/* Runs in the thread just switched to, with c's lock held: frees the
 * thread switched away from if it had exited (its stack is no longer in
 * use now). */
static void finish_switch(struct cpu_sched *c)
{
    struct thread *prev = c->switched_from;
    c->switched_from = 0;
    if (prev && prev->state == THREAD_DEAD)
        thread_free(prev);
}

static void switch_to(struct cpu_sched *c, struct thread *prev, struct thread *next)
{
    if (prev->user) {
        prev->fs_base = rdmsr(MSR_FS_BASE);
        prev->gs_base = rdmsr(MSR_KERNEL_GS_BASE);
        fpu_switch_save(&prev->fpu);
    }
    if (next->user) {
        wrmsr(MSR_FS_BASE, next->fs_base);
        wrmsr(MSR_KERNEL_GS_BASE, next->gs_base);
        fpu_switch_restore(&next->fpu);
        gdt_set_kernel_stack(thread_stack_top(next));
    }
    user_window_switch(&next->windows);
    c->current = next;
    c->switched_from = prev;
    context_switches++;
    context_switch(&prev->saved_rsp, next->saved_rsp);
    finish_switch(c);
}

/* Gives the CPU to the next runnable thread (c's lock held).  A running
 * caller goes to the back of the run queue; a blocked or dead one does not. */
static void schedule_locked(struct cpu_sched *c)
{
    struct thread *prev = c->current;
    if (prev->state == THREAD_RUNNING && prev != c->idle) {
        prev->state = THREAD_RUNNABLE;
        if (!frozen || prev == frozen)
            list_add_tail(&c->runq, &prev->run_node);
    }
    struct thread *next = pick_next(c);
    next->state = THREAD_RUNNING;
    c->need_resched = false;
    c->slice_end = sched_now_ns() + SCHED_SLICE_NS;
    if (next != prev)
        c->current = next;
    arm(c);
    if (next != prev)
        switch_to(c, prev, next);
}

/* context_switch's first return into a new thread (switch.asm). */
void sched_thread_started(void);
void sched_thread_started(void)
{
    struct cpu_sched *c = sched_cpu();
    finish_switch(c);
    spin_unlock(&c->lock);
}

/* Every thread waits with no deadline: unless an interrupt wakes one,
 * the program waits on itself forever (as it would on Linux).  Said once
 * per such stretch, so a hung run explains itself in the log. */
static void report_all_blocked(void)
{
    static uint64_t said_at = SCHED_FOREVER;
    static uint64_t switches_then;
    if (said_at != SCHED_FOREVER && switches_then == context_switches)
        return;
    said_at = sched_now_ns();
    switches_then = context_switches;
    klog("sched: all %u threads are blocked with no deadline; only an interrupt can wake one "
         "(a program waiting on itself is deadlocked)", sched_thread_count());
}

/* Halts until an interrupt makes a thread runnable: no polling. */
static void idle_loop(void *arg)
{
    struct cpu_sched *c = arg;
    for (;;) {
        spin_lock(&c->lock);
        if (!list_empty(&c->runq))
            schedule_locked(c);
        else
            arm(c);
        bool nothing = list_empty(&c->runq);
        if (nothing && list_empty(&c->timers))
            report_all_blocked();
        spin_unlock(&c->lock);
        if (nothing)
            cpu_wait_for_interrupt();   /* STI; HLT; CLI: no wake-up slips in between */
    }
}

void sched_init(void)
{
    struct cpu_sched *c = &cpus[0];
    list_init(&c->runq);
    list_init(&c->timers);
    c->armed = SCHED_FOREVER;
    fpu_init();
    struct thread *main = thread_new(MAIN_TID, true);
    struct thread *idle = thread_new(0, false);
    if (!main || !idle)
        panic("sched: out of memory for the first threads");
    thread_prepare(idle, idle_loop, c, thread_stack_top(idle));
    main->state = THREAD_RUNNING;
    c->current = main;
    c->idle = idle;
    user_window_switch(&main->windows);
    gdt_set_kernel_stack(thread_stack_top(main));
    trap_set_user_return_hook(sched_return_to_user);
    started = true;
}

void sched_start(struct thread *t)
{
    struct cpu_sched *c = &cpus[t->cpu];
    uint64_t flags = spin_lock_irqsave(&c->lock);
    t->state = THREAD_BLOCKED;
    make_runnable(c, t, WAKE_WOKEN);
    arm(c);
    spin_unlock_irqrestore(&c->lock, flags);
}

enum wake_reason sched_block(struct spinlock *held, uint64_t deadline)
{
    struct cpu_sched *c = sched_cpu();
    struct thread *t = c->current;
    uint64_t flags = irq_save();
    spin_lock(&c->lock);
    if (held)
        spin_unlock(held);
    if (deadline != SCHED_FOREVER && deadline <= sched_now_ns()) {
        spin_unlock(&c->lock);
        if (!held)
            irq_restore(flags);
        return WAKE_TIMEOUT;
    }
    t->state = THREAD_BLOCKED;
    t->wake_reason = WAKE_WOKEN;
    if (deadline != SCHED_FOREVER)
        timer_add(c, t, deadline);
    schedule_locked(c);
    spin_unlock(&c->lock);
    if (!held)
        irq_restore(flags);
    return t->wake_reason;
}

bool sched_wake(struct thread *t)
{
    struct cpu_sched *c = &cpus[t->cpu];
    uint64_t flags = spin_lock_irqsave(&c->lock);
    bool woke = t->state == THREAD_BLOCKED;
    if (woke) {
        make_runnable(c, t, WAKE_WOKEN);
        arm(c);
    }
    spin_unlock_irqrestore(&c->lock, flags);
    return woke;
}

enum wake_reason sched_sleep_until(uint64_t deadline_ns)
{
    while (sched_now_ns() < deadline_ns)
        if (sched_block(0, deadline_ns) == WAKE_WOKEN)
            return WAKE_WOKEN;
    return WAKE_TIMEOUT;
}

void sched_yield(void)
{
    struct cpu_sched *c = sched_cpu();
    uint64_t flags = spin_lock_irqsave(&c->lock);
    if (!list_empty(&c->runq))
        schedule_locked(c);
    spin_unlock_irqrestore(&c->lock, flags);
}

void sched_return_to_user(void)
{
    if (started && sched_cpu()->need_resched)
        sched_yield();
}

/* An armed deadline no real one equals: arm() then always programs. */
#define ARMED_UNKNOWN (SCHED_FOREVER - 1)

void sched_timer_reset(void)
{
    if (!started)
        return;
    struct cpu_sched *c = sched_cpu();
    uint64_t flags = spin_lock_irqsave(&c->lock);
    c->armed = ARMED_UNKNOWN;
    arm(c);
    spin_unlock_irqrestore(&c->lock, flags);
}

void sched_timer_interrupt(void)
{
    if (!started)
        return;
    struct cpu_sched *c = sched_cpu();
    uint64_t flags = spin_lock_irqsave(&c->lock);
    c->armed = SCHED_FOREVER;           /* the one-shot timer has fired */
    uint64_t now = sched_now_ns();
    while (!list_empty(&c->timers)) {
        struct thread *t = LIST_ENTRY(c->timers.next, struct thread, timer_node);
        if (t->deadline > now)
            break;
        make_runnable(c, t, WAKE_TIMEOUT);
    }
    if (!list_empty(&c->runq) && (c->current == c->idle || now >= c->slice_end))
        c->need_resched = true;
    arm(c);
    spin_unlock_irqrestore(&c->lock, flags);
}

void sched_exit(void)
{
    struct cpu_sched *c = sched_cpu();
    struct thread *t = c->current;
    thread_unlist(t);
    irq_save();
    spin_lock(&c->lock);
    t->state = THREAD_DEAD;
    schedule_locked(c);
    panic("sched: a dead thread ran again");
}

void sched_freeze_others(void)
{
    if (!started)
        return;
    struct cpu_sched *c = sched_cpu();
    uint64_t flags = spin_lock_irqsave(&c->lock);
    frozen = c->current;
    while (!list_empty(&c->runq))
        list_del(c->runq.next);
    spin_unlock_irqrestore(&c->lock, flags);
}
