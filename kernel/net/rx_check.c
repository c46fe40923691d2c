/* Received frames' claims against their headers (net/rx_check.h).
 *
 *   - A large TCP segment (GSO: the host's TCP sent up to 64 KiB at once
 *     and the card did not cut it into MTU-sized frames) must be what the
 *     card says: IPv4 or IPv6 as marked, TCP, not a fragment, the IP
 *     length exactly the frame's, a TCP header inside it and data after
 *     it; anything else is refused.
 *   - A checksum the card vouches for (NIC_CSUM_TRUSTED: checked by the
 *     device, or left partial by the host's own TCP, which never damaged
 *     it) need not be checked again, for an unfragmented TCP or UDP packet
 *     only: a fragment's check waits for the whole datagram, made of
 *     pieces the card may not have vouched for. */
#include "net/rx_check.h"

#define ETH_HLEN 14
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
    if (hn < ETH_HLEN)
        return ip;
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

struct net_rx_verdict net_rx_check(const struct nic_frame *f, const uint8_t *h, size_t hn)
{
    struct net_rx_verdict v = { 0 };
    if (f->gso == NIC_GSO_NONE && f->csum != NIC_CSUM_TRUSTED)
        return v;
    struct l3_info ip = parse_ip(h, hn);
    if (f->gso != NIC_GSO_NONE && (v.refused = segment_refused(f, h, hn, &ip)) != 0)
        return v;
    if (f->csum == NIC_CSUM_TRUSTED && ip.ok && !ip.fragment && ip.end <= f->len) {
        v.skip_tcp = ip.proto == PROTO_TCP;
        v.skip_udp = ip.proto == PROTO_UDP;
    }
    return v;
}
