/* sched_kick (sched/sched.h): make the CPU running a thread enter the
 * kernel, so that a signal sent to that thread is delivered without
 * waiting for its next system call or time slice.
 *
 * Only CPU 0 runs program threads in this build, so a thread that runs is
 * the caller itself (or the thread an interrupt handler interrupted, which
 * goes back to user mode through signal delivery anyway): there is never
 * another CPU to interrupt, and this is a no-op.  With SMP this is an
 * inter-processor interrupt to t->cpu. */
#include "sched/sched.h"

void sched_kick(struct thread *t)
{
    (void)t;
}
