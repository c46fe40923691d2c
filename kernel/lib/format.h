#ifndef LIB_FORMAT_H
#define LIB_FORMAT_H
#include <stdarg.h>
#include <stddef.h>

/* printf-style formatting: %d %i %u %x %X %o %p %s %c %%, flags '-' '0',
 * width and precision (also '*'), length modifiers hh h l ll z j t. */
int vsnprintf(char *buf, size_t size, const char *fmt, va_list ap);
int snprintf(char *buf, size_t size, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif
