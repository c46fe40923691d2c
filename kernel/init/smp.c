/* What the APs need from the layers above arch/: the processor list (ACPI
 * MADT), the trampoline page and its page tables (mm), stacks and per-CPU
 * memory (the heap), the TSC rate for delays (the clock). */
#include "init/smp.h"
#include "init/cmdline.h"
#include "arch/x86_64/smp.h"
#include "arch/x86_64/lapic.h"
#include "arch/x86_64/cpu.h"
#include "drivers/acpi.h"
#include "drivers/clock.h"
#include "mm/memory.h"
#include "mm/heap.h"
#include "mm/phys.h"
#include "mm/layout.h"
#include "sched/sched.h"
#include "lib/format.h"
#include "lib/log.h"

#define AP_STACK_PAGES 4            /* the AP's start-up and idle stack */
#define IST_PAGES 2                 /* as trap.c's IST stacks: 8 KiB */
#define DEFAULT_TIMEOUT_MS 1000
/* Frames one AP takes (the guard pages below its stacks are not backed). */
#define AP_FRAMES (AP_STACK_PAGES + SMP_IST_STACKS * IST_PAGES + 1)

static void free_ap(struct smp_ap *ap)
{
    if (ap->stack_top)
        heap_free_pages((void *)(ap->stack_top - AP_STACK_PAGES * PAGE_SIZE), AP_STACK_PAGES, 1);
    for (unsigned i = 0; i < SMP_IST_STACKS; i++)
        if (ap->ist_top[i])
            heap_free_pages((void *)(ap->ist_top[i] - IST_PAGES * PAGE_SIZE), IST_PAGES, 1);
    kfree(ap->percpu);
    kfree(ap->tables);
}

static bool alloc_ap(struct smp_ap *ap, uint32_t apic_id)
{
    ap->apic_id = apic_id;
    uint8_t *stack = heap_alloc_pages(AP_STACK_PAGES, 1);
    if (stack)
        ap->stack_top = (uint64_t)stack + AP_STACK_PAGES * PAGE_SIZE;
    for (unsigned i = 0; i < SMP_IST_STACKS; i++) {
        uint8_t *ist = heap_alloc_pages(IST_PAGES, 1);
        if (ist)
            ap->ist_top[i] = (uint64_t)ist + IST_PAGES * PAGE_SIZE;
    }
    ap->percpu = kzalloc(sizeof(struct percpu));
    ap->tables = kzalloc(sizeof(struct cpu_tables));
    bool ok = ap->stack_top && ap->percpu && ap->tables;
    for (unsigned i = 0; i < SMP_IST_STACKS; i++)
        ok = ok && ap->ist_top[i];
    return ok;
}

/* The processors to start: every enabled one but the boot CPU, those the
 * APIC cannot address in xAPIC mode left out. */
static unsigned list_aps(const struct madt_info *m, uint32_t bsp, struct smp_ap *aps)
{
    unsigned n = 0, short_of_memory = 0;
    /* The APs' stacks may take a sixteenth of the free memory at most (each
     * AP also costs an idle thread and its scheduler state): many
     * CPUs in a small guest (-m 5M --smp 16) must leave room for the
     * devices and the program. */
    uint64_t free_kib = phys_mem.free_pages * 4, budget = phys_mem.free_pages / 16;
    for (unsigned i = 0; i < m->ncpus; i++) {
        uint32_t id = m->cpus[i].apic_id;
        if (id == bsp)
            continue;
        if (AP_FRAMES * (uint64_t)(n + 1) > budget) {
            short_of_memory++;
            continue;
        }
        if (id > 0xfe && !lapic_x2apic_mode()) {
            klog("smp: APIC id %u needs x2APIC mode, which the firmware did not enable: left out", id);
            continue;
        }
        if (!alloc_ap(&aps[n], id)) {
            klog("smp: out of memory for the CPU with APIC id %u: left out", id);
            free_ap(&aps[n]);
            aps[n] = (struct smp_ap){ 0 };
            continue;
        }
        n++;
    }
    if (short_of_memory)
        klog("smp: %u CPU%s left out: their stacks would take more than a sixteenth of the free "
             "memory (%lu KiB); give the guest more memory (-m)", short_of_memory,
             short_of_memory == 1 ? "" : "s", free_kib);
    return n;
}

static void report_madt(const struct madt_info *m)
{
    if (m->online_capable || m->disabled || m->duplicates || m->over_limit)
        klog("smp: MADT: %u enabled, %u online-capable (not started), %u disabled, "
             "%u duplicate APIC ids ignored, %u past the limit of %u",
             m->ncpus, m->online_capable, m->disabled, m->duplicates, m->over_limit, MADT_MAX_CPUS);
}

static void report_online(uint32_t bsp, const struct smp_ap *aps, unsigned naps, uint64_t ns)
{
    char ids[SMP_MAX_CPUS * 11 + 1];
    size_t used = (size_t)snprintf(ids, sizeof(ids), "%u", bsp);
    for (unsigned i = 0; i < naps && used < sizeof(ids); i++)
        if (aps[i].online)
            used += (size_t)snprintf(ids + used, sizeof(ids) - used, ",%u", aps[i].apic_id);
    unsigned n = smp_online_count();
    klog("smp: %u CPU%s online (APIC id%s %s), %lu us to start %u AP%s", n, n == 1 ? "" : "s",
         n == 1 ? "" : "s", ids, ns / 1000, naps, naps == 1 ? "" : "s");
}

