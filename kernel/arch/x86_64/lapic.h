/* The local APIC, used for its one-shot timer (sleeping without spinning). */
#ifndef ARCH_LAPIC_H
#define ARCH_LAPIC_H
#include <stdint.h>
#include <stdbool.h>

/* regs: the APIC's register page, already mapped uncached. */
void lapic_init(volatile uint32_t *regs);
bool lapic_present(void);
void lapic_timer_oneshot(uint32_t count);   /* divide-by-16 counts; 0 stops */
void lapic_timer_periodic(uint32_t count);
bool lapic_timer_is_periodic(void);
uint32_t lapic_timer_current(void);
void lapic_eoi(void);
uint64_t lapic_base_phys(void);

#endif
