/* Spreading threads over the CPUs (sched/sched.h): where a new or woken
 * thread goes, handing a thread to another CPU (its inbox and an IPI),
 * idle CPUs taking work from busy ones, and starting the APs' queues. */
#include "sched/cpu_sched.h"
#include "sched/thread.h"
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/lapic.h"
#include "arch/x86_64/smp.h"
#include "arch/x86_64/trap.h"
#include "mm/tlb.h"
#include "lib/errno.h"
#include "lib/log.h"

/* Threads a CPU has or will run soon. */
static unsigned load_of(const struct cpu_sched *c)
{
    return __atomic_load_n(&c->nrunnable, __ATOMIC_RELAXED) + __atomic_load_n(&c->ninbox, __ATOMIC_RELAXED) +
           (__atomic_load_n(&c->current, __ATOMIC_RELAXED) != c->idle);
}

static unsigned ncpus(void)
{
    return __atomic_load_n(&sched_ncpus, __ATOMIC_ACQUIRE);
}

unsigned sched_cpu_count(void)
{
    return ncpus();
}

uint64_t sched_online_mask(void)
{
    unsigned n = ncpus();
    return n >= 64 ? ~0ull : (1ull << n) - 1;
}

unsigned sched_pick_cpu(const struct thread *t)
{
    unsigned n = ncpus(), self = sched_cpu_index(), best = self, best_load = ~0u;
    for (unsigned k = 0; k < n; k++) {
        unsigned i = (self + k) % n;     /* ties: this CPU first, then the next ones */
        if (!sched_allowed(t, i))
            continue;
        unsigned load = load_of(&sched_cpus[i]);
        if (load < best_load) {
            best = i;
            best_load = load;
        }
    }
    return best;
}

static bool idle_now(const struct cpu_sched *c)
{
    return load_of(c) == 0;
}

unsigned sched_wake_target(const struct cpu_sched *c, const struct thread *t)
{
    /* A thread woken by the only thread of this CPU runs here, after it:
     * the usual hand-off (a futex or a pipe between two threads) then
     * costs a switch, not an IPI to a halted CPU, which under emulation on
     * a busy host waits for the host to run that vCPU (about a
     * millisecond).  If the waker runs on, the woken thread waits at most
     * a slice, and an idle CPU is nudged to take it (sched_timer_interrupt). */
    unsigned self = sched_cpu_index();
    const struct cpu_sched *me = &sched_cpus[self];
    if (sched_allowed(t, self) && me->current != me->idle &&
        __atomic_load_n(&me->nrunnable, __ATOMIC_RELAXED) == 0 && __atomic_load_n(&me->ninbox, __ATOMIC_RELAXED) == 0)
        return self;
    if (sched_allowed(t, c->index) && (idle_now(c) || ncpus() == 1))
        return c->index;
    unsigned n = ncpus();
    for (unsigned k = 1; k < n; k++) {
        unsigned i = (c->index + k) % n;
        if (sched_allowed(t, i) && idle_now(&sched_cpus[i]))
            return i;
    }
    return sched_allowed(t, c->index) ? c->index : sched_pick_cpu(t);
}

void sched_ipi(unsigned cpu)
{
    smp_wake(cpu);
}

void sched_hand_over(struct thread *t, unsigned cpu)
{
    struct cpu_sched *c = &sched_cpus[cpu];
    if (cpu == sched_cpu_index()) {
        uint64_t flags = spin_lock_irqsave(&c->lock);
        sched_enqueue_locked(c, t);
        sched_arm(c);
        spin_unlock_irqrestore(&c->lock, flags);
        return;
    }
    uint64_t flags = spin_lock_irqsave(&c->inbox_lock);
    list_add_tail(&c->inbox, &t->run_node);
    __atomic_add_fetch(&c->ninbox, 1, __ATOMIC_RELAXED);
    spin_unlock_irqrestore(&c->inbox_lock, flags);
    sched_ipi(cpu);
}

