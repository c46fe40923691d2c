/* The local APIC: its one-shot timer (sleeping without spinning) and the
 * inter-processor interrupts that start and wake the other CPUs.  Works in
 * xAPIC mode (registers in the MMIO page) and in x2APIC mode (MSRs), as
 * the firmware left it. */
#ifndef ARCH_LAPIC_H
#define ARCH_LAPIC_H
#include <stdint.h>
#include <stdbool.h>

/* Wakes a halted CPU (smp.c); its handler only acknowledges it. */
#define VECTOR_IPI_WAKE 0x21
/* TLB shootdowns (mm/tlb.c): above every device vector, so that it is
 * taken even while a CPU is inside another interrupt's handler. */
#define VECTOR_IPI_TLB 0xf1

/* regs: the APIC's register page, already mapped uncached.  Masks the
 * legacy PICs and enables this (the boot) CPU's APIC. */
void lapic_init(volatile uint32_t *regs);
/* Enables the calling CPU's APIC (an application processor), in the mode
 * the boot CPU's runs in, with its timer masked. */
void lapic_init_this_cpu(void);
bool lapic_present(void);
bool lapic_x2apic_mode(void);
/* The calling CPU's APIC id (8 bits in xAPIC mode, 32 in x2APIC mode). */
uint32_t lapic_id(void);
void lapic_timer_oneshot(uint32_t count);   /* divide-by-16 counts; 0 stops */
void lapic_timer_periodic(uint32_t count);
bool lapic_timer_is_periodic(void);
uint32_t lapic_timer_current(void);
void lapic_eoi(void);
uint64_t lapic_base_phys(void);

/* Inter-processor interrupts to one APIC id.  Each waits (bounded) for the
 * APIC to accept the previous command; false if it never did. */
bool lapic_send_init(uint32_t apic_id);
bool lapic_send_startup(uint32_t apic_id, uint8_t page);  /* SIPI: start at page << 12 */
bool lapic_send_ipi(uint32_t apic_id, uint8_t vector);    /* fixed delivery */

#endif
