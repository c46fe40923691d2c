/* Symmetric multiprocessing: starting the application processors (APs)
 * with INIT-SIPI-SIPI, and what the rest of the kernel asks about CPUs.
 *
 * The caller (init/smp.c) finds the CPUs (ACPI MADT) and allocates what
 * each AP needs (stacks, per-CPU area, descriptor tables, the boot page
 * tables); smp_start_aps does the rest.  Each AP loads the boot CPU's
 * control state (cpu_state), its own GDT/TSS with IST stacks, the shared
 * IDT and the kernel's page tables, enables its local APIC, marks itself
 * online and parks in smp_idle: it halts with interrupts on, or calls the
 * idle hook the scheduler sets (smp_set_idle_hook): sched_start_aps makes
 * that hook the AP's idle thread, and the AP runs threads from then on. */
#ifndef ARCH_SMP_H
#define ARCH_SMP_H
#include <stdint.h>
#include <stdbool.h>
#include "arch/x86_64/gdt.h"

#define SMP_MAX_CPUS 64
#define SMP_IST_STACKS 3            /* double fault, NMI, machine check (trap.c) */

/* One AP to start, prepared by the caller. */
struct smp_ap {
    uint32_t apic_id;
    struct percpu *percpu;          /* zeroed; cpu_index filled by smp_start_aps */
    struct cpu_tables *tables;      /* zeroed */
    uint64_t stack_top;             /* its kernel stack */
    uint64_t ist_top[SMP_IST_STACKS];
    bool online;                    /* out: came up in time */
};

struct smp_start {
    void *trampoline;               /* the page below 1 MiB, mapped writable */
    uint64_t trampoline_phys;
    uint64_t boot_root;             /* tables with the page identity-mapped, below 4 GiB */
    uint64_t kernel_root;
    uint64_t tsc_hz;                /* for the INIT/SIPI delays and the timeout */
    uint64_t timeout_ms;            /* per bring-up, for all APs together */
    struct smp_ap *aps;
    unsigned naps;
};

/* Fills the boot CPU's per-CPU area (its APIC id); after lapic_init. */
void smp_init_boot_cpu(void);

/* Starts the APs, all at once (INIT to each, 10 ms, STARTUP twice), waits
 * until each is online or the timeout passes; an AP that missed it is sent
 * INIT again (parked for good) and left out.  Returns how many came up. */
unsigned smp_start_aps(const struct smp_start *s);
/* After smp_start_aps: whether aps[i] ran past its claim, so that its
 * stacks and tables are in use even if it never came online (keep them). */
bool smp_slot_claimed(unsigned i);

/* CPUs the platform has (enabled in the MADT, at most SMP_MAX_CPUS; 1 if
 * the MADT was unusable), and CPUs running the kernel now. */
void smp_set_cpu_count(unsigned n);
unsigned smp_cpu_count(void);
unsigned smp_online_count(void);
/* The per-CPU area of CPU index i (0 = the boot CPU), or 0. */
struct percpu *smp_percpu(unsigned i);

/* The idle loop of every AP calls hook() with interrupts off, again and
 * again, while it is set; without a hook the AP halts until an interrupt.
 * Setting it wakes every AP (VECTOR_IPI_WAKE). */
typedef void (*smp_idle_hook_fn)(void);
void smp_set_idle_hook(smp_idle_hook_fn hook);
/* Sends VECTOR_IPI_WAKE to CPU index i (out of a halt). */
bool smp_wake(unsigned i);

#endif
