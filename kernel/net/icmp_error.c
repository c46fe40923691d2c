/* ICMP and ICMPv6 errors about datagrams this host sent ("port
 * unreachable", "host unreachable", "too big", ...), which lwIP's raw API
 * does not pass to UDP pcbs.  A raw pcb per IP version sees every ICMP
 * message after lwIP has checked the IP header (and reassembled it), and
 * leaves it to lwIP afterwards (echo requests, neighbour discovery...).
 * An error is believed only when its checksum holds and it quotes an IP
 * header and a whole UDP header whose lengths fit what arrived; nothing
 * the quote says about lengths is used.  What it says goes to the UDP
 * socket that sent the datagram (socket_errqueue.c), converted to an
 * errno as Linux converts it (net/ipv4/icmp.c icmp_err_convert,
 * net/ipv6/icmp.c icmpv6_err_convert).  TCP does not hear of them (lwIP's
 * own retransmissions and timeouts end a connection), and a quoted IPv6
 * header followed by extension headers is not looked into.  One message is
 * kept from lwIP: an ICMPv6 "too big" under the minimum MTU (too_small). */
#include "net/socket_int.h"
#include "lwip/raw.h"
#include "lwip/ip.h"
#include "lwip/inet_chksum.h"
#include "lib/errno.h"
#include "lib/log.h"
#include "lib/string.h"

/* Linux's numbers for errnos the rest of the kernel does not use. */
#ifndef EHOSTDOWN
#define EHOSTDOWN 112
#endif
#ifndef ENONET
#define ENONET 64
#endif
#ifndef EPROTO
#define EPROTO 71
#endif

#define QUOTE_MAX 1232
#define IP6_MIN_MTU 1280                   /* IPv6's minimum MTU less the headers */
#define IP4_ICMP 1
#define IP6_ICMP 58
#define IP_UDP 17

struct unreach_errno { uint8_t err, hard; };

/* ICMP "destination unreachable", by code (Linux's icmp_err_convert). */
static const struct unreach_errno unreach4[16] = {
    { ENETUNREACH, 0 }, { EHOSTUNREACH, 0 }, { ENOPROTOOPT, 1 }, { ECONNREFUSED, 1 },
    { EMSGSIZE, 0 }, { EOPNOTSUPP, 0 }, { ENETUNREACH, 1 }, { EHOSTDOWN, 1 },
    { ENONET, 1 }, { ENETUNREACH, 1 }, { EHOSTUNREACH, 1 }, { ENETUNREACH, 0 },
    { EHOSTUNREACH, 0 }, { EHOSTUNREACH, 1 }, { EHOSTUNREACH, 1 }, { EHOSTUNREACH, 1 },
};

/* ICMPv6 "destination unreachable", by code (icmpv6_err_convert). */
static const struct unreach_errno unreach6[7] = {
    { ENETUNREACH, 0 }, { EACCES, 1 }, { EHOSTUNREACH, 0 }, { EHOSTUNREACH, 0 },
    { ECONNREFUSED, 1 }, { EACCES, 1 }, { EACCES, 1 },
};

static uint16_t be16(const uint8_t *p) { return (uint16_t)(p[0] << 8 | p[1]); }
static uint32_t be32(const uint8_t *p) { return (uint32_t)be16(p) << 16 | be16(p + 2); }

/* ICMPv4 type and code to Linux's errno; false: not an error for sockets
 * (source quench and redirects are ignored by Linux too). */
static bool convert4(struct icmp_report *r)
{
    switch (r->type) {
    case 3:                              /* destination unreachable */
        if (r->code == 4) {              /* fragmentation needed: UDP does PMTU discovery */
            r->err = EMSGSIZE;
            r->hard = true;
        } else if (r->code < 16) {
            r->err = unreach4[r->code].err;
            r->hard = unreach4[r->code].hard;
        } else {
            r->err = EHOSTUNREACH;
        }
        return true;
    case 11: r->err = EHOSTUNREACH; return true;      /* time exceeded */
    case 12: r->err = EPROTO; r->hard = true; return true; /* parameter problem */
    default: return false;
    }
}

static bool convert6(struct icmp_report *r)
{
    switch (r->type) {
    case 1:
        r->err = r->code < 7 ? unreach6[r->code].err : EPROTO;
        r->hard = r->code < 7 ? unreach6[r->code].hard : true;
        return true;
    case 2: r->err = EMSGSIZE; r->hard = true; return true;      /* packet too big */
    case 3: r->err = EHOSTUNREACH; return true;                  /* time exceeded */
    case 4: r->err = EPROTO; r->hard = true; return true;        /* parameter problem */
    default: return false;
    }
}

/* The quoted IPv4 header and UDP header, in q[0..n). */
static bool quoted4(struct icmp_report *r, const uint8_t *q, size_t n)
{
    if (n < 20 || q[0] >> 4 != 4)
        return false;
    size_t ihl = (size_t)(q[0] & 15) * 4;
    if (ihl < 20 || n < ihl + 8 || q[9] != IP_UDP || (be16(q + 6) & 0x1fff))
        return false;                    /* not UDP, or a later fragment: no UDP header */
    ip_addr_set_ip4_u32_val(r->local, lwip_htonl(be32(q + 12)));
    ip_addr_set_ip4_u32_val(r->remote, lwip_htonl(be32(q + 16)));
    r->lport = be16(q + ihl);
    r->rport = be16(q + ihl + 2);
    r->payload = q + ihl + 8;
    r->payload_len = n - ihl - 8;
    return true;
}

