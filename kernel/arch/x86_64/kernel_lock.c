/* The big kernel lock (arch/x86_64/kernel_lock.h): a ticket lock, so CPUs
 * get it in the order they asked (under emulation an unfair lock starves a
 * vCPU for whole time slices). */
#include "arch/x86_64/kernel_lock.h"
#include "arch/x86_64/gdt.h"
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/spinlock.h"
#include "arch/x86_64/smp.h"
#include "lib/log.h"

#define NO_OWNER 0xffffffffu

static struct {
    uint32_t next;          /* the ticket the next CPU to ask gets */
    uint32_t serving;       /* the ticket that holds the lock */
} ticket;
static uint32_t owner = NO_OWNER;   /* CPU index of the holder */
static unsigned depth;              /* touched only by the holder */

static uint32_t me(void)
{
    return this_cpu()->cpu_index;
}

/* A CPU waiting for its turn spins a little, then halts until the CPU
 * handing the lock over sends it VECTOR_IPI_WAKE: a vCPU that spins takes
 * host time from the vCPU holding the lock (under emulation, with more
 * vCPUs than host cores, spinning made a run 200 times slower).  It waits
 * with interrupts on: the holder may wait for this CPU to answer a TLB
 * shootdown. */
#define SPINS_BEFORE_HALT 2000
static uint32_t halted_for[SMP_MAX_CPUS];   /* the ticket + 1 a halted CPU waits for; 0: none */

static void wait_for_turn(uint32_t cpu, uint32_t mine)
{
    uint64_t flags = irq_save();
    for (unsigned spins = 0; __atomic_load_n(&ticket.serving, __ATOMIC_ACQUIRE) != mine; spins++) {
        if (spins < SPINS_BEFORE_HALT || cpu >= SMP_MAX_CPUS) {
            irq_enable();
            cpu_relax();
            irq_disable();
            continue;
        }
        __atomic_store_n(&halted_for[cpu], mine + 1, __ATOMIC_SEQ_CST);
        if (__atomic_load_n(&ticket.serving, __ATOMIC_SEQ_CST) != mine)
            cpu_wait_for_interrupt();   /* STI; HLT; CLI: the wake-up cannot slip in between */
        __atomic_store_n(&halted_for[cpu], 0, __ATOMIC_RELAXED);
    }
    irq_restore(flags);
}

/* Wakes the CPU whose turn it now is, if it halted. */
static void wake_next(uint32_t serving)
{
    unsigned n = smp_online_count();
    for (unsigned i = 0; i < n && i < SMP_MAX_CPUS; i++)
        if (__atomic_load_n(&halted_for[i], __ATOMIC_SEQ_CST) == serving + 1) {
            smp_wake(i);
            return;
        }
}

bool kernel_lock_held(void)
{
    return __atomic_load_n(&owner, __ATOMIC_RELAXED) == me();
}

void kernel_lock_acquire(void)
{
    uint32_t cpu = me();
    if (__atomic_load_n(&owner, __ATOMIC_RELAXED) == cpu) {
        depth++;
        return;
    }
    uint32_t mine = __atomic_fetch_add(&ticket.next, 1, __ATOMIC_RELAXED);
    if (__atomic_load_n(&ticket.serving, __ATOMIC_ACQUIRE) != mine)
        wait_for_turn(cpu, mine);
    __atomic_store_n(&owner, cpu, __ATOMIC_RELAXED);
    depth = 1;
}

static void give_back(void)
{
    depth = 0;
    __atomic_store_n(&owner, NO_OWNER, __ATOMIC_RELAXED);
    uint32_t next = __atomic_load_n(&ticket.serving, __ATOMIC_RELAXED) + 1;
    __atomic_store_n(&ticket.serving, next, __ATOMIC_SEQ_CST);
    if (__atomic_load_n(&ticket.next, __ATOMIC_RELAXED) != next)
        wake_next(next);
}

void kernel_lock_release(void)
{
    if (!kernel_lock_held())
        panic("kernel lock: released by CPU %u, which does not hold it", me());
    if (--depth == 0)
        give_back();
}

unsigned kernel_lock_drop(void)
{
    if (!kernel_lock_held())
        return 0;
    unsigned held = depth;
    give_back();
    return held;
}

void kernel_lock_retake(unsigned held)
{
    if (!held)
        return;
    kernel_lock_acquire();
    depth = held;
}
