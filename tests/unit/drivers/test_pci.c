/* drivers/pci.c and drivers/virtio_pci.c: capability walking, virtio
 * capability parsing and MSI-X parsing on fake configuration spaces, with
 * pointers, lengths and BAR ranges out of bounds.  Every space is an
 * exact-size heap block, so a read past its end is an ASan error. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>
#include <setjmp.h>
#include <string.h>
#include <stdlib.h>
#include <cmocka.h>

#include "drivers/pci.h"
#include "drivers/virtio_pci.h"
#include "lib/errno.h"
#include "shim.h"

static uint8_t *space(void)
{
    uint8_t *c = calloc(1, PCI_CFG_SIZE);
    assert_non_null(c);
    c[PCI_STATUS] = PCI_STATUS_CAP_LIST;
    return c;
}

static void put32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)v; p[1] = (uint8_t)(v >> 8); p[2] = (uint8_t)(v >> 16); p[3] = (uint8_t)(v >> 24);
}

/* A virtio capability at `at`, linked to `next`. */
static void vcap(uint8_t *c, unsigned at, unsigned next, unsigned type, unsigned bar, uint32_t off,
                 uint32_t len, unsigned cap_len)
{
    c[at] = PCI_CAP_ID_VENDOR;
    c[at + 1] = (uint8_t)next;
    c[at + 2] = (uint8_t)cap_len;
    c[at + 3] = (uint8_t)type;
    c[at + 4] = (uint8_t)bar;
    put32(c + at + 8, off);
    put32(c + at + 12, len);
}

static void msix(uint8_t *c, unsigned at, unsigned next, unsigned entries, unsigned bir, uint32_t off)
{
    c[at] = PCI_CAP_ID_MSIX;
    c[at + 1] = (uint8_t)next;
    c[at + 2] = (uint8_t)((entries - 1) & 0xff);
    c[at + 3] = (uint8_t)((entries - 1) >> 8);
    put32(c + at + 4, off | bir);
    put32(c + at + 8, 0x800 | bir);
}

/* QEMU's layout: MSI-X table in BAR 1, virtio structures in BAR 4. */
static const uint64_t qemu_bars[6] = { 0, 0x1000, 0, 0, 0x4000, 0 };

static uint8_t *qemu_space(void)
{
    uint8_t *c = space();
    c[PCI_CAP_PTR] = 0x98;
    msix(c, 0x98, 0x84, 4, 1, 0);
    vcap(c, 0x84, 0x70, VIRTIO_PCI_CAP_COMMON_CFG, 4, 0x0000, 0x1000, 16);
    vcap(c, 0x70, 0x60, VIRTIO_PCI_CAP_ISR_CFG, 4, 0x1000, 0x1000, 16);
    vcap(c, 0x60, 0x48, VIRTIO_PCI_CAP_DEVICE_CFG, 4, 0x2000, 0x1000, 16);
    vcap(c, 0x48, 0xc0, VIRTIO_PCI_CAP_NOTIFY_CFG, 4, 0x3000, 0x1000, 20);
    put32(c + 0x48 + 16, 4);
    c[0xc0] = 0x05;                   /* an MSI capability, last */
    c[0xc1] = 0;
    return c;
}

static void test_qemu_layout(void **state)
{
    (void)state;
    uint8_t *c = qemu_space();
    uint8_t offs[48];
    assert_int_equal(pci_cap_list(c, PCI_CFG_SIZE, offs, 48), 6);
    assert_int_equal(offs[0], 0x98);
    assert_int_equal(offs[5], 0xc0);
    assert_int_equal(pci_find_cap(c, PCI_CFG_SIZE, PCI_CAP_ID_MSIX), 0x98);
    assert_int_equal(pci_find_cap(c, PCI_CFG_SIZE, 0x10), 0);

    struct virtio_pci_caps caps;
    assert_int_equal(virtio_pci_parse_caps(c, PCI_CFG_SIZE, qemu_bars, &caps), 0);
    assert_true(caps.common.present);
    assert_int_equal(caps.common.bar, 4);
    assert_int_equal(caps.common.offset, 0);
    assert_int_equal(caps.common.length, 0x1000);
    assert_int_equal(caps.isr.offset, 0x1000);
    assert_int_equal(caps.device.offset, 0x2000);
    assert_int_equal(caps.notify.offset, 0x3000);
    assert_int_equal(caps.notify_multiplier, 4);

    struct pci_msix m;
    assert_int_equal(pci_msix_parse(c, PCI_CFG_SIZE, qemu_bars, &m), 0);
    assert_int_equal(m.cap, 0x98);
    assert_int_equal(m.entries, 4);
    assert_int_equal(m.table_bar, 1);
    assert_int_equal(m.table_offset, 0);
    free(c);
}

