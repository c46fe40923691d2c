/* One CPU's scheduler state, shared inside sched/ (sched.c, balance.c,
 * kick.c).  Locking: lock guards runq, timers, the state of the threads
 * the CPU runs and the fields below; inbox_lock guards the inbox and is
 * taken inside lock (or alone), never the other way round, so any CPU can
 * hand a thread to any other without holding two run-queue locks. */
#ifndef SCHED_CPU_SCHED_H
#define SCHED_CPU_SCHED_H
#include "sched/sched.h"
#include "arch/x86_64/gdt.h"

struct cpu_sched {
    struct spinlock lock;
    struct list_node runq;
    unsigned nrunnable;                 /* threads on runq */
    struct list_node timers;            /* blocked threads with a deadline, nearest first */
    struct thread *current, *idle;
    struct thread *switched_from;       /* for finish_switch */
    bool need_resched;
    uint64_t slice_end;
    uint64_t armed;                     /* the deadline the timer is set for */
    unsigned index;
    uint64_t switches;
    struct spinlock inbox_lock;
    struct list_node inbox;             /* runnable threads other CPUs handed over */
    unsigned ninbox;
};

extern struct cpu_sched sched_cpus[SCHED_MAX_CPUS];
extern unsigned sched_ncpus;            /* CPUs set up to run threads */
extern struct thread *sched_frozen;     /* the only thread allowed to run (program ending) */

static inline struct cpu_sched *sched_this_cpu(void)
{
    struct cpu_sched *c = this_cpu()->sched;
    return c ? c : &sched_cpus[0];
}

static inline bool sched_allowed(const struct thread *t, unsigned cpu)
{
    return (t->affinity >> cpu) & 1;
}

/* sched.c */
void sched_cpu_setup(struct cpu_sched *c, unsigned index);
/* An AP's idle hook: runs its queue for good. */
void sched_ap_idle(void);
void sched_enqueue_locked(struct cpu_sched *c, struct thread *t);
void sched_arm(struct cpu_sched *c);

/* balance.c */
/* The least loaded CPU t may run on. */
unsigned sched_pick_cpu(const struct thread *t);
/* For a woken thread whose CPU c is busy: an idle CPU it may run on, or
 * c's own index. */
unsigned sched_wake_target(const struct cpu_sched *c, const struct thread *t);
/* Gives runnable t (on no queue, t->cpu = cpu) to that CPU. */
void sched_hand_over(struct thread *t, unsigned cpu);
/* Moves handed-over threads to c's run queue (c's lock held). */
void sched_drain_inbox(struct cpu_sched *c);
/* An idle CPU takes a runnable thread from a busy one (c's lock not held). */
bool sched_steal(struct cpu_sched *c);
/* c has more work than it can run now: wakes an idle CPU to take some. */
void sched_nudge_idle(const struct cpu_sched *c);
/* VECTOR_IPI_WAKE to CPU index cpu. */
void sched_ipi(unsigned cpu);
void sched_ipi_init(void);

#endif
