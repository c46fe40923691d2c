/* GPT headers, entry array and protective MBR built by tools/image/gpt.c. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>
#include <zlib.h>

#include "gpt.h"

static uint32_t crc(const uint8_t *p, size_t n) { return (uint32_t)crc32(0, p, (uInt)n); }

static uint32_t header_crc(const uint8_t *h) {
    uint8_t copy[GPT_HEADER_SIZE];
    memcpy(copy, h, sizeof copy);
    memset(copy + 16, 0, 4);
    return crc(copy, sizeof copy);
}

static const uint64_t DISK = 40960; /* 20 MiB */

static void build(struct gpt_disk *d) {
    gpt_guid disk, uniq;
    assert_int_equal(gpt_guid_parse("01234567-89AB-CDEF-0123-456789ABCDEF", &disk), 0);
    assert_int_equal(gpt_guid_parse("FEDCBA98-7654-3210-FEDC-BA9876543210", &uniq), 0);
    struct gpt_partition p = {.type = GPT_TYPE_ESP, .unique = uniq, .first_lba = 2048,
                              .last_lba = 38911, .attributes = 0, .name = "EFI System Partition"};
    assert_int_equal(gpt_build(d, DISK, &disk, &p, 1), 0);
}

static void test_guid_text(void **state) {
    (void)state;
    gpt_guid g;
    assert_int_equal(gpt_guid_parse("C12A7328-F81F-11D2-BA4B-00A0C93EC93B", &g), 0);
    assert_memory_equal(g.b, GPT_TYPE_ESP.b, 16);
    /* mixed endian: first field little-endian on disk */
    assert_int_equal(g.b[0], 0x28);
    assert_int_equal(g.b[3], 0xc1);
    assert_int_equal(g.b[8], 0xba);
    assert_int_equal(gpt_guid_parse("C12A7328-F81F-11D2-BA4B-00A0C93EC93", &g), -1);
    assert_int_equal(gpt_guid_parse("C12A7328+F81F-11D2-BA4B-00A0C93EC93B", &g), -1);
    assert_int_equal(gpt_guid_parse("G12A7328-F81F-11D2-BA4B-00A0C93EC93B", &g), -1);
}

static void test_primary_header(void **state) {
    (void)state;
    static struct gpt_disk d;
    build(&d);
    const uint8_t *h = d.primary;
    assert_memory_equal(h, "EFI PART", 8);
    assert_int_equal(get_le32(h + 8), 0x00010000);
    assert_int_equal(get_le32(h + 12), 92);
    assert_int_equal(get_le32(h + 16), header_crc(h));
    assert_int_equal(get_le32(h + 20), 0);
    assert_int_equal(get_le64(h + 24), 1);
    assert_int_equal(get_le64(h + 32), DISK - 1);
    assert_int_equal(get_le64(h + 40), 34);
    assert_int_equal(get_le64(h + 48), DISK - 34);
    assert_int_equal(get_le64(h + 72), 2);
    assert_int_equal(get_le32(h + 80), 128);
    assert_int_equal(get_le32(h + 84), 128);
    assert_int_equal(get_le32(h + 88), crc(d.array, sizeof d.array));
    for (size_t i = GPT_HEADER_SIZE; i < GPT_SECTOR; i++)
        assert_int_equal(h[i], 0);
}

static void test_backup_header(void **state) {
    (void)state;
    static struct gpt_disk d;
    build(&d);
    const uint8_t *h = d.backup, *p = d.primary;
    assert_memory_equal(h, "EFI PART", 8);
    assert_int_equal(get_le32(h + 16), header_crc(h));
    assert_int_equal(get_le64(h + 24), DISK - 1);
    assert_int_equal(get_le64(h + 32), 1);
    assert_int_equal(get_le64(h + 72), DISK - 33);
    assert_int_equal(d.backup_lba, DISK - 1);
    assert_int_equal(d.backup_array_lba, DISK - 33);
    /* same usable range, disk GUID and array CRC as the primary */
    assert_memory_equal(h + 40, p + 40, 32);
    assert_memory_equal(h + 80, p + 80, 12);
}

static void test_entry(void **state) {
    (void)state;
    static struct gpt_disk d;
    build(&d);
    const uint8_t *e = d.array;
    assert_memory_equal(e, GPT_TYPE_ESP.b, 16);
    assert_int_equal(e[16], 0x98); /* FEDCBA98 little-endian */
    assert_int_equal(get_le64(e + 32), 2048);
    assert_int_equal(get_le64(e + 40), 38911);
    assert_int_equal(get_le64(e + 48), 0);
    const char *name = "EFI System Partition";
    for (size_t i = 0; i < 36; i++)
        assert_int_equal(get_le16(e + 56 + 2 * i), i < strlen(name) ? (uint16_t)name[i] : 0);
    for (size_t i = GPT_ENTRY_SIZE; i < sizeof d.array; i++)
        assert_int_equal(d.array[i], 0);
}

static void test_protective_mbr(void **state) {
    (void)state;
    static struct gpt_disk d;
    build(&d);
    const uint8_t *m = d.mbr, *pe = m + 446;
    assert_int_equal(m[510], 0x55);
    assert_int_equal(m[511], 0xaa);
    assert_int_equal(pe[0], 0);
    assert_int_equal(pe[4], 0xee);
    assert_int_equal(get_le32(pe + 8), 1);
    assert_int_equal(get_le32(pe + 12), DISK - 1);
    for (size_t i = 446 + 16; i < 510; i++) /* the other three entries are empty */
        assert_int_equal(m[i], 0);
}

static void test_rejects_bad_layout(void **state) {
    (void)state;
    static struct gpt_disk d;
    gpt_guid g = {{0}};
    struct gpt_partition p = {.type = GPT_TYPE_ESP, .first_lba = 33, .last_lba = 100};
    assert_int_equal(gpt_build(&d, DISK, &g, &p, 1), -1); /* overlaps the array */
    p.first_lba = 2048;
    p.last_lba = DISK - 33; /* overlaps the backup array */
    assert_int_equal(gpt_build(&d, DISK, &g, &p, 1), -1);
    p.last_lba = DISK - 34;
    assert_int_equal(gpt_build(&d, DISK, &g, &p, 1), 0);
    assert_int_equal(gpt_build(&d, 60, &g, NULL, 0), -1); /* too small for two arrays */
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_guid_text),
        cmocka_unit_test(test_primary_header),
        cmocka_unit_test(test_backup_header),
        cmocka_unit_test(test_entry),
        cmocka_unit_test(test_protective_mbr),
        cmocka_unit_test(test_rejects_bad_layout),
    };
    return cmocka_run_group_tests_name("image_gpt", tests, NULL, NULL);
}
