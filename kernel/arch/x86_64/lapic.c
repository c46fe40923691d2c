#include "arch/x86_64/lapic.h"
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/trap.h"

#define REG_ID 0x20
#define REG_EOI 0xb0
#define REG_SVR 0xf0
#define REG_ICR_LOW 0x300
#define REG_ICR_HIGH 0x310
#define REG_LVT_TIMER 0x320
#define REG_TIMER_INITIAL 0x380
#define REG_TIMER_CURRENT 0x390
#define REG_TIMER_DIVIDE 0x3e0
#define LVT_MASKED (1u << 16)
#define APIC_BASE_ENABLE (1ull << 11)
#define APIC_BASE_X2APIC (1ull << 10)
#define X2APIC_MSR(reg) (0x800u + ((reg) >> 4))
#define ICR_PENDING (1u << 12)
#define ICR_LEVEL_ASSERT (1u << 14)
#define ICR_INIT (5u << 8)
#define ICR_STARTUP (6u << 8)

static volatile uint32_t *apic;
static bool x2apic;

static inline void wr(unsigned reg, uint32_t v)
{
    if (x2apic)
        wrmsr(X2APIC_MSR(reg), v);
    else
        apic[reg / 4] = v;
}

static inline uint32_t rd(unsigned reg)
{
    return x2apic ? (uint32_t)rdmsr(X2APIC_MSR(reg)) : apic[reg / 4];
}

uint64_t lapic_base_phys(void)
{
    return rdmsr(MSR_APIC_BASE) & 0xffffff000ull;
}

/* This CPU's part: software-enable through the spurious vector register,
 * timer divided by 16 and masked. */
static void enable_this_cpu(void)
{
    wr(REG_SVR, 0x100 | VECTOR_SPURIOUS);
    wr(REG_TIMER_DIVIDE, 0x3);               /* divide by 16 */
    wr(REG_LVT_TIMER, LVT_MASKED | VECTOR_TIMER);
}

void lapic_init(volatile uint32_t *regs)
{
    /* Mask the legacy PICs: everything comes through the LAPIC. */
    outb(0x21, 0xff);
    outb(0xa1, 0xff);
    apic = regs;
    uint64_t base = rdmsr(MSR_APIC_BASE);
    x2apic = base & APIC_BASE_X2APIC;        /* the firmware's choice */
    wrmsr(MSR_APIC_BASE, base | APIC_BASE_ENABLE);
    enable_this_cpu();
}

void lapic_init_this_cpu(void)
{
    uint64_t base = rdmsr(MSR_APIC_BASE);
    if (x2apic) {
        base |= APIC_BASE_ENABLE | APIC_BASE_X2APIC;
    } else if (base & APIC_BASE_X2APIC) {
        /* x2APIC to xAPIC only through disabled (SDM 10.12.5). */
        wrmsr(MSR_APIC_BASE, base & ~(APIC_BASE_ENABLE | APIC_BASE_X2APIC));
        base = (base & ~APIC_BASE_X2APIC) | APIC_BASE_ENABLE;
    } else {
        base |= APIC_BASE_ENABLE;
    }
    wrmsr(MSR_APIC_BASE, base);
    enable_this_cpu();
}

bool lapic_present(void)
{
    return apic != 0;
}

bool lapic_x2apic_mode(void)
{
    return x2apic;
}

uint32_t lapic_id(void)
{
    return x2apic ? rd(REG_ID) : rd(REG_ID) >> 24;
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

/* xAPIC: the delivery-status bit says the APIC has not sent the last
 * command yet.  x2APIC has no such bit: a write is the send. */
static bool icr_idle(void)
{
    if (x2apic)
        return true;
    for (unsigned i = 0; i < 1000000; i++) {
        if (!(rd(REG_ICR_LOW) & ICR_PENDING))
            return true;
        cpu_relax();
    }
    return false;
}

static bool send_icr(uint32_t apic_id, uint32_t low)
{
    if (!apic && !x2apic)
        return false;
    if (!icr_idle())
        return false;
    if (x2apic) {
        wrmsr(X2APIC_MSR(REG_ICR_LOW), ((uint64_t)apic_id << 32) | low);
        return true;
    }
    if (apic_id > 0xff)
        return false;
    wr(REG_ICR_HIGH, apic_id << 24);
    wr(REG_ICR_LOW, low);
    return icr_idle();
}

bool lapic_send_init(uint32_t apic_id)
{
    return send_icr(apic_id, ICR_INIT | ICR_LEVEL_ASSERT);
}

bool lapic_send_startup(uint32_t apic_id, uint8_t page)
{
    return send_icr(apic_id, ICR_STARTUP | ICR_LEVEL_ASSERT | page);
}

bool lapic_send_ipi(uint32_t apic_id, uint8_t vector)
{
    return send_icr(apic_id, ICR_LEVEL_ASSERT | vector);
}
