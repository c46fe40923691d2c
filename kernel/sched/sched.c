/* The scheduler: run queues, blocking and waking, time slices, the idle
 * thread (sched/sched.h).  Locking: each CPU's lock guards its run queue,
 * its sleeping threads and the state of the threads it runs; it is taken
 * after any wait-queue lock (sched_block is called with one held), never
 * before.  The CPU that switches away from a thread holds its lock across
 * the switch; the thread switched to releases it (finish_switch), so no
 * other CPU can pick up a thread whose registers are still being saved.
 *
 * The kernel lock: switch_to gives it back for the thread leaving; the
 * thread resuming takes it again only after its CPU's lock is released
 * (resume_kernel_lock): never spin on the kernel lock holding a run
 * queue's lock (the holder may need that queue to wake someone). */
#include "sched/cpu_sched.h"
#include "sched/thread.h"
#include "sched/cputime.h"
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/gdt.h"
#include "arch/x86_64/trap.h"
#include "arch/x86_64/kernel_lock.h"
#include "mm/tlb.h"
#include "lib/log.h"

struct cpu_sched sched_cpus[SCHED_MAX_CPUS];
unsigned sched_ncpus = 1;
struct thread *sched_frozen;
static bool started;
static void (*user_resume_hook)(struct thread *t);
static uint64_t (*clock_now)(void);
static void (*clock_arm)(uint64_t deadline_ns);

/* Dead threads wait here for a CPU holding the kernel lock to free them
 * (the heap is the kernel lock's). */
static struct spinlock dead_lock = SPINLOCK_INIT;
static struct list_node dead = { &dead, &dead };
static unsigned ndead;

void context_switch(uint64_t *save_rsp, uint64_t load_rsp);

struct thread *sched_current(void)
{
    return sched_this_cpu()->current;
}

unsigned sched_cpu_index(void)
{
    return sched_this_cpu()->index;
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

/* Programs this CPU's timer for the nearest event: a sleeper's deadline,
 * or the end of the slice when another thread waits for the CPU.  Only
 * ever called on c's own CPU (the LAPIC timer is per CPU). */
void sched_arm(struct cpu_sched *c)
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

/* t (on no queue, t->cpu = c's index) joins c's run queue (c's lock held). */
void sched_enqueue_locked(struct cpu_sched *c, struct thread *t)
{
    t->state = THREAD_RUNNABLE;
    if (sched_frozen && t != sched_frozen)
        return;                         /* the program is ending: it never runs again */
    list_add_tail(&c->runq, &t->run_node);
    c->nrunnable++;
    if (c->current == c->idle)
        c->need_resched = true;
}

/* A blocked thread becomes runnable on its CPU c (c's lock held). */
static void make_runnable(struct cpu_sched *c, struct thread *t, enum wake_reason why)
{
    if (!list_empty(&t->timer_node))
        list_del(&t->timer_node);
    t->wake_reason = why;
    sched_enqueue_locked(c, t);
}

/* The next thread to run; a queued thread no longer allowed here (its
 * affinity changed) goes to a CPU it may use. */
static struct thread *pick_next(struct cpu_sched *c)
{
    while (!list_empty(&c->runq)) {
        struct thread *t = LIST_ENTRY(c->runq.next, struct thread, run_node);
        list_del(&t->run_node);
        c->nrunnable--;
        if (sched_allowed(t, c->index))
            return t;
        t->cpu = sched_pick_cpu(t);
        sched_hand_over(t, t->cpu);
    }
    return c->idle;
}

static void reap_later(struct thread *t)
{
    spin_lock(&dead_lock);
    list_add_tail(&dead, &t->run_node);
    __atomic_add_fetch(&ndead, 1, __ATOMIC_RELAXED);
    spin_unlock(&dead_lock);
}

void sched_reap_dead(void)
{
    while (__atomic_load_n(&ndead, __ATOMIC_RELAXED)) {
        uint64_t flags = spin_lock_irqsave(&dead_lock);
        struct thread *t = 0;
        if (!list_empty(&dead)) {
            t = LIST_ENTRY(dead.next, struct thread, run_node);
            list_del(&t->run_node);
            __atomic_sub_fetch(&ndead, 1, __ATOMIC_RELAXED);
        }
        spin_unlock_irqrestore(&dead_lock, flags);
        if (t)
            thread_free(t);
    }
}

/* Runs in the thread just switched to, with c's lock held: the thread
 * switched away from is off this CPU's stack now, so it may be freed or
 * handed to another CPU. */
static void finish_switch(struct cpu_sched *c)
{
    struct thread *prev = c->switched_from;
    c->switched_from = 0;
    if (!prev)
        return;
    if (prev->state == THREAD_DEAD)
        reap_later(prev);
    else if (prev->state == THREAD_RUNNABLE && prev->cpu != c->index)
        sched_hand_over(prev, prev->cpu);
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
        tlb_enter_user();
    } else {
        tlb_leave_user();
    }
    user_window_switch(&next->windows);
    c->current = next;
    c->switched_from = prev;
    c->switches++;
    cputime_switch(prev, next);
    prev->klock_depth = kernel_lock_drop();
    context_switch(&prev->saved_rsp, next->saved_rsp);
    finish_switch(sched_this_cpu());
}

