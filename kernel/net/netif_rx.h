/* A received frame with its card's claims (drivers/nic.h, nic_frame) into
 * lwIP (net/netif_rx.c). */
#ifndef NET_NETIF_RX_H
#define NET_NETIF_RX_H
#include "lwip/netif.h"
#include "drivers/nic.h"

void net_rx_frame(struct netif *netif, const struct nic_frame *f);

#endif
