/* Received frames with offloads (drivers/nic.h, nic_frame) into lwIP.
 * The frame is copied out of the card's shared buffers into a pbuf chain
 * first; net_rx_check (net/rx_check.c) reads that private copy: a large
 * segment that is not what the card says is refused with a log line; one
 * that is goes to lwIP whole (lwIP takes a segment of any length its pbuf
 * holds).  A TCP or UDP checksum the card vouched for is not checked
 * again: lwIP's check is switched off for that one packet (its netif's
 * checksum flags, around the input call: lwIP runs the packet through to
 * the end inside it).  Every other packet is checked as always. */
#include "net/netif_rx.h"
#include "net/rx_check.h"
#include "lwip/pbuf.h"
#include "lib/log.h"

void net_rx_count(struct net_counters *n, const struct pbuf *p)
{
    const uint8_t *dst = p->payload;
    n->rx_packets++;
    n->rx_bytes += p->tot_len;
    if ((dst[0] & 1) && !(dst[0] == 0xff && dst[1] == 0xff && dst[2] == 0xff))
        n->rx_multicast++;              /* a group address, not the broadcast one */
}

void net_rx_frame(struct netif *netif, const struct nic_frame *f, struct net_counters *n)
{
    struct pbuf *p = pbuf_alloc(PBUF_RAW, (u16_t)f->len, PBUF_POOL);
    if (!p) {
        n->rx_drop++;                   /* out of buffers: dropped, as a NIC would */
        return;
    }
    size_t at = 0;
    for (unsigned i = 0; i < f->npieces; i++) {
        pbuf_take_at(p, f->piece[i].data, (u16_t)f->piece[i].len, (u16_t)at);
        at += f->piece[i].len;
    }
    net_rx_count(n, p);
    u16_t flags = netif->chksum_flags, skip = 0;
    if (f->gso != NIC_GSO_NONE || f->csum == NIC_CSUM_TRUSTED) {
        uint8_t h[NET_RX_HEADERS_MAX];
        size_t hn = pbuf_copy_partial(p, h, sizeof(h), 0);
        struct net_rx_verdict v = net_rx_check(f, h, hn);
        if (v.refused) {
            klog_once(v.refused, "net: %c%c%u: dropped a large segment (%lu bytes, MSS %u) "
                      "from the card: %s", netif->name[0], netif->name[1], netif->num,
                      (unsigned long)f->len, f->gso_size, v.refused);
            pbuf_free(p);
            n->rx_errs++;
            return;
        }
        static const char ipv4[] = "IPv4", ipv6[] = "IPv6";
        const char *version = f->gso == NIC_GSO_TCP6 ? ipv6 : ipv4;
        if (f->gso != NIC_GSO_NONE)
            klog_once(version, "net: %c%c%u: large TCP segments (%s) come whole from the "
                      "card (the first: %lu bytes, MSS %u)", netif->name[0], netif->name[1],
                      netif->num, version, (unsigned long)f->len, f->gso_size);
        skip = (u16_t)((v.skip_tcp ? NETIF_CHECKSUM_CHECK_TCP : 0) |
                       (v.skip_udp ? NETIF_CHECKSUM_CHECK_UDP : 0));
    }
    NETIF_SET_CHECKSUM_CTRL(netif, flags & ~skip);
    if (netif->input(p, netif) != ERR_OK)
        pbuf_free(p);
    /* The checks back; other flags as the input left them (icmp_error.c
     * may have turned TCP checksum generation on). */
    NETIF_SET_CHECKSUM_CTRL(netif, netif->chksum_flags | (flags & skip));
}
