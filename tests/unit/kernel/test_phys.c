/* mm/phys.c: the bitmap frame allocator.  Directed cases, then a random
 * sequence of operations checked against a simple model (one bool per
 * frame), including that an aligned run is found whenever one exists. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>
#include <setjmp.h>
#include <string.h>
#include <stdlib.h>
#include <cmocka.h>

#include "mm/phys.h"

#define PG 4096ull

static struct phys_allocator a;
static uint64_t bitmap[64];      /* up to 4096 frames */

static void init(uint64_t end)
{
    assert_true(phys_bitmap_bytes(end) <= sizeof(bitmap));
    memset(bitmap, 0x5a, sizeof(bitmap));    /* init must not trust the contents */
    phys_allocator_init(&a, bitmap, end);
}

static bool used(uint64_t frame)
{
    return (bitmap[frame / 64] >> (frame % 64)) & 1;
}

static void test_bitmap_bytes(void **state)
{
    (void)state;
    assert_int_equal(phys_bitmap_bytes(0), 0);
    assert_int_equal(phys_bitmap_bytes(1), 8);
    assert_int_equal(phys_bitmap_bytes(64 * PG), 8);
    assert_int_equal(phys_bitmap_bytes(64 * PG + 1), 16);
    assert_int_equal(phys_bitmap_bytes(65 * PG), 16);
    assert_int_equal(phys_bitmap_bytes(4ull << 30), (4ull << 30) / PG / 8);
}

static void test_init_has_nothing_free(void **state)
{
    (void)state;
    init(100 * PG);
    assert_int_equal(a.npages, 100);
    assert_int_equal(a.free_pages, 0);
    for (uint64_t i = 0; i < 100; i++)
        assert_true(used(i));
    assert_int_equal(phys_allocator_alloc(&a, 1, 1), PHYS_NONE);
    assert_int_equal(phys_allocator_alloc(&a, 4, 4), PHYS_NONE);
    /* A partial last page counts as a frame. */
    init(100 * PG + 1);
    assert_int_equal(a.npages, 101);
}

static void test_add_whole_frames_only(void **state)
{
    (void)state;
    init(100 * PG);
    phys_allocator_add(&a, 0x1800, 0x2000);          /* 0x1800..0x3800: frame 2 only */
    assert_int_equal(a.free_pages, 1);
    assert_false(used(2));
    assert_true(used(1));
    assert_true(used(3));
    phys_allocator_add(&a, 0x5000, 0xfff);           /* less than a frame */
    assert_int_equal(a.free_pages, 1);
    assert_true(used(5));
    phys_allocator_add(&a, 10 * PG, 5 * PG);
    assert_int_equal(a.free_pages, 6);
    /* No double counting. */
    phys_allocator_add(&a, 10 * PG, 5 * PG);
    phys_allocator_add(&a, 12 * PG, 10 * PG);
    assert_int_equal(a.free_pages, 1 + 12);
    /* Past the end is clamped. */
    phys_allocator_add(&a, 95 * PG, 100 * PG);
    assert_int_equal(a.free_pages, 1 + 12 + 5);
    for (uint64_t i = 0; i < 100; i++)
        assert_int_equal(used(i), !(i == 2 || (i >= 10 && i < 22) || i >= 95));
}

static void test_reserve_partial_pages(void **state)
{
    (void)state;
    init(64 * PG);
    phys_allocator_add(&a, 0, 64 * PG);
    assert_int_equal(a.free_pages, 64);
    phys_allocator_reserve(&a, 0x1800, 0x10);        /* inside frame 1 */
    assert_true(used(1));
    assert_int_equal(a.free_pages, 63);
    phys_allocator_reserve(&a, 0x3fff, 2);           /* straddles frames 3 and 4 */
    assert_true(used(3));
    assert_true(used(4));
    assert_false(used(2));
    assert_false(used(5));
    assert_int_equal(a.free_pages, 61);
    /* No double counting, and a zero length reserves nothing. */
    phys_allocator_reserve(&a, 0x1000, 0x5000);      /* frames 1..5: 2 and 5 new */
    assert_int_equal(a.free_pages, 59);
    phys_allocator_reserve(&a, 0x1000, 0x5000);
    assert_int_equal(a.free_pages, 59);
    phys_allocator_reserve(&a, 10 * PG, 0);
    assert_false(used(10));
    assert_int_equal(a.free_pages, 59);
    /* Past the end is clamped. */
    phys_allocator_reserve(&a, 60 * PG, 100 * PG);
    assert_int_equal(a.free_pages, 55);
    /* Reserved frames are never handed out. */
    for (;;) {
        uint64_t p = phys_allocator_alloc(&a, 1, 1);
        if (p == PHYS_NONE)
            break;
        uint64_t f = p / PG;
        assert_false(f >= 1 && f <= 5);
        assert_true(f < 60);
    }
    assert_int_equal(a.free_pages, 0);
}

