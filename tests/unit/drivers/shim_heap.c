/* kmalloc & co. for host tests: libc's allocator (so ASan sees every block),
 * with optional failure injection to reach the out-of-memory paths. */
#include <stdlib.h>
#include "mm/heap.h"
#include "shim.h"

long shim_heap_fail_after = -1;
unsigned long shim_heap_live;

static int should_fail(void)
{
    if (shim_heap_fail_after < 0)
        return 0;
    if (shim_heap_fail_after == 0)
        return 1;
    shim_heap_fail_after--;
    return 0;
}

void *kmalloc(size_t size)
{
    if (should_fail())
        return NULL;
    void *p = malloc(size ? size : 1);
    if (p)
        shim_heap_live++;
    return p;
}

void *kzalloc(size_t size)
{
    if (should_fail())
        return NULL;
    void *p = calloc(1, size ? size : 1);
    if (p)
        shim_heap_live++;
    return p;
}

void *krealloc(void *p, size_t size)
{
    if (should_fail())
        return NULL;
    void *n = realloc(p, size ? size : 1);
    if (n && !p)
        shim_heap_live++;
    return n;
}

void kfree(void *p)
{
    if (p)
        shim_heap_live--;
    free(p);
}
