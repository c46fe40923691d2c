/* The physical page allocator: one bit per page frame over the firmware's
 * memory map, lowest free frames first. */
#ifndef MM_PHYS_H
#define MM_PHYS_H
#include <stdint.h>
#include <stddef.h>

#define PHYS_NONE (~0ull)

struct phys_allocator {
    uint64_t *bitmap;     /* bit set = frame in use or not RAM */
    uint64_t npages;      /* frames covered, from physical 0 */
    uint64_t free_pages;
    uint64_t hint;        /* word index to start searching single frames */
};

/* Bytes of bitmap needed to cover physical memory up to `end`. */
size_t phys_bitmap_bytes(uint64_t end);
/* Starts with every frame in use. */
void phys_allocator_init(struct phys_allocator *a, uint64_t *bitmap, uint64_t end);
/* Frees the whole frames inside [base, base+len). */
void phys_allocator_add(struct phys_allocator *a, uint64_t base, uint64_t len);
/* Marks every frame touching [base, base+len) in use. */
void phys_allocator_reserve(struct phys_allocator *a, uint64_t base, uint64_t len);
/* count contiguous frames aligned to align_pages frames; PHYS_NONE if none. */
uint64_t phys_allocator_alloc(struct phys_allocator *a, uint64_t count, uint64_t align_pages);
void phys_allocator_free(struct phys_allocator *a, uint64_t phys, uint64_t count);

/* The kernel's allocator. */
extern struct phys_allocator phys_mem;
static inline uint64_t phys_alloc_page(void) { return phys_allocator_alloc(&phys_mem, 1, 1); }
static inline void phys_free_page(uint64_t p) { phys_allocator_free(&phys_mem, p, 1); }
/* A zero-filled frame through the direct map, PHYS_NONE when memory is out. */
uint64_t phys_alloc_zeroed_page(void);

#endif
