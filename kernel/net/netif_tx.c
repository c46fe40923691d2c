/* Frames out to a card (drivers/nic.h).  A card with send_tx takes the
 * pbuf chain's pieces as they are (copied once, into its own buffers);
 * one that also completes checksums (tx_csum: virtio-net's CSUM on a tap)
 * gets TCP segments whose checksum lwIP did not compute (the netif's
 * NETIF_CHECKSUM_GEN_TCP is off, net/netif.c): the field is given the
 * pseudo-header's sum and the card sums the rest, as Linux's
 * CHECKSUM_PARTIAL.  The frame in lwIP's pbuf is not changed (a
 * retransmission goes through here again).  Other cards get one copy. */
#include "net/netif_tx.h"
#include "lwip/pbuf.h"
#include "lib/errno.h"
#include "lib/string.h"

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

/* The chain's pieces, or (more than a card takes) one copy of it. */
static void gather(struct pbuf *p, struct nic_tx *tx)
{
    tx->len = p->tot_len;
    for (struct pbuf *q = p; q; q = q->next) {
        if (q->len == 0)
            continue;
        if (tx->npieces == NIC_TX_PIECES) {
            pbuf_copy_partial(p, out_frame, p->tot_len, 0);
            tx->piece[0].data = out_frame;
            tx->piece[0].len = p->tot_len;
            tx->npieces = 1;
            return;
        }
        tx->piece[tx->npieces].data = q->payload;
        tx->piece[tx->npieces].len = q->len;
        tx->npieces++;
    }
}

err_t net_tx_frame(struct nic *nic, struct pbuf *p)
{
    if (p->tot_len > NIC_FRAME_MAX || p->tot_len < ETH_HLEN)
        return ERR_BUF;
    int err;
    if (nic->send_tx) {
        struct nic_tx tx = { .npieces = 0 };
        gather(p, &tx);
        uint8_t h[ETH_HLEN + 60];
        size_t hn = pbuf_copy_partial(p, h, sizeof(h), 0);
        if (nic->tx_csum && tcp_pseudo(h, hn, p->tot_len, &tx.csum_start, &tx.csum_pseudo))
            tx.csum_offset = TCP_CSUM_OFFSET;
        err = nic->send_tx(nic, &tx);
    } else {
        pbuf_copy_partial(p, out_frame, p->tot_len, 0);
        err = nic->send(nic, out_frame, p->tot_len);
    }
    return err == 0 ? ERR_OK : err == -EAGAIN ? ERR_WOULDBLOCK : ERR_IF;
}
