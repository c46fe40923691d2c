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
uint64_t mm_total_ram(void);

#endif
