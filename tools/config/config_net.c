/* Static addressing and the tap device (config.h: config_set_net,
 * config_check_net).  ops silently drops an IPv4 string it cannot parse;
 * cloak refuses it, naming the key and the value, since a guest booted
 * with no address (or the wrong one) is harder to debug than an error. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config_lists.h"

#define DEFAULT_NETMASK "255.255.255.0" /* ops's --netmask default */

static int ipv4(const char *s, uint32_t *out)
{
    struct in_addr a;
    if (inet_pton(AF_INET, s, &a) != 1)
        return -1;
    *out = ntohl(a.s_addr);
    return 0;
}

/* Contiguous ones from the top (255.255.255.0 yes, 255.0.255.0 no). */
static bool contiguous(uint32_t m)
{
    return (~m & (~m + 1)) == 0;
}

static int check_value(const char *key, const char *v, const char *origin, char *err,
                       size_t errlen)
{
    uint32_t a;
    struct in6_addr a6;

    if (!strcmp(key, "IPv6Address")) {
        if (inet_pton(AF_INET6, v, &a6) == 1)
            return 0;
        snprintf(err, errlen, "%s: \"%s\" is not an IPv6 address (like fd00::15)", origin, v);
        return -1;
    }
    if (!strcmp(key, "TapName")) {
        if (*v && strlen(v) < IFNAMSIZ && !strpbrk(v, "/ :,\t\n="))
            return 0;
        snprintf(err, errlen, "%s: \"%s\" is not a network interface name (at most %d "
                 "characters, no '/', ':', ',', '=' or blanks)", origin, v, IFNAMSIZ - 1);
        return -1;
    }
    if (ipv4(v, &a) < 0) {
        snprintf(err, errlen, "%s: \"%s\" is not an IPv4 address (like %s)", origin, v,
                 !strcmp(key, "NetMask") ? "255.255.255.0" : "10.0.2.15");
        return -1;
    }
    if (!strcmp(key, "NetMask") && (!contiguous(a) || a == 0)) {
        snprintf(err, errlen, "%s: \"%s\" is not a netmask (ones, then zeros: like "
                 "255.255.255.0)", origin, v);
        return -1;
    }
    if (!strcmp(key, "IPAddress") && (a == 0 || a == 0xffffffffu || (a >> 28) >= 14 ||
                                      (a >> 24) == 127)) {
        snprintf(err, errlen, "%s: \"%s\" cannot be the guest's address (unspecified, "
                 "broadcast, multicast, reserved or loopback)", origin, v);
        return -1;
    }
    return 0;
}

int config_set_net(struct cloak_config *c, const char *key, const char *value,
                   const char *origin, char *err, size_t errlen)
{
    char **field = !strcmp(key, "IPAddress")   ? &c->ip_address
                   : !strcmp(key, "NetMask")   ? &c->netmask
                   : !strcmp(key, "Gateway")   ? &c->gateway
                   : !strcmp(key, "IPv6Address") ? &c->ipv6_address
                   : !strcmp(key, "TapName")   ? &c->tap_name
                                               : NULL;
    if (!field) {
        snprintf(err, errlen, "%s: not a network setting", origin);
        return -1;
    }
    if (check_value(key, value, origin, err, errlen) < 0)
        return -1;
    free(*field);
    *field = config_xstrdup(value);
    return 0;
}

int config_check_net(struct cloak_config *c, char *err, size_t errlen)
{
    uint32_t a = 0, m = 0, g = 0;

    if (!c->ip_address) {
        if (c->gateway || c->netmask) {
            snprintf(err, errlen, "%s \"%s\" is given without IPAddress (--ip-address); give "
                     "the guest's address too, or neither (DHCP)",
                     c->gateway ? "Gateway (--gateway)" : "NetMask (--netmask)",
                     c->gateway ? c->gateway : c->netmask);
            return -1;
        }
        return 0;
    }
    if (!c->netmask)
        c->netmask = config_xstrdup(DEFAULT_NETMASK);
    ipv4(c->ip_address, &a);
    ipv4(c->netmask, &m);
    if ((a & ~m) == 0 || (a & ~m) == ~m) {
        snprintf(err, errlen, "IPAddress \"%s\" with NetMask \"%s\" is the network's own "
                 "address or its broadcast address", c->ip_address, c->netmask);
        return -1;
    }
    if (c->gateway) {
        ipv4(c->gateway, &g);
        if ((g & m) != (a & m) || g == a) {
            snprintf(err, errlen, "Gateway \"%s\" is not another address on the guest's "
                     "network %s/%s", c->gateway, c->ip_address, c->netmask);
            return -1;
        }
    }
    return 0;
}