static void test_single_frames_lowest_first_and_exhaustion(void **state)
{
    (void)state;
    init(200 * PG);
    phys_allocator_add(&a, 3 * PG, 130 * PG);        /* frames 3..132, across words */
    uint64_t expect = 3;
    for (int i = 0; i < 130; i++) {
        uint64_t p = phys_allocator_alloc(&a, 1, 1);
        assert_int_equal(p, expect * PG);
        assert_true(used(expect));
        expect++;
        assert_int_equal(a.free_pages, 129 - (uint64_t)i);
    }
    assert_int_equal(phys_allocator_alloc(&a, 1, 1), PHYS_NONE);
    assert_int_equal(phys_allocator_alloc(&a, 1, 0), PHYS_NONE);
    assert_int_equal(a.free_pages, 0);

    /* Free makes them available again, and the lowest comes first. */
    phys_allocator_free(&a, 100 * PG, 1);
    phys_allocator_free(&a, 7 * PG, 1);
    assert_int_equal(a.free_pages, 2);
    assert_int_equal(phys_allocator_alloc(&a, 1, 1), 7 * PG);
    assert_int_equal(phys_allocator_alloc(&a, 1, 1), 100 * PG);
    assert_int_equal(phys_allocator_alloc(&a, 1, 1), PHYS_NONE);

    /* A frame freed below the search position is still the lowest. */
    init(200 * PG);
    phys_allocator_add(&a, 0, 200 * PG);
    for (uint64_t i = 0; i < 150; i++)
        assert_int_equal(phys_allocator_alloc(&a, 1, 1), i * PG);
    phys_allocator_free(&a, 7 * PG, 1);
    assert_int_equal(phys_allocator_alloc(&a, 1, 1), 7 * PG);
    assert_int_equal(phys_allocator_alloc(&a, 1, 1), 150 * PG);
}

static void test_free_bookkeeping(void **state)
{
    (void)state;
    init(64 * PG);
    phys_allocator_add(&a, 0, 64 * PG);
    uint64_t p = phys_allocator_alloc(&a, 8, 1);
    assert_int_equal(p, 0);
    assert_int_equal(a.free_pages, 56);
    phys_allocator_free(&a, p, 8);
    assert_int_equal(a.free_pages, 64);
    /* Double free does not count twice. */
    phys_allocator_free(&a, p, 8);
    assert_int_equal(a.free_pages, 64);
    /* Freeing past the end is clamped. */
    phys_allocator_free(&a, 60 * PG, 100);
    assert_int_equal(a.free_pages, 64);
    for (uint64_t i = 0; i < 64; i++)
        assert_false(used(i));
}

static void test_contiguous_alignment(void **state)
{
    (void)state;
    init(256 * PG);
    phys_allocator_add(&a, 0, 256 * PG);
    /* Fragment: every 5th frame in use. */
    for (uint64_t f = 0; f < 256; f += 5)
        phys_allocator_reserve(&a, f * PG, 1);
    uint64_t free0 = a.free_pages;
    /* 4 frames in a row: the first run is 1..4. */
    assert_int_equal(phys_allocator_alloc(&a, 4, 1), 1 * PG);
    /* 4 frames aligned to 4: 4 is taken, 8..9 end at 10, 12..14 at 15;
     * 16..19 is the first aligned run. */
    uint64_t p = phys_allocator_alloc(&a, 4, 4);
    assert_int_not_equal(p, PHYS_NONE);
    assert_int_equal(p % (4 * PG), 0);
    assert_int_equal(p, 16 * PG);
    /* Two frames aligned to 8: 8,9 -> 8 (16 is taken now). */
    assert_int_equal(phys_allocator_alloc(&a, 2, 8), 8 * PG);
    assert_int_equal(a.free_pages, free0 - 10);
    /* 5 frames can never fit between the used frames. */
    assert_int_equal(phys_allocator_alloc(&a, 5, 1), PHYS_NONE);
    assert_int_equal(a.free_pages, free0 - 10);
    /* Zero frames is not an allocation. */
    assert_int_equal(phys_allocator_alloc(&a, 0, 1), PHYS_NONE);
    /* More than is free. */
    assert_int_equal(phys_allocator_alloc(&a, a.free_pages + 1, 1), PHYS_NONE);

    /* 2 MiB-style alignment (512 frames) on a bigger range. */
    init(4096 * PG);
    phys_allocator_add(&a, PG, 4095 * PG);           /* frame 0 not RAM */
    p = phys_allocator_alloc(&a, 512, 512);
    assert_int_equal(p, 512 * PG);
    p = phys_allocator_alloc(&a, 600, 512);
    assert_int_equal(p, 1024 * PG);
    /* Free now: 1..511, 1624..4095. */
    assert_int_equal(phys_allocator_alloc(&a, 3 * 512, 512), 2048 * PG);
    assert_int_equal(phys_allocator_alloc(&a, 2 * 512, 512), PHYS_NONE);
    assert_int_equal(phys_allocator_alloc(&a, 512, 512), 3584 * PG);
    assert_int_equal(phys_allocator_alloc(&a, 511, 1), 1 * PG);
}