/* Gives the CPU to the next runnable thread (c's lock held).  A running
 * caller goes to the back of the run queue, or to another CPU if it may
 * no longer run here; a blocked or dead one goes nowhere.  On return the
 * caller may run on another CPU: it holds that CPU's lock. */
static void schedule_locked(struct cpu_sched *c)
{
    struct thread *prev = c->current;
    sched_drain_inbox(c);
    if (prev->state == THREAD_RUNNING && prev != c->idle) {
        if (sched_allowed(prev, c->index)) {
            sched_enqueue_locked(c, prev);
        } else {
            prev->state = THREAD_RUNNABLE;
            prev->cpu = sched_pick_cpu(prev);   /* handed over once off this CPU */
        }
    }
    struct thread *next = pick_next(c);
    next->state = THREAD_RUNNING;
    next->cpu = c->index;
    c->need_resched = false;
    c->slice_end = sched_now_ns() + SCHED_SLICE_NS;
    if (next != prev)
        c->current = next;
    sched_arm(c);
    if (next != prev)
        switch_to(c, prev, next);
}

/* After a switch back to t and its CPU's lock released. */
static void resume_kernel_lock(struct thread *t)
{
    unsigned depth = t->klock_depth;
    t->klock_depth = 0;
    kernel_lock_retake(depth);
    if (depth)
        sched_reap_dead();
}

/* context_switch's first return into a new thread (switch.asm). */
void sched_thread_started(void);
void sched_thread_started(void)
{
    struct cpu_sched *c = sched_this_cpu();
    finish_switch(c);
    spin_unlock(&c->lock);
}

static bool all_cpus_blocked(void)
{
    for (unsigned i = 0; i < sched_ncpus; i++) {
        struct cpu_sched *c = &sched_cpus[i];
        if (c->current != c->idle || c->nrunnable || c->ninbox || !list_empty(&c->timers))
            return false;
    }
    return true;
}

/* Every thread waits with no deadline: unless an interrupt wakes one,
 * the program waits on itself forever (as it would on Linux).  Said once
 * per such stretch, so a hung run explains itself in the log. */
static void report_all_blocked(void)
{
    static uint64_t switches_then = ~0ull;
    uint64_t switches = 0;
    for (unsigned i = 0; i < sched_ncpus; i++)
        switches += sched_cpus[i].switches;
    if (switches_then == switches || !all_cpus_blocked())
        return;
    switches_then = switches;
    klog("sched: all %u threads are blocked with no deadline; only an interrupt can wake one "
         "(a program waiting on itself is deadlocked)", sched_thread_count());
}

/* Halts until an interrupt makes a thread runnable: no polling.  Runs
 * with interrupts off, on every CPU. */
static void idle_loop(void *arg)
{
    struct cpu_sched *c = arg;
    for (;;) {
        spin_lock(&c->lock);
        sched_drain_inbox(c);
        if (list_empty(&c->runq) && sched_ncpus > 1) {
            spin_unlock(&c->lock);
            sched_steal(c);
            spin_lock(&c->lock);
        }
        if (!list_empty(&c->runq))
            schedule_locked(c);
        else
            sched_arm(c);
        bool nothing = list_empty(&c->runq) && !c->ninbox;
        if (nothing && c->index == 0 && list_empty(&c->timers))
            report_all_blocked();
        spin_unlock(&c->lock);
        if (nothing)
            cpu_wait_for_interrupt();   /* STI; HLT; CLI: no wake-up slips in between */
    }
}

