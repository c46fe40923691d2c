/* The kernel heap: private memory, page-backed.  Virtual pages in the heap
 * window are mapped onto frames from the physical allocator one by one, so
 * large allocations need no contiguous physical memory. */
#ifndef MM_HEAP_H
#define MM_HEAP_H
#include <stddef.h>
#include <stdint.h>

void heap_init(uint64_t root);
void *kmalloc(size_t size);
void *kzalloc(size_t size);
void *krealloc(void *p, size_t size);
void kfree(void *p);
/* Page-aligned, zeroed pages with an unmapped guard page below them (for
 * stacks: an overflow faults instead of corrupting memory). */
void *heap_alloc_pages(size_t npages, int guard);
void heap_free_pages(void *p, size_t npages, int guard);
uint64_t heap_bytes_in_use(void);

#endif
