/* TLB shootdowns (mm/tlb.h).
 *
 * Requests are numbered: the requester bumps `generation` after changing
 * the page tables; a CPU that flushed everything after reading generation
 * g records done[cpu] = g.  The requester waits until every CPU it sent
 * the IPI to has done >= its number.  A CPU that runs no program thread
 * is skipped; before it switches to one it marks itself active and then
 * compares done with generation (both sides write, fence, then read the
 * other's word, so at least one of them sees the other).  Every flush is
 * a full one (CR3 reloaded; the kernel does not use global pages), so a
 * late or merged request is never wrong. */
#include "mm/tlb.h"
#include "mm/phys.h"
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/gdt.h"
#include "arch/x86_64/lapic.h"
#include "arch/x86_64/smp.h"
#include "arch/x86_64/spinlock.h"
#include "arch/x86_64/trap.h"
#include "lib/log.h"

#define BATCH 256                       /* frames held back per shootdown */
#define ACK_TIMEOUT_NS 2000000000ull    /* by the TSC: about 2 s */

static uint64_t generation;
static uint64_t done[SMP_MAX_CPUS];
static uint8_t active[SMP_MAX_CPUS];
static struct spinlock request_lock = SPINLOCK_INIT;
static uint64_t frames[BATCH];
static unsigned nframes;                /* under the kernel lock */
static uint64_t sent;
static bool ready;

static unsigned me(void)
{
    return this_cpu()->cpu_index;
}

static void flush_all(void)
{
    write_cr3(read_cr3());
}

/* Flushes if a request newer than this CPU's last flush exists. */
static void catch_up(void)
{
    unsigned i = me();
    uint64_t g = __atomic_load_n(&generation, __ATOMIC_SEQ_CST);
    if (__atomic_load_n(&done[i], __ATOMIC_RELAXED) >= g)
        return;
    flush_all();
    __atomic_store_n(&done[i], g, __ATOMIC_RELEASE);
}

static void shootdown_interrupt(struct trap_frame *f)
{
    (void)f;
    catch_up();
    lapic_eoi();
}

void tlb_init(void)
{
    trap_set_irq_handler(VECTOR_IPI_TLB, shootdown_interrupt);
    __atomic_store_n(&ready, true, __ATOMIC_RELEASE);
}

bool tlb_other_cpus(void)
{
    return __atomic_load_n(&ready, __ATOMIC_ACQUIRE) && smp_online_count() > 1;
}

void tlb_enter_user(void)
{
    __atomic_store_n(&active[me()], 1, __ATOMIC_SEQ_CST);
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
    catch_up();
}

void tlb_leave_user(void)
{
    __atomic_store_n(&active[me()], 0, __ATOMIC_RELEASE);
}

uint64_t tlb_shootdowns(void)
{
    return __atomic_load_n(&sent, __ATOMIC_RELAXED);
}

/* Spinning for the request lock answers this CPU's own IPIs meanwhile
 * (interrupts may be off here). */
static void request_lock_take(void)
{
    while (__atomic_exchange_n(&request_lock.locked, 1, __ATOMIC_ACQUIRE)) {
        catch_up();
        cpu_relax();
    }
}

static void shoot(bool every_cpu)
{
    if (!tlb_other_cpus())
        return;
    unsigned n = smp_online_count(), self = me();
    uint64_t flags = irq_save();
    request_lock_take();
    uint64_t g = __atomic_add_fetch(&generation, 1, __ATOMIC_SEQ_CST);
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
    bool asked[SMP_MAX_CPUS] = { false };
    for (unsigned i = 0; i < n; i++) {
        if (i == self || !(every_cpu || __atomic_load_n(&active[i], __ATOMIC_SEQ_CST)))
            continue;
        struct percpu *pc = smp_percpu(i);
        if (pc && lapic_send_ipi(pc->apic_id, VECTOR_IPI_TLB))
            asked[i] = true;
    }
    sent++;
    __atomic_store_n(&done[self], g, __ATOMIC_RELAXED);
    flush_all();
    uint64_t tsc_limit = rdtsc() + ACK_TIMEOUT_NS * 4;   /* a generous bound at any TSC rate >= 250 MHz */
    for (unsigned i = 0; i < n; i++) {
        while (asked[i] && __atomic_load_n(&done[i], __ATOMIC_ACQUIRE) < g) {
            if ((int64_t)(rdtsc() - tsc_limit) > 0) {
                klog_once(done, "tlb: CPU %u did not acknowledge a shootdown: going on without it", i);
                break;
            }
            cpu_relax();
        }
    }
    spin_unlock(&request_lock);
    irq_restore(flags);
}

static void release_frames(void)
{
    for (unsigned i = 0; i < nframes; i++)
        phys_free_page(frames[i]);
    nframes = 0;
}

void tlb_free_frame_later(uint64_t pa)
{
    if (!tlb_other_cpus()) {
        phys_free_page(pa);
        return;
    }
    if (nframes == BATCH) {
        shoot(false);
        release_frames();
    }
    frames[nframes++] = pa;
}

void tlb_sync_user(void)
{
    if (!nframes)
        return;                         /* nothing was mapped: nothing to forget */
    shoot(false);
    release_frames();
}

void tlb_sync_user_protect(void)
{
    shoot(false);
    release_frames();
}

void tlb_sync_kernel(void)
{
    shoot(true);
}
