/* Host stand-in for arch/x86_64/spinlock.h (found first through -iquote):
 * no interrupt flag to touch in a user process, and a lock taken twice
 * fails the test instead of spinning forever (the tests are one thread,
 * so a second acquisition is always a bug). */
#ifndef ARCH_SPINLOCK_H
#define ARCH_SPINLOCK_H
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

struct spinlock {
    volatile uint32_t locked;
};

#define SPINLOCK_INIT { 0 }

extern unsigned shim_locks_held;        /* shim_sched.c */

static inline uint64_t irq_save(void) { return 0x200; }
static inline void irq_restore(uint64_t flags) { (void)flags; }

static inline void spin_lock(struct spinlock *l)
{
    if (l->locked) {
        fprintf(stderr, "spinlock %p taken twice\n", (void *)l);
        abort();
    }
    l->locked = 1;
    shim_locks_held++;
}

static inline void spin_unlock(struct spinlock *l)
{
    if (!l->locked) {
        fprintf(stderr, "spinlock %p released but not held\n", (void *)l);
        abort();
    }
    l->locked = 0;
    shim_locks_held--;
}

static inline uint64_t spin_lock_irqsave(struct spinlock *l)
{
    spin_lock(l);
    return irq_save();
}

static inline void spin_unlock_irqrestore(struct spinlock *l, uint64_t flags)
{
    spin_unlock(l);
    irq_restore(flags);
}

#endif