/* An AP's idle hook (arch/x86_64/smp.c): it becomes the CPU's idle thread,
 * on the AP's own start-up stack, and never returns. */
void sched_ap_idle(void)
{
    struct cpu_sched *c = this_cpu()->sched;
    if (!c) {
        cpu_wait_for_interrupt();       /* not set up to run threads */
        return;
    }
    idle_loop(c);
}

void sched_cpu_setup(struct cpu_sched *c, unsigned index)
{
    list_init(&c->runq);
    list_init(&c->timers);
    list_init(&c->inbox);
    c->armed = SCHED_FOREVER;
    c->index = index;
}

static struct user_window_state *current_windows(void)
{
    return &sched_current()->windows;
}

void sched_init(void)
{
    struct cpu_sched *c = &sched_cpus[0];
    sched_cpu_setup(c, 0);
    fpu_init();
    struct thread *main = thread_new(MAIN_TID, true);
    struct thread *idle = thread_new(0, false);
    if (!main || !idle)
        panic("sched: out of memory for the first threads");
    thread_prepare(idle, idle_loop, c, thread_stack_top(idle));
    main->state = THREAD_RUNNING;
    main->affinity = ~0ull;
    idle->affinity = 1;
    c->current = main;
    c->idle = idle;
    cputime_start(main);
    this_cpu()->sched = c;
    user_window_switch(&main->windows);
    user_window_set_current(current_windows);
    gdt_set_kernel_stack(thread_stack_top(main));
    trap_set_user_return_hook(sched_return_to_user);
    started = true;
}

void sched_start(struct thread *t)
{
    t->cpu = sched_pick_cpu(t);
    t->state = THREAD_RUNNABLE;
    t->wake_reason = WAKE_WOKEN;
    sched_hand_over(t, t->cpu);
}

/* Locks the CPU t is on (t may move between the look and the lock). */
static struct cpu_sched *lock_cpu_of(struct thread *t, uint64_t *flags)
{
    for (;;) {
        unsigned cpu = __atomic_load_n(&t->cpu, __ATOMIC_ACQUIRE);
        struct cpu_sched *c = &sched_cpus[cpu];
        *flags = spin_lock_irqsave(&c->lock);
        if (__atomic_load_n(&t->cpu, __ATOMIC_ACQUIRE) == cpu)
            return c;
        spin_unlock_irqrestore(&c->lock, *flags);
    }
}

enum wake_reason sched_block(struct spinlock *held, uint64_t deadline)
{
    struct cpu_sched *c = sched_this_cpu();
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
    if (t->sig_interruptible && t->sig_wake) {
        spin_unlock(&c->lock);          /* a signal came before the wait began */
        if (!held)
            irq_restore(flags);
        return WAKE_SIGNAL;
    }
    t->state = THREAD_BLOCKED;
    t->wake_reason = WAKE_WOKEN;
    if (deadline != SCHED_FOREVER)
        timer_add(c, t, deadline);
    schedule_locked(c);
    spin_unlock(&sched_this_cpu()->lock);
    resume_kernel_lock(t);
    if (!held)
        irq_restore(flags);
    return t->wake_reason;
}

/* Wakes t if it is blocked (and, for a signal, blocked interruptibly):
 * on its own CPU, or handed to the CPU sched_wake_target picks. */
