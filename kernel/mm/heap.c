#include "mm/heap.h"
#include "mm/layout.h"
#include "mm/page_table.h"
#include "mm/phys.h"
#include "lib/string.h"
#include "lib/log.h"

/* Small objects come from size classes carved out of single pages; each
 * carries a 16-byte header so kfree knows its size.  Larger ones take whole
 * pages from the heap window. */
#define HEADER 16
#define MAGIC_SMALL 0x534d414cu
#define MAGIC_LARGE 0x4c524745u
#define NCLASSES 8
static const uint32_t class_size[NCLASSES] = { 32, 64, 128, 256, 512, 1024, 2048, 4096 };

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
    va_free(start - (guard ? PAGE_SIZE : 0), npages + (guard ? 1 : 0));
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
    struct header *h;
    if (c >= 0) {
        if (!free_lists[c] && refill(c) < 0)
            return 0;
        h = (struct header *)free_lists[c];
        free_lists[c] = free_lists[c]->next;
        h->magic = MAGIC_SMALL;
        h->cls = (uint32_t)c;
        bytes_in_use += class_size[c];
    } else {
        uint64_t pages = PAGE_ROUND_UP(size + HEADER) / PAGE_SIZE;
        if (pages > (1ull << 31))
            return 0;
        h = heap_alloc_pages(pages, 0);
        if (!h)
            return 0;
        h->magic = MAGIC_LARGE;
        h->cls = (uint32_t)pages;
    }
    return (uint8_t *)h + HEADER;
}

void *kzalloc(size_t size)
{
    void *p = kmalloc(size);
    if (p)
        memset(p, 0, size);
    return p;
}

static size_t usable_size(const struct header *h)
{
    if (h->magic == MAGIC_SMALL)
        return class_size[h->cls] - HEADER;
    return (size_t)h->cls * PAGE_SIZE - HEADER;
}

void kfree(void *p)
{
    if (!p)
        return;
    struct header *h = (struct header *)((uint8_t *)p - HEADER);
    if (h->magic == MAGIC_SMALL && h->cls < NCLASSES) {
        h->magic = 0;
        bytes_in_use -= class_size[h->cls];
        struct free_obj *o = (struct free_obj *)h;
        o->next = free_lists[h->cls];
        free_lists[h->cls] = o;
    } else if (h->magic == MAGIC_LARGE) {
        h->magic = 0;
        heap_free_pages(h, h->cls, 0);
    } else {
        panic("kfree: %p is not a heap object (header %08x)", p, h->magic);
    }
}

void *krealloc(void *p, size_t size)
{
    if (!p)
        return kmalloc(size);
    struct header *h = (struct header *)((uint8_t *)p - HEADER);
    size_t old = usable_size(h);
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
