/* drivers/kvmclock.c: what a pvclock multiplier and shift say about the
 * TSC (frequency, and a TSC delta in nanoseconds), including a host's
 * nonsense (no multiplier, a shift out of range).  The MSR and CPUID part
 * is dropped at link time by section garbage collection (see unit.mk). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>
#include <setjmp.h>
#include <cmocka.h>

#include "drivers/kvmclock.h"

/* 2.6 GHz as KVM encodes it: ns per tick = mul * 2^-1 / 2^32. */
#define MUL_2600 3303820998u

static void test_frequency(void **state)
{
    (void)state;
    assert_int_equal(kvmclock_tsc_hz(MUL_2600, -1), 2599999998ull);
    assert_int_equal(kvmclock_tsc_hz(1u << 31, 1), 1000000000ull);  /* 1 GHz */
    assert_int_equal(kvmclock_tsc_hz(1u << 31, 0), 2000000000ull);  /* 2 GHz */
}

static void test_bad_answers(void **state)
{
    (void)state;
    assert_int_equal(kvmclock_tsc_hz(0, 0), 0);
    assert_int_equal(kvmclock_tsc_hz(MUL_2600, 32), 0);
    assert_int_equal(kvmclock_tsc_hz(MUL_2600, -32), 0);
}

static void test_scale(void **state)
{
    (void)state;
    assert_int_equal(kvmclock_scale(2600000000ull, MUL_2600, -1), 1000000000ull);
    assert_int_equal(kvmclock_scale(1000000000ull, 1u << 31, 1), 1000000000ull);
    assert_int_equal(kvmclock_scale(0, MUL_2600, -1), 0);
    /* An hour of a 2.6 GHz TSC: no overflow in the product, and the
     * multiplier's rounding costs 1.17 us. */
    assert_int_equal(kvmclock_scale(3600ull * 2600000000ull, MUL_2600, -1), 3600000001173ull);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_frequency),
        cmocka_unit_test(test_bad_answers),
        cmocka_unit_test(test_scale),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
