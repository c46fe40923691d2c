/* Knobs of shim_sched.c for the wait-queue and futex tests. */
#ifndef TESTS_UNIT_KERNEL_SHIM_SCHED_H
#define TESTS_UNIT_KERNEL_SHIM_SCHED_H
#include "sched/sched.h"

extern unsigned shim_locks_held;        /* spinlocks held right now */
extern struct thread *shim_current;     /* sched_current() */
extern struct thread *shim_woken[64];   /* sched_wake()'s arguments, in order */
extern unsigned shim_nwoken;
extern unsigned shim_blocks;            /* sched_block() calls */
extern uint64_t shim_block_deadline;    /* the last one's deadline */
extern void (*shim_while_blocked)(void); /* runs inside sched_block, lock released */
extern enum wake_reason shim_block_reason; /* what sched_block returns */
void shim_sched_reset(void);

#endif
