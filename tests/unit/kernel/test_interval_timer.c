/* unix/interval_timer.c: timerfd's expirations counted from clock
 * readings: one-shot and periodic timers, long gaps (every missed period
 * counted at once, phase kept), remaining times, disarming, and the end
 * of the clock. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>
#include <setjmp.h>
#include <cmocka.h>

#include "unix/interval_timer.h"

#define MS 1000000ull

static void test_one_shot(void **state)
{
    (void)state;
    struct interval_timer t = { 0 };
    interval_timer_set(&t, 1000 * MS, 0);
    interval_timer_advance(&t, 999 * MS);
    assert_int_equal(t.ticks, 0);
    assert_true(interval_timer_remaining(&t, 999 * MS) == 1 * MS);
    interval_timer_advance(&t, 1000 * MS);    /* due exactly now: expired */
    assert_int_equal(t.ticks, 1);
    assert_false(t.armed);
    interval_timer_advance(&t, 5000 * MS);    /* once only */
    assert_int_equal(interval_timer_take(&t), 1);
    assert_int_equal(interval_timer_take(&t), 0);
    assert_true(interval_timer_remaining(&t, 5000 * MS) == 0);
}

static void test_periodic_counts_every_period(void **state)
{
    (void)state;
    struct interval_timer t = { 0 };
    /* First at 30 ms, then every 20 ms: 30, 50, 70, 90, 110. */
    interval_timer_set(&t, 30 * MS, 20 * MS);
    interval_timer_advance(&t, 105 * MS);
    assert_int_equal(t.ticks, 4);
    assert_true(t.next == 110 * MS);
    assert_true(interval_timer_remaining(&t, 105 * MS) == 5 * MS);
    interval_timer_advance(&t, 110 * MS);
    assert_int_equal(interval_timer_take(&t), 5);
    /* A long gap: every missed period at once, and the phase is kept. */
    interval_timer_advance(&t, 110 * MS + 1000 * 20 * MS + 3 * MS);
    assert_int_equal(interval_timer_take(&t), 1000);
    assert_true(t.next == 130 * MS + 1000 * 20 * MS);
    assert_true(t.armed);
}

static void test_set_drops_unread_and_disarms(void **state)
{
    (void)state;
    struct interval_timer t = { 0 };
    interval_timer_set(&t, 10, 10);
    interval_timer_advance(&t, 100);
    assert_int_equal(t.ticks, 10);
    interval_timer_set(&t, 0, 10);            /* value 0: disarm */
    assert_int_equal(t.ticks, 0);
    assert_false(t.armed);
    assert_int_equal(t.interval, 0);
    interval_timer_advance(&t, 1000);
    assert_int_equal(t.ticks, 0);
    /* An expiry time in the past fires at the first look. */
    interval_timer_set(&t, 1, 0);
    interval_timer_advance(&t, 1000);
    assert_int_equal(t.ticks, 1);
}

static void test_end_of_clock(void **state)
{
    (void)state;
    struct interval_timer t = { 0 };
    /* The next expiry would pass the clock's end: no wrap to the past. */
    interval_timer_set(&t, UINT64_MAX - 10, UINT64_MAX / 2);
    interval_timer_advance(&t, UINT64_MAX - 5);
    assert_int_equal(t.ticks, 1);
    assert_false(t.armed);
    interval_timer_advance(&t, UINT64_MAX);
    assert_int_equal(t.ticks, 1);
    /* A deadline at the very end is never reached early. */
    interval_timer_set(&t, UINT64_MAX, 5);
    interval_timer_advance(&t, UINT64_MAX - 1);
    assert_int_equal(t.ticks, 0);
    assert_true(interval_timer_remaining(&t, UINT64_MAX - 1) == 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_one_shot),
        cmocka_unit_test(test_periodic_counts_every_period),
        cmocka_unit_test(test_set_drops_unread_and_disarms),
        cmocka_unit_test(test_end_of_clock),
    };
    return cmocka_run_group_tests(tests, 0, 0);
}
