/* Waiting inside a system call for a device's answer (virtio, NVMe): one
 * step halts the CPU until an interrupt (the device's MSI-X, or a wake-up
 * tick of the LAPIC one-shot as a safety net), or only pauses when the
 * device cannot interrupt.  The one-shot timer is the scheduler's: when the
 * wait ends it is handed back as the scheduler had it, or a thread asleep
 * meanwhile would never wake.  (Blocking the thread on a wait queue woken
 * by the interrupt handler is the next step.) */
#ifndef DRIVERS_DEVICE_WAIT_H
#define DRIVERS_DEVICE_WAIT_H
#include <stdbool.h>

struct device_wait {
    bool timer;                    /* the wake-up tick is armed */
};

/* One step: halt (interrupts: the device can wake us) or pause. */
void device_wait_step(struct device_wait *w, bool interrupts);
/* The wait is over: the scheduler gets its timer back. */
void device_wait_end(struct device_wait *w);

#endif
