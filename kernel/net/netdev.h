/* The interfaces' counters as Linux's /proc/net/dev shows them
 * (net/netdev.c): unix/procfs.c serves the text. */
#ifndef NET_NETDEV_H
#define NET_NETDEV_H
#include <stddef.h>

/* The file's text into buf (at most cap bytes, NUL-terminated); its whole
 * length, as snprintf (a longer one did not fit). */
size_t net_dev_text(char *buf, size_t cap);
/* Counting on the loopback interface from now on (once, from net_init). */
void net_lo_count_start(void);

#endif
