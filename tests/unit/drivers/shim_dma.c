/* mm/dma.h for host tests: buffers from the C heap (so ASan checks every
 * access), device address = host address, no bouncing. */
#include <stdlib.h>
#include <string.h>
#include <stdint.h>
#include <sys/mman.h>
#include "mm/dma.h"
#include "lib/errno.h"
#include "shim.h"

bool shim_dma_fail;
unsigned long shim_dma_live;
bool shim_dma_low;

/* Low memory for shim_dma_low: a bump arena mapped at 1 GiB, never reused. */
#define LOW_BASE 0x40000000ul
#define LOW_SIZE (64ul << 20)
static uint8_t *low_arena;
static size_t low_used;

static void *low_alloc(size_t size, size_t align)
{
    if (!low_arena) {
        void *p = mmap((void *)LOW_BASE, LOW_SIZE, PROT_READ | PROT_WRITE,
                       MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
        if (p == MAP_FAILED)
            return NULL;
        low_arena = p;
    }
    size_t start = (low_used + align - 1) / align * align;
    if (start + size > LOW_SIZE)
        return NULL;
    low_used = start + size;
    return low_arena + start;
}

static bool in_low_arena(const void *p)
{
    return low_arena && (const uint8_t *)p >= low_arena && (const uint8_t *)p < low_arena + LOW_SIZE;
}

/* The live buffers, so a device model can check that every address it is
 * given lies in "the DMA heap" (shim_dma_contains). */
#define TRACKED 4096
static struct { uintptr_t start; size_t size; } tracked[TRACKED];

static void track(void *p, size_t size)
{
    for (unsigned i = 0; i < TRACKED; i++)
        if (!tracked[i].size) {
            tracked[i].start = (uintptr_t)p;
            tracked[i].size = size;
            return;
        }
}

static void untrack(void *p)
{
    for (unsigned i = 0; i < TRACKED; i++)
        if (tracked[i].size && tracked[i].start == (uintptr_t)p)
            tracked[i].size = 0;
}

bool shim_dma_contains(uint64_t device, size_t len)
{
    for (unsigned i = 0; i < TRACKED; i++)
        if (tracked[i].size && device >= tracked[i].start && len <= tracked[i].size &&
            device - tracked[i].start <= tracked[i].size - len)
            return true;
    return false;
}

int dma_alloc(size_t size, size_t align, struct dma_buffer *out)
{
    if (size == 0 || (align & (align - 1)))
        return -EINVAL;
    if (shim_dma_fail)
        return -ENOMEM;
    if (align < sizeof(void *))
        align = sizeof(void *);
    size_t rounded = (size + align - 1) / align * align;
    void *p = shim_dma_low ? low_alloc(rounded, align) : aligned_alloc(align, rounded);
    if (!p)
        return -ENOMEM;
    memset(p, 0, rounded);
    out->va = p;
    out->device = (uint64_t)(uintptr_t)p;
    out->size = rounded;
    shim_dma_live++;
    track(p, rounded);
    return 0;
}

void dma_free(struct dma_buffer *b)
{
    if (!b->size)
        return;
    untrack(b->va);
    if (!in_low_arena(b->va))
        free(b->va);
    b->size = 0;
    shim_dma_live--;
}

int dma_map(void *buf, size_t len, enum dma_direction dir, struct dma_mapping *m)
{
    m->buf = buf;
    m->len = len;
    m->dir = dir;
    m->bounce.size = 0;
    m->device = (uint64_t)(uintptr_t)buf;
    return 0;
}

void dma_unmap(struct dma_mapping *m)
{
    (void)m;
}
