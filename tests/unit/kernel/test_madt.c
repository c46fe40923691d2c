/* drivers/madt.c: madt_parse on handcrafted MADTs, well-formed and broken.
 * Every table is an exact-size heap copy, so a read past its end is an
 * ASan error. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>
#include <setjmp.h>
#include <string.h>
#include <stdlib.h>
#include <cmocka.h>

#include "drivers/madt.h"

struct table {
    uint8_t b[4096];
    uint32_t len;
};

static void put32(uint8_t *p, uint32_t v) { memcpy(p, &v, 4); }

static void begin(struct table *t)
{
    memset(t, 0, sizeof(*t));
    memcpy(t->b, "APIC", 4);
    t->b[8] = 5;                            /* revision */
    memcpy(t->b + 10, "CLOAK ", 6);
    put32(t->b + 36, 0xfee00000);           /* local APIC address */
    put32(t->b + 40, 1);                    /* PCAT_COMPAT */
    t->len = 44;
}

static void add(struct table *t, const uint8_t *e, uint8_t n)
{
    memcpy(t->b + t->len, e, n);
    t->len += n;
}

static void lapic(struct table *t, uint8_t uid, uint8_t id, uint32_t flags)
{
    uint8_t e[8] = { 0, 8, uid, id };
    put32(e + 4, flags);
    add(t, e, 8);
}

static void x2apic(struct table *t, uint32_t id, uint32_t flags, uint32_t uid)
{
    uint8_t e[16] = { 9, 16 };
    put32(e + 4, id);
    put32(e + 8, flags);
    put32(e + 12, uid);
    add(t, e, 16);
}

/* Length and checksum as a firmware would write them. */
static void finish(struct table *t)
{
    put32(t->b + 4, t->len);
    t->b[9] = 0;
    uint8_t sum = 0;
    for (uint32_t i = 0; i < t->len; i++)
        sum += t->b[i];
    t->b[9] = (uint8_t)-sum;
}

static bool parse_n(const struct table *t, uint64_t avail, struct madt_info *out)
{
    uint8_t *copy = malloc(avail ? avail : 1);
    assert_non_null(copy);
    memcpy(copy, t->b, avail);
    bool r = madt_parse(copy, avail, out);
    free(copy);
    return r;
}

static bool parse(const struct table *t, struct madt_info *out)
{
    return parse_n(t, t->len, out);
}

static void test_qemu_four_cpus(void **state)
{
    (void)state;
    static struct table t;
    static struct madt_info m;
    begin(&t);
    for (int i = 0; i < 4; i++)
        lapic(&t, (uint8_t)i, (uint8_t)i, 1);
    uint8_t ioapic[12] = { 1, 12, 0, 0 };   /* other entry types are skipped */
    add(&t, ioapic, 12);
    finish(&t);
    assert_true(parse(&t, &m));
    assert_true(m.valid);
    assert_int_equal(m.ncpus, 4);
    assert_int_equal(m.lapic_phys, 0xfee00000);
    for (unsigned i = 0; i < 4; i++) {
        assert_int_equal(m.cpus[i].apic_id, i);
        assert_false(m.cpus[i].x2apic);
    }
    assert_int_equal(madt_find(&m, 3), 3);
    assert_int_equal(madt_find(&m, 4), -1);
}

static void test_x2apic_and_override(void **state)
{
    (void)state;
    static struct table t;
    static struct madt_info m;
    begin(&t);
    lapic(&t, 0, 0, 1);
    x2apic(&t, 300, 1, 7);
    x2apic(&t, 0xffffffffu, 1, 8);          /* broadcast: not a processor */
    uint8_t over[12] = { 5, 12, 0, 0 };
    uint64_t addr = 0xfed00000ull;
    memcpy(over + 4, &addr, 8);
    add(&t, over, 12);
    finish(&t);
    assert_true(parse(&t, &m));
    assert_int_equal(m.ncpus, 2);
    assert_int_equal(m.cpus[1].apic_id, 300);
    assert_int_equal(m.cpus[1].uid, 7);
    assert_true(m.cpus[1].x2apic);
    assert_int_equal(m.disabled, 1);
    assert_int_equal(m.lapic_phys, 0xfed00000ull);
}

static void test_flags(void **state)
{
    (void)state;
    static struct table t;
    static struct madt_info m;
    begin(&t);
    lapic(&t, 0, 0, 1);                     /* enabled */
    lapic(&t, 1, 1, 2);                     /* online capable, not enabled */
    lapic(&t, 2, 2, 0);                     /* neither */
    lapic(&t, 3, 0xff, 1);                  /* broadcast id */
    lapic(&t, 4, 0, 1);                     /* duplicate of APIC id 0 */
    lapic(&t, 5, 5, 3);                     /* enabled (online capable too) */
    finish(&t);
    assert_true(parse(&t, &m));
    assert_int_equal(m.ncpus, 2);
    assert_int_equal(m.cpus[0].apic_id, 0);
    assert_int_equal(m.cpus[1].apic_id, 5);
    assert_int_equal(m.online_capable, 1);
    assert_int_equal(m.disabled, 2);
    assert_int_equal(m.duplicates, 1);
}

