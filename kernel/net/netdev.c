/* /proc/net/dev: Linux's header lines and columns (net/core/net-procfs.c:
 * dev_seq_printf_stats), one line for lo and one for each card, named as
 * Linux names them (eth0, eth1, ...; lwIP calls them en0, ...).  The
 * cards' counters are kept by net/netif_tx.c and net/netif_rx.c (bytes
 * are whole Ethernet frames, as Linux counts them); lo's here, around
 * lwIP's loopback output: a packet sent on lo is received on it, unless
 * lwIP had no memory to queue it (a tx drop). */
#include "net/netdev.h"
#include "net/netif_tx.h"
#include "lwip/netif.h"
#include "lib/format.h"

#define LO_HLEN 14                      /* Linux's lo carries an Ethernet header */

static struct net_counters lo;
static netif_output_fn lo_output;
static netif_output_ip6_fn lo_output_ip6;

static void lo_count(err_t err, const struct pbuf *p)
{
    if (err != ERR_OK) {
        lo.tx_drop++;
        return;
    }
    lo.tx_packets++;
    lo.rx_packets++;
    lo.tx_bytes += p->tot_len + LO_HLEN;
    lo.rx_bytes += p->tot_len + LO_HLEN;
}

static err_t lo_counted(struct netif *netif, struct pbuf *p, const ip4_addr_t *to)
{
    err_t err = lo_output(netif, p, to);
    lo_count(err, p);
    return err;
}

static err_t lo_counted_ip6(struct netif *netif, struct pbuf *p, const ip6_addr_t *to)
{
    err_t err = lo_output_ip6(netif, p, to);
    lo_count(err, p);
    return err;
}

void net_lo_count_start(void)
{
    struct netif *n;
    NETIF_FOREACH(n) {
        if (n->name[0] != 'l' || n->name[1] != 'o' || lo_output)
            continue;
        lo_output = n->output;
        lo_output_ip6 = n->output_ip6;
        if (lo_output)
            n->output = lo_counted;
        if (lo_output_ip6)
            n->output_ip6 = lo_counted_ip6;
    }
}

static size_t line(char *buf, size_t cap, size_t at, const char *name,
                   const struct net_counters *c)
{
    int n = snprintf(at < cap ? buf + at : NULL, at < cap ? cap - at : 0,
                     "%6s: %7lu %7lu %4lu %4lu %4lu %5lu %10lu %9lu "
                     "%8lu %7lu %4lu %4lu %4lu %5lu %7lu %10lu\n",
                     name, c->rx_bytes, c->rx_packets, c->rx_errs, c->rx_drop, 0ul, 0ul, 0ul,
                     c->rx_multicast, c->tx_bytes, c->tx_packets, c->tx_errs, c->tx_drop, 0ul,
                     0ul, 0ul, 0ul);
    return at + (n > 0 ? (size_t)n : 0);
}

size_t net_dev_text(char *buf, size_t cap)
{
    int n = snprintf(buf, cap, "Inter-|   Receive                                                |"
                     "  Transmit\n"
                     " face |bytes    packets errs drop fifo frame compressed multicast|"
                     "bytes    packets errs drop fifo colls carrier compressed\n");
    size_t at = n > 0 ? (size_t)n : 0;
    at = line(buf, cap, at, "lo", &lo);
    const struct net_counters *c;
    for (unsigned i = 0; (c = net_card_counters(i)) != NULL; i++) {
        char name[8];
        snprintf(name, sizeof(name), "eth%u", i);
        at = line(buf, cap, at, name, c);
    }
    return at;
}