void sched_drain_inbox(struct cpu_sched *c)
{
    if (!__atomic_load_n(&c->ninbox, __ATOMIC_RELAXED))
        return;
    spin_lock(&c->inbox_lock);
    while (!list_empty(&c->inbox)) {
        struct thread *t = LIST_ENTRY(c->inbox.next, struct thread, run_node);
        list_del(&t->run_node);
        __atomic_sub_fetch(&c->ninbox, 1, __ATOMIC_RELAXED);
        t->cpu = c->index;
        sched_enqueue_locked(c, t);
    }
    spin_unlock(&c->inbox_lock);
}

bool sched_steal(struct cpu_sched *c)
{
    unsigned n = ncpus();
    for (unsigned k = 1; k < n; k++) {
        struct cpu_sched *v = &sched_cpus[(c->index + k) % n];
        if (!__atomic_load_n(&v->nrunnable, __ATOMIC_RELAXED))
            continue;
        struct thread *taken = 0;
        spin_lock(&v->lock);
        for (struct list_node *p = v->runq.next; p != &v->runq; p = p->next) {
            struct thread *t = LIST_ENTRY(p, struct thread, run_node);
            if (sched_allowed(t, c->index)) {
                list_del(&t->run_node);
                v->nrunnable--;
                __atomic_store_n(&t->cpu, c->index, __ATOMIC_RELEASE);
                taken = t;
                break;
            }
        }
        spin_unlock(&v->lock);
        if (taken) {
            spin_lock(&c->lock);
            sched_enqueue_locked(c, taken);
            spin_unlock(&c->lock);
            return true;
        }
    }
    return false;
}

void sched_nudge_idle(const struct cpu_sched *c)
{
    if (!__atomic_load_n(&c->nrunnable, __ATOMIC_RELAXED) || c->current == c->idle)
        return;
    unsigned n = ncpus();
    for (unsigned k = 1; k < n; k++) {
        unsigned i = (c->index + k) % n;
        if (idle_now(&sched_cpus[i])) {
            sched_ipi(i);
            return;
        }
    }
}

/* VECTOR_IPI_WAKE: another CPU changed this one's queue (or wants the
 * thread running here to pass through the kernel, sched_kick). */
static void wake_interrupt(struct trap_frame *f)
{
    (void)f;
    lapic_eoi();
    struct cpu_sched *c = sched_this_cpu();
    uint64_t flags = spin_lock_irqsave(&c->lock);
    sched_drain_inbox(c);
    if (!list_empty(&c->runq) && c->current == c->idle)
        c->need_resched = true;
    sched_arm(c);
    spin_unlock_irqrestore(&c->lock, flags);
}

void sched_start_aps(void)
{
    unsigned n = smp_online_count();
    if (n <= 1)
        return;
    tlb_init();
    trap_set_irq_handler(VECTOR_IPI_WAKE, wake_interrupt);
    unsigned ready = 1;
    for (unsigned i = 1; i < n; i++) {
        struct cpu_sched *c = &sched_cpus[i];
        struct percpu *pc = smp_percpu(i);
        struct thread *idle = thread_new_stackless();
        if (!pc || !idle) {
            klog("sched: out of memory for CPU %u's idle thread: it runs no threads", i);
            break;
        }
        sched_cpu_setup(c, i);
        idle->state = THREAD_RUNNING;
        idle->cpu = i;
        idle->affinity = 1ull << i;
        c->idle = c->current = idle;
        pc->sched = c;
        ready++;
    }
    __atomic_store_n(&sched_ncpus, ready, __ATOMIC_RELEASE);
    smp_set_idle_hook(sched_ap_idle);
    klog("sched: %u CPUs run threads", ready);
}

int sched_set_affinity(struct thread *t, uint64_t mask)
{
    mask &= sched_online_mask();
    if (!mask)
        return -EINVAL;
    __atomic_store_n(&t->affinity, mask, __ATOMIC_RELEASE);
    if (t == sched_current()) {
        if (!sched_allowed(t, sched_cpu_index()))
            sched_yield();              /* schedule_locked moves it */
    } else {
        sched_kick(t);
    }
    return 0;
}
