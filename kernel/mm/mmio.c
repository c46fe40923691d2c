#include "mm/mmio.h"
#include "mm/layout.h"
#include "mm/memory.h"
#include "mm/page_table.h"
#include "lib/log.h"

void *mmio_map(uint64_t phys, uint64_t size)
{
    uint64_t start = PAGE_ROUND_DOWN(phys);
    uint64_t end = PAGE_ROUND_UP(phys + size);
    if (pt_map(mm_kernel_root(), MMIO_MAP_BASE + start, start, end - start, PT_WRITE | PT_MMIO | PT_GLOBAL, false) < 0) {
        klog("mmio: cannot map %lx (+%lx): out of memory", phys, size);
        return 0;
    }
    return (void *)(MMIO_MAP_BASE + phys);
}
