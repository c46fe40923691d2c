/* The kernel command line: words and KEY=VALUE pairs. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>
#include "init/cmdline.h"

static void test_words(void **state)
{
    (void)state;
    const char *c = "  console=com3 klog=com1  sev-sim profile";
    assert_true(cmdline_has(c, "sev-sim"));
    assert_true(cmdline_has(c, "profile"));
    assert_false(cmdline_has(c, "sev"));           /* a prefix is not the word */
    assert_false(cmdline_has(c, "sev-sim-x"));
    assert_false(cmdline_has(c, "console"));       /* a key is not a word */
    assert_false(cmdline_has("", "profile"));
}

static void test_values(void **state)
{
    (void)state;
    char v[8];
    assert_true(cmdline_get("a=1 console=com3 b", "console", v, sizeof v));
    assert_string_equal(v, "com3");
    assert_false(cmdline_get("consoles=com3", "console", v, sizeof v));
    assert_false(cmdline_get("console", "console", v, sizeof v));
    assert_true(cmdline_get("console=", "console", v, sizeof v));
    assert_string_equal(v, "");                    /* present, empty */
    assert_true(cmdline_get("k=abcdefghijk", "k", v, sizeof v));
    assert_string_equal(v, "abcdefg");             /* truncated, terminated */
    assert_false(cmdline_get("k=1", "k", v, 0));
}

static void test_numbers(void **state)
{
    (void)state;
    uint64_t n = 7;
    assert_true(cmdline_get_u64("a disk-timeout=2500 b", "disk-timeout", 1000000, &n));
    assert_int_equal(n, 2500);
    assert_true(cmdline_get_u64("k=0", "k", 10, &n));
    assert_int_equal(n, 0);
    assert_true(cmdline_get_u64("k=10", "k", 10, &n));
    assert_int_equal(n, 10);
    n = 7;
    assert_false(cmdline_get_u64("k=11", "k", 10, &n));     /* above max */
    assert_false(cmdline_get_u64("k=7", "k", 5, &n));
    assert_false(cmdline_get_u64("k=", "k", 10, &n));
    assert_false(cmdline_get_u64("k=-1", "k", 10, &n));
    assert_false(cmdline_get_u64("k=1x", "k", 10, &n));
    assert_false(cmdline_get_u64("k", "k", 10, &n));
    assert_false(cmdline_get_u64("k=99999999999999999999999", "k", UINT64_MAX, &n));
    assert_true(cmdline_get_u64("k=18446744073709551615", "k", UINT64_MAX, &n));
    assert_true(n == UINT64_MAX);
    assert_false(cmdline_get_u64("k=18446744073709551616", "k", UINT64_MAX, &n));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_words),
        cmocka_unit_test(test_values),
        cmocka_unit_test(test_numbers),
    };
    return cmocka_run_group_tests_name("cmdline", tests, NULL, NULL);
}
