/* sched_kick (sched/sched.h): a thread running on another CPU is
 * interrupted, so that it passes through the kernel (the way back to user
 * mode runs sched_return_to_user and signal delivery). */
#include "sched/cpu_sched.h"

void sched_kick(struct thread *t)
{
    unsigned cpu = __atomic_load_n(&t->cpu, __ATOMIC_ACQUIRE);
    if (__atomic_load_n(&t->state, __ATOMIC_ACQUIRE) != THREAD_RUNNING || cpu == sched_cpu_index() ||
        cpu >= sched_cpu_count())
        return;
    sched_ipi(cpu);
}
