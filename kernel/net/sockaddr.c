/* Addresses between the socket layer's struct net_addr and lwIP's
 * ip_addr_t.  An AF_INET6 socket speaks IPv4 through IPv4-mapped
 * addresses (::ffff:a.b.c.d), as Linux's dual-stack sockets do; lwIP
 * calls them IPv4 addresses. */
#include "net/socket_int.h"
#include "lwip/ip_addr.h"
#include "lwip/netif.h"
#include "lib/errno.h"
#include "lib/string.h"

static const uint8_t mapped_prefix[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };

static bool is_mapped(const struct net_addr *a)
{
    return a->family == NET_AF_INET6 && memcmp(a->ip, mapped_prefix, 12) == 0;
}

static bool is_zero(const uint8_t *ip, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (ip[i])
            return false;
    return true;
}

static void set_v4(ip_addr_t *ip, const uint8_t *b)
{
    IP_ADDR4(ip, b[0], b[1], b[2], b[3]);
}

static void set_v6(ip_addr_t *ip, const uint8_t *b, uint32_t scope_id)
{
    uint32_t w[4];
    memcpy(w, b, 16);                    /* lwIP keeps the words in network order */
    ip_addr_set_zero_ip6(ip);
    for (int i = 0; i < 4; i++)
        ip_2_ip6(ip)->addr[i] = w[i];
    ip6_addr_clear_zone(ip_2_ip6(ip));
    if (ip6_addr_islinklocal(ip_2_ip6(ip))) {
        /* lwIP's zones are interface indexes, as Linux's scope ids are;
         * no scope: the default interface. */
        struct netif *n = netif_default;
        ip6_addr_set_zone(ip_2_ip6(ip), scope_id ? scope_id : n ? netif_get_index(n) : 1);
    }
}

int net_addr_to_ip(const struct net_sock *s, const struct net_addr *a, ip_addr_t *ip)
{
    if (a->family == NET_AF_INET) {
        if (s->family != NET_AF_INET)
            return -EAFNOSUPPORT;
        set_v4(ip, a->ip);
        return 0;
    }
    if (a->family != NET_AF_INET6 || s->family != NET_AF_INET6)
        return -EAFNOSUPPORT;
    if (is_mapped(a)) {
        if (s->v6only)
            return -ENETUNREACH;
        set_v4(ip, a->ip + 12);
        return 0;
    }
    set_v6(ip, a->ip, a->scope_id);
    return 0;
}

int net_bind_ip(const struct net_sock *s, const struct net_addr *a, ip_addr_t *ip)
{
    if (s->family == NET_AF_INET6 && a->family == NET_AF_INET6 && is_zero(a->ip, 16)) {
        if (s->v6only)
            ip_addr_copy(*ip, *IP6_ADDR_ANY);
        else
            ip_addr_copy(*ip, *IP_ANY_TYPE);   /* both families */
        return 0;
    }
    return net_addr_to_ip(s, a, ip);
}

void net_addr_from_ip(const struct net_sock *s, const ip_addr_t *ip, uint16_t port,
                      struct net_addr *out)
{
    memset(out, 0, sizeof(*out));
    out->port = port;
    if (s->family == NET_AF_INET) {
        out->family = NET_AF_INET;
        if (ip && IP_IS_V4(ip))
            memcpy(out->ip, &ip_2_ip4(ip)->addr, 4);
        return;
    }
    out->family = NET_AF_INET6;
    if (!ip || IP_IS_ANY_TYPE_VAL(*ip))
        return;
    if (IP_IS_V4(ip)) {
        if (ip4_addr_isany_val(*ip_2_ip4(ip)))
            return;                          /* a dual-stack wildcard reads as :: */
        memcpy(out->ip, mapped_prefix, 12);
        memcpy(out->ip + 12, &ip_2_ip4(ip)->addr, 4);
        return;
    }
    memcpy(out->ip, ip_2_ip6(ip)->addr, 16);
    if (ip6_addr_islinklocal(ip_2_ip6(ip)) && ip6_addr_has_zone(ip_2_ip6(ip)))
        out->scope_id = ip6_addr_zone(ip_2_ip6(ip));
}
