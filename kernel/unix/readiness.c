/* Readiness notification and the one wait for it (unix/readiness.h).
 *
 * How a scheduler's wait queues plug in: readiness_wait keeps its shape
 *     for (;;) { seen = changes; if (done(arg)) return 0;
 *                if (changes == seen) sleep until min(deadline, recheck) }
 * and "sleep" becomes "sleep on readiness_waiters (one wait queue) with a
 * timeout", while readiness_notify, after bumping `changes`, wakes that
 * queue.  Comparing `changes` before and after done() closes the race of a
 * notify between the check and the sleep.  Timer sources (timerfd) then arm
 * a kernel timer that calls readiness_notify at expiry instead of asking for
 * a recheck; devices with interrupts notify from their handlers.  A wait
 * queue per readiness (wake only the waiters of that object) is a later
 * refinement: the watch list below already names who cares about what. */
#include "unix/readiness.h"
#include "unix/timeout.h"
#include "unix/fd.h"
#include "unix/signal_thread.h"
#include "drivers/clock.h"
#include "sched/sched.h"
#include "sched/waitq.h"
#include "lib/errno.h"

/* A sleep never lasts longer than this, so that a source that forgot to
 * ask for a recheck costs latency, never a hang. */
#define MAX_SLEEP_NS 1000000000ull

static uint64_t changes;          /* readiness_notify calls, all objects */
/* The current wait's earliest recheck (one waiter today; with threads, a
 * field of the waiting thread, or gone once timers notify by themselves). */
static uint64_t recheck_at;
/* Every readiness_wait sleeps here; every notify wakes them all (a change
 * made by another thread, or by the network thread, ends a poll at once). */
static struct waitq waiters = { SPINLOCK_INIT, { &waiters.waiters, &waiters.waiters } };

/* Sleeps until `until` or the next notify, unless one came after `seen`. */
static void sleep_for_change(uint64_t seen, uint64_t until)
{
    if (!sched_running()) {
        clock_sleep_until(until);
        return;
    }
    uint64_t flags = waitq_lock(&waiters);
    if (__atomic_load_n(&changes, __ATOMIC_RELAXED) != seen) {
        waitq_unlock(&waiters, flags);
        return;
    }
    struct waiter w;
    waitq_wait_locked(&waiters, &w, 0, WAITQ_ALL_BITS, until, flags);
}

void readiness_notify(struct readiness *r, uint32_t events)
{
    uint64_t flags = waitq_lock(&waiters);
    changes++;
    waitq_wake_locked(&waiters, 0, WAITQ_ALL_BITS, WAITQ_ALL);
    waitq_unlock(&waiters, flags);
    if (!r)
        return;
    r->notifies++;
    for (struct readiness_watch *w = r->watches, *next; w; w = next) {
        next = w->next;           /* a callback may remove its own watch */
        w->changed(w, events);
    }
}

void readiness_watch(struct readiness *r, struct readiness_watch *w)
{
    w->next = r->watches;
    r->watches = w;
}

void readiness_unwatch(struct readiness *r, struct readiness_watch *w)
{
    for (struct readiness_watch **p = &r->watches; *p; p = &(*p)->next) {
        if (*p == w) {
            *p = w->next;
            w->next = 0;
            return;
        }
    }
}

void readiness_recheck_by(uint64_t mono_ns)
{
    if (mono_ns < recheck_at)
        recheck_at = mono_ns;
}

int readiness_wait(bool (*done)(void *arg), void *arg, uint64_t deadline_ns)
{
    for (;;) {
        uint64_t seen = changes;
        recheck_at = deadline_ns;
        if (done(arg))
            return 0;
        if (changes != seen)
            continue;             /* something changed while we looked */
        uint64_t now = clock_monotonic_ns();
        if (now >= deadline_ns)
            return -ETIMEDOUT;
        uint64_t until = recheck_at < deadline_ns ? recheck_at : deadline_ns;
        if (until - now > MAX_SLEEP_NS && now < until)
            until = now + MAX_SLEEP_NS;
        /* A signal ends the wait (after a last look found nothing). */
        if (until > now) {
            if (signal_wait_begin())
                return -EINTR;
            sleep_for_change(seen, until);
            signal_wait_end();
        }
    }
}

uint32_t file_poll(struct file *f)
{
    const struct vnode_ops *ops = f->vn->ops;
    uint32_t m = ops && ops->poll ? (uint32_t)ops->poll(f->vn, f->flags) : (POLLIN | POLLOUT);
    if (m & POLLIN)
        m |= POLLRDNORM;
    if (m & POLLOUT)
        m |= POLLWRNORM;
    return m;
}

int64_t file_poll_fd(int fd)
{
    struct file *f = fd_get(fd);
    return f ? (int64_t)file_poll(f) : -EBADF;
}

struct readiness *file_readiness(struct file *f)
{
    const struct vnode_ops *ops = f->vn->ops;
    return ops && ops->readiness ? ops->readiness(f->vn) : 0;
}

bool file_pollable(struct file *f)
{
    return f->vn->ops && f->vn->ops->poll;
}
