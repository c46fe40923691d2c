/* Host stand-ins for the kernel-only helpers the driver sources under test
 * call (mm/heap.h, lib/log.h, mm/dma.h), and the knobs tests steer them
 * with.  The heap and log shims are tests/unit/kernel/shim_{heap,log}.c. */
#ifndef TESTS_UNIT_DRIVERS_SHIM_H
#define TESTS_UNIT_DRIVERS_SHIM_H
#include <stddef.h>
#include <stdbool.h>
#include <stdint.h>

/* Heap (shim_heap.c): kmalloc/kzalloc/krealloc fail once this many more
 * allocations have succeeded; -1 (the default) never fails. */
extern long shim_heap_fail_after;
extern unsigned long shim_heap_live;    /* blocks handed out and not freed */

/* Log (shim_log.c): what klog and klog_once printed last, and how often. */
extern char shim_klog_last[512];
extern unsigned shim_klog_count;
extern char shim_klog_history[8192];   /* every line, '\n'-separated; tests empty it */

/* DMA (shim_dma.c): dma_alloc gives aligned, zeroed heap memory whose
 * "device address" is its host address; it fails while shim_dma_fail is
 * set.  shim_dma_live counts buffers not yet freed. */
extern bool shim_dma_fail;
extern unsigned long shim_dma_live;
/* While set, dma_alloc hands out memory below 4 GiB (a bump arena, for a
 * device model whose registers take 32-bit page numbers). */
extern bool shim_dma_low;
/* True if [device, device+len) lies inside one live dma_alloc buffer. */
bool shim_dma_contains(uint64_t device, size_t len);

#endif
