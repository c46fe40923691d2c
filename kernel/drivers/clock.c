#include "drivers/clock.h"
#include "drivers/acpi.h"
#include "drivers/kvmclock.h"
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/lapic.h"
#include "arch/x86_64/trap.h"
#include "mm/mmio.h"
#include "sched/sched.h"
#include "lib/log.h"

#define PM_TIMER_HZ 3579545ull
#define PIT_HZ 1193182ull
#define CALIBRATION_US 2000ull

static uint64_t tsc_at_boot;
static uint64_t tsc_hz;
static uint64_t ns_per_tsc_q32;     /* nanoseconds per TSC tick, 32.32 fixed point */
static uint64_t lapic_ticks_per_ms; /* divide-by-16 counts per millisecond */
static uint64_t realtime_offset_ns;

static uint32_t pm_timer_read(void)
{
    uint32_t v = inl(acpi.pm_timer_port);
    return acpi.pm_timer_32bit ? v : v & 0xffffff;
}

/* One calibration window: TSC and LAPIC ticks counted over window_us of a
 * reference clock. */
struct calibration {
    uint64_t tsc_ticks, lapic_ticks, window_us;
};

/* A PM timer read and the TSC at that moment.  The read is bracketed by two
 * TSC reads and the tightest of a few brackets wins: a host that preempts
 * the emulator between the two reads would otherwise skew the calibration. */
static uint32_t pm_timer_read_at(uint64_t *tsc)
{
    uint64_t best = UINT64_MAX;
    uint32_t value = 0;
    for (int i = 0; i < 4; i++) {
        uint64_t before = rdtsc();
        uint32_t v = pm_timer_read();
        uint64_t after = rdtsc();
        if (after - before < best) {
            best = after - before;
            value = v;
            *tsc = before + (after - before) / 2;
        }
    }
    return value;
}

static struct calibration calibrate_pm_timer(void)
{
    uint32_t mask = acpi.pm_timer_32bit ? 0xffffffffu : 0xffffffu;
    uint32_t want = (uint32_t)(PM_TIMER_HZ * CALIBRATION_US / 1000000);
    uint64_t t0 = 0, t1 = 0;
    if (lapic_present())
        lapic_timer_oneshot(0xffffffffu);
    uint32_t start = pm_timer_read_at(&t0);
    while (((pm_timer_read() - start) & mask) < want)
        cpu_relax();
    uint32_t end = pm_timer_read_at(&t1);
    struct calibration c = { .tsc_ticks = t1 - t0 };
    c.lapic_ticks = lapic_present() ? 0xffffffffu - lapic_timer_current() : 0;
    if (lapic_present())
        lapic_timer_oneshot(0);
    c.window_us = (uint64_t)((end - start) & mask) * 1000000 / PM_TIMER_HZ;
    return c;
}

/* Fallback without ACPI: PIT channel 2, gated through port 0x61. */
static struct calibration calibrate_pit(void)
{
    uint16_t count = (uint16_t)(PIT_HZ * CALIBRATION_US / 1000000);
    outb(0x61, (inb(0x61) & ~0x02) | 0x01);
    outb(0x43, 0xb0);                        /* channel 2, lo/hi, mode 0 */
    outb(0x42, count & 0xff);
    outb(0x42, count >> 8);
    uint64_t t0 = rdtsc();
    if (lapic_present())
        lapic_timer_oneshot(0xffffffffu);
    while (!(inb(0x61) & 0x20))
        cpu_relax();
    struct calibration c = { .tsc_ticks = rdtsc() - t0 };
    c.lapic_ticks = lapic_present() ? 0xffffffffu - lapic_timer_current() : 0;
    if (lapic_present())
        lapic_timer_oneshot(0);
    c.window_us = (uint64_t)count * 1000000 / PIT_HZ;
    return c;
}

static uint64_t median3(uint64_t a, uint64_t b, uint64_t c)
{
    if ((a <= b && b <= c) || (c <= b && b <= a))
        return b;
    if ((b <= a && a <= c) || (c <= a && a <= b))
        return a;
    return c;
}

/* The median rate of three windows: under emulation the host may stop the
 * guest for milliseconds inside one window, and a clock calibrated on that
 * window alone would run fast or slow by any factor for the whole run. */
static void calibrate(bool pm_timer, uint64_t *tsc_per_s, uint64_t *lapic_per_ms)
{
    uint64_t tsc[3], lapic[3];
    for (int i = 0; i < 3; i++) {
        struct calibration c = pm_timer ? calibrate_pm_timer() : calibrate_pit();
        if (c.window_us == 0 || c.tsc_ticks == 0)
            panic("clock: calibration against the %s failed", pm_timer ? "ACPI PM timer" : "PIT");
        tsc[i] = c.tsc_ticks * 1000000 / c.window_us;
        lapic[i] = c.lapic_ticks * 1000 / c.window_us;
    }
    *tsc_per_s = median3(tsc[0], tsc[1], tsc[2]);
    *lapic_per_ms = median3(lapic[0], lapic[1], lapic[2]);
}

static void (*tick_hook)(struct trap_frame *f);

int clock_start_ticks(unsigned hz, void (*hook)(struct trap_frame *f))
{
    if (!lapic_present() || !lapic_ticks_per_ms || !hz)
        return -1;
    uint64_t count = lapic_ticks_per_ms * 1000 / hz;
    tick_hook = hook;
    lapic_timer_periodic(count ? (uint32_t)count : 1);
    return 0;
}

static void timer_interrupt(struct trap_frame *f)
{
    if (tick_hook)
        tick_hook(f);
    lapic_eoi();
    sched_timer_interrupt();
}

/* LAPIC one-shot counts for left_ns from now: at least 1, at most the
 * counter's range (a far deadline, up to "forever", wakes early and is
 * armed again rather than overflowing into a short timer). */
