/* Interrupt vectors for message-signalled interrupts (MSI-X).  A driver
 * asks for a vector with a handler; irq.c installs it in the IDT dispatch
 * (trap_set_irq_handler) and sends the LAPIC its end-of-interrupt after the
 * handler returns.  The device is then told to write irq_msi_data(vector)
 * to irq_msi_address(). */
#ifndef ARCH_IRQ_H
#define ARCH_IRQ_H
#include <stdint.h>

typedef void (*irq_fn)(void *arg);

/* Vectors handed out: IRQ_VECTOR_FIRST .. IRQ_VECTOR_LAST (below the
 * spurious vector, above the timer). */
#define IRQ_VECTOR_FIRST 0x30
#define IRQ_VECTOR_LAST  0xef

/* A free vector now calling fn(arg), or -ENOSPC. */
int irq_alloc_vector(irq_fn fn, void *arg);
void irq_free_vector(unsigned vector);
/* Where an MSI/MSI-X message must go to interrupt this CPU (fixed delivery,
 * physical destination: 0xfee00000 | APIC ID << 12), and its data word
 * (edge-triggered, fixed delivery mode). */
uint64_t irq_msi_address(void);
uint32_t irq_msi_data(unsigned vector);
/* How many interrupts the vector has taken (for tests and logs). */
uint64_t irq_count(unsigned vector);

#endif