static bool wake(struct thread *t, enum wake_reason why)
{
    uint64_t flags;
    struct cpu_sched *c = lock_cpu_of(t, &flags);
    bool woke = t->state == THREAD_BLOCKED, moved = false, remote = false;
    if (why == WAKE_SIGNAL) {
        t->sig_wake = true;             /* read by sched_block under this lock */
        woke = woke && t->sig_interruptible;
    }
    bool elsewhere = t->state == THREAD_RUNNING && c != sched_this_cpu();
    unsigned target = c->index;
    if (woke) {
        target = sched_wake_target(c, t);
        if (target == c->index) {
            make_runnable(c, t, why);
            if (c == sched_this_cpu())
                sched_arm(c);
            else
                remote = true;
        } else {
            /* Off c's lists now; runnable, so nobody else wakes it. */
            if (!list_empty(&t->timer_node))
                list_del(&t->timer_node);
            t->wake_reason = why;
            t->state = THREAD_RUNNABLE;
            __atomic_store_n(&t->cpu, target, __ATOMIC_RELEASE);
            moved = true;
        }
    }
    spin_unlock_irqrestore(&c->lock, flags);
    if (moved)
        sched_hand_over(t, target);
    else if (remote)
        sched_ipi(target);
    else if (why == WAKE_SIGNAL && elsewhere)
        sched_kick(t);                  /* running on another CPU: deliver soon */
    return woke;
}

bool sched_wake(struct thread *t)
{
    return wake(t, WAKE_WOKEN);
}

bool sched_wake_signal(struct thread *t)
{
    return wake(t, WAKE_SIGNAL);
}

enum wake_reason sched_sleep_until(uint64_t deadline_ns)
{
    while (sched_now_ns() < deadline_ns) {
        enum wake_reason why = sched_block(0, deadline_ns);
        if (why != WAKE_TIMEOUT)
            return why;
    }
    return WAKE_TIMEOUT;
}

void sched_yield(void)
{
    struct cpu_sched *c = sched_this_cpu();
    struct thread *t = c->current;
    uint64_t flags = spin_lock_irqsave(&c->lock);
    if (!list_empty(&c->runq) || c->ninbox || !sched_allowed(t, c->index))
        schedule_locked(c);
    spin_unlock(&sched_this_cpu()->lock);
    resume_kernel_lock(t);
    irq_restore(flags);
}

void sched_return_to_user(void)
{
    if (!started)
        return;
    struct cpu_sched *c = sched_this_cpu();
    struct thread *t = c->current;
    if (sched_frozen && t != sched_frozen)
        for (;;)
            sched_block(0, SCHED_FOREVER);  /* the program is ending */
    if (c->need_resched || !sched_allowed(t, c->index))
        sched_yield();
    if (user_resume_hook && t->rseq)
        user_resume_hook(t);
    sched_cputime_enter_user();
}

void sched_set_user_resume_hook(void (*fn)(struct thread *t))
{
    user_resume_hook = fn;
}

/* An armed deadline no real one equals: sched_arm() then always programs. */
#define ARMED_UNKNOWN (SCHED_FOREVER - 1)

void sched_timer_reset(void)
{
    if (!started)
        return;
    struct cpu_sched *c = sched_this_cpu();
    uint64_t flags = spin_lock_irqsave(&c->lock);
    c->armed = ARMED_UNKNOWN;
    sched_arm(c);
    spin_unlock_irqrestore(&c->lock, flags);
}

void sched_timer_interrupt(void)
{
    if (!started)
        return;
    struct cpu_sched *c = sched_this_cpu();
    uint64_t flags = spin_lock_irqsave(&c->lock);
    c->armed = SCHED_FOREVER;           /* the one-shot timer has fired */
    sched_drain_inbox(c);
    uint64_t now = sched_now_ns();
    while (!list_empty(&c->timers)) {
        struct thread *t = LIST_ENTRY(c->timers.next, struct thread, timer_node);
        if (t->deadline > now)
            break;
        make_runnable(c, t, WAKE_TIMEOUT);
    }
    if (!list_empty(&c->runq) && (c->current == c->idle || now >= c->slice_end))
        c->need_resched = true;
    sched_arm(c);
    spin_unlock_irqrestore(&c->lock, flags);
    sched_nudge_idle(c);
}

void sched_exit(void)
{
    struct cpu_sched *c = sched_this_cpu();
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
    sched_frozen = sched_current();
    for (unsigned i = 0; i < sched_ncpus; i++) {
        struct cpu_sched *c = &sched_cpus[i];
        uint64_t flags = spin_lock_irqsave(&c->lock);
        while (!list_empty(&c->runq))
            list_del(c->runq.next);
        c->nrunnable = 0;
        spin_unlock_irqrestore(&c->lock, flags);
    }
}
