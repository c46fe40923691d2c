/* lwIP's outgoing frames to a card (net/netif_tx.c). */
#ifndef NET_NETIF_TX_H
#define NET_NETIF_TX_H
#include "lwip/pbuf.h"
#include "drivers/nic.h"

err_t net_tx_frame(struct nic *nic, struct pbuf *p);

#endif