static bool quoted6(struct icmp_report *r, const uint8_t *q, size_t n)
{
    if (n < 48 || q[0] >> 4 != 6 || q[6] != IP_UDP)
        return false;
    IP_ADDR6(&r->local, lwip_htonl(be32(q + 8)), lwip_htonl(be32(q + 12)),
             lwip_htonl(be32(q + 16)), lwip_htonl(be32(q + 20)));
    IP_ADDR6(&r->remote, lwip_htonl(be32(q + 24)), lwip_htonl(be32(q + 28)),
             lwip_htonl(be32(q + 32)), lwip_htonl(be32(q + 36)));
    ip6_addr_clear_zone(ip_2_ip6(&r->local));
    ip6_addr_clear_zone(ip_2_ip6(&r->remote));
    r->lport = be16(q + 40);
    r->rport = be16(q + 42);
    r->payload = q + 48;
    r->payload_len = n - 48;
    return true;
}

/* The ICMP message's checksum, with p->payload moved to it and back
 * (lwIP wants the payload where it was when the raw pcb declines). */
static bool checksum_holds(struct pbuf *p, u16_t hlen, bool v6)
{
    if (pbuf_remove_header(p, hlen))
        return false;
    u16_t sum = v6 ? ip6_chksum_pseudo(p, IP6_ICMP, p->tot_len, ip6_current_src_addr(),
                                       ip6_current_dest_addr())
                   : inet_chksum_pbuf(p);
    pbuf_add_header_force(p, hlen);
    return sum == 0;
}

/* An ICMPv6 "too big" below IPv6's minimum MTU is discarded (RFC 8201,
 * section 4): lwIP would take it into its destination cache, and a path
 * MTU under the headers' size leaves TCP a segment size of 0. */
static u8_t too_small(struct pbuf *p, uint32_t mtu)
{
    klog_once(&too_small, "net: an ICMPv6 \"packet too big\" reporting an MTU of %u (under "
                          "1280) was discarded", mtu);
    pbuf_free(p);
    return 1;                            /* taken: lwIP does not see it */
}

/* A valid "too big" under the card's MTU: lwIP will fragment IPv6 TCP
 * segments already cut to the card's MSS, and a fragment's checksum cannot
 * be left to the card (net/netif_tx.c offloads whole segments only), so
 * lwIP computes TCP checksums for this card from now on. */
static void path_mtu_dropped(struct netif *n, uint32_t mtu)
{
    if (!n || mtu >= n->mtu || (n->chksum_flags & NETIF_CHECKSUM_GEN_TCP))
        return;
    NETIF_SET_CHECKSUM_CTRL(n, n->chksum_flags | NETIF_CHECKSUM_GEN_TCP);
    klog("net: %c%c%u: a path MTU of %u under the card's %u: TCP checksums computed by lwIP "
         "from now on (fragments cannot be offloaded)", n->name[0], n->name[1], n->num, mtu,
         n->mtu);
}

static u8_t on_icmp(void *arg, struct raw_pcb *pcb, struct pbuf *p, const ip_addr_t *src)
{
    (void)pcb;
    bool v6 = arg != NULL;
    static uint8_t msg[8 + 60 + 8 + QUOTE_MAX]; /* lwIP runs one thread at a time */
    u16_t hlen = (u16_t)ip_current_header_tot_len();
    if (p->tot_len < hlen + 8u || ip_addr_ismulticast(ip_current_dest_addr()) ||
        ip_addr_isbroadcast(ip_current_dest_addr(), ip_current_netif()))
        return 0;
    size_t icmp_len = (size_t)p->tot_len - hlen;
    size_t n = pbuf_copy_partial(p, msg, (u16_t)(icmp_len < sizeof(msg) ? icmp_len : sizeof(msg)),
                                 hlen);
    struct icmp_report r;
    memset(&r, 0, sizeof(r));
    r.v6 = v6;
    r.type = msg[0];
    r.code = msg[1];
    if (!(v6 ? convert6(&r) : convert4(&r)) || !checksum_holds(p, hlen, v6))
        return 0;
    if (v6 && r.type == 2 && be32(msg + 4) < IP6_MIN_MTU)
        return too_small(p, be32(msg + 4));
    if (v6 && r.type == 2)
        path_mtu_dropped(ip_current_netif(), be32(msg + 4));
    if (!(v6 ? quoted6(&r, msg + 8, n - 8) : quoted4(&r, msg + 8, n - 8)))
        return 0;
    /* "Too big" carries the next hop's MTU: in the low 16 bits of the
     * second word for ICMPv4, the whole word for ICMPv6. */
    if ((!v6 && r.type == 3 && r.code == 4) || (v6 && r.type == 2))
        r.info = v6 ? be32(msg + 4) : be16(msg + 6);
    ip_addr_copy(r.offender, *src);
    udp_sock_icmp_error(&r);
    return 0;                            /* lwIP goes on with it */
}

void icmp_error_start(void)
{
    static struct raw_pcb *p4, *p6;
    if (!p4 && (p4 = raw_new_ip_type(IPADDR_TYPE_V4, IP4_ICMP)))
        raw_recv(p4, on_icmp, NULL);
    if (!p6 && (p6 = raw_new_ip_type(IPADDR_TYPE_V6, IP6_ICMP)))
        raw_recv(p6, on_icmp, (void *)1);
}
