/* Waiting for a device's answer (drivers/device_wait.h). */
#include "drivers/device_wait.h"
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/lapic.h"
#include "sched/sched.h"

/* Something to wake a halted CPU if the device never interrupts: long
 * enough not to matter (1 << 22 divide-by-16 ticks: about 67 ms at QEMU's
 * 1 GHz APIC clock, longer on real buses). */
#define WAKE_TICKS (1u << 22)

void device_wait_step(struct device_wait *w, bool interrupts)
{
    /* Devices interrupt the boot CPU (arch/x86_64/irq.c): elsewhere the
     * interrupt would never come, so a thread on another CPU polls. */
    if (!interrupts || !lapic_present() || sched_cpu_index() != 0) {
        cpu_relax();
        return;
    }
    if (!w->timer) {
        lapic_timer_oneshot(WAKE_TICKS);
        w->timer = true;
    }
    cpu_wait_for_interrupt();
    if (lapic_timer_current() == 0)
        w->timer = false;
}

void device_wait_end(struct device_wait *w)
{
    if (w->timer)
        sched_timer_reset();
    w->timer = false;
}
