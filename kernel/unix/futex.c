/* futex(2): waits block the calling thread on the futex table's wait
 * queues (unix/futex_table.h) until a wake, their timeout, or a signal:
 * then -ERESTARTSYS without a timeout (SA_RESTART restarts the wait) and
 * -ERESTART_RESTARTBLOCK with one (EINTR for a handler), as Linux.
 * Results and error codes follow Linux's kernel/futex/. */
#include "unix/syscall.h"
#include "unix/futex.h"
#include "unix/futex_table.h"
#include "unix/process.h"
#include "unix/usercopy.h"
#include "unix/timeout.h"
#include "unix/signal.h"
#include "unix/signal_thread.h"
#include "unix/sigset.h"
#include "drivers/clock.h"
#include "sched/sched.h"
#include "lib/errno.h"
#include "lib/log.h"

#define FUTEX_WAIT 0
#define FUTEX_WAKE 1
#define FUTEX_REQUEUE 3
#define FUTEX_CMP_REQUEUE 4
#define FUTEX_WAKE_OP 5
#define FUTEX_WAIT_BITSET 9
#define FUTEX_WAKE_BITSET 10
#define FUTEX_PRIVATE_FLAG 128
#define FUTEX_CLOCK_REALTIME 256
#define FUTEX_BITSET_MATCH_ANY 0xffffffffu

/* A waiter's key: the word's address, and bit 0 set for a shared futex
 * (no FUTEX_PRIVATE_FLAG).  On Linux a private and a shared futex on the
 * same word are different futexes: a shared wake does not wake private
 * waiters.  The kernel's own wakes (thread exit) are shared, as Linux's. */
static uint64_t key_of(uint64_t uaddr, bool private)
{
    return private ? uaddr : uaddr | 1;
}

/* Reads the futex word; the caller holds its bucket's lock, so no wake
 * can slip between this read and the wait (demand paging inside does not
 * sleep). */
static int read_word(uint64_t uaddr, uint32_t *val)
{
    if (uaddr & 3)
        return -EINVAL;
    return copy_from_user(val, uaddr, 4) ? -EFAULT : 0;
}

/* Linux's wake loops count a waiter before comparing with the number
 * asked for, so asking for 0 (or a negative number) wakes one. */
static unsigned at_least_one(int n)
{
    return n <= 0 ? 1 : (unsigned)n;
}

/* The deadline of a wait: relative (FUTEX_WAIT) on the monotonic clock,
 * absolute (FUTEX_WAIT_BITSET) on CLOCK_MONOTONIC or CLOCK_REALTIME. */
static int wait_deadline(uint64_t utimeout, bool absolute, bool realtime, uint64_t *deadline)
{
    *deadline = SCHED_FOREVER;
    if (!utimeout)
        return 0;
    uint64_t ns;
    int err = timeout_from_user(utimeout, &ns);
    if (err)
        return err;
    uint64_t now = clock_monotonic_ns();
    if (absolute)
        *deadline = timeout_deadline_at(now, realtime ? clock_realtime_ns() : now, ns);
    else
        *deadline = timeout_deadline_after(now, ns);
    return 0;
}

static int64_t wait_until(uint64_t uaddr, bool private, uint32_t val, uint64_t deadline, uint32_t bitset);

/* restart_syscall after a signal without a handler: the same wait, to the
 * same deadline. */
static int64_t wait_restart(struct signal_restart *r)
{
    return wait_until(r->arg[0], r->arg[1] & 1, (uint32_t)r->arg[2], r->deadline, (uint32_t)r->arg[3]);
}

/* A wait a signal interrupted. */
static int64_t interrupted(uint64_t uaddr, bool private, uint32_t val, uint64_t deadline, uint32_t bitset)
{
    if (deadline == SCHED_FOREVER)
        return -ERESTARTSYS;
    struct signal_restart *r = &signal_self()->restart;
    *r = (struct signal_restart){ wait_restart, deadline, { uaddr, private, val, bitset } };
    return -ERESTART_RESTARTBLOCK;
}