/* Kernel word smp-selftest: what the scheduler will rely on, tried on
 * every AP.  The idle hook must run on each AP with its own per-CPU area
 * (self, index, APIC id), and an AP halted inside the hook must wake on
 * smp_wake's IPI. */
static volatile uint32_t hook_runs[SMP_MAX_CPUS];
static volatile uint32_t hook_bad[SMP_MAX_CPUS];

static void selftest_hook(void)
{
    struct percpu *pc = this_cpu();
    unsigned i = pc->cpu_index;
    if (i == 0 || i >= SMP_MAX_CPUS)
        return;
    if (pc->self != pc || smp_percpu(i) != pc || pc->apic_id != lapic_id())
        hook_bad[i] = 1;
    __atomic_add_fetch(&hook_runs[i], 1, __ATOMIC_SEQ_CST);
    cpu_wait_for_interrupt();
}

/* Waits until every AP's count reaches `want` (1 s at most). */
static bool hooks_reached(uint32_t want)
{
    uint64_t end = clock_monotonic_ns() + 1000000000ull;
    for (unsigned i = 1; i < smp_online_count(); i++)
        while (__atomic_load_n(&hook_runs[i], __ATOMIC_SEQ_CST) < want)
            if (clock_monotonic_ns() > end)
                return false;
    return true;
}

static void selftest(void)
{
    unsigned n = smp_online_count();
    smp_set_idle_hook(selftest_hook);
    bool ran = hooks_reached(1);
    uint32_t before[SMP_MAX_CPUS];
    for (unsigned i = 1; i < n; i++) {
        before[i] = hook_runs[i];
        smp_wake(i);
    }
    bool woke = ran;
    uint64_t end = clock_monotonic_ns() + 1000000000ull;
    for (unsigned i = 1; i < n && woke; i++)
        while (__atomic_load_n(&hook_runs[i], __ATOMIC_SEQ_CST) == before[i] && woke)
            woke = clock_monotonic_ns() < end;
    smp_set_idle_hook(0);
    unsigned bad = 0;
    for (unsigned i = 1; i < n; i++)
        bad += hook_bad[i];
    klog("smp: selftest: the idle hook %s on %u AP%s, %s, per-CPU areas %s", ran ? "ran" : "did NOT run",
         n - 1, n == 2 ? "" : "s", woke ? "each woke on an IPI" : "an AP did NOT wake on its IPI",
         bad ? "WRONG" : "right");
}

void smp_init(const char *cmdline)
{
    const struct madt_info *m = &acpi.madt;
    smp_init_boot_cpu();
    if (!m->valid) {
        klog("smp: %s: CPU 0 only", acpi.madt_seen ? "the MADT is invalid" : "no MADT found");
        return;
    }
    uint32_t bsp = lapic_present() ? lapic_id() : 0;
    if (!lapic_present() || madt_find(m, bsp) < 0) {
        klog("smp: the boot CPU (APIC id %u) is not in the MADT: CPU 0 only", bsp);
        return;
    }
    report_madt(m);
    smp_set_cpu_count(m->ncpus);
    struct smp_ap aps[SMP_MAX_CPUS - 1] = { 0 };
    unsigned naps = 0;
    uint64_t phantom = 0;
    bool want_phantom = cmdline_get_u64(cmdline, "smp-phantom", 0xfe, &phantom) &&
                        madt_find(m, (uint32_t)phantom) < 0 && m->ncpus < SMP_MAX_CPUS;
    uint64_t page = mm_low_page(), root = ~0ull;
    bool wanted = m->ncpus > 1 || want_phantom;
    if (wanted && page == PHYS_NONE)
        klog("smp: no usable page below 1 MiB for the start-up code: CPU 0 only");
    else if (wanted && (root = mm_ap_boot_root(page)) == ~0ull)
        klog("smp: out of memory for the start-up page tables: CPU 0 only");
    else if (wanted)
        naps = list_aps(m, bsp, aps);
    /* A test of the start-up timeout: one more APIC id, which no CPU has. */
    if (root != ~0ull && want_phantom) {
        if (alloc_ap(&aps[naps], (uint32_t)phantom)) {
            klog("smp: smp-phantom=%lu: also starting APIC id %lu, which the MADT does not list",
                 phantom, phantom);
            naps++;
        } else {
            free_ap(&aps[naps]);
            aps[naps] = (struct smp_ap){ 0 };
        }
    }
    uint64_t timeout_ms = DEFAULT_TIMEOUT_MS;
    cmdline_get_u64(cmdline, "smp-timeout", 600000, &timeout_ms);
    uint64_t t0 = clock_monotonic_ns();
    if (naps) {
        struct smp_start s = { phys_to_virt(page), page, root, mm_kernel_root(), clock_tsc_hz(),
                               timeout_ms, aps, naps };
        smp_start_aps(&s);
    }
    uint64_t ns = clock_monotonic_ns() - t0;
    for (unsigned i = 0; i < naps; i++) {
        if (aps[i].online)
            continue;
        bool claimed = smp_slot_claimed(i);
        klog("smp: the CPU with APIC id %u did not come up within %lu ms: left out%s", aps[i].apic_id,
             timeout_ms, claimed ? " (it began; its stacks stay reserved)" : "");
        if (!claimed)
            free_ap(&aps[i]);
    }
    if (root != ~0ull)
        mm_ap_boot_root_free(root);
    report_online(bsp, aps, naps, ns);
    if (cmdline_has(cmdline, "smp-selftest") && smp_online_count() > 1)
        selftest();
    sched_start_aps();                  /* every AP runs threads from now on */
}
