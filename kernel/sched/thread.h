/* Thread objects inside sched/: allocation, stacks, the list of live
 * threads.  The scheduler's public interface is sched/sched.h. */
#ifndef SCHED_THREAD_H
#define SCHED_THREAD_H
#include "sched/sched.h"

#define THREAD_STACK_PAGES 8            /* 32 KiB of kernel stack, a guard page below */

/* A thread with its stack, not yet on any list but the live ones (user
 * threads); NULL without memory. */
struct thread *thread_new(int tid, bool user);
/* A kernel thread that runs on a stack it already has (an AP's idle
 * thread, on the AP's start-up stack): only the save slot is needed.
 * Never freed. */
struct thread *thread_new_stackless(void);
void thread_free(struct thread *t);
uint64_t thread_stack_top(const struct thread *t);
/* Lays out t's stack below top so that the first switch to it runs
 * fn(arg) (through switch.asm's thread_trampoline). */
void thread_prepare(struct thread *t, void (*fn)(void *), void *arg, uint64_t top);
/* Frees the threads that exited (kernel lock held: the heap is its). */
void sched_reap_dead(void);
/* Takes t off the list of live threads. */
void thread_unlist(struct thread *t);

#endif
