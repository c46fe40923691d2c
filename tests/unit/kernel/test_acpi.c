/* drivers/acpi.c: acpi_find_s5 on handcrafted AML.  Every buffer is an
 * exact-size heap copy, so a read past its end is an ASan error. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>
#include <setjmp.h>
#include <string.h>
#include <stdlib.h>
#include <cmocka.h>

#include "drivers/acpi.h"

#define NAME_OP 0x08
#define PACKAGE_OP 0x12
#define BYTE_PREFIX 0x0a
#define WORD_PREFIX 0x0b
#define ZERO_OP 0x00
#define ONE_OP 0x01

static bool find(const uint8_t *aml, size_t len, uint8_t *a, uint8_t *b)
{
    uint8_t *copy = malloc(len ? len : 1);
    assert_non_null(copy);
    memcpy(copy, aml, len);
    *a = *b = 0xee;
    bool r = acpi_find_s5(copy, len, a, b);
    free(copy);
    return r;
}

/* Name (_S5, Package (4) { 5, 7, 0, 0 }) */
static const uint8_t s5_bytes[] = { NAME_OP, '_', 'S', '5', '_', PACKAGE_OP, 0x08, 0x04,
                                    BYTE_PREFIX, 0x05, BYTE_PREFIX, 0x07, ZERO_OP, ZERO_OP };

static void test_byte_prefix(void **state)
{
    (void)state;
    uint8_t a, b;
    assert_true(find(s5_bytes, sizeof(s5_bytes), &a, &b));
    assert_int_equal(a, 5);
    assert_int_equal(b, 7);
}

static void test_zero_one_ops(void **state)
{
    (void)state;
    /* QEMU's DSDT: Name (_S5, Package (4) { Zero, Zero, Zero, Zero }) */
    static const uint8_t qemu[] = { NAME_OP, '_', 'S', '5', '_', PACKAGE_OP, 0x06, 0x04,
                                    ZERO_OP, ZERO_OP, ZERO_OP, ZERO_OP };
    uint8_t a, b;
    assert_true(find(qemu, sizeof(qemu), &a, &b));
    assert_int_equal(a, 0);
    assert_int_equal(b, 0);
    static const uint8_t mixed[] = { NAME_OP, '_', 'S', '5', '_', PACKAGE_OP, 0x05, 0x02,
                                     ONE_OP, BYTE_PREFIX, 0x06 };
    assert_true(find(mixed, sizeof(mixed), &a, &b));
    assert_int_equal(a, 1);
    assert_int_equal(b, 6);
    static const uint8_t mixed2[] = { NAME_OP, '_', 'S', '5', '_', PACKAGE_OP, 0x05, 0x02,
                                      BYTE_PREFIX, 0x03, ONE_OP };
    assert_true(find(mixed2, sizeof(mixed2), &a, &b));
    assert_int_equal(a, 3);
    assert_int_equal(b, 1);
}

static void test_root_prefix(void **state)
{
    (void)state;
    static const uint8_t aml[] = { NAME_OP, '\\', '_', 'S', '5', '_', PACKAGE_OP, 0x06, 0x02,
                                   BYTE_PREFIX, 0x02, BYTE_PREFIX, 0x04 };
    uint8_t a, b;
    assert_true(find(aml, sizeof(aml), &a, &b));
    assert_int_equal(a, 2);
    assert_int_equal(b, 4);
    /* A root prefix without a NameOp before it is a reference, not the name. */
    static const uint8_t ref[] = { 0x70, '\\', '_', 'S', '5', '_', PACKAGE_OP, 0x06, 0x02,
                                   BYTE_PREFIX, 0x02, BYTE_PREFIX, 0x04 };
    assert_false(find(ref, sizeof(ref), &a, &b));
}

static void test_long_pkg_length(void **state)
{
    (void)state;
    uint8_t a, b;
    /* PkgLength of two bytes (lead byte 0x4n) and of three (0x8n). */
    static const uint8_t two[] = { NAME_OP, '_', 'S', '5', '_', PACKAGE_OP, 0x47, 0x00, 0x02,
                                   BYTE_PREFIX, 0x03, BYTE_PREFIX, 0x09 };
    assert_true(find(two, sizeof(two), &a, &b));
    assert_int_equal(a, 3);
    assert_int_equal(b, 9);
    static const uint8_t three[] = { NAME_OP, '_', 'S', '5', '_', PACKAGE_OP, 0x80, 0x01, 0x00,
                                     0x02, ONE_OP, BYTE_PREFIX, 0xff };
    assert_true(find(three, sizeof(three), &a, &b));
    assert_int_equal(a, 1);
    assert_int_equal(b, 0xff);
}

