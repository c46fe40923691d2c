/* Frames out to a card (drivers/nic.h).  A card with send_tx takes the
 * pbuf chain's pieces as they are (copied once, into its own buffers);
 * one that also completes checksums (tx_csum: virtio-net's CSUM on a tap)
 * gets TCP segments whose checksum lwIP did not compute (the netif's
 * NETIF_CHECKSUM_GEN_TCP is off, net/netif.c): the field is given the
 * pseudo-header's sum and the card sums the rest, as Linux's
 * CHECKSUM_PARTIAL.  The frame in lwIP's pbuf is not changed (a
 * retransmission goes through here again).  Other cards get one copy.
 *
 * A card whose transmit ring is full (-EAGAIN) does not lose the frame: it
 * waits in the card's backlog (a reference on its pbuf), which goes out,
 * in order, before any newer frame, as the card frees slots (the next
 * send, or the network thread, which looks again soon while frames wait:
 * net/thread.c).  Only a frame that finds the backlog full is dropped
 * (tx_drop in /proc/net/dev): lwIP sees ERR_WOULDBLOCK and sends it again
 * later (a TCP segment stays queued), as a Linux qdisc past txqueuelen. */
#include "net/netif_tx.h"
#include "lwip/pbuf.h"
#include "lib/errno.h"
#include "lib/string.h"
#include "lib/log.h"

#define ETH_HLEN 14
#define TCP_CSUM_OFFSET 16

static uint8_t out_frame[NIC_FRAME_MAX];

static uint32_t sum16(const uint8_t *p, size_t n, uint32_t sum)
{
    for (size_t i = 0; i + 1 < n; i += 2)
        sum += (uint32_t)(p[i] << 8 | p[i + 1]);
    return sum;
}

/* The TCP checksum's start and the pseudo-header sum for a TCP segment in
 * an unfragmented IPv4 or IPv6 packet (no extension headers): false for
 * anything else, whose checksums lwIP computed (only TCP's is off). */
static bool tcp_pseudo(const uint8_t *h, size_t hn, size_t len, uint16_t *start,
                       uint16_t *pseudo)
{
    uint16_t type = (uint16_t)(h[12] << 8 | h[13]);
    const uint8_t *q = h + ETH_HLEN;
    uint32_t sum;
    size_t l4, end;
    if (type == 0x0800 && hn >= ETH_HLEN + 20 && q[0] >> 4 == 4 && q[9] == 6) {
        l4 = ETH_HLEN + (size_t)(q[0] & 15) * 4;
        end = ETH_HLEN + (size_t)(q[2] << 8 | q[3]);
        if ((q[6] & 0x3f) || q[7])
            return false;                       /* a fragment */
        sum = sum16(q + 12, 8, 6);
    } else if (type == 0x86dd && hn >= ETH_HLEN + 40 && q[0] >> 4 == 6 && q[6] == 6) {
        l4 = ETH_HLEN + 40;
        end = l4 + (size_t)(q[4] << 8 | q[5]);
        sum = sum16(q + 8, 32, 6);
    } else {
        return false;
    }
    if (l4 + 20 > end || end > len)
        return false;
    sum += (uint32_t)(end - l4);
    while (sum >> 16)
        sum = (sum & 0xffff) + (sum >> 16);
    *start = (uint16_t)l4;
    *pseudo = (uint16_t)sum;
    return true;
}

/* The frame's pieces (its first as it was when lwIP sent it: h), or
 * (more than a card takes) one copy of them. */
static void gather(const struct net_tx_held *h, struct nic_tx *tx)
{
    tx->len = h->len;
    tx->npieces = 0;
    size_t at = 0;
    for (struct pbuf *q = h->p; q && at < h->len; q = q->next) {
        const void *data = q == h->p ? h->head : q->payload;
        size_t len = q == h->p ? h->head_len : q->len;
        if (len > h->len - at)
            len = h->len - at;
        if (len == 0)
            continue;
        if (tx->npieces == NIC_TX_PIECES) {
            size_t first = h->head_len < h->len ? h->head_len : h->len;
            memcpy(out_frame, h->head, first);
            pbuf_copy_partial(h->p->next, out_frame + first, (u16_t)(h->len - first), 0);
            tx->piece[0].data = out_frame;
            tx->piece[0].len = h->len;
            tx->npieces = 1;
            return;
        }
        tx->piece[tx->npieces].data = data;
        tx->piece[tx->npieces].len = len;
        tx->npieces++;
        at += len;
    }
}

/* One frame to the card: 0, -EAGAIN (no room), or another error. */
static int send_held(struct nic *nic, const struct net_tx_held *h)
{
    struct nic_tx tx;
    gather(h, &tx);
    tx.csum_start = h->csum_start;
    tx.csum_offset = h->csum_offset;
    tx.csum_pseudo = h->csum_pseudo;
    if (nic->send_tx)
        return nic->send_tx(nic, &tx);
    size_t n = 0;
    for (unsigned i = 0; i < tx.npieces; n += tx.piece[i].len, i++)
        if (tx.piece[i].data != out_frame)
            memcpy(out_frame + n, tx.piece[i].data, tx.piece[i].len);
    return nic->send(nic, out_frame, h->len);
}

/* The card took the frame (0), or refused it for good: counted. */
static void sent(struct net_txq *q, int err, size_t len)
{
    if (err == 0) {
        q->count.tx_packets++;
        q->count.tx_bytes += len;
    } else {
        q->count.tx_errs++;
    }
}

bool net_tx_drain(struct net_txq *q)
{
    while (q->n) {
        struct net_tx_held *h = &q->held[q->first];
        int err = send_held(q->nic, h);
        if (err == -EAGAIN)
            return true;
        sent(q, err, h->len);
        pbuf_free(h->p);
        h->p = NULL;
        q->first = (q->first + 1) % NET_TX_BACKLOG;
        q->n--;
    }
    return false;
}

err_t net_tx_frame(struct net_txq *q, struct pbuf *p)
{
    if (p->tot_len > NIC_FRAME_MAX || p->tot_len < ETH_HLEN) {
        q->count.tx_errs++;
        return ERR_BUF;
    }
    struct net_tx_held h = { p, p->payload, p->len, p->tot_len, 0, 0, 0 };
    if (q->nic->send_tx && q->nic->tx_csum) {
        uint8_t hdr[ETH_HLEN + 60];
        size_t hn = pbuf_copy_partial(p, hdr, sizeof(hdr), 0);
        if (tcp_pseudo(hdr, hn, p->tot_len, &h.csum_start, &h.csum_pseudo))
            h.csum_offset = TCP_CSUM_OFFSET;
    }
    int err = -EAGAIN;
    if (!net_tx_drain(q))
        err = send_held(q->nic, &h);
    if (err != -EAGAIN) {
        sent(q, err, h.len);
        return err == 0 ? ERR_OK : ERR_IF;
    }
    if (q->n == NET_TX_BACKLOG) {
        q->count.tx_drop++;
        klog_once(q, "net: %s: transmit backlog full (%u frames): a frame dropped (tx drop in "
                  "/proc/net/dev)", q->nic->name, NET_TX_BACKLOG);
        return ERR_WOULDBLOCK;
    }
    pbuf_ref(p);
    q->held[(q->first + q->n) % NET_TX_BACKLOG] = h;
    q->n++;
    return ERR_OK;
}