static uint32_t lapic_ticks_for(uint64_t left_ns)
{
    uint64_t ticks = 0xffffffffu;
    if (left_ns / 1000000 < 0xffffffffu / lapic_ticks_per_ms)
        ticks = left_ns * lapic_ticks_per_ms / 1000000 + 1;
    return ticks > 0xffffffffu ? 0xffffffffu : (uint32_t)ticks;
}

/* The scheduler's timer (sched_set_clock): an interrupt at deadline_ns. */
static void arm_oneshot(uint64_t deadline_ns)
{
    if (!lapic_present() || lapic_ticks_per_ms == 0)
        return;
    if (deadline_ns == SCHED_FOREVER) {
        lapic_timer_oneshot(0);
        return;
    }
    uint64_t now = clock_monotonic_ns();
    lapic_timer_oneshot(lapic_ticks_for(deadline_ns > now ? deadline_ns - now : 0));
}

static void spurious_interrupt(struct trap_frame *f)
{
    (void)f;
}

uint64_t clock_days_from_civil(int64_t y, unsigned m, unsigned d)
{
    /* Days since 1970-01-01 of a proleptic Gregorian date. */
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    uint64_t yoe = (uint64_t)(y - era * 400);
    uint64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    uint64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return (uint64_t)(era * 146097 + (int64_t)doe - 719468);
}

static uint8_t cmos_read(uint8_t reg)
{
    outb(0x70, reg);
    return inb(0x71);
}

static uint64_t rtc_read_epoch(void)
{
    for (int tries = 0; tries < 1000000 && (cmos_read(0x0a) & 0x80); tries++)
        cpu_relax();
    uint8_t sec = cmos_read(0x00), min = cmos_read(0x02), hour = cmos_read(0x04);
    uint8_t day = cmos_read(0x07), mon = cmos_read(0x08), year = cmos_read(0x09);
    uint8_t b = cmos_read(0x0b);
    bool pm = hour & 0x80;
    hour &= 0x7f;
    if (!(b & 0x04)) {               /* BCD */
#define BCD(x) (uint8_t)(((x) & 0x0f) + ((x) >> 4) * 10)
        sec = BCD(sec); min = BCD(min); hour = BCD(hour);
        day = BCD(day); mon = BCD(mon); year = BCD(year);
#undef BCD
    }
    if (!(b & 0x02) && pm)
        hour = (uint8_t)((hour % 12) + 12);
    if (mon < 1 || mon > 12 || day < 1 || day > 31 || hour > 23 || min > 59 || sec > 60)
        return 0;
    uint64_t days = clock_days_from_civil(2000 + year, mon, day);
    return days * 86400 + hour * 3600ull + min * 60ull + sec;
}

void clock_init(void)
{
    uint64_t phys = lapic_base_phys();
    volatile uint32_t *regs = mmio_map(phys, 4096);
    if (regs)
        lapic_init(regs);
    trap_set_irq_handler(VECTOR_TIMER, timer_interrupt);
    trap_set_irq_handler(VECTOR_SPURIOUS, spurious_interrupt);

    const char *source = acpi.pm_timer_port ? "ACPI PM timer" : "PIT";
    calibrate(acpi.pm_timer_port != 0, &tsc_hz, &lapic_ticks_per_ms);
    /* Under KVM the host says what the TSC runs at and what time it is:
     * exact, where the calibration is off by up to 0.5% (trapped port
     * reads) and the CMOS clock by up to a second. */
    struct kvmclock_reading kc;
    bool kvm = kvmclock_read(&kc);
    if (kvm)
        tsc_hz = kc.tsc_hz;
    ns_per_tsc_q32 = (uint64_t)(((unsigned __int128)1000000000 << 32) / tsc_hz);
    tsc_at_boot = rdtsc();
    if (kvm)
        realtime_offset_ns = kc.realtime_ns +
            (uint64_t)(((unsigned __int128)(tsc_at_boot - kc.tsc) * ns_per_tsc_q32) >> 32);
    else
        realtime_offset_ns = rtc_read_epoch() * 1000000000ull;
    /* The scheduler sits below the drivers and cannot call this file: it
     * gets the clock and the timer as pointers. */
    sched_set_clock(clock_monotonic_ns, arm_oneshot);
    klog("clock: TSC %lu kHz (%s), LAPIC timer %lu ticks/ms (against the %s)%s",
         tsc_hz / 1000, kvm ? "from kvmclock" : source, lapic_ticks_per_ms, source,
         kvm ? ", wall clock from kvmclock" : "");
}

uint64_t clock_tsc_hz(void)
{
    return tsc_hz;
}

uint64_t clock_monotonic_ns(void)
{
    uint64_t delta = rdtsc() - tsc_at_boot;
    return (uint64_t)(((unsigned __int128)delta * ns_per_tsc_q32) >> 32);
}

uint64_t clock_realtime_ns(void)
{
    return realtime_offset_ns + clock_monotonic_ns();
}

void clock_set_realtime_ns(uint64_t ns)
{
    realtime_offset_ns = ns - clock_monotonic_ns();
}

void clock_sleep_until(uint64_t deadline_ns)
{
    if (sched_running()) {
        sched_sleep_until(deadline_ns);     /* only the calling thread sleeps */
        return;
    }
    for (;;) {
        uint64_t now = clock_monotonic_ns();
        if (now >= deadline_ns)
            return;
        uint64_t left_ns = deadline_ns - now;
        if (!lapic_present() || lapic_ticks_per_ms == 0) {
            cpu_relax();
            continue;
        }
        if (!lapic_timer_is_periodic())
            lapic_timer_oneshot(lapic_ticks_for(left_ns));
        cpu_wait_for_interrupt();
    }
}
