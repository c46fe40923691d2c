#include "lib/log.h"
#include "lib/format.h"
#include "lib/string.h"
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>

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

/* One writer at a time, so lines of two CPUs never interleave; taken
 * with interrupts off (a handler on this CPU may log).  The wait is
 * bounded: a CPU that died holding it (a panic) must not silence the
 * others. */
static volatile uint32_t write_lock;

static uint64_t log_lock(void)
{
    uint64_t flags;
    __asm__ volatile("pushfq; popq %0; cli" : "=r"(flags) : : "memory");
    for (unsigned long spins = 0; __atomic_exchange_n(&write_lock, 1, __ATOMIC_ACQUIRE); spins++) {
        if (spins > 100000000ul)
            break;
        __asm__ volatile("pause");
    }
    return flags;
}

static void log_unlock(uint64_t flags)
{
    __atomic_store_n(&write_lock, 0, __ATOMIC_RELEASE);
    if (flags & 0x200)
        __asm__ volatile("sti" ::: "memory");
}

void log_write(const char *s, size_t n)
{
    uint64_t flags = log_lock();
    if (sink) {
        sink(s, n);
        log_unlock(flags);
        return;
    }
    size_t room = sizeof(early) - early_len;
    if (n > room)
        n = room;
    memcpy(early + early_len, s, n);
    early_len += n;
    log_unlock(flags);
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
