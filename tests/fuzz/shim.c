/* Quiet kernel helpers for the fuzzer: kmalloc is malloc (ASan sees every
 * block); klog formats its line (so bad format arguments still show) and
 * drops it. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include "mm/heap.h"
#include "lib/log.h"

void *kmalloc(size_t size) { return malloc(size ? size : 1); }
void *kzalloc(size_t size) { return calloc(1, size ? size : 1); }
void *krealloc(void *p, size_t size) { return realloc(p, size ? size : 1); }
void kfree(void *p) { free(p); }

static char line[512];

void klog(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof(line), fmt, ap);
    va_end(ap);
    if (getenv("EXT2_FUZZ_LOG"))
        fprintf(stderr, "klog: %s\n", line);
}

void klog_once(const void *key, const char *fmt, ...)
{
    (void)key;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof(line), fmt, ap);
    va_end(ap);
}

void panic(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    abort();
}

void panic_stop(void)
{
    abort();
}
