/* lwIP's outgoing frames to a card (net/netif_tx.c), the card's transmit
 * backlog, and the interface counters /proc/net/dev shows (net/netdev.c). */
#ifndef NET_NETIF_TX_H
#define NET_NETIF_TX_H
#include "lwip/pbuf.h"
#include "drivers/nic.h"

/* Linux's struct rtnl_link_stats64, the fields /proc/net/dev shows. */
struct net_counters {
    uint64_t rx_bytes, rx_packets, rx_errs, rx_drop, rx_multicast;
    uint64_t tx_bytes, tx_packets, tx_errs, tx_drop;
};

/* Frames the card had no room for, in the order lwIP sent them: each holds
 * a reference on its pbuf (lwIP leaves a TCP segment alone while it is
 * held: tcp_output_segment_busy) and where its first piece was. */
#define NET_TX_BACKLOG 256
struct net_tx_held {
    struct pbuf *p;
    void *head;
    u16_t head_len, len;
    u16_t csum_start, csum_offset, csum_pseudo;
};
struct net_txq {
    struct nic *nic;
    struct net_counters count;
    struct net_tx_held held[NET_TX_BACKLOG];
    unsigned first, n;
};

/* Sends the frame, after the backlog's; if the card has no room, holds it
 * (ERR_OK); ERR_WOULDBLOCK only when the backlog is full (a drop). */
err_t net_tx_frame(struct net_txq *q, struct pbuf *p);
/* Sends what the backlog holds, as far as the card takes; true if frames
 * still wait (the network thread looks again soon). */
bool net_tx_drain(struct net_txq *q);
/* Card i's counters (net/netif.c); NULL past the last card. */
const struct net_counters *net_card_counters(unsigned i);

#endif
