/* Received frames with offloads (drivers/nic.h, nic_frame) into lwIP.
 * The frame is copied out of the card's shared buffers into a pbuf chain
 * first; every check below reads that private copy.
 *
 *   - A large TCP segment (GSO: the host's TCP sent up to 64 KiB at once
 *     and the card did not cut it into MTU-sized frames) goes to lwIP
 *     whole: lwIP takes a segment of any length its pbuf holds.  It must
 *     be what the card says: IPv4 or IPv6 as marked, TCP, not a fragment,
 *     the IP length exactly the frame's, a TCP header inside it and data
 *     after it; anything else is refused with a log line.
 *   - A checksum the card vouches for (NIC_CSUM_TRUSTED: checked by the
 *     device, or left partial by the host's own TCP, which never damaged
 *     it) is not checked again: lwIP's TCP or UDP check is switched off
 *     for that one packet (its netif's checksum flags, around the input
 *     call: lwIP runs the packet through to the end inside it).  Only for
 *     an unfragmented TCP or UDP packet: a fragment's check waits for the
 *     whole datagram.  Every other packet is checked as always. */
#include "net/netif_rx.h"
#include "lwip/pbuf.h"
#include "lib/log.h"

#define ETH_HLEN 14
#define HEADERS_MAX (ETH_HLEN + 60 + 60)
#define PROTO_TCP 6
#define PROTO_UDP 17

struct l3_info {
    bool ok;                      /* an IP header we could read */
    bool v6, fragment;
    uint8_t proto;
    size_t end;                   /* where the IP packet ends (from the frame's start) */
    size_t l4;                    /* where its transport header starts */
};

static struct l3_info parse_ip(const uint8_t *h, size_t hn)
{
    struct l3_info ip = { 0 };
    uint16_t type = (uint16_t)(h[12] << 8 | h[13]);
    const uint8_t *q = h + ETH_HLEN;
    if (type == 0x0800 && hn >= ETH_HLEN + 20 && q[0] >> 4 == 4 && (q[0] & 15) >= 5) {
        ip.l4 = ETH_HLEN + (size_t)(q[0] & 15) * 4;
        ip.end = ETH_HLEN + (size_t)(q[2] << 8 | q[3]);
        ip.proto = q[9];
        ip.fragment = (q[6] & 0x20) || ((q[6] & 0x1f) << 8 | q[7]);
        ip.ok = ip.end >= ip.l4;
    } else if (type == 0x86dd && hn >= ETH_HLEN + 40 && q[0] >> 4 == 6) {
        ip.v6 = true;
        ip.l4 = ETH_HLEN + 40;
        ip.end = ip.l4 + (size_t)(q[4] << 8 | q[5]);
        ip.proto = q[6];          /* an extension header (a fragment's too) is not TCP/UDP */
        ip.ok = true;
    }
    return ip;
}

/* NULL, or why a large segment is refused. */
static const char *segment_refused(const struct nic_frame *f, const uint8_t *h, size_t hn,
                                   const struct l3_info *ip)
{
    if (!ip->ok || ip->v6 != (f->gso == NIC_GSO_TCP6))
        return "not the IP version its GSO type says";
    if (ip->proto != PROTO_TCP || ip->fragment)
        return "not an unfragmented TCP segment";
    if (ip->end != f->len)
        return "an IP length other than the frame's";
    if (hn < ip->l4 + 20 || (h[ip->l4 + 12] >> 4) < 5)
        return "no TCP header";
    size_t data = ip->l4 + (size_t)(h[ip->l4 + 12] >> 4) * 4;
    if (data >= ip->end)
        return "no data after the TCP header";
    return 0;
}

void net_rx_frame(struct netif *netif, const struct nic_frame *f)
{
    struct pbuf *p = pbuf_alloc(PBUF_RAW, (u16_t)f->len, PBUF_POOL);
    if (!p)
        return;                         /* out of buffers: dropped, as a NIC would */
    size_t at = 0;
    for (unsigned i = 0; i < f->npieces; i++) {
        pbuf_take_at(p, f->piece[i].data, (u16_t)f->piece[i].len, (u16_t)at);
        at += f->piece[i].len;
    }
    u16_t flags = netif->chksum_flags, skip = 0;
    if (f->gso != NIC_GSO_NONE || f->csum == NIC_CSUM_TRUSTED) {
        uint8_t h[HEADERS_MAX];
        size_t hn = pbuf_copy_partial(p, h, sizeof(h), 0);
        struct l3_info ip = parse_ip(h, hn);
        const char *why = f->gso != NIC_GSO_NONE ? segment_refused(f, h, hn, &ip) : 0;
        if (why) {
            klog_once(why, "net: %c%c%u: dropped a large segment (%lu bytes, MSS %u) from the "
                      "card: %s", netif->name[0], netif->name[1], netif->num,
                      (unsigned long)f->len, f->gso_size, why);
            pbuf_free(p);
            return;
        }
        if (f->gso != NIC_GSO_NONE)
            klog_once(&segment_refused, "net: %c%c%u: large TCP segments come whole from the "
                      "card (the first: %lu bytes, MSS %u)", netif->name[0], netif->name[1],
                      netif->num, (unsigned long)f->len, f->gso_size);
        if (f->csum == NIC_CSUM_TRUSTED && ip.ok && !ip.fragment && ip.end <= f->len)
            skip = ip.proto == PROTO_TCP ? NETIF_CHECKSUM_CHECK_TCP
                   : ip.proto == PROTO_UDP ? NETIF_CHECKSUM_CHECK_UDP : 0;
    }
    NETIF_SET_CHECKSUM_CTRL(netif, flags & ~skip);
    if (netif->input(p, netif) != ERR_OK)
        pbuf_free(p);
    NETIF_SET_CHECKSUM_CTRL(netif, flags);
}
