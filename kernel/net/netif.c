/* Network cards (drivers/nic.h) as lwIP interfaces: frames in through
 * ethernet_input, out through the card's send; IPv4 addresses by DHCP, or
 * static ones from the kernel words net-ip, net-netmask, net-gateway
 * (docs/boot-protocol.md; the first card only); IPv6: a link-local
 * address, SLAAC addresses from the routers' advertisements, and net-ip6. */
#include "net/net.h"
#include "lwip/netif.h"
#include "lwip/dhcp.h"
#include "lwip/ip_addr.h"
#include "lwip/etharp.h"
#include "lwip/ethip6.h"
#include "lwip/timeouts.h"
#include "netif/ethernet.h"
#include "drivers/nic.h"
#include "net/netif_rx.h"
#include "net/netif_tx.h"
#include "drivers/clock.h"
#include "lib/errno.h"
#include "lib/log.h"
#include "lib/string.h"

struct card {
    struct netif netif;
    struct nic *nic;
    struct net_txq txq;             /* its backlog and counters (net/netif_tx.c) */
};

static struct card cards[NIC_MAX];
static unsigned ncards;

/* The static addresses of the first card (net_set_static). */
static struct {
    bool v4, v6;
    ip4_addr_t ip, netmask, gw;
    ip6_addr_t ip6;
} fixed;

static err_t linkoutput(struct netif *netif, struct pbuf *p)
{
    struct card *c = netif->state;
    return net_tx_frame(&c->txq, p);
}

static void receive(struct nic *nic, const void *frame, size_t len)
{
    for (unsigned i = 0; i < ncards; i++) {
        if (cards[i].nic != nic)
            continue;
        struct net_counters *n = &cards[i].txq.count;
        struct pbuf *p = pbuf_alloc(PBUF_RAW, (u16_t)len, PBUF_POOL);
        if (!p) {
            n->rx_drop++;               /* out of buffers: dropped, as a NIC would */
            return;
        }
        pbuf_take(p, frame, (u16_t)len);
        net_rx_count(n, p);
        if (cards[i].netif.input(p, &cards[i].netif) != ERR_OK)
            pbuf_free(p);
        return;
    }
}

static void receive_frame(struct nic *nic, const struct nic_frame *f)
{
    for (unsigned i = 0; i < ncards; i++)
        if (cards[i].nic == nic)
            net_rx_frame(&cards[i].netif, f, &cards[i].txq.count);
}

static err_t card_init(struct netif *netif)
{
    struct card *c = netif->state;
    netif->name[0] = 'e';
    netif->name[1] = 'n';
    netif->hwaddr_len = ETH_HWADDR_LEN;
    memcpy(netif->hwaddr, c->nic->mac, ETH_HWADDR_LEN);
    netif->mtu = c->nic->mtu;
    netif->flags = NETIF_FLAG_BROADCAST | NETIF_FLAG_ETHARP | NETIF_FLAG_ETHERNET |
                   NETIF_FLAG_MLD6;
    netif->output = etharp_output;
    netif->output_ip6 = ethip6_output;
    netif->linkoutput = linkoutput;
    /* A card that completes TCP checksums: lwIP leaves them (net/netif_tx.c). */
    if (c->nic->tx_csum && c->nic->send_tx)
        NETIF_SET_CHECKSUM_CTRL(netif, NETIF_CHECKSUM_ENABLE_ALL & ~NETIF_CHECKSUM_GEN_TCP);
    return ERR_OK;
}

/* One address word's value (NULL: not given); false (logged) when it is
 * not an address. */
static bool word_ip4(const char *key, const char *v, ip4_addr_t *out)
{
    if (!v || ip4addr_aton(v, out))
        return true;
    klog("net: kernel word %s=%s is not an IPv4 address; ignored", key, v);
    return false;
}

void net_set_static(const char *ip, const char *netmask, const char *gateway, const char *ip6)
{
    ip4_addr_t a, m, g;
    ip4_addr_set_zero(&g);
    IP4_ADDR(&m, 255, 255, 255, 0);
    if (ip && word_ip4("net-ip", ip, &a) && word_ip4("net-netmask", netmask, &m) &&
        word_ip4("net-gateway", gateway, &g)) {
        fixed.v4 = true;
        fixed.ip = a;
        fixed.netmask = m;
        fixed.gw = g;
    }
    if (ip6) {
        if (ip6addr_aton(ip6, &fixed.ip6) && !ip6_addr_ismulticast(&fixed.ip6))
            fixed.v6 = true;
        else
            klog("net: kernel word net-ip6=%s is not an IPv6 unicast address; ignored", ip6);
    }
}

