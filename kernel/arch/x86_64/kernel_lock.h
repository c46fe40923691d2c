/* The big kernel lock.  The kernel above the scheduler (files, memory,
 * pipes, sockets, lwIP) was written for one CPU; with several, one CPU at
 * a time runs it.  Every entry from user mode (system call, exception,
 * interrupt) takes the lock in its C handler and gives it back just before
 * returning to user mode; a thread that blocks gives it back while it
 * sleeps (the scheduler, sched/sched.c).  User code holds nothing, so
 * CPU-bound threads run on every CPU at once.
 *
 * Interrupts that arrive in kernel mode never take it: their handlers use
 * only the scheduler's spinlocks.  A CPU waiting for the lock does so with
 * interrupts enabled, so it still answers the IPIs (TLB shootdowns) of the
 * CPU that holds it.  Nested acquisitions by the holding CPU count up (a
 * system call finished from a fault handler, trap.c). */
#ifndef ARCH_KERNEL_LOCK_H
#define ARCH_KERNEL_LOCK_H
#include <stdbool.h>

void kernel_lock_acquire(void);
void kernel_lock_release(void);
/* The calling CPU holds it. */
bool kernel_lock_held(void);
/* Gives it back entirely (before a thread switches away): the depth held,
 * 0 if this CPU did not hold it. */
unsigned kernel_lock_drop(void);
/* Takes it again at the depth kernel_lock_drop returned (0: nothing). */
void kernel_lock_retake(unsigned depth);

#endif
