/* drivers/clock.c: clock_days_from_civil, the pure date arithmetic that
 * turns the CMOS date into days since the epoch.  The rest of clock.c
 * (TSC, LAPIC, CMOS) is dropped at link time by section garbage collection
 * (see unit.mk). */
#define _DEFAULT_SOURCE
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>
#include <setjmp.h>
#include <time.h>
#include <cmocka.h>

#include "drivers/clock.h"

static void test_known_dates(void **state)
{
    (void)state;
    assert_int_equal(clock_days_from_civil(1970, 1, 1), 0);
    assert_int_equal(clock_days_from_civil(1970, 1, 2), 1);
    assert_int_equal(clock_days_from_civil(1971, 1, 1), 365);
    assert_int_equal(clock_days_from_civil(2000, 1, 1), 10957);
    assert_int_equal(clock_days_from_civil(2000, 2, 29), 11016);    /* 2000 is a leap year */
    assert_int_equal(clock_days_from_civil(2000, 3, 1), 11017);
    assert_int_equal(clock_days_from_civil(2024, 2, 29), 19782);
    assert_int_equal(clock_days_from_civil(2024, 3, 1), 19783);
    assert_int_equal(clock_days_from_civil(2038, 1, 19), 24855);    /* 2^31 s is in this day */
    assert_int_equal(clock_days_from_civil(2100, 3, 1), 47541);     /* 2100 is not leap */
    assert_int_equal(clock_days_from_civil(2100, 2, 28) + 1, 47541);
    assert_int_equal(clock_days_from_civil(2038, 1, 19) * 86400 + 3 * 3600 + 14 * 60 + 7,
                     2147483647ull);
}

/* Every day from 1970 to 2199 against libc's timegm. */
static void test_against_timegm(void **state)
{
    (void)state;
    static const unsigned mdays[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
    uint64_t expect = 0;
    for (int y = 1970; y < 2200; y++) {
        bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
        for (unsigned m = 1; m <= 12; m++) {
            unsigned n = mdays[m - 1] + (m == 2 && leap);
            for (unsigned d = 1; d <= n; d++) {
                uint64_t got = clock_days_from_civil(y, m, d);
                if (got != expect)
                    fail_msg("%04d-%02u-%02u: %lu, wanted %lu", y, m, d,
                             (unsigned long)got, (unsigned long)expect);
                if (d == 1) {
                    struct tm tm = { .tm_year = y - 1900, .tm_mon = (int)m - 1, .tm_mday = 1 };
                    assert_int_equal((uint64_t)timegm(&tm) / 86400, got);
                }
                expect++;
            }
        }
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_known_dates),
        cmocka_unit_test(test_against_timegm),
    };
    return cmocka_run_group_tests_name("clock", tests, NULL, NULL);
}