static int64_t wait_until(uint64_t uaddr, bool private, uint32_t val, uint64_t deadline, uint32_t bitset)
{
    if (uaddr & 3)
        return -EINVAL;
    struct waitq *q = futex_bucket(uaddr);
    for (;;) {
        if (signal_wait_begin())
            return interrupted(uaddr, private, val, deadline, bitset);
        uint64_t flags = waitq_lock(q);
        uint32_t cur;
        int err = read_word(uaddr, &cur);
        if (err || cur != val) {
            waitq_unlock(q, flags);
            signal_wait_end();
            return err ? err : -EAGAIN;
        }
        struct waiter w;
        err = waitq_wait_locked(q, &w, key_of(uaddr, private), bitset, deadline, flags);
        signal_wait_end();
        if (err != -EINTR)
            return err;
        /* Woken for a signal: stop if it acts here, else wait again (the
         * word is read again, as Linux's retry does). */
        if (signal_pending_interrupts())
            return interrupted(uaddr, private, val, deadline, bitset);
    }
}

/* The timeout is read and checked before the futex word, as Linux does. */
static int64_t wait(uint64_t uaddr, bool private, uint32_t val, uint64_t utimeout, bool absolute,
                    bool realtime, uint32_t bitset)
{
    uint64_t deadline;
    int err = wait_deadline(utimeout, absolute, realtime, &deadline);
    if (err)
        return err;
    return wait_until(uaddr, private, val, deadline, bitset);
}

unsigned futex_wake_addr(uint64_t uaddr, unsigned n)
{
    return futex_table_wake(key_of(uaddr, false), FUTEX_BITSET_MATCH_ANY, n);
}

/* FUTEX_REQUEUE and FUTEX_CMP_REQUEUE (cmp: *uaddr must still be cmpval). */
static int64_t requeue(uint64_t uaddr, uint64_t uaddr2, bool private, int nwake, int nrequeue, bool cmp,
                       uint32_t cmpval)
{
    if (nwake < 0 || nrequeue < 0)
        return -EINVAL;
    if ((uaddr & 3) || (uaddr2 & 3))
        return -EINVAL;
    struct futex_pair p;
    futex_lock_pair(uaddr, uaddr2, &p);
    if (cmp) {
        uint32_t cur;
        int err = read_word(uaddr, &cur);
        if (err || cur != cmpval) {
            futex_unlock_pair(&p);
            return err ? err : -EAGAIN;
        }
    }
    struct waitq *from = futex_bucket(uaddr), *to = futex_bucket(uaddr2);
    uint64_t key = key_of(uaddr, private), key2 = key_of(uaddr2, private);
    unsigned woken = waitq_wake_locked(from, key, FUTEX_BITSET_MATCH_ANY, (unsigned)nwake);
    unsigned moved = waitq_requeue_locked(from, key, to, key2, (unsigned)nrequeue);
    futex_unlock_pair(&p);
    return (int64_t)(woken + moved);
}

/* FUTEX_WAKE_OP: changes *uaddr2 atomically, wakes up to nwake waiters on
 * uaddr and, if the old value of *uaddr2 passes the comparison, up to
 * nwake2 on uaddr2. */
static int64_t wake_op(uint64_t uaddr, uint64_t uaddr2, bool private, int nwake, int nwake2, uint32_t encoded)
{
    struct futex_op op;
    int err = futex_op_decode(encoded, &op);
    if (err)
        return err;
    if ((uaddr & 3) || (uaddr2 & 3))
        return -EINVAL;
    struct futex_pair p;
    futex_lock_pair(uaddr, uaddr2, &p);
    int32_t old;
    if (!user_begin(uaddr2, 4, true)) {
        futex_unlock_pair(&p);
        return -EFAULT;
    }
    uint32_t *word = (uint32_t *)uaddr2;
    uint32_t cur = __atomic_load_n(word, __ATOMIC_RELAXED);
    while (!__atomic_compare_exchange_n(word, &cur, futex_op_apply(&op, cur), false, __ATOMIC_SEQ_CST,
                                        __ATOMIC_RELAXED))
        ;
    user_end();
    old = (int32_t)cur;
    int cmp = futex_op_compare(&op, old);
    if (cmp < 0) {
        futex_unlock_pair(&p);
        return cmp;
    }
    unsigned woken = waitq_wake_locked(futex_bucket(uaddr), key_of(uaddr, private), FUTEX_BITSET_MATCH_ANY,
                                       at_least_one(nwake));
    if (cmp)
        woken += waitq_wake_locked(futex_bucket(uaddr2), key_of(uaddr2, private), FUTEX_BITSET_MATCH_ANY,
                                   at_least_one(nwake2));
    futex_unlock_pair(&p);
    return (int64_t)woken;
}