static void test_no_capability_list(void **state)
{
    (void)state;
    uint8_t *c = qemu_space();
    uint8_t offs[48];
    c[PCI_STATUS] = 0;                /* the status bit says there is none */
    assert_int_equal(pci_cap_list(c, PCI_CFG_SIZE, offs, 48), 0);
    struct virtio_pci_caps caps;
    assert_int_equal(virtio_pci_parse_caps(c, PCI_CFG_SIZE, qemu_bars, &caps), -ENODEV);
    struct pci_msix m;
    assert_int_equal(pci_msix_parse(c, PCI_CFG_SIZE, qemu_bars, &m), -ENODEV);
    /* a snapshot too short to hold the header */
    assert_int_equal(pci_cap_list(c, 0x3f, offs, 48), 0);
    free(c);
}

static void test_pointers_out_of_bounds(void **state)
{
    (void)state;
    uint8_t offs[48];
    static const uint8_t bad_first[] = { 0x00, 0x04, 0x10, 0x3c, 0x3f, 0xff };
    for (unsigned i = 0; i < sizeof(bad_first); i++) {
        uint8_t *c = space();
        c[PCI_CAP_PTR] = bad_first[i];
        unsigned n = pci_cap_list(c, PCI_CFG_SIZE, offs, 48);
        /* 0x3f and 0xff are masked to 0x3c and 0xfc */
        if (bad_first[i] == 0xff) {
            assert_int_equal(n, 1);
            assert_int_equal(offs[0], 0xfc);
        } else {
            assert_int_equal(n, 0);
        }
        free(c);
    }
    /* A pointer into the header from a later capability ends the walk. */
    uint8_t *c = space();
    c[PCI_CAP_PTR] = 0x40;
    c[0x41] = 0x08;
    assert_int_equal(pci_cap_list(c, PCI_CFG_SIZE, offs, 48), 1);
    /* A capability at the very end: its virtio fields would lie outside
     * the space, so it is skipped, not read. */
    c[0x41] = 0xfc;
    c[0xfc] = PCI_CAP_ID_VENDOR;
    c[0xfe] = 16;
    c[0xff] = VIRTIO_PCI_CAP_COMMON_CFG;
    assert_int_equal(pci_cap_list(c, PCI_CFG_SIZE, offs, 48), 2);
    struct virtio_pci_caps caps;
    assert_int_equal(virtio_pci_parse_caps(c, PCI_CFG_SIZE, qemu_bars, &caps), -ENODEV);
    assert_false(caps.common.present);
    /* An MSI-X capability whose fields run off the end. */
    c[0xfc] = PCI_CAP_ID_MSIX;
    struct pci_msix m;
    assert_int_equal(pci_msix_parse(c, PCI_CFG_SIZE, qemu_bars, &m), -EINVAL);
    free(c);
}

static void test_loops(void **state)
{
    (void)state;
    uint8_t offs[48];
    uint8_t *c = space();
    c[PCI_CAP_PTR] = 0x40;
    c[0x41] = 0x50;
    c[0x51] = 0x40;                   /* back to the first */
    assert_int_equal(pci_cap_list(c, PCI_CFG_SIZE, offs, 48), 2);
    c[0x51] = 0x50;                   /* to itself */
    assert_int_equal(pci_cap_list(c, PCI_CFG_SIZE, offs, 48), 2);
    /* The longest possible chain: every 4th byte, never repeating. */
    for (unsigned off = 0x40; off < 0x100; off += 4)
        c[off + 1] = (uint8_t)(off + 4 < 0x100 ? off + 4 : 0);
    assert_int_equal(pci_cap_list(c, PCI_CFG_SIZE, offs, 48), 48);
    assert_int_equal(pci_cap_list(c, PCI_CFG_SIZE, offs, 5), 5);
    free(c);
}

