#include "mm/heap.h"
#include "mm/layout.h"
#include "mm/page_table.h"
#include "mm/phys.h"
#include "mm/tlb.h"
#include "lib/string.h"
#include "lib/log.h"

/* Small objects come from size classes carved out of single pages; each
 * carries a 16-byte header so kfree knows its size, so none is ever page
 * aligned.  Larger ones are whole, page-aligned pages from the heap window
 * (a 4 KiB buffer costs exactly one page), their size kept in a table. */
#define HEADER 16
#define MAGIC_SMALL 0x534d414cu
#define NCLASSES 7
#define SMALL_MAX (2048 - HEADER)
static const uint32_t class_size[NCLASSES] = { 32, 64, 128, 256, 512, 1024, 2048 };

/* Open-addressing table of large allocations: address -> pages. */
struct large { uint64_t va, pages; };
static struct large *ltab;
static uint64_t lcap, lcount;

struct header {
    uint32_t magic;
    uint32_t cls;         /* size class, or page count for large */
    uint64_t reserved;
};

struct free_obj { struct free_obj *next; };
static struct free_obj *free_lists[NCLASSES];

static uint64_t kernel_root;
static uint64_t bytes_in_use;

/* The heap's virtual window: a bump pointer plus a list of freed ranges. */
struct va_range { uint64_t start, pages; };
#define MAX_FREE_RANGES 512
static struct va_range free_ranges[MAX_FREE_RANGES];
static unsigned nfree_ranges;
static uint64_t va_next = HEAP_BASE;

void heap_init(uint64_t root)
{
    kernel_root = root;
}

/* With several CPUs, freed virtual ranges wait here until the other
 * CPUs have flushed their TLBs (one shootdown for many frees): reused
 * before that, a stale translation on another CPU would reach the frame
 * the range used to have. */
#define MAX_STALE_RANGES 64
static struct va_range stale_ranges[MAX_STALE_RANGES];
static unsigned nstale_ranges;
static void va_free(uint64_t va, uint64_t pages);

static void flush_stale(void)
{
    if (!nstale_ranges)
        return;
    tlb_sync_kernel();
    unsigned n = nstale_ranges;
    nstale_ranges = 0;
    for (unsigned i = 0; i < n; i++)
        va_free(stale_ranges[i].start, stale_ranges[i].pages);
}

static void va_free_later(uint64_t va, uint64_t pages)
{
    if (!tlb_other_cpus()) {
        va_free(va, pages);
        return;
    }
    if (nstale_ranges == MAX_STALE_RANGES)
        flush_stale();
    stale_ranges[nstale_ranges++] = (struct va_range){ va, pages };
}

static uint64_t va_alloc(uint64_t pages)
{
    for (unsigned i = 0; i < nfree_ranges; i++) {
        if (free_ranges[i].pages >= pages) {
            uint64_t va = free_ranges[i].start;
            free_ranges[i].start += pages * PAGE_SIZE;
            free_ranges[i].pages -= pages;
            if (free_ranges[i].pages == 0)
                free_ranges[i] = free_ranges[--nfree_ranges];
            return va;
        }
    }
    if (va_next + pages * PAGE_SIZE > HEAP_BASE + HEAP_SIZE)
        return 0;
    uint64_t va = va_next;
    va_next += pages * PAGE_SIZE;
    return va;
}

static void va_free(uint64_t va, uint64_t pages)
{
    for (unsigned i = 0; i < nfree_ranges; i++) {
        if (free_ranges[i].start + free_ranges[i].pages * PAGE_SIZE == va) {
            free_ranges[i].pages += pages;
            return;
        }
        if (va + pages * PAGE_SIZE == free_ranges[i].start) {
            free_ranges[i].start = va;
            free_ranges[i].pages += pages;
            return;
        }
    }
    if (nfree_ranges < MAX_FREE_RANGES)
        free_ranges[nfree_ranges++] = (struct va_range){ va, pages };
    else
        klog_once(free_ranges, "heap: free-range table full, leaking virtual space");
}

static void release_frame(uint64_t pa)
{
    phys_free_page(pa);
}

/* Maps `pages` fresh zeroed frames at va; undoes itself on failure. */
static int back_pages(uint64_t va, uint64_t pages)
{
    for (uint64_t i = 0; i < pages; i++) {
        uint64_t pa = phys_alloc_zeroed_page();
        if (pa == PHYS_NONE || pt_map(kernel_root, va + i * PAGE_SIZE, pa, PAGE_SIZE, PT_WRITE | PT_GLOBAL, false) < 0) {
            if (pa != PHYS_NONE)
                phys_free_page(pa);
            pt_unmap(kernel_root, va, i * PAGE_SIZE, release_frame);
            return -1;
        }
    }
    return 0;
}

void *heap_alloc_pages(size_t npages, int guard)
{
    uint64_t total = npages + (guard ? 1 : 0);
    uint64_t va = va_alloc(total);
    if (!va)
        return 0;
    uint64_t start = va + (guard ? PAGE_SIZE : 0);
    if (back_pages(start, npages) < 0) {
        va_free(va, total);
        return 0;
    }
    bytes_in_use += npages * PAGE_SIZE;
    return (void *)start;
}

void heap_free_pages(void *p, size_t npages, int guard)
{
    uint64_t start = (uint64_t)p;
    pt_unmap(kernel_root, start, npages * PAGE_SIZE, release_frame);
    bytes_in_use -= npages * PAGE_SIZE;
    va_free_later(start - (guard ? PAGE_SIZE : 0), npages + (guard ? 1 : 0));
}

