#ifndef MM_MMIO_H
#define MM_MMIO_H
#include <stdint.h>

/* Maps device registers (shared, uncached) at MMIO_MAP_BASE + phys. */
void *mmio_map(uint64_t phys, uint64_t size);

#endif
