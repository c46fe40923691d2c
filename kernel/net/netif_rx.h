/* A received frame with its card's claims (drivers/nic.h, nic_frame) into
 * lwIP (net/netif_rx.c). */
#ifndef NET_NETIF_RX_H
#define NET_NETIF_RX_H
#include "lwip/netif.h"
#include "drivers/nic.h"
#include "net/netif_tx.h"

/* Counts (in n) what it received, dropped, or refused. */
void net_rx_frame(struct netif *netif, const struct nic_frame *f, struct net_counters *n);
/* A received frame in n's rx counters (p: the private copy). */
void net_rx_count(struct net_counters *n, const struct pbuf *p);

#endif