int64_t sys_futex(SYSCALL_ARGS)
{
    UNUSED_ARGS;
    unsigned cmd = (unsigned)a1 & ~(unsigned)(FUTEX_PRIVATE_FLAG | FUTEX_CLOCK_REALTIME);
    bool realtime = a1 & FUTEX_CLOCK_REALTIME;
    bool private = a1 & FUTEX_PRIVATE_FLAG;
    uint32_t val = (uint32_t)a2;
    if (realtime && cmd != FUTEX_WAIT && cmd != FUTEX_WAIT_BITSET)
        return -ENOSYS;
    switch (cmd) {
    case FUTEX_WAIT:
        return wait(a0, private, val, a3, false, realtime, FUTEX_BITSET_MATCH_ANY);
    case FUTEX_WAIT_BITSET:
        if ((uint32_t)a5 == 0)
            return -EINVAL;
        return wait(a0, private, val, a3, true, realtime, (uint32_t)a5);
    case FUTEX_WAKE:
    case FUTEX_WAKE_BITSET: {
        uint32_t bitset = cmd == FUTEX_WAKE ? FUTEX_BITSET_MATCH_ANY : (uint32_t)a5;
        if (bitset == 0 || (a0 & 3))
            return -EINVAL;
        return futex_table_wake(key_of(a0, private), bitset, at_least_one((int32_t)val));
    }
    case FUTEX_REQUEUE:
        return requeue(a0, a4, private, (int32_t)val, (int32_t)a3, false, 0);
    case FUTEX_CMP_REQUEUE:
        return requeue(a0, a4, private, (int32_t)val, (int32_t)a3, true, (uint32_t)a5);
    case FUTEX_WAKE_OP:
        return wake_op(a0, a4, private, (int32_t)val, (int32_t)a3, (uint32_t)a5);
    default:
        return -ENOSYS;
    }
}

#define FUTEX_WAITERS 0x80000000u
#define FUTEX_OWNER_DIED 0x40000000u
#define FUTEX_TID_MASK 0x3fffffffu
#define ROBUST_LIST_LIMIT 2048          /* Linux's bound on a (possibly circular) list */

/* The lock word at uaddr still names the dead thread as owner: mark it
 * OWNER_DIED (keeping WAITERS) and wake one waiter to take it over. */
static void robust_futex_died(uint64_t uaddr, int tid)
{
    if ((uaddr & 3) || !user_begin(uaddr, 4, true))
        return;
    uint32_t *word = (uint32_t *)uaddr;
    uint32_t cur = __atomic_load_n(word, __ATOMIC_RELAXED);
    bool wake = false;
    while ((cur & FUTEX_TID_MASK) == (uint32_t)tid) {
        uint32_t next = (cur & FUTEX_WAITERS) | FUTEX_OWNER_DIED;
        if (__atomic_compare_exchange_n(word, &cur, next, false, __ATOMIC_SEQ_CST, __ATOMIC_RELAXED)) {
            wake = cur & FUTEX_WAITERS;
            break;
        }
    }
    user_end();
    if (wake)
        futex_wake_addr(uaddr, 1);
}

void futex_exit_robust_list(uint64_t head, uint64_t head_len, int tid)
{
    struct { uint64_t list; int64_t futex_offset; uint64_t list_op_pending; } h;
    if (!head || head_len != sizeof(h) || copy_from_user(&h, head, sizeof(h)))
        return;
    /* Entries are struct robust_list nodes; bit 0 of a pointer flags a PI
     * futex (the same handling here). */
    uint64_t entry = h.list & ~1ull, pending = h.list_op_pending & ~1ull;
    for (unsigned i = 0; entry != head && i < ROBUST_LIST_LIMIT; i++) {
        uint64_t next;
        if (copy_from_user(&next, entry, sizeof(next)))
            return;
        if (entry != pending)
            robust_futex_died(entry + (uint64_t)h.futex_offset, tid);
        entry = next & ~1ull;
    }
    if (pending)
        robust_futex_died(pending + (uint64_t)h.futex_offset, tid);
}
