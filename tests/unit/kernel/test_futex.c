/* The futex table (unix/futex_table.c) and FUTEX_WAKE_OP's arithmetic
 * (unix/futex_op.c): a word always hashes to one bucket whatever its key
 * bits, two buckets are locked in one order, wakes find only their key,
 * and the encoded operations decode as Linux's futex_atomic_op_inuser. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>
#include "unix/futex.h"
#include "unix/futex_table.h"
#include "sched/sched.h"
#include "lib/errno.h"
#include "shim_sched.h"

#define OP(op, oparg, cmp, cmparg) (((uint32_t)(op) << 28) | ((uint32_t)(cmp) << 24) | \
                                    (((uint32_t)(oparg) & 0xfff) << 12) | ((uint32_t)(cmparg) & 0xfff))
#define OPARG_SHIFT 0x80000000u

static struct thread threads[4];
static struct waiter w[4];

static int reset(void **state)
{
    (void)state;
    shim_sched_reset();
    futex_table_init();
    memset(w, 0, sizeof(w));
    return 0;
}

static void wait_on(int i, uint64_t key)
{
    shim_current = &threads[i];
    struct waitq *q = futex_bucket(key);
    uint64_t f = waitq_lock(q);
    waitq_add_locked(q, &w[i], key, WAITQ_ALL_BITS);
    waitq_unlock(q, f);
}

static void test_bucket_ignores_key_bits(void **state)
{
    (void)state;
    uint64_t a = 0x7ffff7a01234ull & ~3ull;
    assert_ptr_equal(futex_bucket(a), futex_bucket(a | 1));
    /* Neighbouring words spread over the buckets. */
    unsigned same = 0;
    for (uint64_t i = 1; i < 64; i++)
        same += futex_bucket(a) == futex_bucket(a + 4 * i);
    assert_true(same < 8);
}

static void test_lock_pair_order_and_same_bucket(void **state)
{
    (void)state;
    uint64_t a = 0x1000, b = 0x1004;
    while (futex_bucket(a) == futex_bucket(b))
        b += 4;
    struct futex_pair p1, p2;
    futex_lock_pair(a, b, &p1);
    assert_int_equal(shim_locks_held, 2);
    assert_true(p1.first < p1.second);
    futex_unlock_pair(&p1);
    futex_lock_pair(b, a, &p2);
    assert_ptr_equal(p2.first, p1.first);   /* the same order either way round */
    futex_unlock_pair(&p2);
    futex_lock_pair(a, a | 1, &p1);          /* one bucket: locked once */
    assert_int_equal(shim_locks_held, 1);
    assert_null(p1.second);
    futex_unlock_pair(&p1);
    assert_int_equal(shim_locks_held, 0);
}

static void test_wake_by_key(void **state)
{
    (void)state;
    wait_on(0, 0x2000);                      /* private */
    wait_on(1, 0x2001);                      /* the same word, shared */
    wait_on(2, 0x2000);
    assert_int_equal(futex_table_wake(0x2001, WAITQ_ALL_BITS, 10), 1);
    assert_ptr_equal(shim_woken[0], &threads[1]);
    assert_int_equal(futex_table_wake(0x2000, WAITQ_ALL_BITS, 1), 1);
    assert_ptr_equal(shim_woken[1], &threads[0]);
    assert_int_equal(futex_table_wake(0x2000, WAITQ_ALL_BITS, 10), 1);
    assert_int_equal(futex_table_wake(0x2000, WAITQ_ALL_BITS, 10), 0);
}

