#include "mm/dma.h"
#include "mm/layout.h"
#include "mm/page_table.h"
#include "lib/string.h"
#include "lib/errno.h"
#include "lib/log.h"
#include "arch/x86_64/cpu.h"

#define GRANULE 64u
#define MAX_GRANULES (16u << 20) / GRANULE   /* up to a 16 MiB heap */

static uint64_t heap_phys, heap_size;
static uint64_t used[MAX_GRANULES / 64];
static bool bounce;

void dma_init(uint64_t phys, uint64_t size)
{
    if (size > (uint64_t)MAX_GRANULES * GRANULE)
        size = (uint64_t)MAX_GRANULES * GRANULE;
    heap_phys = phys;
    heap_size = size;
    memset(used, 0, sizeof(used));
    /* Not zeroed here: every allocation is zeroed (dma_alloc) or fully
     * written before a device sees it (bounce buffers), and touching 4 MiB
     * at boot costs milliseconds. */
}

void dma_range(uint64_t *phys, uint64_t *size)
{
    *phys = heap_phys;
    *size = heap_size;
}

static bool granule_used(uint64_t g) { return (used[g / 64] >> (g % 64)) & 1; }
static void set_granules(uint64_t g, uint64_t n, bool v)
{
    /* Whole words where the run covers them. */
    while (n && (g & 63)) {
        if (v)
            used[g / 64] |= 1ull << (g % 64);
        else
            used[g / 64] &= ~(1ull << (g % 64));
        g++;
        n--;
    }
    for (; n >= 64; g += 64, n -= 64)
        used[g / 64] = v ? ~0ull : 0;
    for (uint64_t i = g; i < g + n; i++) {
        if (v)
            used[i / 64] |= 1ull << (i % 64);
        else
            used[i / 64] &= ~(1ull << (i % 64));
    }
}

/* Where the next search starts: the lowest granule freed since, so that
 * the same few bounce pages are used again and again (they stay in the
 * TLB and the caches). */
static uint64_t hint;

/* The first used granule in [g, g+n), or -1 if the run is free; whole
 * words at a time where possible. */
static int64_t first_used(uint64_t g, uint64_t n)
{
    uint64_t end = g + n;
    while (g < end) {
        if ((g & 63) == 0 && end - g >= 64) {
            uint64_t w = used[g / 64];
            if (w)
                return (int64_t)(g + (uint64_t)__builtin_ctzll(w));
            g += 64;
        } else {
            if (granule_used(g))
                return (int64_t)g;
            g++;
        }
    }
    return -1;
}

static int64_t find_run(uint64_t from, uint64_t to, uint64_t n, uint64_t step)
{
    for (uint64_t g = (from + step - 1) / step * step; g + n <= to;) {
        int64_t busy = first_used(g, n);
        if (busy < 0)
            return (int64_t)g;
        /* No run can start at or before the busy granule: jump past it. */
        g = ((uint64_t)busy + 1 + step - 1) / step * step;
    }
    return -1;
}

static int alloc(size_t size, size_t align, struct dma_buffer *out, bool zero);

int dma_alloc(size_t size, size_t align, struct dma_buffer *out)
{
    return alloc(size, align, out, true);
}

static int alloc(size_t size, size_t align, struct dma_buffer *out, bool zero)
{
    if (size == 0 || (align & (align - 1)))
        return -EINVAL;
    uint64_t n = (size + GRANULE - 1) / GRANULE;
    uint64_t step = align > GRANULE ? align / GRANULE : 1;
    uint64_t total = heap_size / GRANULE;
    int64_t g = find_run(hint, total, n, step);
    if (g < 0)
        g = find_run(0, hint + n < total ? hint + n : total, n, step);
    if (g < 0) {
        klog("dma: out of DMA memory (%zu bytes requested)", size);
        return -ENOMEM;
    }
    set_granules((uint64_t)g, n, true);
    hint = (uint64_t)g + n;
    out->device = heap_phys + (uint64_t)g * GRANULE;
    out->va = (void *)(DMA_MAP_BASE + out->device);
    out->size = n * GRANULE;
    if (zero)
        memset(out->va, 0, out->size);
    return 0;
}

void dma_free(struct dma_buffer *b)
{
    if (!b->size)
        return;
    uint64_t g = (b->device - heap_phys) / GRANULE;
    set_granules(g, b->size / GRANULE, false);
    if (g < hint)
        hint = g;
    b->size = 0;
}

void dma_set_bounce(bool on)
{
    bounce = on;
}

bool dma_bounce_enabled(void)
{
    return bounce;
}

bool dma_contains(uint64_t device, size_t len)
{
    return device >= heap_phys && len <= heap_size && device - heap_phys <= heap_size - len;
}

/* Physical address of a private buffer if it is physically contiguous. */
static bool contiguous_phys(const void *buf, size_t len, uint64_t *phys)
{
    uint64_t va = (uint64_t)buf;
    uint64_t root = read_cr3() & PTE_ADDR_BITS;
    uint64_t first;
    if (!pt_lookup(root, va, &first, 0))
        return false;
    for (uint64_t p = PAGE_ROUND_DOWN(va) + PAGE_SIZE; p < va + len; p += PAGE_SIZE) {
        uint64_t pa;
        if (!pt_lookup(root, p, &pa, 0) || pa != first + (p - va))
            return false;
    }
    *phys = first;
    return true;
}

int dma_map(void *buf, size_t len, enum dma_direction dir, struct dma_mapping *m)
{
    m->buf = buf;
    m->len = len;
    m->dir = dir;
    m->bounce.size = 0;
    uint64_t phys;
    if (!bounce && contiguous_phys(buf, len, &phys)) {
        m->device = phys;
        return 0;
    }
    /* A bounce buffer is shared memory already: its old bytes are no
     * secret, and the copy or the device overwrites what is used. */
    int err = alloc(len, len >= PAGE_SIZE ? PAGE_SIZE : 64, &m->bounce, false);
    if (err)
        return err;
    if (dir != DMA_FROM_DEVICE)
        memcpy(m->bounce.va, buf, len);
    m->device = m->bounce.device;
    return 0;
}

void dma_unmap(struct dma_mapping *m)
{
    if (!m->bounce.size)
        return;
    if (m->dir != DMA_TO_DEVICE)
        memcpy(m->buf, m->bounce.va, m->len);
    dma_free(&m->bounce);
}
