/* What net/ makes of a received frame's headers and its card's claims
 * (drivers/nic.h, nic_frame): whether a large segment is what the card
 * says, and which checksum lwIP need not check again.  Pure: it reads the
 * frame's first bytes from the caller's private copy (net/rx_check.c). */
#ifndef NET_RX_CHECK_H
#define NET_RX_CHECK_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "drivers/nic.h"

/* The headers a verdict needs: Ethernet, IP (with options), TCP's. */
#define NET_RX_HEADERS_MAX (14 + 60 + 60)

struct net_rx_verdict {
    const char *refused;          /* NULL, or why the frame is dropped */
    bool skip_tcp, skip_udp;      /* the card vouched for this checksum */
};

/* h: the frame's first hn bytes (hn = min(frame length, NET_RX_HEADERS_MAX)). */
struct net_rx_verdict net_rx_check(const struct nic_frame *f, const uint8_t *h, size_t hn);

#endif