static void test_found_among_other_aml(void **state)
{
    (void)state;
    /* Junk, a "_S5_" that is not a name, a Name(_S5_, 5) that is not a
     * package, then the real one. */
    static const uint8_t aml[] = {
        0x10, 0x41, 0x05, '_', 'S', 'B', '_', 0x5b, 0x82,
        0x70, '_', 'S', '5', '_', 0x60,
        NAME_OP, '_', 'S', '5', '_', BYTE_PREFIX, 0x05,
        NAME_OP, '_', 'S', '4', '_', PACKAGE_OP, 0x06, 0x02, BYTE_PREFIX, 0x0e, BYTE_PREFIX, 0x0e,
        NAME_OP, '_', 'S', '5', '_', PACKAGE_OP, 0x06, 0x02, BYTE_PREFIX, 0x0b, BYTE_PREFIX, 0x0c,
        0x14, 0x08, '_', 'P', 'T', 'S', 0x01,
    };
    uint8_t a, b;
    assert_true(find(aml, sizeof(aml), &a, &b));
    assert_int_equal(a, 0x0b);
    assert_int_equal(b, 0x0c);
}

static void test_not_found(void **state)
{
    (void)state;
    uint8_t a, b;
    assert_false(find((const uint8_t *)"", 0, &a, &b));
    static const uint8_t s4[] = { NAME_OP, '_', 'S', '4', '_', PACKAGE_OP, 0x06, 0x02,
                                  BYTE_PREFIX, 0x02, BYTE_PREFIX, 0x04 };
    assert_false(find(s4, sizeof(s4), &a, &b));
    /* _S5_ at the very start has no NameOp before it. */
    assert_false(find(s5_bytes + 1, sizeof(s5_bytes) - 1, &a, &b));
    /* Values it cannot read: WordPrefix, a method call. */
    static const uint8_t word[] = { NAME_OP, '_', 'S', '5', '_', PACKAGE_OP, 0x08, 0x02,
                                    WORD_PREFIX, 0x05, 0x00, WORD_PREFIX, 0x05, 0x00 };
    assert_false(find(word, sizeof(word), &a, &b));
    static const uint8_t second_word[] = { NAME_OP, '_', 'S', '5', '_', PACKAGE_OP, 0x07, 0x02,
                                           BYTE_PREFIX, 0x05, WORD_PREFIX, 0x05, 0x00 };
    assert_false(find(second_word, sizeof(second_word), &a, &b));
}

static void test_truncated(void **state)
{
    (void)state;
    /* The two values end at byte 12 of s5_bytes; any shorter buffer fails
     * without reading past its end. */
    uint8_t a, b;
    for (size_t len = 0; len <= sizeof(s5_bytes); len++) {
        bool r = find(s5_bytes, len, &a, &b);
        assert_int_equal(r, len >= 12);
    }
    static const uint8_t rooted[] = { 0x00, NAME_OP, '\\', '_', 'S', '5', '_', PACKAGE_OP, 0x80,
                                      0x00, 0x00, 0x02, BYTE_PREFIX, 0x05, BYTE_PREFIX, 0x06 };
    for (size_t len = 0; len <= sizeof(rooted); len++)
        assert_int_equal(find(rooted, len, &a, &b), len == sizeof(rooted));
}

static void test_random_bytes(void **state)
{
    (void)state;
    uint64_t x = 88172645463325252ull;
    uint8_t buf[64];
    unsigned found = 0;
    for (int iter = 0; iter < 20000; iter++) {
        size_t len = 0;
        x ^= x << 13; x ^= x >> 7; x ^= x << 17;
        size_t want = (size_t)(x % sizeof(buf));
        /* Random AML biased towards the interesting bytes. */
        static const uint8_t pick[] = { NAME_OP, '\\', '_', 'S', '5', PACKAGE_OP, BYTE_PREFIX,
                                        ZERO_OP, ONE_OP, 0x40, 0x80, 0xc0, 0xff };
        while (len < want) {
            x ^= x << 13; x ^= x >> 7; x ^= x << 17;
            buf[len++] = x % 3 ? pick[x % sizeof(pick)] : (uint8_t)(x >> 8);
        }
        if (len >= 5 && x % 2) {
            size_t at = (size_t)(x >> 16) % (len - 4);
            memcpy(buf + at, "_S5_", 4);
            if (at)
                buf[at - 1] = NAME_OP;
        }
        uint8_t a, b;
        if (find(buf, len, &a, &b))
            found++;
    }
    /* The generator does reach the success path now and then. */
    assert_true(found > 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_byte_prefix),
        cmocka_unit_test(test_zero_one_ops),
        cmocka_unit_test(test_root_prefix),
        cmocka_unit_test(test_long_pkg_length),
        cmocka_unit_test(test_found_among_other_aml),
        cmocka_unit_test(test_not_found),
        cmocka_unit_test(test_truncated),
        cmocka_unit_test(test_random_bytes),
    };
    return cmocka_run_group_tests_name("acpi", tests, NULL, NULL);
}
