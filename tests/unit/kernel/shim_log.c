/* klog and panic for host tests: klog keeps the last line for the test to
 * inspect (and echoes it to stderr, which cmocka does not parse); panic
 * aborts, so a test that reaches it crashes visibly. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "lib/log.h"
#include "shim.h"

char shim_klog_last[512];
unsigned shim_klog_count;
char shim_klog_history[8192];

/* Every line since the test last emptied shim_klog_history (cut when full). */
static void remember(const char *line)
{
    size_t used = strlen(shim_klog_history), n = strlen(line);
    if (used + n + 2 <= sizeof(shim_klog_history)) {
        memcpy(shim_klog_history + used, line, n);
        memcpy(shim_klog_history + used + n, "\n", 2);
    }
}

static void vlog(const char *fmt, va_list ap)
{
    vsnprintf(shim_klog_last, sizeof(shim_klog_last), fmt, ap);
    shim_klog_count++;
    remember(shim_klog_last);
    fprintf(stderr, "# klog: %s\n", shim_klog_last);
}

void klog(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vlog(fmt, ap);
    va_end(ap);
}

void klog_once(const void *key, const char *fmt, ...)
{
    static const void *seen[256];
    static unsigned nseen;
    for (unsigned i = 0; i < nseen; i++)
        if (seen[i] == key)
            return;
    if (nseen < 256)
        seen[nseen++] = key;
    va_list ap;
    va_start(ap, fmt);
    vlog(fmt, ap);
    va_end(ap);
}

void panic(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "# kernel panic: ");
    vfprintf(stderr, fmt, ap);
    fprintf(stderr, "\n");
    va_end(ap);
    abort();
}

void panic_stop(void)
{
    abort();
}