static void test_limit(void **state)
{
    (void)state;
    static struct table t;
    static struct madt_info m;
    begin(&t);
    for (int i = 0; i < MADT_MAX_CPUS + 6; i++)
        lapic(&t, (uint8_t)i, (uint8_t)i, 1);
    finish(&t);
    assert_true(parse(&t, &m));
    assert_int_equal(m.ncpus, MADT_MAX_CPUS);
    assert_int_equal(m.over_limit, 6);
    assert_int_equal(m.cpus[MADT_MAX_CPUS - 1].apic_id, MADT_MAX_CPUS - 1);
}

static void expect_invalid(const struct table *t, uint64_t avail)
{
    static struct madt_info m;
    memset(&m, 0x5a, sizeof(m));
    assert_false(parse_n(t, avail, &m));
    assert_false(m.valid);
    assert_int_equal(m.ncpus, 0);
    assert_non_null(m.error);
}

static void test_bad_tables(void **state)
{
    (void)state;
    static struct table t;
    begin(&t);
    lapic(&t, 0, 0, 1);
    lapic(&t, 1, 1, 1);
    finish(&t);

    t.b[20] ^= 1;                           /* checksum off by one bit */
    expect_invalid(&t, t.len);
    t.b[20] ^= 1;
    expect_invalid(&t, t.len - 1);          /* length says more than there is */
    expect_invalid(&t, 40);                 /* not even the fixed part */
    expect_invalid(&t, 0);
    memcpy(t.b, "APIX", 4);
    finish(&t);
    expect_invalid(&t, t.len);

    begin(&t);                              /* no processor at all */
    finish(&t);
    expect_invalid(&t, t.len);
    begin(&t);                              /* only disabled ones */
    lapic(&t, 0, 0, 0);
    finish(&t);
    expect_invalid(&t, t.len);

    begin(&t);                              /* length field below the fixed part */
    lapic(&t, 0, 0, 1);
    finish(&t);
    put32(t.b + 4, 40);
    expect_invalid(&t, t.len);
}

static void test_bad_entries(void **state)
{
    (void)state;
    static struct table t;
    /* An entry of length 0 would loop forever; of length 1 it cannot hold
     * its own header. */
    for (uint8_t n = 0; n < 2; n++) {
        begin(&t);
        lapic(&t, 0, 0, 1);
        uint8_t e[2] = { 0x7f, n };
        add(&t, e, 2);
        finish(&t);
        expect_invalid(&t, t.len);
    }
    begin(&t);                              /* entry running past the end */
    lapic(&t, 0, 0, 1);
    uint8_t e[4] = { 0, 8, 1, 1 };
    add(&t, e, 4);
    finish(&t);
    expect_invalid(&t, t.len);
    begin(&t);                              /* a lone byte after the last entry */
    lapic(&t, 0, 0, 1);
    uint8_t one = 0;
    add(&t, &one, 1);
    finish(&t);
    expect_invalid(&t, t.len);
    begin(&t);                              /* local APIC entry too short */
    uint8_t short_lapic[6] = { 0, 6, 0, 0, 1, 0 };
    add(&t, short_lapic, 6);
    finish(&t);
    expect_invalid(&t, t.len);
    begin(&t);                              /* x2APIC entry too short */
    lapic(&t, 0, 0, 1);
    uint8_t short_x2[12] = { 9, 12 };
    add(&t, short_x2, 12);
    finish(&t);
    expect_invalid(&t, t.len);
    begin(&t);                              /* override too short */
    lapic(&t, 0, 0, 1);
    uint8_t short_over[8] = { 5, 8 };
    add(&t, short_over, 8);
    finish(&t);
    expect_invalid(&t, t.len);
}

/* Random entries with a correct checksum: whatever they say, the parser
 * stays inside the table (ASan) and its answer is consistent. */
static void test_random_tables(void **state)
{
    (void)state;
    static struct table t;
    static struct madt_info m;
    srand(9);
    for (int round = 0; round < 20000; round++) {
        begin(&t);
        uint32_t n = (uint32_t)(rand() % 200);
        for (uint32_t i = 0; i < n; i++)
            t.b[t.len++] = (uint8_t)(rand() % 4 == 0 ? rand() % 10 : rand());
        finish(&t);
        if (madt_parse(t.b, t.len, &m)) {
            assert_true(m.ncpus >= 1 && m.ncpus <= MADT_MAX_CPUS);
        } else {
            assert_int_equal(m.ncpus, 0);
            assert_non_null(m.error);
        }
        (void)parse(&t, &m);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_qemu_four_cpus),
        cmocka_unit_test(test_x2apic_and_override),
        cmocka_unit_test(test_flags),
        cmocka_unit_test(test_limit),
        cmocka_unit_test(test_bad_tables),
        cmocka_unit_test(test_bad_entries),
        cmocka_unit_test(test_random_tables),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
