#include "mm/phys.h"
#include "mm/layout.h"
#include "lib/string.h"

struct phys_allocator phys_mem;

static inline int test_bit(const uint64_t *bm, uint64_t i) { return (bm[i / 64] >> (i % 64)) & 1; }
static inline void set_bit(uint64_t *bm, uint64_t i) { bm[i / 64] |= 1ull << (i % 64); }
static inline void clear_bit(uint64_t *bm, uint64_t i) { bm[i / 64] &= ~(1ull << (i % 64)); }

size_t phys_bitmap_bytes(uint64_t end)
{
    uint64_t pages = (end + PAGE_SIZE - 1) / PAGE_SIZE;
    return (size_t)((pages + 63) / 64 * 8);
}

void phys_allocator_init(struct phys_allocator *a, uint64_t *bitmap, uint64_t end)
{
    a->bitmap = bitmap;
    a->npages = (end + PAGE_SIZE - 1) / PAGE_SIZE;
    a->free_pages = 0;
    a->hint = 0;
    memset(bitmap, 0xff, phys_bitmap_bytes(end));
}

void phys_allocator_add(struct phys_allocator *a, uint64_t base, uint64_t len)
{
    uint64_t first = (base + PAGE_SIZE - 1) / PAGE_SIZE;
    uint64_t last = (base + len) / PAGE_SIZE; /* exclusive */
    if (last > a->npages)
        last = a->npages;
    for (uint64_t i = first; i < last; i++) {
        if (test_bit(a->bitmap, i)) {
            clear_bit(a->bitmap, i);
            a->free_pages++;
        }
    }
    if (first < last && first / 64 < a->hint)
        a->hint = first / 64;      /* keep "lowest free frames first" */
}

void phys_allocator_reserve(struct phys_allocator *a, uint64_t base, uint64_t len)
{
    if (len == 0)
        return;
    uint64_t first = base / PAGE_SIZE;
    uint64_t last = (base + len + PAGE_SIZE - 1) / PAGE_SIZE;
    if (last > a->npages)
        last = a->npages;
    for (uint64_t i = first; i < last; i++) {
        if (!test_bit(a->bitmap, i)) {
            set_bit(a->bitmap, i);
            a->free_pages--;
        }
    }
}

static uint64_t alloc_one(struct phys_allocator *a)
{
    uint64_t words = (a->npages + 63) / 64;
    for (uint64_t n = 0; n < words; n++) {
        uint64_t w = (a->hint + n) % words;
        if (a->bitmap[w] == ~0ull)
            continue;
        uint64_t bit = (uint64_t)__builtin_ctzll(~a->bitmap[w]);
        uint64_t i = w * 64 + bit;
        if (i >= a->npages)
            continue;
        set_bit(a->bitmap, i);
        a->free_pages--;
        a->hint = w;
        return i * PAGE_SIZE;
    }
    return PHYS_NONE;
}

uint64_t phys_allocator_alloc(struct phys_allocator *a, uint64_t count, uint64_t align_pages)
{
    if (count == 0 || count > a->free_pages)
        return PHYS_NONE;
    if (count == 1 && align_pages <= 1)
        return alloc_one(a);
    if (align_pages == 0)
        align_pages = 1;
    for (uint64_t start = 0; start + count <= a->npages;) {
        uint64_t run = 0;
        while (run < count && !test_bit(a->bitmap, start + run))
            run++;
        if (run == count) {
            for (uint64_t i = 0; i < count; i++)
                set_bit(a->bitmap, start + i);
            a->free_pages -= count;
            return start * PAGE_SIZE;
        }
        /* Skip past the frame in use, to the next aligned start. */
        start += run + 1;
        start = (start + align_pages - 1) / align_pages * align_pages;
    }
    return PHYS_NONE;
}

void phys_allocator_free(struct phys_allocator *a, uint64_t phys, uint64_t count)
{
    uint64_t first = phys / PAGE_SIZE;
    for (uint64_t i = first; i < first + count && i < a->npages; i++) {
        if (test_bit(a->bitmap, i)) {
            clear_bit(a->bitmap, i);
            a->free_pages++;
        }
    }
    if (first / 64 < a->hint)
        a->hint = first / 64;
}

uint64_t phys_alloc_zeroed_page(void)
{
    uint64_t p = phys_alloc_page();
    if (p != PHYS_NONE)
        memset(phys_to_virt(p), 0, PAGE_SIZE);
    return p;
}
