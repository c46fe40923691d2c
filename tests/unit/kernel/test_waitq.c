/* Wait queues (sched/waitq.c): who a wake reaches (count, order, key,
 * bitset), requeueing, and what a waiting thread learns when it runs
 * again: woken, timed out (and taken off the queue), or woken by something
 * else while still queued (-EINTR, the hook for signals).  The scheduler
 * is shim_sched.c: "threads" are just distinct objects here. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>
#include "sched/waitq.h"
#include "sched/sched.h"
#include "lib/errno.h"
#include "shim_sched.h"

static struct thread threads[8];
static struct waiter w[8];
static struct waitq q, q2;

static int reset(void **state)
{
    (void)state;
    shim_sched_reset();
    memset(w, 0, sizeof(w));
    waitq_init(&q);
    waitq_init(&q2);
    return 0;
}

/* Thread i queues its waiter on queue with key and bitset. */
static void add(struct waitq *queue, int i, uint64_t key, uint32_t bitset)
{
    shim_current = &threads[i];
    uint64_t f = waitq_lock(queue);
    waitq_add_locked(queue, &w[i], key, bitset);
    waitq_unlock(queue, f);
}

static void test_wake_n_oldest_first(void **state)
{
    (void)state;
    for (int i = 0; i < 5; i++)
        add(&q, i, 0, WAITQ_ALL_BITS);
    assert_int_equal(waitq_wake(&q, 2), 2);
    assert_int_equal(shim_nwoken, 2);
    assert_ptr_equal(shim_woken[0], &threads[0]);
    assert_ptr_equal(shim_woken[1], &threads[1]);
    assert_null(w[0].queue);            /* taken off: the thread will see "woken" */
    assert_ptr_equal(w[2].queue, &q);
    assert_int_equal(waitq_wake(&q, WAITQ_ALL), 3);
    assert_false(waitq_has_waiters(&q));
    assert_int_equal(waitq_wake(&q, 1), 0);
    assert_int_equal(shim_locks_held, 0);
}

static void test_wake_zero_wakes_none(void **state)
{
    (void)state;
    add(&q, 0, 0, WAITQ_ALL_BITS);
    assert_int_equal(waitq_wake(&q, 0), 0);
    assert_int_equal(shim_nwoken, 0);
}

static void test_key_and_bitset_select(void **state)
{
    (void)state;
    add(&q, 0, 0x1000, 0x1);
    add(&q, 1, 0x2000, WAITQ_ALL_BITS);
    add(&q, 2, 0x1000, 0x6);
    add(&q, 3, 0x1001, WAITQ_ALL_BITS);  /* same word, shared: another key */
    uint64_t f = waitq_lock(&q);
    assert_int_equal(waitq_wake_locked(&q, 0x1000, 0x8, 10), 0);
    assert_int_equal(waitq_wake_locked(&q, 0x1000, 0x2, 10), 1);
    assert_ptr_equal(shim_woken[0], &threads[2]);
    assert_int_equal(waitq_wake_locked(&q, 0x1000, WAITQ_ALL_BITS, 10), 1);
    assert_ptr_equal(shim_woken[1], &threads[0]);
    assert_int_equal(waitq_wake_locked(&q, 0x1000, WAITQ_ALL_BITS, 10), 0);
    waitq_unlock(&q, f);
    assert_ptr_equal(w[1].queue, &q);
    assert_ptr_equal(w[3].queue, &q);
}

static void test_requeue_moves_and_rekeys(void **state)
{
    (void)state;
    for (int i = 0; i < 4; i++)
        add(&q, i, 0x10, WAITQ_ALL_BITS);
    add(&q, 4, 0x20, WAITQ_ALL_BITS);
    uint64_t f = waitq_lock(&q);
    spin_lock(&q2.lock);
    unsigned woken = waitq_wake_locked(&q, 0x10, WAITQ_ALL_BITS, 1);
    unsigned moved = waitq_requeue_locked(&q, 0x10, &q2, 0x30, 2);
    spin_unlock(&q2.lock);
    waitq_unlock(&q, f);
    assert_int_equal(woken, 1);
    assert_int_equal(moved, 2);
    assert_ptr_equal(w[1].queue, &q2);
    assert_int_equal(w[1].key, 0x30);
    assert_ptr_equal(w[2].queue, &q2);
    assert_ptr_equal(w[3].queue, &q);   /* beyond the count: stays */
    assert_int_equal(w[3].key, 0x10);
    /* A wake on the new key reaches the moved ones, in their order. */
    shim_nwoken = 0;
    f = waitq_lock(&q2);
    assert_int_equal(waitq_wake_locked(&q2, 0x30, WAITQ_ALL_BITS, 10), 2);
    waitq_unlock(&q2, f);
    assert_ptr_equal(shim_woken[0], &threads[1]);
    assert_ptr_equal(shim_woken[1], &threads[2]);
}

