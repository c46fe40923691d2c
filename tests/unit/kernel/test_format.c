/* lib/format.c: the kernel's vsnprintf (built renamed, see unit.mk), by
 * literal cases and against glibc's snprintf over a grid of flags, widths,
 * precisions, conversions and values. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>
#include <setjmp.h>
#include <string.h>
#include <stdio.h>
#include <stdlib.h>
#include <limits.h>
#include <cmocka.h>

#define vsnprintf kernel_vsnprintf
#define snprintf kernel_snprintf
#include "lib/format.h"
#undef vsnprintf
#undef snprintf

static char out[256];

#define EXPECT(want, ...) do { \
        int n_ = kernel_snprintf(out, sizeof(out), __VA_ARGS__); \
        assert_string_equal(out, want); \
        assert_int_equal(n_, strlen(want)); \
    } while (0)

static void test_conversions(void **state)
{
    (void)state;
    EXPECT("0 42 -42", "%d %d %d", 0, 42, -42);
    EXPECT("2147483647 -2147483648", "%d %i", INT_MAX, INT_MIN);
    EXPECT("4294967295 0", "%u %u", UINT_MAX, 0u);
    EXPECT("deadbeef DEADBEEF", "%x %X", 0xdeadbeefu, 0xdeadbeefu);
    EXPECT("ffffffffffffffff", "%lx", 0xfffffffffffffffful);
    EXPECT("-9223372036854775808 18446744073709551615", "%ld %lu", LONG_MIN, ULONG_MAX);
    EXPECT("123456789012 77 17", "%llu %zu %o", 123456789012ull, (size_t)77, 15u);
    EXPECT("0x1234 0xffff800000001000", "%p %p", (void *)0x1234, (void *)0xffff800000001000ull);
    const char *null_string = NULL;
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-overflow"
    EXPECT("hello (null)", "%s %s", "hello", null_string);
#pragma GCC diagnostic pop
    EXPECT("A|  B|C  |", "%c|%3c|%-3c|", 'A', 'B', 'C');
    EXPECT("100% sure", "%d%% sure", 100);
    EXPECT("200 c8", "%hhu %hhx", (unsigned char)200, (unsigned char)200);
    EXPECT("-5", "%hd", (short)-5);
    EXPECT("no conversions", "no conversions");
    EXPECT("", "%s", "");
}

static void test_width_precision_flags(void **state)
{
    (void)state;
    EXPECT("abc", "%.*s", 3, "abcdef");
    EXPECT("abcdef", "%.*s", 10, "abcdef");
    EXPECT("", "%.*s", 0, "abcdef");
    EXPECT("ab   |", "%-5s|", "ab");
    EXPECT("   ab|", "%5s|", "ab");
    EXPECT("abcdefg", "%-5s", "abcdefg");
    EXPECT("  abc|", "%5.3s|", "abcdef");
    EXPECT("00042", "%05d", 42);
    EXPECT("-0042", "%05d", -42);
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat"
    EXPECT("42   |", "%-05d|", 42);          /* '-' wins over '0' */
#pragma GCC diagnostic pop
    EXPECT("   42", "%5d", 42);
    EXPECT("007", "%.3d", 7);
    EXPECT("     007", "%8.3d", 7);
    EXPECT("   -007", "%7.3d", -7);
    EXPECT("", "%.0d", 0);
    EXPECT("0xff 0XFF 0", "%#x %#X %#x", 255u, 255u, 0u);
    EXPECT("0x0000ff", "%#08x", 255u);
    EXPECT("   42|42   |", "%*d|%*d|", 5, 42, -5, 42);
    EXPECT("00000000deadbeef", "%016lx", 0xdeadbeeful);
}

/* A precision lets %s read a buffer that has no NUL: exactly n bytes. */
static void test_precision_stops_reading(void **state)
{
    (void)state;
    char *s = malloc(3);
    assert_non_null(s);
    memcpy(s, "xyz", 3);
    EXPECT("xyz", "%.3s", s);
    EXPECT("xy", "%.*s", 2, s);
    free(s);
}

