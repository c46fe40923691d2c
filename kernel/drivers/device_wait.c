/* Waiting for a device's answer (drivers/device_wait.h). */
#include "drivers/device_wait.h"
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/lapic.h"
#include "sched/sched.h"
#include "lib/log.h"
#include "lib/string.h"

/* Something to wake a halted CPU if the device never interrupts: long
 * enough not to matter (1 << 22 divide-by-16 ticks: about 67 ms at QEMU's
 * 1 GHz APIC clock, longer on real buses). */
#define WAKE_TICKS (1u << 22)
/* A blocked thread looks again after this long even without an interrupt. */
#define BACKSTOP_NS 50000000ull

static bool polled;
static bool blocking;

void device_wait_set_polled(bool p)
{
    polled = p;
    if (p)
        klog("devices: kernel word dev-poll: device queues are polled, no interrupts");
}

bool device_wait_polled(void)
{
    return polled;
}

void device_wait_set_blocking(bool allowed)
{
    blocking = allowed;
}

void device_irq_init(struct device_irq *d, const char *name)
{
    memset(d, 0, sizeof(*d));
    waitq_init(&d->waiters);
    size_t n = strlen(name);
    if (n >= sizeof(d->name))
        n = sizeof(d->name) - 1;
    memcpy(d->name, name, n);
}

void device_irq_handler(void *arg)
{
    struct device_irq *d = arg;
    uint64_t flags = waitq_lock(&d->waiters);
    __atomic_add_fetch(&d->interrupts, 1, __ATOMIC_SEQ_CST);
    waitq_wake_locked(&d->waiters, 0, WAITQ_ALL_BITS, WAITQ_ALL);
    waitq_unlock(&d->waiters, flags);
    struct thread *halted = __atomic_load_n(&d->halted, __ATOMIC_SEQ_CST);
    if (halted)
        sched_kick(halted);             /* its CPU halts; the message came here */
    if (d->notify)
        d->notify(d->notify_arg);
}

static uint64_t interrupts(struct device_irq *d)
{
    return __atomic_load_n(&d->interrupts, __ATOMIC_ACQUIRE);
}

/* Only a sole program thread gives the CPU away in the middle of a device
 * call, and only once the program runs (device_wait.h says why). */
static bool may_block(void)
{
    if (!blocking || !sched_running())
        return false;
    struct thread *t = sched_current();
    return t && t->user && sched_thread_count() <= 1;
}

static void note_woken(struct device_irq *d)
{
    d->woken++;
    if (!d->announced) {
        d->announced = true;
        klog("devices: %s: waits end by interrupt (MSI-X)", d->name);
    }
}

/* Blocks on the wait queue until the handler wakes it or the backstop. */
static void block(struct device_wait *w, struct device_irq *d)
{
    uint64_t flags = waitq_lock(&d->waiters);
    if (interrupts(d) != w->seen) {         /* it came meanwhile */
        waitq_unlock(&d->waiters, flags);
        return;
    }
    struct waiter me;
    int err = waitq_wait_locked(&d->waiters, &me, 0, WAITQ_ALL_BITS, sched_now_ns() + BACKSTOP_NS,
                                flags);
    if (err == 0)
        note_woken(d);
    else
        d->backstops++;
}

/* Halts this CPU until an interrupt (its own or any other), the LAPIC
 * one-shot as the backstop. */
static void halt(struct device_wait *w, struct device_irq *d)
{
    if (!w->timer) {
        lapic_timer_oneshot(WAKE_TICKS);
        w->timer = true;
    }
    /* Off CPU 0 the interrupt is not ours: the handler kicks the thread it
     * finds here.  Published before the last look at the count, which the
     * handler bumps before it looks here: one of the two sees the other. */
    bool elsewhere = sched_cpu_index() != 0;
    uint64_t flags = irq_save();
    if (elsewhere) {
        __atomic_store_n(&d->halted, sched_current(), __ATOMIC_SEQ_CST);
        if (__atomic_load_n(&d->interrupts, __ATOMIC_SEQ_CST) != w->seen) {
            __atomic_store_n(&d->halted, 0, __ATOMIC_SEQ_CST);
            irq_restore(flags);
            note_woken(d);
            return;
        }
    }
    cpu_wait_for_interrupt();           /* sti; hlt: a kick already pending ends it at once */
    if (elsewhere)
        __atomic_store_n(&d->halted, 0, __ATOMIC_SEQ_CST);
    irq_restore(flags);
    if (lapic_timer_current() == 0)
        w->timer = false;
    if (interrupts(d) != w->seen)
        note_woken(d);
    else if (!w->timer)
        d->backstops++;
}

void device_wait_step(struct device_wait *w, struct device_irq *d)
{
    if (!d || polled || !lapic_present()) {
        cpu_relax();
        return;
    }
    uint64_t now = interrupts(d);
    if (!w->started || now != w->seen) {
        /* the next poll sees whatever this count stands for */
        w->started = true;
        w->seen = now;
        return;
    }
    if (may_block())
        block(w, d);                    /* the handler wakes it from any CPU */
    else
        halt(w, d);
    w->seen = interrupts(d);
}

void device_wait_end(struct device_wait *w)
{
    if (w->timer)
        sched_timer_reset();
    w->timer = false;
}
