/* Waiting inside a system call for a device's answer (virtio, NVMe).
 *
 * A queue that interrupts (MSI-X) has a device_irq: its handler counts the
 * interrupt and wakes the threads waiting on its wait queue.  A waiting
 * thread blocks there (the CPU runs its idle thread, which halts) until the
 * interrupt, or a backstop deadline in case an interrupt is ever lost; the
 * caller polls the device again after each step.  Only a program's sole
 * thread blocks: another thread would run meanwhile and could enter the
 * file system or the device in the middle of this call, which neither
 * locks against yet; with more threads the CPU halts in place instead (the
 * LAPIC one-shot as the backstop, handed back to the scheduler at the end),
 * and nothing else runs until the answer (every MSI-X message goes to
 * CPU 0: a thread halting on another CPU is woken by an IPI the handler
 * sends).  Before the program starts
 * (probe, mounting volumes), waits halt in place too: no thread switch may
 * come before the program's first system call, where trap.c learns whether
 * the kernel runs deprivileged (PVM), which fpu_switch.c must know before
 * its first switch.  A queue without an interrupt (no MSI-X, or the kernel
 * word dev-poll) is polled. */
#ifndef DRIVERS_DEVICE_WAIT_H
#define DRIVERS_DEVICE_WAIT_H
#include <stdint.h>
#include <stdbool.h>
#include "sched/waitq.h"

/* One interrupt source: a queue's MSI-X vector. */
struct device_irq {
    struct waitq waiters;
    uint64_t interrupts;           /* taken (the handler's count) */
    uint64_t woken;                /* wait steps the interrupt ended */
    uint64_t backstops;            /* wait steps the backstop ended */
    char name[32];                 /* "nvme0 io1", "virtio-blk 00:01.0 q0" */
    bool announced;                /* the first interrupt-ended wait was logged */
    struct thread *halted;         /* halting in place for it on another CPU: kicked */
    void (*notify)(void *arg);     /* also called by the handler, if set */
    void *notify_arg;
};

void device_irq_init(struct device_irq *d, const char *name);
/* The interrupt handler (an irq_fn, arg: the device_irq). */
void device_irq_handler(void *arg);

/* The kernel word dev-poll: drivers set up no interrupts, every wait polls. */
void device_wait_set_polled(bool polled);
bool device_wait_polled(void);
/* The program is about to start: waits may block from now on. */
void device_wait_set_blocking(bool allowed);

struct device_wait {
    uint64_t seen;                 /* irq->interrupts when last looked at */
    bool started;
    bool timer;                    /* halting in place: the wake-up tick is armed */
};

/* One step after a poll that found nothing: blocks or halts until irq's
 * next interrupt (or the backstop), or only pauses when irq is NULL (the
 * queue is polled).  The first step of a wait returns at once (it notes
 * the interrupt count the next steps wait past). */
void device_wait_step(struct device_wait *w, struct device_irq *irq);
/* The wait is over: the scheduler gets its timer back. */
void device_wait_end(struct device_wait *w);

#endif
