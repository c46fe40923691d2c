/* PRP building (drivers/nvme_queue.c: nvme_prp_build): PRP1 alone,
 * PRP1 + PRP2, one list page, chained list pages, pieces that break the
 * rules.  The test walks PRP1, PRP2 and the lists as a controller would;
 * DMA memory comes from shim_dma.c (device address = host address, so the
 * lists are followed directly). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>
#include <setjmp.h>
#include <string.h>
#include <stdlib.h>
#include <cmocka.h>

#include "drivers/nvme.h"
#include "lib/errno.h"
#include "shim.h"

/* glibc before 2.38 has no strlcpy; the kernel's lives in lib/string.c. */
size_t strlcpy(char *dst, const char *src, size_t size)
{
    size_t n = strlen(src);
    if (size) {
        size_t c = n < size - 1 ? n : size - 1;
        memcpy(dst, src, c);
        dst[c] = 0;
    }
    return n;
}

/* ---- PRP lists ---- */

#define PAGE 4096ull

struct lists {
    struct dma_buffer buf;
    unsigned pages;
};

static void lists_init(struct lists *l, unsigned pages)
{
    l->pages = pages;
    assert_int_equal(dma_alloc(pages * PAGE, PAGE, &l->buf), 0);
}

static int build(struct lists *l, const struct nvme_seg *segs, unsigned n, uint64_t *p1, uint64_t *p2)
{
    return nvme_prp_build(segs, n, l->buf.va, l->buf.device, l->pages, p1, p2);
}

/* What the controller would read: the page addresses a transfer of len
 * bytes covers, following PRP1, PRP2 and the lists (chained through the
 * last entry of a full page). */
static unsigned walk(uint64_t p1, uint64_t p2, uint64_t len, uint64_t *pages, unsigned max)
{
    unsigned n = 0;
    pages[n++] = p1;
    uint64_t first = PAGE - (p1 & (PAGE - 1));
    if (len <= first)
        return n;
    uint64_t left = len - first;
    if (left <= PAGE) {
        pages[n++] = p2;
        return n;
    }
    uint64_t *list = (uint64_t *)(uintptr_t)p2;
    unsigned slot = 0;
    while (left) {
        if (slot == NVME_PRP_PER_PAGE - 1 && left > PAGE) {
            list = (uint64_t *)(uintptr_t)list[slot];
            slot = 0;
        }
        assert_true(n < max);
        pages[n++] = list[slot++];
        left -= left < PAGE ? left : PAGE;
    }
    return n;
}

static void test_prp_one_and_two_pages(void **state)
{
    (void)state;
    struct lists l;
    lists_init(&l, 1);
    uint64_t p1, p2, base = 0x100000;
    struct nvme_seg one = { base + 512, 1024 };
    assert_int_equal(build(&l, &one, 1, &p1, &p2), 0);
    assert_int_equal(p1, base + 512);
    assert_int_equal(p2, 0);
    assert_int_equal(nvme_prp_entries(&one, 1), 0);
    /* Crossing one page boundary: PRP2 is the second page itself. */
    struct nvme_seg two = { base + 3584, 1024 };
    assert_int_equal(build(&l, &two, 1, &p1, &p2), 0);
    assert_int_equal(p1, base + 3584);
    assert_int_equal(p2, base + PAGE);
    /* Two pieces, page by page (the unbounced mapping). */
    struct nvme_seg pieces[2] = { { 0x7000 + 3072, 1024 }, { 0x3000, 2048 } };
    assert_int_equal(build(&l, pieces, 2, &p1, &p2), 0);
    assert_int_equal(p1, 0x7000 + 3072);
    assert_int_equal(p2, 0x3000);
    dma_free(&l.buf);
}

