/* The kernel's virtual address map.  The lower half belongs to the program.
 *
 *   0x0000000000000000 .. USER_TOP          the program (ring 3)
 *   DIRECT_MAP_BASE  + phys                 all RAM but the DMA heap, private
 *   DMA_MAP_BASE     + phys                 the DMA heap, shared with devices
 *   MMIO_MAP_BASE    + phys                 device registers, shared, uncached
 *   HEAP_BASE ..                            the page-backed kernel heap, private
 *   KERNEL_VBASE     + phys                 the kernel image (-2 GiB)
 */
#ifndef MM_LAYOUT_H
#define MM_LAYOUT_H
#include <stdint.h>

#define PAGE_SIZE 4096ull
#define PAGE_SHIFT 12
#define LARGE_PAGE_SIZE (2ull << 20)

#define USER_TOP        0x00007ffffffff000ull
#define DIRECT_MAP_BASE 0xffff800000000000ull
#define DMA_MAP_BASE    0xffff880000000000ull
#define MMIO_MAP_BASE   0xffff900000000000ull
#define HEAP_BASE       0xffffa00000000000ull
#define HEAP_SIZE       (1ull << 40)
#define KERNEL_VBASE    0xffffffff80000000ull

#define PAGE_ROUND_UP(x) (((x) + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1))
#define PAGE_ROUND_DOWN(x) ((x) & ~(PAGE_SIZE - 1))

static inline void *phys_to_virt(uint64_t phys) { return (void *)(DIRECT_MAP_BASE + phys); }
static inline uint64_t kernel_image_phys(const void *p) { return (uint64_t)p - KERNEL_VBASE; }

#endif
