#include "lib/log.h"
#include "lib/format.h"
#include "lib/string.h"
#include <stdarg.h>
#include <stdbool.h>

static log_sink_fn sink;
static char early[2048];
static size_t early_len;

void log_set_sink(log_sink_fn s)
{
    sink = s;
    if (early_len) {
        sink(early, early_len);
        early_len = 0;
    }
}

void log_write(const char *s, size_t n)
{
    if (sink) {
        sink(s, n);
        return;
    }
    size_t room = sizeof(early) - early_len;
    if (n > room)
        n = room;
    memcpy(early + early_len, s, n);
    early_len += n;
}

static void vlog(const char *fmt, va_list ap)
{
    char line[512];
    int n = vsnprintf(line, sizeof(line) - 1, fmt, ap);
    if (n > (int)sizeof(line) - 2)
        n = sizeof(line) - 2;
    line[n++] = '\n';
    log_write(line, (size_t)n);
}

void vklog(const char *fmt, va_list ap)
{
    vlog(fmt, ap);
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

static panic_hook_fn panic_backtrace, panic_stop_hook;
static bool in_panic;

void panic_set_hooks(panic_hook_fn backtrace, panic_hook_fn stop)
{
    panic_backtrace = backtrace;
    panic_stop_hook = stop;
}

void panic_stop(void)
{
    if (panic_stop_hook)
        panic_stop_hook();
    for (;;)
        __asm__ volatile("cli; hlt");
}

void panic(const char *fmt, ...)
{
    __asm__ volatile("cli");
    if (in_panic)
        panic_stop();           /* a panic while panicking: stop at once */
    in_panic = true;
    char line[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof(line), fmt, ap);
    va_end(ap);
    klog("PANIC: %s", line);
    if (panic_backtrace)
        panic_backtrace();
    panic_stop();
}