static void test_virtio_cap_bounds(void **state)
{
    (void)state;
    struct virtio_pci_caps caps;
    struct {
        const char *what;
        unsigned type, bar;
        uint32_t off, len;
        unsigned cap_len;
    } bad[] = {
        { "cap_len below 16", VIRTIO_PCI_CAP_COMMON_CFG, 4, 0, 0x1000, 15 },
        { "cap_len past the space", VIRTIO_PCI_CAP_COMMON_CFG, 4, 0, 0x1000, 0xc1 },
        { "BAR 6", VIRTIO_PCI_CAP_COMMON_CFG, 6, 0, 0x1000, 16 },
        { "BAR 255", VIRTIO_PCI_CAP_COMMON_CFG, 255, 0, 0x1000, 16 },
        { "absent BAR", VIRTIO_PCI_CAP_COMMON_CFG, 0, 0, 0x100, 16 },
        { "past the BAR end", VIRTIO_PCI_CAP_COMMON_CFG, 4, 0x3800, 0x1000, 16 },
        { "length larger than the BAR", VIRTIO_PCI_CAP_COMMON_CFG, 4, 0, 0x4001, 16 },
        { "offset + length wraps 32 bits", VIRTIO_PCI_CAP_COMMON_CFG, 4, 0xfffff000, 0x2000, 16 },
        { "huge offset", VIRTIO_PCI_CAP_COMMON_CFG, 4, 0xffffffff, 1, 16 },
        { "common too short", VIRTIO_PCI_CAP_COMMON_CFG, 4, 0, 0x37, 16 },
        { "notify without multiplier", VIRTIO_PCI_CAP_NOTIFY_CFG, 4, 0x3000, 0x1000, 16 },
        { "notify too short", VIRTIO_PCI_CAP_NOTIFY_CFG, 4, 0x3000, 1, 20 },
        { "isr empty", VIRTIO_PCI_CAP_ISR_CFG, 4, 0x1000, 0, 16 },
    };
    for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        /* The bad capability comes first; without a good one after it the
         * structure is missing, with one the good one is used. */
        uint8_t *c = qemu_space();
        vcap(c, 0xb0, c[PCI_CAP_PTR], bad[i].type, bad[i].bar, bad[i].off, bad[i].len, bad[i].cap_len);
        c[PCI_CAP_PTR] = 0xb0;
        print_message("# %s\n", bad[i].what);
        assert_int_equal(virtio_pci_parse_caps(c, PCI_CFG_SIZE, qemu_bars, &caps), 0);
        const struct virtio_pci_region *r = bad[i].type == VIRTIO_PCI_CAP_COMMON_CFG ? &caps.common
                                          : bad[i].type == VIRTIO_PCI_CAP_NOTIFY_CFG ? &caps.notify
                                          : &caps.isr;
        assert_true(r->present);
        assert_int_equal(r->bar, 4);
        assert_true(r->length > 0 && r->length <= 0x1000);

        /* Now only the bad one. */
        unsigned victim = bad[i].type == VIRTIO_PCI_CAP_COMMON_CFG ? 0x84
                        : bad[i].type == VIRTIO_PCI_CAP_NOTIFY_CFG ? 0x48 : 0x70;
        c[victim + 3] = 0x77;             /* unknown type: ignored */
        assert_int_equal(virtio_pci_parse_caps(c, PCI_CFG_SIZE, qemu_bars, &caps), -ENODEV);
        free(c);
    }
}