static uint64_t lslot(uint64_t va, uint64_t cap)
{
    return ((va >> 12) * 0x9e3779b97f4a7c15ull) >> 20 & (cap - 1);
}

static void ltab_put(struct large *t, uint64_t cap, uint64_t va, uint64_t pages)
{
    uint64_t i = lslot(va, cap);
    while (t[i].va)
        i = (i + 1) & (cap - 1);
    t[i] = (struct large){ va, pages };
}

/* Grows the table (from the heap window directly: no kmalloc recursion). */
static bool ltab_reserve(void)
{
    if ((lcount + 1) * 2 <= lcap)
        return true;
    uint64_t ncap = lcap ? lcap * 2 : 256;
    uint64_t npages = ncap * sizeof(struct large) / PAGE_SIZE;
    struct large *n = heap_alloc_pages(npages, 0);
    if (!n)
        return false;
    for (uint64_t i = 0; i < lcap; i++)
        if (ltab[i].va)
            ltab_put(n, ncap, ltab[i].va, ltab[i].pages);
    if (ltab)
        heap_free_pages(ltab, lcap * sizeof(struct large) / PAGE_SIZE, 0);
    ltab = n;
    lcap = ncap;
    return true;
}

static struct large *ltab_find(uint64_t va)
{
    if (!lcap)
        return 0;
    for (uint64_t i = lslot(va, lcap); ltab[i].va; i = (i + 1) & (lcap - 1))
        if (ltab[i].va == va)
            return &ltab[i];
    return 0;
}

/* Removes an entry, shifting back the ones after it (no tombstones). */
static void ltab_remove(struct large *e)
{
    uint64_t i = (uint64_t)(e - ltab);
    ltab[i].va = 0;
    lcount--;
    for (uint64_t j = (i + 1) & (lcap - 1); ltab[j].va; j = (j + 1) & (lcap - 1)) {
        struct large moved = ltab[j];
        ltab[j].va = 0;
        ltab_put(ltab, lcap, moved.va, moved.pages);
    }
}

static int class_for(size_t size)
{
    for (int c = 0; c < NCLASSES; c++)
        if (size + HEADER <= class_size[c])
            return c;
    return -1;
}

static int refill(int c)
{
    uint8_t *page = heap_alloc_pages(1, 0);
    if (!page)
        return -1;
    bytes_in_use -= PAGE_SIZE;     /* counted per object instead */
    for (uint32_t off = 0; off + class_size[c] <= PAGE_SIZE; off += class_size[c]) {
        struct free_obj *o = (struct free_obj *)(page + off);
        o->next = free_lists[c];
        free_lists[c] = o;
    }
    return 0;
}

void *kmalloc(size_t size)
{
    int c = class_for(size);
    if (c >= 0) {
        if (!free_lists[c] && refill(c) < 0)
            return 0;
        struct header *h = (struct header *)free_lists[c];
        free_lists[c] = free_lists[c]->next;
        h->magic = MAGIC_SMALL;
        h->cls = (uint32_t)c;
        bytes_in_use += class_size[c];
        return (uint8_t *)h + HEADER;
    }
    uint64_t pages = PAGE_ROUND_UP(size) / PAGE_SIZE;
    if (size == 0 || pages > (1ull << 31) || !ltab_reserve())
        return 0;
    void *p = heap_alloc_pages(pages, 0);
    if (!p)
        return 0;
    ltab_put(ltab, lcap, (uint64_t)p, pages);
    lcount++;
    return p;
}

void *kzalloc(size_t size)
{
    void *p = kmalloc(size);
    if (p)
        memset(p, 0, size);
    return p;
}

void kfree(void *p)
{
    if (!p)
        return;
    if (((uint64_t)p & (PAGE_SIZE - 1)) == 0) {
        struct large *e = ltab_find((uint64_t)p);
        if (!e)
            panic("kfree: %p is not a heap object (no large allocation there)", p);
        uint64_t pages = e->pages;
        ltab_remove(e);
        heap_free_pages(p, pages, 0);
        return;
    }
    struct header *h = (struct header *)((uint8_t *)p - HEADER);
    if (h->magic != MAGIC_SMALL || h->cls >= NCLASSES)
        panic("kfree: %p is not a heap object (header %08x)", p, h->magic);
    h->magic = 0;
    bytes_in_use -= class_size[h->cls];
    struct free_obj *o = (struct free_obj *)h;
    o->next = free_lists[h->cls];
    free_lists[h->cls] = o;
}

static size_t usable_size(const void *p)
{
    if (((uint64_t)p & (PAGE_SIZE - 1)) == 0) {
        struct large *e = ltab_find((uint64_t)p);
        return e ? e->pages * PAGE_SIZE : 0;
    }
    const struct header *h = (const struct header *)((const uint8_t *)p - HEADER);
    return class_size[h->cls] - HEADER;
}

void *krealloc(void *p, size_t size)
{
    if (!p)
        return kmalloc(size);
    size_t old = usable_size(p);
    if (size <= old)
        return p;
    void *n = kmalloc(size);
    if (!n)
        return 0;
    memcpy(n, p, old);
    kfree(p);
    return n;
}

uint64_t heap_bytes_in_use(void)
{
    return bytes_in_use;
}
