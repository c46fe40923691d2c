/* The DMA interface: the only way a driver gets an address a device may use.
 *
 * The DMA heap is one physically contiguous range carved out at boot and
 * mapped shared (never encrypted) at DMA_MAP_BASE + phys.  Rings, request
 * headers and bounce buffers come from it.  dma_map() hands a device the
 * address of a private buffer: with bouncing off (no SEV) that is the
 * buffer's own physical address; with bouncing on (SEV) the data goes
 * through a bounce buffer in the DMA heap, copied in before the device reads
 * and out after it writes. */
#ifndef MM_DMA_H
#define MM_DMA_H
#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>

struct dma_buffer {
    void *va;            /* kernel address (shared mapping) */
    uint64_t device;     /* address to give the device */
    size_t size;
};

enum dma_direction { DMA_TO_DEVICE, DMA_FROM_DEVICE, DMA_BIDIRECTIONAL };

struct dma_mapping {
    uint64_t device;     /* address to give the device */
    void *buf;           /* the caller's private buffer */
    size_t len;
    enum dma_direction dir;
    struct dma_buffer bounce;   /* size 0 when no bounce buffer is used */
};

void dma_init(uint64_t phys, uint64_t size);
/* Zeroed memory from the DMA heap, aligned to `align` (a power of two). */
int dma_alloc(size_t size, size_t align, struct dma_buffer *out);
void dma_free(struct dma_buffer *b);
int dma_map(void *buf, size_t len, enum dma_direction dir, struct dma_mapping *m);
void dma_unmap(struct dma_mapping *m);
void dma_set_bounce(bool on);
bool dma_bounce_enabled(void);
/* True if [device, device+len) lies inside the DMA heap. */
bool dma_contains(uint64_t device, size_t len);
void dma_range(uint64_t *phys, uint64_t *size);

#endif