static void test_device_cfg_optional(void **state)
{
    (void)state;
    uint8_t *c = qemu_space();
    c[0x63] = 0x77;                      /* the device structure's type */
    struct virtio_pci_caps caps;
    assert_int_equal(virtio_pci_parse_caps(c, PCI_CFG_SIZE, qemu_bars, &caps), 0);
    assert_false(caps.device.present);
    free(c);
}

static void test_msix_bounds(void **state)
{
    (void)state;
    struct pci_msix m;
    struct {
        unsigned entries, bir;
        uint32_t off;
        int want;
    } cases[] = {
        { 4, 1, 0, 0 },
        { 256, 1, 0, 0 },                /* exactly 4 KiB */
        { 257, 1, 0, -EINVAL },
        { 2048, 1, 0, -EINVAL },
        { 4, 1, 0xfc8, -EINVAL },        /* last entry past the end */
        { 4, 1, 0xfc0, 0 },
        { 4, 1, 0xfffffff8, -EINVAL },
        { 4, 0, 0, -EINVAL },            /* absent BAR */
        { 4, 6, 0, -EINVAL },
        { 4, 7, 0, -EINVAL },
        { 4, 4, 0x3f00, 0 },
    };
    for (unsigned i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        uint8_t *c = qemu_space();
        msix(c, 0x98, 0x84, cases[i].entries, cases[i].bir, cases[i].off);
        assert_int_equal(pci_msix_parse(c, PCI_CFG_SIZE, qemu_bars, &m), cases[i].want);
        if (cases[i].want == 0)
            assert_int_equal(m.entries, cases[i].entries);
        else
            assert_int_equal(m.cap, 0);
        free(c);
    }
}

static void test_range_ok(void **state)
{
    (void)state;
    assert_true(pci_range_ok(0, 0, 0));
    assert_true(pci_range_ok(0, 16, 16));
    assert_true(pci_range_ok(15, 1, 16));
    assert_false(pci_range_ok(16, 1, 16));
    assert_false(pci_range_ok(0, 17, 16));
    assert_false(pci_range_ok(~0ull, 2, ~0ull));
    assert_false(pci_range_ok(2, ~0ull, ~0ull));
}

/* Random spaces: never a crash or an overread (ASan), and whatever is
 * accepted lies inside its BAR. */
static void test_random_spaces(void **state)
{
    (void)state;
    srand(42);
    for (unsigned trial = 0; trial < 20000; trial++) {
        uint8_t *c = trial % 2 ? qemu_space() : space();
        unsigned flips = 1 + (unsigned)rand() % 40;
        for (unsigned i = 0; i < flips; i++)
            c[0x34 + (unsigned)rand() % (PCI_CFG_SIZE - 0x34)] = (uint8_t)rand();
        uint64_t bars[6];
        for (unsigned i = 0; i < 6; i++)
            bars[i] = rand() % 3 ? 0 : 1ull << (rand() % 20);
        struct virtio_pci_caps caps;
        virtio_pci_parse_caps(c, PCI_CFG_SIZE, bars, &caps);
        const struct virtio_pci_region *rs[] = { &caps.common, &caps.notify, &caps.isr, &caps.device };
        for (unsigned i = 0; i < 4; i++) {
            if (!rs[i]->present)
                continue;
            assert_true(rs[i]->bar < 6);
            assert_true((uint64_t)rs[i]->offset + rs[i]->length <= bars[rs[i]->bar]);
        }
        struct pci_msix m;
        if (pci_msix_parse(c, PCI_CFG_SIZE, bars, &m) == 0)
            assert_true((uint64_t)m.table_offset + 16ull * m.entries <= bars[m.table_bar]);
        free(c);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_qemu_layout),
        cmocka_unit_test(test_no_capability_list),
        cmocka_unit_test(test_pointers_out_of_bounds),
        cmocka_unit_test(test_loops),
        cmocka_unit_test(test_virtio_cap_bounds),
        cmocka_unit_test(test_device_cfg_optional),
        cmocka_unit_test(test_msix_bounds),
        cmocka_unit_test(test_range_ok),
        cmocka_unit_test(test_random_spaces),
    };
    return cmocka_run_group_tests_name("drivers_pci", tests, NULL, NULL);
}
