/* Wait queues: threads waiting for something another thread or an
 * interrupt will do.  Futexes, pipes and (later) drivers and sockets all
 * block and wake through them.
 *
 * A waiter lives on the waiting thread's stack.  A waker takes it off the
 * queue (waiter.queue becomes NULL) before the thread runs again, so the
 * thread learns from its waiter whether it was woken or its deadline (or,
 * later, a signal) came first: still queued means not woken.
 *
 * The usual pattern (the condition is checked under the queue's lock, so a
 * wake-up between the check and the block is not lost):
 *
 *     uint64_t flags = waitq_lock(q);
 *     while (!condition) {
 *         int err = waitq_wait_locked(q, &w, deadline, flags);  // unlocks
 *         if (err) return err;
 *         flags = waitq_lock(q);
 *     }
 *     ...
 *     waitq_unlock(q, flags);
 */
#ifndef SCHED_WAITQ_H
#define SCHED_WAITQ_H
#include <stdint.h>
#include <stdbool.h>
#include "arch/x86_64/spinlock.h"
#include "lib/list.h"

struct thread;
struct waitq;

struct waiter {
    struct list_node node;
    struct thread *thread;
    struct waitq *queue;        /* the queue it is on; NULL once a waker took it off */
    uint64_t key;               /* futex: the word's address; 0 on plain queues */
    uint32_t bitset;            /* futex: FUTEX_WAIT_BITSET's mask; all ones otherwise */
};

struct waitq {
    struct spinlock lock;
    struct list_node waiters;
};

#define WAITQ_ALL_BITS 0xffffffffu
#define WAITQ_ALL UINT32_MAX    /* wake every waiter */

void waitq_init(struct waitq *q);
uint64_t waitq_lock(struct waitq *q);
void waitq_unlock(struct waitq *q, uint64_t flags);

/* Queues w (thread: the caller) and blocks until a waker takes it off, the
 * monotonic deadline passes (SCHED_FOREVER: none) or the thread is woken
 * otherwise.  q's lock is held on entry (flags from waitq_lock) and not on
 * return.  0 (woken through q), -ETIMEDOUT, or -EINTR (woken by something
 * else while still queued: the hook for signals). */
int waitq_wait_locked(struct waitq *q, struct waiter *w, uint64_t key, uint32_t bitset,
                      uint64_t deadline, uint64_t flags);
/* Queues w on q (lock held) without blocking: for callers that block by
 * other means, and for tests. */
void waitq_add_locked(struct waitq *q, struct waiter *w, uint64_t key, uint32_t bitset);
/* Takes w off whatever queue it is on now (a requeue may have moved it);
 * true if it was still queued, false if a waker had taken it. */
bool waitq_remove(struct waiter *w);
/* Wakes up to n waiters whose
 * key is key and whose bitset shares a bit with bitset, oldest first; the
 * number woken.  Lock held. */
unsigned waitq_wake_locked(struct waitq *q, uint64_t key, uint32_t bitset, unsigned n);
/* Moves up to n waiters on key from `from` to `to`, now waiting on
 * to_key; the number moved.  Both locks held (the same lock once if the
 * queues are the same). */
unsigned waitq_requeue_locked(struct waitq *from, uint64_t key, struct waitq *to, uint64_t to_key,
                              unsigned n);
/* Plain queues: lock, wake n (WAITQ_ALL: all), unlock. */
unsigned waitq_wake(struct waitq *q, unsigned n);
bool waitq_has_waiters(struct waitq *q);

#endif
