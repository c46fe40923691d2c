/* unix/timeout.c: user timespecs to nanoseconds and deadlines.  Huge
 * values (tv_sec up to LLONG_MAX) saturate to "forever" and never wrap to
 * a short timeout; a negative tv_sec or a tv_nsec outside [0, 1e9) is
 * EINVAL (22), as on Linux.  timeout_from_user (the user copy) is dropped
 * at link time by section garbage collection (see unit.mk). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>
#include <setjmp.h>
#include <limits.h>
#include <stdlib.h>
#include <cmocka.h>

#include "unix/timeout.h"

#define LINUX_EINVAL 22

static uint64_t ns_of(int64_t sec, int64_t nsec)
{
    uint64_t ns = 12345;
    assert_int_equal(timeout_ns(sec, nsec, &ns), 0);
    return ns;
}

static void test_ordinary_values(void **state)
{
    (void)state;
    assert_true(ns_of(0, 0) == 0);
    assert_true(ns_of(0, 1) == 1);
    assert_true(ns_of(0, 999999999) == 999999999ull);
    assert_true(ns_of(1, 5) == 1000000005ull);
    assert_true(ns_of(86400, 250000000) == 86400250000000ull);
}

static void test_largest_timespec_is_forever(void **state)
{
    (void)state;
    assert_true(ns_of(LLONG_MAX, 999999999) == UINT64_MAX);
    assert_true(ns_of(LLONG_MAX, 0) == UINT64_MAX);
    assert_true(TIMEOUT_FOREVER == UINT64_MAX);
    /* The deadline of "forever" stays forever, whatever the clock reads. */
    assert_true(timeout_deadline_after(0, ns_of(LLONG_MAX, 999999999)) == UINT64_MAX);
    assert_true(timeout_deadline_after(123456789ull, ns_of(LLONG_MAX, 0)) == UINT64_MAX);
}

/* 2^64 ns = 18446744073 s + 709551616 ns: the values around the edge. */
static void test_edge_of_wrapping(void **state)
{
    (void)state;
    assert_true(ns_of(18446744073ll, 709551615) == UINT64_MAX);        /* fits exactly */
    assert_true(ns_of(18446744073ll, 709551614) == UINT64_MAX - 1);    /* not saturated */
    assert_true(ns_of(18446744073ll, 709551616) == UINT64_MAX);        /* 2^64: saturates */
    /* Multiplying without a check would give 290448384 ns (0.29 s) here. */
    assert_true(ns_of(18446744074ll, 0) == UINT64_MAX);
    assert_true(ns_of(1ll << 62, 0) == UINT64_MAX);
}

static void test_invalid_is_einval(void **state)
{
    (void)state;
    uint64_t ns;
    assert_int_equal(timeout_ns(-1, 0, &ns), -LINUX_EINVAL);
    assert_int_equal(timeout_ns(LLONG_MIN, 0, &ns), -LINUX_EINVAL);
    assert_int_equal(timeout_ns(0, -1, &ns), -LINUX_EINVAL);
    assert_int_equal(timeout_ns(0, 1000000000, &ns), -LINUX_EINVAL);
    assert_int_equal(timeout_ns(LLONG_MAX, 1000000000, &ns), -LINUX_EINVAL);
    assert_int_equal(timeout_ns(5, LLONG_MAX, &ns), -LINUX_EINVAL);
    assert_int_equal(timeout_ns(5, LLONG_MIN, &ns), -LINUX_EINVAL);
    assert_int_equal(timeout_ns(-1, 999999999, &ns), -LINUX_EINVAL);
}

/* Random valid timespecs against exact 128-bit arithmetic, saturated. */
static void test_against_wide_arithmetic(void **state)
{
    (void)state;
    srandom(7);
    for (int i = 0; i < 200000; i++) {
        int shift = (int)(random() % 64);
        int64_t sec = (int64_t)((((uint64_t)random() << 33) ^ ((uint64_t)random() << 2) ^ (uint64_t)random()) >> shift
                                & (uint64_t)LLONG_MAX);
        int64_t nsec = random() % 1000000000;
        unsigned __int128 exact = (unsigned __int128)(uint64_t)sec * 1000000000u + (uint64_t)nsec;
        uint64_t want = exact > UINT64_MAX ? UINT64_MAX : (uint64_t)exact;
        uint64_t got = ns_of(sec, nsec);
        if (got != want)
            fail_msg("{%lld, %lld}: %llu, wanted %llu", (long long)sec, (long long)nsec,
                     (unsigned long long)got, (unsigned long long)want);
    }
}

static void test_deadline_after(void **state)
{
    (void)state;
    assert_true(timeout_deadline_after(0, 0) == 0);
    assert_true(timeout_deadline_after(100, 50) == 150);
    assert_true(timeout_deadline_after(UINT64_MAX - 10, 10) == UINT64_MAX);
    assert_true(timeout_deadline_after(UINT64_MAX - 10, 11) == UINT64_MAX);
    assert_true(timeout_deadline_after(UINT64_MAX - 10, 9) == UINT64_MAX - 1);
    assert_true(timeout_deadline_after(5000000000ull, UINT64_MAX - 1) == UINT64_MAX);
}

/* Absolute times on another clock (CLOCK_REALTIME) become monotonic
 * deadlines: a time already passed is "now", a far one saturates. */
static void test_deadline_at(void **state)
{
    (void)state;
    const uint64_t mono = 5000000000ull, real = 1700000000000000000ull;
    assert_true(timeout_deadline_at(mono, real, 0) == mono);
    assert_true(timeout_deadline_at(mono, real, real - 1) == mono);
    assert_true(timeout_deadline_at(mono, real, real) == mono);
    assert_true(timeout_deadline_at(mono, real, real + 250000000) == mono + 250000000);
    assert_true(timeout_deadline_at(mono, real, UINT64_MAX) == mono + (UINT64_MAX - real));
    assert_true(timeout_deadline_at(mono, 0, UINT64_MAX) == UINT64_MAX);        /* saturates */
    assert_true(timeout_deadline_at(mono, 1, UINT64_MAX) == UINT64_MAX);
    assert_true(timeout_deadline_at(mono, mono, ns_of(LLONG_MAX, 999999999)) == UINT64_MAX);
    /* Monotonic absolute (clock_now == mono_now): the target itself. */
    assert_true(timeout_deadline_at(mono, mono, mono + 42) == mono + 42);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ordinary_values),
        cmocka_unit_test(test_largest_timespec_is_forever),
        cmocka_unit_test(test_edge_of_wrapping),
        cmocka_unit_test(test_invalid_is_einval),
        cmocka_unit_test(test_against_wide_arithmetic),
        cmocka_unit_test(test_deadline_after),
        cmocka_unit_test(test_deadline_at),
    };
    return cmocka_run_group_tests_name("timeout", tests, NULL, NULL);
}