/* The first card's addresses: static ones, or DHCP; SLAAC always. */
static void card_addresses(struct card *c, bool first)
{
    struct netif *n = &c->netif;
    netif_create_ip6_linklocal_address(n, 1);
    netif_set_ip6_autoconfig_enabled(n, 1);
    if (first && fixed.v6) {
        s8_t idx;
        if (netif_add_ip6_address(n, &fixed.ip6, &idx) == ERR_OK)
            netif_ip6_addr_set_state(n, idx, IP6_ADDR_PREFERRED);
        else
            klog("net: %s: no room for the static IPv6 address", c->nic->name);
    }
    if (!first || !fixed.v4) {
        dhcp_start(n);
        return;
    }
    netif_set_addr(n, &fixed.ip, &fixed.netmask, &fixed.gw);
    char a[16], m[16], g[16];
    ip4addr_ntoa_r(&fixed.ip, a, sizeof(a));
    ip4addr_ntoa_r(&fixed.netmask, m, sizeof(m));
    ip4addr_ntoa_r(&fixed.gw, g, sizeof(g));
    klog("net: %c%c%u: %s netmask %s gateway %s (static)", n->name[0], n->name[1], n->num, a, m,
         g);
}

unsigned net_up_cards(void)
{
    net_init();
    for (unsigned i = ncards; i < nic_count() && ncards < NIC_MAX; i++) {
        struct card *c = &cards[ncards];
        c->nic = nic_get(i);
        c->txq.nic = c->nic;
        if (!netif_add(&c->netif, NULL, NULL, NULL, c, card_init, ethernet_input)) {
            klog("net: %s: lwIP refused the interface", c->nic->name);
            continue;
        }
        ncards++;
        nic_set_receive(c->nic, receive);
        nic_set_receive_frame(c->nic, receive_frame);
        nic_set_wakeup(c->nic, net_wakeup);
        if (ncards == 1)
            netif_set_default(&c->netif);
        netif_set_up(&c->netif);
        if (c->nic->link_up)
            netif_set_link_up(&c->netif);
        card_addresses(c, ncards == 1);
    }
    return ncards;
}

bool net_cards_interrupt(void)
{
    for (unsigned i = 0; i < ncards; i++)
        if (!cards[i].nic->interrupts)
            return false;
    return true;
}

bool net_cards_rearm(void)
{
    bool pending = false;
    for (unsigned i = 0; i < ncards; i++)
        if (cards[i].nic->rearm)
            pending |= cards[i].nic->rearm(cards[i].nic);
    return pending;
}

bool net_cards_drain(void)
{
    bool waiting = false;
    for (unsigned i = 0; i < ncards; i++)
        waiting |= net_tx_drain(&cards[i].txq);
    return waiting;
}

const struct net_counters *net_card_counters(unsigned i)
{
    return i < ncards ? &cards[i].txq.count : NULL;
}

void net_poll(void)
{
    for (unsigned i = 0; i < ncards; i++)
        cards[i].nic->poll(cards[i].nic);
    net_cards_drain();
    netif_poll_all();
    sys_check_timeouts();
}

bool net_wait_address(uint64_t timeout_ns)
{
    if (!ncards)
        return false;
    if (fixed.v4)
        return true;                    /* set at once, logged then */
    struct netif *n = &cards[0].netif;
    uint64_t t0 = clock_monotonic_ns();
    while (!dhcp_supplied_address(n)) {
        if (clock_monotonic_ns() - t0 > timeout_ns) {
            klog("net: %s: no DHCP answer in %lu ms", cards[0].nic->name, timeout_ns / 1000000);
            return false;
        }
        net_poll();
    }
    char a[16], m[16], g[16];
    ip4addr_ntoa_r(netif_ip4_addr(n), a, sizeof(a));
    ip4addr_ntoa_r(netif_ip4_netmask(n), m, sizeof(m));
    ip4addr_ntoa_r(netif_ip4_gw(n), g, sizeof(g));
    klog("net: %c%c%u: %s netmask %s gateway %s (DHCP, %lu ms)", n->name[0], n->name[1],
         n->num, a, m, g, (clock_monotonic_ns() - t0) / 1000000);
    return true;
}
