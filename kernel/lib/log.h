#ifndef LIB_LOG_H
#define LIB_LOG_H
#include <stddef.h>
#include <stdarg.h>

/* The kernel log.  Lower layers cannot know where it goes, so a driver
 * registers the sink (the COM2 UART) at boot; before that, lines are kept
 * in a small buffer and flushed on registration. */
typedef void (*log_sink_fn)(const char *s, size_t n);

void log_set_sink(log_sink_fn sink);
void klog(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void vklog(const char *fmt, va_list ap);
/* Logs the line only the first time this key pointer is seen. */
void klog_once(const void *key, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void log_write(const char *s, size_t n);

/* Panic: the report is logged, then the registered stop hook ends the VM
 * (exit status 70, see docs/boot-protocol.md). */
typedef void (*panic_hook_fn)(void);
void panic_set_hooks(panic_hook_fn backtrace, panic_hook_fn stop);
void panic(const char *fmt, ...) __attribute__((noreturn, format(printf, 1, 2)));
/* Ends the report of a panic whose details the caller has already logged. */
void panic_stop(void) __attribute__((noreturn));

#define ASSERT(c) do { if (!(c)) panic("assertion failed: %s at %s:%d", #c, __FILE__, __LINE__); } while (0)

#endif