static void test_requeue_between_buckets(void **state)
{
    (void)state;
    uint64_t a = 0x3000, b = 0x3004;
    while (futex_bucket(a) == futex_bucket(b))
        b += 4;
    for (int i = 0; i < 3; i++)
        wait_on(i, a);
    struct futex_pair p;
    futex_lock_pair(a, b, &p);
    unsigned woken = waitq_wake_locked(futex_bucket(a), a, WAITQ_ALL_BITS, 1);
    unsigned moved = waitq_requeue_locked(futex_bucket(a), a, futex_bucket(b), b, 10);
    futex_unlock_pair(&p);
    assert_int_equal(woken, 1);
    assert_int_equal(moved, 2);
    assert_int_equal(futex_table_wake(a, WAITQ_ALL_BITS, 10), 0);
    assert_int_equal(futex_table_wake(b, WAITQ_ALL_BITS, 10), 2);
    assert_ptr_equal(shim_woken[1], &threads[1]);
    assert_ptr_equal(shim_woken[2], &threads[2]);
}

static void test_op_decode_apply(void **state)
{
    (void)state;
    struct futex_op op;
    assert_int_equal(futex_op_decode(OP(0, 5, 0, 0), &op), 0);       /* SET 5 */
    assert_int_equal(futex_op_apply(&op, 99), 5);
    assert_int_equal(futex_op_decode(OP(1, 3, 0, 0), &op), 0);       /* ADD 3 */
    assert_int_equal(futex_op_apply(&op, 4), 7);
    assert_int_equal(futex_op_decode(OP(1, -1, 0, 0), &op), 0);      /* ADD -1: 12-bit signed */
    assert_int_equal(futex_op_apply(&op, 4), 3);
    assert_int_equal(futex_op_decode(OP(2, 0x10, 0, 0), &op), 0);    /* OR */
    assert_int_equal(futex_op_apply(&op, 1), 0x11);
    assert_int_equal(futex_op_decode(OP(3, 1, 0, 0), &op), 0);       /* ANDN */
    assert_int_equal(futex_op_apply(&op, 3), 2);
    assert_int_equal(futex_op_decode(OP(4, 0xff, 0, 0), &op), 0);    /* XOR */
    assert_int_equal(futex_op_apply(&op, 0xf0), 0x0f);
    assert_int_equal(futex_op_decode(OP(2, 4, 0, 0) | OPARG_SHIFT, &op), 0);   /* OR 1 << 4 */
    assert_int_equal(futex_op_apply(&op, 0), 16);
    assert_int_equal(futex_op_decode(OP(0, 33, 0, 0) | OPARG_SHIFT, &op), 0);  /* shift masked to 1 */
    assert_int_equal(futex_op_apply(&op, 0), 2);
    assert_int_equal(futex_op_decode(OP(5, 0, 0, 0), &op), -ENOSYS);
    assert_int_equal(futex_op_decode(OP(7, 0, 0, 0), &op), -ENOSYS);
}

static void test_op_compare(void **state)
{
    (void)state;
    struct futex_op op;
    const struct { unsigned cmp; int32_t arg, old; int want; } cases[] = {
        { 0, 3, 3, 1 }, { 0, 3, 4, 0 }, { 1, 3, 4, 1 }, { 1, 3, 3, 0 },
        { 2, 3, 2, 1 }, { 2, 3, 3, 0 }, { 3, 3, 3, 1 }, { 3, 3, 4, 0 },
        { 4, 3, 4, 1 }, { 4, 3, 3, 0 }, { 5, 3, 3, 1 }, { 5, 3, 2, 0 },
        { 2, -1, -2, 1 }, { 4, -1, 0, 1 },    /* signed, 12-bit cmparg */
        { 6, 0, 0, -ENOSYS }, { 15, 0, 0, -ENOSYS },
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        assert_int_equal(futex_op_decode(OP(0, 0, cases[i].cmp, cases[i].arg), &op), 0);
        assert_int_equal(futex_op_compare(&op, cases[i].old), cases[i].want);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_bucket_ignores_key_bits, reset),
        cmocka_unit_test_setup(test_lock_pair_order_and_same_bucket, reset),
        cmocka_unit_test_setup(test_wake_by_key, reset),
        cmocka_unit_test_setup(test_requeue_between_buckets, reset),
        cmocka_unit_test_setup(test_op_decode_apply, reset),
        cmocka_unit_test_setup(test_op_compare, reset),
    };
    return cmocka_run_group_tests(tests, 0, 0);
}