/* The model: which frames are RAM and which are in use. */
static bool m_used[4096];

static bool model_run_exists(uint64_t npages, uint64_t count, uint64_t align)
{
    if (align == 0)
        align = 1;
    for (uint64_t s = 0; s + count <= npages; s += align) {
        uint64_t k = 0;
        while (k < count && !m_used[s + k])
            k++;
        if (k == count)
            return true;
    }
    return false;
}

static void test_random_against_model(void **state)
{
    (void)state;
    const uint64_t npages = 1000;              /* not a multiple of 64 */
    init(npages * PG);
    for (uint64_t i = 0; i < npages; i++)
        m_used[i] = true;
    srand(12345);
    uint64_t model_free = 0;
    for (int step = 0; step < 20000; step++) {
        int op = rand() % 10;
        uint64_t base = (uint64_t)(rand() % (int)(npages * PG + 2 * PG));
        uint64_t len = (uint64_t)(rand() % (int)(40 * PG));
        if (op == 0) {
            phys_allocator_add(&a, base, len);
            for (uint64_t f = (base + PG - 1) / PG; f < (base + len) / PG && f < npages; f++)
                if (m_used[f]) { m_used[f] = false; model_free++; }
        } else if (op == 1 && len) {
            phys_allocator_reserve(&a, base, len);
            for (uint64_t f = base / PG; f < (base + len + PG - 1) / PG && f < npages; f++)
                if (!m_used[f]) { m_used[f] = true; model_free--; }
        } else if (op <= 3) {
            uint64_t count = 1 + (uint64_t)(rand() % 8);
            phys_allocator_free(&a, base & ~(PG - 1), count);
            for (uint64_t f = base / PG; f < base / PG + count && f < npages; f++)
                if (m_used[f]) { m_used[f] = false; model_free++; }
        } else {
            static const uint64_t aligns[] = { 0, 1, 1, 2, 4, 8, 16 };
            uint64_t count = op < 7 ? 1 : 1 + (uint64_t)(rand() % 20);
            uint64_t align = aligns[rand() % 7];
            bool possible = model_run_exists(npages, count, align);
            uint64_t p = phys_allocator_alloc(&a, count, align);
            if (!possible) {
                assert_int_equal(p, PHYS_NONE);
            } else {
                assert_int_not_equal(p, PHYS_NONE);
                assert_int_equal(p % PG, 0);
                uint64_t f = p / PG;
                if (align > 1)
                    assert_int_equal(f % align, 0);
                assert_true(f + count <= npages);
                for (uint64_t k = 0; k < count; k++) {
                    assert_false(m_used[f + k]);
                    m_used[f + k] = true;
                }
                model_free -= count;
            }
        }
        assert_int_equal(a.free_pages, model_free);
        if (step % 64 == 0)
            for (uint64_t f = 0; f < npages; f++)
                assert_int_equal(used(f), m_used[f]);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_bitmap_bytes),
        cmocka_unit_test(test_init_has_nothing_free),
        cmocka_unit_test(test_add_whole_frames_only),
        cmocka_unit_test(test_reserve_partial_pages),
        cmocka_unit_test(test_single_frames_lowest_first_and_exhaustion),
        cmocka_unit_test(test_free_bookkeeping),
        cmocka_unit_test(test_contiguous_alignment),
        cmocka_unit_test(test_random_against_model),
    };
    return cmocka_run_group_tests_name("phys", tests, NULL, NULL);
}
