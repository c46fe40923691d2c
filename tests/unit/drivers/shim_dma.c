/* mm/dma.h for host tests: buffers from the C heap (so ASan checks every
 * access), device address = host address, no bouncing. */
#include <stdlib.h>
#include <string.h>
#include <stdint.h>
#include "mm/dma.h"
#include "lib/errno.h"
#include "shim.h"

bool shim_dma_fail;
unsigned long shim_dma_live;

int dma_alloc(size_t size, size_t align, struct dma_buffer *out)
{
    if (size == 0 || (align & (align - 1)))
        return -EINVAL;
    if (shim_dma_fail)
        return -ENOMEM;
    if (align < sizeof(void *))
        align = sizeof(void *);
    size_t rounded = (size + align - 1) / align * align;
    void *p = aligned_alloc(align, rounded);
    if (!p)
        return -ENOMEM;
    memset(p, 0, rounded);
    out->va = p;
    out->device = (uint64_t)(uintptr_t)p;
    out->size = rounded;
    shim_dma_live++;
    return 0;
}

void dma_free(struct dma_buffer *b)
{
    if (!b->size)
        return;
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
