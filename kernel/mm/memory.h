/* Bringing up memory at boot: the physical allocator over the firmware's
 * map, the DMA heap carve-out, and the kernel's own page tables. */
#ifndef MM_MEMORY_H
#define MM_MEMORY_H
#include <stdint.h>
#include "cloak/boot_handoff.h"

struct phys_range { uint64_t base, length; };

/* `keep` lists physical ranges in use that the map calls usable (the boot
 * archive, say).  Returns the root of the kernel's page tables, now live. */
/* encryption_mask: the SEV C-bit (0 without SEV), given to the page-table
 * module, which alone applies it. */
uint64_t mm_init(const struct cloak_mem_range *ranges, unsigned nranges,
                 const struct phys_range *keep, unsigned nkeep, uint64_t encryption_mask);
uint64_t mm_kernel_root(void);

/* The page below 1 MiB kept for the application processors' start-up code
 * (a STARTUP IPI can only point there), PHYS_NONE if the memory map has
 * none.  It is never handed out by the physical allocator. */
uint64_t mm_low_page(void);
/* Page tables for an AP on its way to long mode: the kernel's upper half
 * and `page` mapped at its own address (private, executable).  ~0 when
 * out of memory.  mm_ap_boot_root_free takes them back. */
uint64_t mm_ap_boot_root(uint64_t page);
void mm_ap_boot_root_free(uint64_t root);
uint64_t mm_total_ram(void);

#endif
