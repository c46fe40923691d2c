/* lwIP's compiler and platform definitions for the cloak kernel (lwIP's
 * "arch/cc.h"): freestanding, little-endian x86-64, diagnostics into the
 * kernel log, a failed assertion logged (not a halt: see net/port.c). */
#ifndef NET_PORT_ARCH_CC_H
#define NET_PORT_ARCH_CC_H
#include <stdint.h>
#include <stddef.h>

#define BYTE_ORDER LITTLE_ENDIAN
#define LWIP_NO_CTYPE_H 1       /* lwIP's own isdigit() and friends */
#define LWIP_NO_INTTYPES_H 1
#define LWIP_NO_LIMITS_H 1      /* gcc's limits.h wants a libc one behind it */
#define INT_MAX 0x7fffffff
#define SSIZE_MAX 0x7fffffffffffffffL
#define LWIP_NO_UNISTD_H 1
typedef long ssize_t;
#define X8_F "02x"
#define U16_F "u"
#define S16_F "d"
#define X16_F "x"
#define U32_F "u"
#define S32_F "d"
#define X32_F "x"
#define SZT_F "lu"

/* The errno values lwIP's API layer speaks: Linux's (lib/errno.h). */
#define LWIP_ERRNO_STDINCLUDE 1
#define LWIP_ERRNO_INCLUDE "lib/errno.h"

void net_port_diag(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void net_port_assert(const char *msg, const char *file, int line);
uint32_t net_port_rand(void);

#define LWIP_PLATFORM_DIAG(x) do { net_port_diag x; } while (0)
#define LWIP_PLATFORM_ASSERT(x) net_port_assert((x), __FILE__, __LINE__)
#define LWIP_RAND() net_port_rand()

/* SYS_ARCH_PROTECT: the saved interrupt flag (net/port.c). */
typedef unsigned long sys_prot_t;

#endif
