/* The TCP/IP stack (lwIP, built from Debian's source: net/lwip.mk) and its
 * glue.  Knows no system call: unix/ calls down into it. */
#ifndef NET_NET_H
#define NET_NET_H
#include <stdbool.h>

/* Starts lwIP (once): its loopback interface answers 127.0.0.1. */
void net_init(void);
/* Kernel word net-selftest: TCP through lwIP's loopback interface inside
 * the kernel; logs the outcome ("net: selftest ok: ..."), true if it held. */
bool net_selftest(void);

#endif