static void test_truncation(void **state)
{
    (void)state;
    const char *full = "value=-1234 name=cloak hex=0xbeef";
    size_t len = strlen(full);
    for (size_t size = 0; size <= len + 2; size++) {
        char *buf = malloc(size ? size : 1);      /* exact size: ASan sees overruns */
        assert_non_null(buf);
        memset(buf, '#', size ? size : 1);
        int n = kernel_snprintf(size ? buf : NULL, size, "value=%d name=%s hex=%#x", -1234, "cloak", 0xbeef);
        assert_int_equal(n, len);
        if (size) {
            size_t kept = size - 1 < len ? size - 1 : len;
            assert_memory_equal(buf, full, kept);
            assert_int_equal(buf[kept], 0);
        }
        free(buf);
    }
    /* One byte: only the terminator. */
    char one[1] = { 'x' };
    assert_int_equal(kernel_snprintf(one, 1, "%s", "abc"), 3);
    assert_int_equal(one[0], 0);
}

static int check_one(const char *fmt, ...)
{
    char want[128], got[128];
    va_list ap, ap2;
    va_start(ap, fmt);
    va_copy(ap2, ap);
    int wn = vsnprintf(want, sizeof(want), fmt, ap);
    int gn = kernel_vsnprintf(got, sizeof(got), fmt, ap2);
    va_end(ap2);
    va_end(ap);
    if (wn != gn || strcmp(want, got))
        fail_msg("\"%s\": glibc \"%s\" (%d), kernel \"%s\" (%d)", fmt, want, wn, got, gn);
    return 1;
}

static void test_against_glibc(void **state)
{
    (void)state;
    static const char *flags[] = { "", "-", "0", "-0", "#", "#0", "-#" };
    static const char *widths[] = { "", "1", "6", "12", "25" };
    static const char *precs[] = { "", ".0", ".1", ".3", ".10", ".22" };
    static const char convs[] = { 'd', 'i', 'u', 'x', 'X', 'o' };
    static const long long values[] = { 0, 1, -1, 7, 42, -42, 255, 4096, INT_MAX, INT_MIN,
                                        LLONG_MAX, LLONG_MIN, 0x123456789abcdefll };
    unsigned checked = 0;
    char fmt[32];
    for (size_t f = 0; f < sizeof(flags) / sizeof(*flags); f++)
    for (size_t w = 0; w < sizeof(widths) / sizeof(*widths); w++)
    for (size_t p = 0; p < sizeof(precs) / sizeof(*precs); p++)
    for (size_t c = 0; c < sizeof(convs); c++) {
        bool alt = strchr(flags[f], '#') != NULL;
        if (alt && convs[c] != 'x' && convs[c] != 'X')
            continue;       /* '#' is only for hex here (octal's "0" prefix is not done) */
        for (size_t v = 0; v < sizeof(values) / sizeof(*values); v++) {
            snprintf(fmt, sizeof(fmt), "[%%%s%s%s%c]", flags[f], widths[w], precs[p], convs[c]);
            checked += check_one(fmt, (int)values[v]);
            snprintf(fmt, sizeof(fmt), "[%%%s%s%sl%c]", flags[f], widths[w], precs[p], convs[c]);
            checked += check_one(fmt, (long)values[v]);
        }
    }
    /* Strings and characters. */
    static const char *strs[] = { "", "a", "cloak", "a longer string of text" };
    for (size_t f = 0; f < 2; f++)
    for (size_t w = 0; w < sizeof(widths) / sizeof(*widths); w++)
    for (size_t p = 0; p < sizeof(precs) / sizeof(*precs); p++) {
        for (size_t s = 0; s < sizeof(strs) / sizeof(*strs); s++) {
            snprintf(fmt, sizeof(fmt), "[%%%s%s%ss]", flags[f], widths[w], precs[p]);
            checked += check_one(fmt, strs[s]);
        }
        snprintf(fmt, sizeof(fmt), "[%%%s%sc]", flags[f], widths[w]);
        checked += check_one(fmt, 'q');
    }
    assert_true(checked > 5000);
}

/* The rest of what the kernel's callers format, against glibc: size_t,
 * short and char lengths, pointers with width and '-', '*' width and
 * precision (negative ones too), and every buffer size of a padded
 * line (truncation and the return value). */
