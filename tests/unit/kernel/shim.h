/* Host stand-ins for the kernel-only helpers (mm/heap.h, lib/log.h) that the
 * kernel sources under test call, and the knobs the tests use to steer them.
 * lib/string.c is never compiled for the host: libc provides memcpy & co. */
#ifndef TESTS_UNIT_KERNEL_SHIM_H
#define TESTS_UNIT_KERNEL_SHIM_H
#include <stddef.h>

/* Heap (shim_heap.c): kmalloc/kzalloc/krealloc fail once this many more
 * allocations have succeeded; -1 (the default) never fails. */
extern long shim_heap_fail_after;
extern unsigned long shim_heap_live;    /* blocks handed out and not freed */

/* Log (shim_log.c): what klog and klog_once printed last, and how often. */
extern char shim_klog_last[512];
extern unsigned shim_klog_count;
extern char shim_klog_history[8192];   /* every line, '\n'-separated; tests empty it */

#endif
