#include "arch/x86_64/irq.h"
#include "arch/x86_64/trap.h"
#include "arch/x86_64/lapic.h"
#include "arch/x86_64/cpu.h"
#include "lib/errno.h"

#define NVECTORS (IRQ_VECTOR_LAST - IRQ_VECTOR_FIRST + 1)

static struct {
    irq_fn fn;
    void *arg;
    uint64_t count;
    bool used;
} slots[NVECTORS];

static void irq_dispatch(struct trap_frame *f)
{
    uint64_t v = f->vector;
    if (v >= IRQ_VECTOR_FIRST && v <= IRQ_VECTOR_LAST) {
        unsigned i = (unsigned)(v - IRQ_VECTOR_FIRST);
        slots[i].count++;
        if (slots[i].fn)
            slots[i].fn(slots[i].arg);
    }
    lapic_eoi();
}

int irq_alloc_vector(irq_fn fn, void *arg)
{
    for (unsigned i = 0; i < NVECTORS; i++) {
        if (slots[i].used)
            continue;
        slots[i].used = true;
        slots[i].fn = fn;
        slots[i].arg = arg;
        slots[i].count = 0;
        trap_set_irq_handler(IRQ_VECTOR_FIRST + i, irq_dispatch);
        return IRQ_VECTOR_FIRST + (int)i;
    }
    return -ENOSPC;
}

void irq_free_vector(unsigned vector)
{
    if (vector < IRQ_VECTOR_FIRST || vector > IRQ_VECTOR_LAST)
        return;
    unsigned i = vector - IRQ_VECTOR_FIRST;
    /* The dispatcher stays installed: a message already on its way still
     * gets its end-of-interrupt. */
    slots[i].used = false;
    slots[i].fn = 0;
    slots[i].arg = 0;
}

uint64_t irq_msi_address(void)
{
    uint32_t apic_id = cpuid(1, 0).ebx >> 24;
    return 0xfee00000ull | ((uint64_t)apic_id << 12);
}

uint32_t irq_msi_data(unsigned vector)
{
    return vector & 0xff;
}

uint64_t irq_count(unsigned vector)
{
    if (vector < IRQ_VECTOR_FIRST || vector > IRQ_VECTOR_LAST)
        return 0;
    return slots[vector - IRQ_VECTOR_FIRST].count;
}