static void test_more_against_glibc(void **state)
{
    (void)state;
    static const char *widths[] = { "", "1", "6", "19", "25" };
    static const char *flags[] = { "", "-", "0", "-0", "#" };
    static const unsigned long long values[] = { 0, 1, 9, 10, 255, 256, 65535, 65536, 0x7fffffffull,
                                                 0xffffffffull, 0x100000000ull, 0xffff800000001000ull,
                                                 ~0ull };
    unsigned checked = 0;
    char fmt[32];
    for (size_t f = 0; f < sizeof(flags) / sizeof(*flags); f++)
    for (size_t w = 0; w < sizeof(widths) / sizeof(*widths); w++)
    for (size_t v = 0; v < sizeof(values) / sizeof(*values); v++) {
        unsigned long long x = values[v];
        bool alt = flags[f][0] == '#';
        static const char *lens[] = { "z", "hh", "h", "ll", "j", "t" };
        for (size_t l = 0; l < sizeof(lens) / sizeof(*lens); l++) {
            const char *convs = alt ? "xX" : "duxX";
            for (const char *c = convs; *c; c++) {
                snprintf(fmt, sizeof(fmt), "<%%%s%s%s%c>", flags[f], widths[w], lens[l], *c);
                if (lens[l][0] == 'h')
                    checked += check_one(fmt, (int)x);          /* promoted, then cut */
                else
                    checked += check_one(fmt, (long long)x);
            }
        }
        if (!alt && strchr(flags[f], '0') == NULL) {
            /* glibc prints a null %p as "(nil)"; the kernel prints 0x0. */
            if (x) {
                snprintf(fmt, sizeof(fmt), "<%%%s%sp>", flags[f], widths[w]);
                checked += check_one(fmt, (void *)(uintptr_t)x);
            }
        }
    }
    for (int w = -30; w <= 30; w += 3)
    for (int p = -3; p <= 12; p += 3) {
        checked += check_one("[%*.*d]", w, p, -1234);
        checked += check_one("[%*.*x]", w, p, 0xbeefu);
        checked += check_one("[%*.*s]", w, p, "kernel text");
        checked += check_one("[%-*.*lu]", w, p, 987654321ul);
    }
    checked += check_one("a%cb%cc", 0x7f, ' ');
    checked += check_one("%s=%d%%, %lx-%lx %zu/%u", "used", 97, 0x1000ul, 0x2000ul, (size_t)3, 4u);
    assert_true(checked > 2000);

    /* Every buffer size of a line with padding, precision and a pointer. */
    char want[128], got[128];
    const char *f2 = "%-8s|%08x|%5.2s|%p|%c|%-6d|%zu";
    int wn = snprintf(want, sizeof(want), f2, "vda", 0xabcu, "sda", (void *)0x1000, 'z', -12, (size_t)4096);
    for (int size = 0; size <= wn + 1; size++) {
        memset(got, '#', sizeof(got));
        int gn = kernel_snprintf(size ? got : NULL, (size_t)size, f2, "vda", 0xabcu, "sda", (void *)0x1000, 'z',
                                 -12, (size_t)4096);
        assert_int_equal(gn, wn);
        if (size) {
            int kept = size - 1 < wn ? size - 1 : wn;
            assert_memory_equal(got, want, (size_t)kept);
            assert_int_equal(got[kept], 0);
            assert_int_equal(got[kept + 1], '#');               /* nothing past the end */
        }
    }
}

/* What is not in C's printf, pinned: an unknown conversion is copied
 * through with its '%', a lone '%' at the end is dropped, a null %p is 0x0,
 * "%5%" is "%" (as in glibc). */
static void test_kernel_specifics(void **state)
{
    (void)state;
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat"
#pragma GCC diagnostic ignored "-Wformat-extra-args"
    EXPECT("a%yb", "a%yb");
    EXPECT("a%qb", "a%5qb");
    EXPECT("ab", "ab%");
    EXPECT("ab", "ab%-05l");
    EXPECT("0x0", "%p", NULL);
    EXPECT("%", "%5%");
    EXPECT("7 0x10", "%d %#p", 7, (void *)16);
#pragma GCC diagnostic pop
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_conversions),
        cmocka_unit_test(test_width_precision_flags),
        cmocka_unit_test(test_precision_stops_reading),
        cmocka_unit_test(test_truncation),
        cmocka_unit_test(test_against_glibc),
        cmocka_unit_test(test_more_against_glibc),
        cmocka_unit_test(test_kernel_specifics),
    };
    return cmocka_run_group_tests_name("format", tests, NULL, NULL);
}