static void test_prp_list_scattered_pages(void **state)
{
    (void)state;
    struct lists l;
    lists_init(&l, 1);
    /* 128 scattered pages, the first entered at an offset. */
    struct nvme_seg segs[129];
    uint64_t want[129];
    unsigned n = 0;
    segs[n] = (struct nvme_seg){ 0x40000000 + 2048, 2048 };
    want[n++] = segs[0].addr;
    for (unsigned i = 1; i < 128; i++, n++) {
        segs[n] = (struct nvme_seg){ 0x50000000 + (uint64_t)(127 - i) * 3 * PAGE, 4096 };
        want[n] = segs[n].addr;
    }
    segs[n] = (struct nvme_seg){ 0x60000000, 2048 };
    want[n] = segs[n].addr;
    n++;
    uint64_t len = 0;
    for (unsigned i = 0; i < n; i++)
        len += segs[i].len;
    uint64_t p1, p2, got[200];
    assert_int_equal(build(&l, segs, n, &p1, &p2), 0);
    assert_int_equal(p2, l.buf.device);
    assert_int_equal(nvme_prp_entries(segs, n), 128);
    unsigned pages = walk(p1, p2, len, got, 200);
    assert_int_equal(pages, n);
    assert_memory_equal(got, want, n * sizeof(uint64_t));
    dma_free(&l.buf);
}

static void test_prp_chained_lists(void **state)
{
    (void)state;
    /* 1200 pages of one contiguous 4.7 MiB buffer: 1199 entries need three
     * list pages (511 + 511 + 177, two links). */
    struct nvme_seg seg = { 0x80000000 + 64, 1200 * 4096 - 64 };
    assert_int_equal(nvme_prp_entries(&seg, 1), 1199 + 2);
    struct lists small;
    lists_init(&small, 2);
    uint64_t p1, p2;
    assert_int_equal(build(&small, &seg, 1, &p1, &p2), -E2BIG);
    dma_free(&small.buf);
    struct lists l;
    lists_init(&l, 3);
    assert_int_equal(build(&l, &seg, 1, &p1, &p2), 0);
    uint64_t *got = calloc(1300, sizeof(uint64_t));
    assert_int_equal(walk(p1, p2, seg.len, got, 1300), 1200);
    for (unsigned i = 0; i < 1200; i++)
        assert_int_equal(got[i], i ? 0x80000000 + i * PAGE : seg.addr);
    /* The links point at the next list page. */
    uint64_t *list = l.buf.va;
    assert_int_equal(list[511], l.buf.device + PAGE);
    assert_int_equal(list[512 + 511], l.buf.device + 2 * PAGE);
    free(got);
    dma_free(&l.buf);
}

static void test_prp_exactly_one_full_list_page(void **state)
{
    (void)state;
    /* 513 pages: 512 entries fill one list page with no link. */
    struct nvme_seg seg = { 0x10000000, 513 * 4096 };
    assert_int_equal(nvme_prp_entries(&seg, 1), 512);
    struct lists l;
    lists_init(&l, 1);
    uint64_t p1, p2, got[600];
    assert_int_equal(build(&l, &seg, 1, &p1, &p2), 0);
    assert_int_equal(walk(p1, p2, seg.len, got, 600), 513);
    assert_int_equal(got[512], 0x10000000 + 512 * PAGE);
    dma_free(&l.buf);
}

static void test_prp_rules_refused(void **state)
{
    (void)state;
    struct lists l;
    lists_init(&l, 1);
    uint64_t p1 = 1, p2 = 1;
    struct nvme_seg odd = { 0x1001, 512 };                      /* PRP1 not dword aligned */
    assert_int_equal(build(&l, &odd, 1, &p1, &p2), -EINVAL);
    struct nvme_seg mid[2] = { { 0x1000, 2048 }, { 0x5000, 4096 } };   /* first ends mid-page */
    assert_int_equal(build(&l, mid, 2, &p1, &p2), -EINVAL);
    struct nvme_seg start[2] = { { 0x1000, 4096 }, { 0x5200, 512 } };  /* second starts mid-page */
    assert_int_equal(build(&l, start, 2, &p1, &p2), -EINVAL);
    struct nvme_seg empty = { 0x1000, 0 };
    assert_int_equal(build(&l, &empty, 1, &p1, &p2), -EINVAL);
    struct nvme_seg wrap = { UINT64_MAX - 100, 4096 };
    assert_int_equal(build(&l, &wrap, 1, &p1, &p2), -EINVAL);
    assert_int_equal(build(&l, &odd, 0, &p1, &p2), -EINVAL);
    dma_free(&l.buf);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_prp_one_and_two_pages),
        cmocka_unit_test(test_prp_list_scattered_pages),
        cmocka_unit_test(test_prp_chained_lists),
        cmocka_unit_test(test_prp_exactly_one_full_list_page),
        cmocka_unit_test(test_prp_rules_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
