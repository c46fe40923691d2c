/* Wait queues (sched/waitq.h). */
#include "sched/waitq.h"
#include "sched/sched.h"
#include "lib/errno.h"

void waitq_init(struct waitq *q)
{
    q->lock.locked = 0;
    list_init(&q->waiters);
}

uint64_t waitq_lock(struct waitq *q)
{
    return spin_lock_irqsave(&q->lock);
}

void waitq_unlock(struct waitq *q, uint64_t flags)
{
    spin_unlock_irqrestore(&q->lock, flags);
}

void waitq_add_locked(struct waitq *q, struct waiter *w, uint64_t key, uint32_t bitset)
{
    w->thread = sched_current();
    w->key = key;
    w->bitset = bitset;
    w->queue = q;
    list_add_tail(&q->waiters, &w->node);
}

bool waitq_remove(struct waiter *w)
{
    for (;;) {
        struct waitq *q = __atomic_load_n(&w->queue, __ATOMIC_ACQUIRE);
        if (!q)
            return false;
        uint64_t flags = waitq_lock(q);
        /* A requeue may have moved it while we took the lock. */
        if (w->queue == q) {
            list_del(&w->node);
            w->queue = 0;
            waitq_unlock(q, flags);
            return true;
        }
        waitq_unlock(q, flags);
    }
}

int waitq_wait_locked(struct waitq *q, struct waiter *w, uint64_t key, uint32_t bitset,
                      uint64_t deadline, uint64_t flags)
{
    waitq_add_locked(q, w, key, bitset);
    enum wake_reason why = sched_block(&q->lock, deadline);
    int result = 0;
    if (waitq_remove(w))
        result = why == WAKE_TIMEOUT ? -ETIMEDOUT : -EINTR;
    irq_restore(flags);
    return result;
}

unsigned waitq_wake_locked(struct waitq *q, uint64_t key, uint32_t bitset, unsigned n)
{
    unsigned woken = 0;
    struct list_node *pos = q->waiters.next;
    while (pos != &q->waiters && woken < n) {
        struct waiter *w = LIST_ENTRY(pos, struct waiter, node);
        pos = pos->next;
        if (w->key != key || !(w->bitset & bitset))
            continue;
        list_del(&w->node);
        /* Woken before its waiter says so: a thread that timed out at the
         * same moment is spinning on q's lock in waitq_remove, and its
         * waiter (on its stack) stays valid until we let go. */
        sched_wake(w->thread);
        __atomic_store_n(&w->queue, (struct waitq *)0, __ATOMIC_RELEASE);
        woken++;
    }
    return woken;
}

unsigned waitq_requeue_locked(struct waitq *from, uint64_t key, struct waitq *to, uint64_t to_key,
                              unsigned n)
{
    unsigned moved = 0;
    if (from == to && key == to_key) {
        /* Nothing moves; count as if it did (and never chase our tail). */
        for (struct list_node *p = from->waiters.next; p != &from->waiters && moved < n; p = p->next)
            moved += LIST_ENTRY(p, struct waiter, node)->key == key;
        return moved;
    }
    struct list_node *pos = from->waiters.next;
    while (pos != &from->waiters && moved < n) {
        struct waiter *w = LIST_ENTRY(pos, struct waiter, node);
        pos = pos->next;
        if (w->key != key)
            continue;
        list_del(&w->node);
        w->key = to_key;
        list_add_tail(&to->waiters, &w->node);
        __atomic_store_n(&w->queue, to, __ATOMIC_RELEASE);
        moved++;
    }
    return moved;
}

unsigned waitq_wake(struct waitq *q, unsigned n)
{
    uint64_t flags = waitq_lock(q);
    unsigned woken = waitq_wake_locked(q, 0, WAITQ_ALL_BITS, n);
    waitq_unlock(q, flags);
    return woken;
}

bool waitq_has_waiters(struct waitq *q)
{
    return !list_empty(&q->waiters);
}
