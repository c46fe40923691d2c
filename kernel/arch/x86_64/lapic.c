#include "arch/x86_64/lapic.h"
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/trap.h"

#define REG_EOI 0xb0
#define REG_SVR 0xf0
#define REG_LVT_TIMER 0x320
#define REG_TIMER_INITIAL 0x380
#define REG_TIMER_CURRENT 0x390
#define REG_TIMER_DIVIDE 0x3e0
#define LVT_MASKED (1u << 16)

static volatile uint32_t *apic;

static inline void wr(unsigned reg, uint32_t v) { apic[reg / 4] = v; }
static inline uint32_t rd(unsigned reg) { return apic[reg / 4]; }

uint64_t lapic_base_phys(void)
{
    return rdmsr(MSR_APIC_BASE) & 0xffffff000ull;
}

void lapic_init(volatile uint32_t *regs)
{
    /* Mask the legacy PICs: everything comes through the LAPIC. */
    outb(0x21, 0xff);
    outb(0xa1, 0xff);
    apic = regs;
    wrmsr(MSR_APIC_BASE, rdmsr(MSR_APIC_BASE) | (1u << 11));
    wr(REG_SVR, 0x100 | VECTOR_SPURIOUS);
    wr(REG_TIMER_DIVIDE, 0x3);               /* divide by 16 */
    wr(REG_LVT_TIMER, LVT_MASKED | VECTOR_TIMER);
}

bool lapic_present(void)
{
    return apic != 0;
}

static bool periodic;

/* A steady tick (the profiler); one-shot requests are then unnecessary:
 * the tick wakes every halt. */
void lapic_timer_periodic(uint32_t count)
{
    periodic = true;
    wr(REG_LVT_TIMER, VECTOR_TIMER | (1u << 17));
    wr(REG_TIMER_INITIAL, count);
}

bool lapic_timer_is_periodic(void)
{
    return periodic;
}

void lapic_timer_oneshot(uint32_t count)
{
    if (periodic)
        return;
    wr(REG_LVT_TIMER, VECTOR_TIMER);         /* one-shot, unmasked */
    wr(REG_TIMER_INITIAL, count);
}

uint32_t lapic_timer_current(void)
{
    return rd(REG_TIMER_CURRENT);
}

void lapic_eoi(void)
{
    wr(REG_EOI, 0);
}