static void test_requeue_onto_itself_counts(void **state)
{
    (void)state;
    for (int i = 0; i < 3; i++)
        add(&q, i, 0x10, WAITQ_ALL_BITS);
    uint64_t f = waitq_lock(&q);
    assert_int_equal(waitq_requeue_locked(&q, 0x10, &q, 0x10, 1000000), 3);
    waitq_unlock(&q, f);
    for (int i = 0; i < 3; i++)
        assert_ptr_equal(w[i].queue, &q);
}

/* What happens while the waiting thread "sleeps". */
static void other_thread_wakes(void)
{
    assert_int_equal(waitq_wake(&q, 1), 1);
}

static void test_wait_woken(void **state)
{
    (void)state;
    shim_current = &threads[0];
    shim_while_blocked = other_thread_wakes;
    struct waiter me;
    uint64_t f = waitq_lock(&q);
    assert_int_equal(waitq_wait_locked(&q, &me, 0, WAITQ_ALL_BITS, 12345, f), 0);
    assert_int_equal(shim_blocks, 1);
    assert_int_equal(shim_block_deadline, 12345);
    assert_ptr_equal(shim_woken[0], &threads[0]);
    assert_false(waitq_has_waiters(&q));
    assert_int_equal(shim_locks_held, 0);
}

static void test_wait_timeout_leaves_queue(void **state)
{
    (void)state;
    shim_current = &threads[0];
    shim_block_reason = WAKE_TIMEOUT;
    struct waiter me;
    uint64_t f = waitq_lock(&q);
    assert_int_equal(waitq_wait_locked(&q, &me, 7, WAITQ_ALL_BITS, 99, f), -ETIMEDOUT);
    assert_false(waitq_has_waiters(&q));
    assert_null(me.queue);
    assert_int_equal(waitq_wake(&q, 1), 0);  /* nobody left to wake */
}

static void test_wait_timeout_and_wake_together_is_woken(void **state)
{
    (void)state;
    /* The deadline passed, but a waker took the waiter off first: the
     * wake counts (the waker reported it), as on Linux. */
    shim_current = &threads[0];
    shim_while_blocked = other_thread_wakes;
    shim_block_reason = WAKE_TIMEOUT;
    struct waiter me;
    uint64_t f = waitq_lock(&q);
    assert_int_equal(waitq_wait_locked(&q, &me, 0, WAITQ_ALL_BITS, 99, f), 0);
}

static void test_wait_woken_otherwise_is_eintr(void **state)
{
    (void)state;
    shim_current = &threads[0];
    shim_block_reason = WAKE_WOKEN;     /* woken, but not through the queue */
    struct waiter me;
    uint64_t f = waitq_lock(&q);
    assert_int_equal(waitq_wait_locked(&q, &me, 7, WAITQ_ALL_BITS, SCHED_FOREVER, f), -EINTR);
    assert_false(waitq_has_waiters(&q));
}

static struct waiter *moving;

static void other_thread_requeues(void)
{
    uint64_t f = waitq_lock(&q);
    spin_lock(&q2.lock);
    assert_int_equal(waitq_requeue_locked(&q, 7, &q2, 8, 1), 1);
    spin_unlock(&q2.lock);
    waitq_unlock(&q, f);
    assert_ptr_equal(moving->queue, &q2);
}

static void test_timeout_after_requeue_leaves_the_new_queue(void **state)
{
    (void)state;
    shim_current = &threads[0];
    shim_while_blocked = other_thread_requeues;
    shim_block_reason = WAKE_TIMEOUT;
    struct waiter me;
    moving = &me;
    uint64_t f = waitq_lock(&q);
    assert_int_equal(waitq_wait_locked(&q, &me, 7, WAITQ_ALL_BITS, 99, f), -ETIMEDOUT);
    assert_false(waitq_has_waiters(&q2));
    assert_false(waitq_has_waiters(&q));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_wake_n_oldest_first, reset),
        cmocka_unit_test_setup(test_wake_zero_wakes_none, reset),
        cmocka_unit_test_setup(test_key_and_bitset_select, reset),
        cmocka_unit_test_setup(test_requeue_moves_and_rekeys, reset),
        cmocka_unit_test_setup(test_requeue_onto_itself_counts, reset),
        cmocka_unit_test_setup(test_wait_woken, reset),
        cmocka_unit_test_setup(test_wait_timeout_leaves_queue, reset),
        cmocka_unit_test_setup(test_wait_timeout_and_wake_together_is_woken, reset),
        cmocka_unit_test_setup(test_wait_woken_otherwise_is_eintr, reset),
        cmocka_unit_test_setup(test_timeout_after_requeue_leaves_the_new_queue, reset),
    };
    return cmocka_run_group_tests(tests, 0, 0);
}
