/* cloak run: the guest's network.  --net user (the default), none or
 * tap:IFNAME (RunConfig.TapName), the forwarded ports of RunConfig.Ports /
 * UDPPorts and -p (tools/config/ports.h), into the QEMU configuration; the
 * static addresses (RunConfig.IPAddress...) into kernel words. */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "../config/config_lists.h"
#include "../config/ports.h"
#include "cli.h"
#include "session.h"

#define USER_NET_DNS "10.0.2.3" /* QEMU user network's DNS forwarder */

static struct port_list ports;
static struct qemu_fwd fwd[PORTS_MAX];

static void add_list(const struct config_strlist *l, bool udp)
{
    char err[512];
    for (size_t i = 0; i < l->n; i++)
        if (ports_add(&ports, l->items[i], udp, err, sizeof err) < 0)
            die("%s: %s", udp ? "RunConfig.UDPPorts (or -p with --udp)"
                              : "RunConfig.Ports (or -p)", err);
}

/* The tap interface --net tap:IFNAME or RunConfig.TapName names (build.c
 * put --net's into TapName, checked); NULL for user or none. */
static const char *tap_name(const struct session *s)
{
    if (s->o.net && strncmp(s->o.net, "tap:", 4) != 0)
        return NULL;
    return s->cfg.tap_name;
}

static bool net_none(const struct session *s)
{
    return s->o.net && !strcmp(s->o.net, "none");
}

void net_settle(struct session *s)
{
    if (s->cfg.nameservers_default && !net_none(s) && !tap_name(s)) {
        config_strlist_clear(&s->cfg.nameservers);
        config_strlist_add(&s->cfg.nameservers, USER_NET_DNS);
    }
}

/* A tap must exist before QEMU opens it (QEMU's own message, from
 * /dev/net/tun, does not say what to do). */
static void check_tap(const char *name)
{
    char path[128];
    snprintf(path, sizeof path, "/sys/class/net/%s/tun_flags", name);
    if (access(path, F_OK) == 0)
        return;
    snprintf(path, sizeof path, "/sys/class/net/%s", name);
    if (access(path, F_OK) == 0)
        die("--net tap:%s: %s is a network interface, but not a tap device", name, name);
    die("--net tap:%s: there is no tap device %s on this host; make one first (as root): "
        "ip tuntap add dev %s mode tap user $USER && ip link set %s up (see README, "
        "\"Networking\")", name, name, name, name);
}

void session_network(const struct session *s, struct qemu_config *q)
{
    const char *tap = tap_name(s);

    memset(&ports, 0, sizeof ports);
    add_list(&s->cfg.ports, false);
    add_list(&s->cfg.udp_ports, true);
    if (ports.n && net_none(s))
        die("--net none: forwarded ports (-p, RunConfig.Ports, UDPPorts) need a network; "
            "drop --net none or the ports");
    if (ports.n && tap)
        die("--net tap:%s: forwarded ports (-p, RunConfig.Ports, UDPPorts) are QEMU's user "
            "network; on a tap the guest's ports are reached at its own address", tap);
    if (tap && !s->o.dry_run)
        check_tap(tap);
    q->net_tap = tap;
    q->net_user = !tap && !net_none(s);
    for (size_t i = 0; i < ports.n; i++)
        fwd[i] = (struct qemu_fwd){ports.items[i].host, ports.items[i].guest, ports.items[i].udp};
    q->fwd = fwd;
    q->nfwd = ports.n;
}

void net_kernel_words(const struct cloak_config *cfg, char *out, size_t len)
{
    const char *words[][2] = {{"net-ip=", cfg->ip_address}, {"net-netmask=", cfg->netmask},
                              {"net-gateway=", cfg->gateway}, {"net-ip6=", cfg->ipv6_address}};
    for (size_t i = 0; i < sizeof words / sizeof words[0]; i++) {
        if (!words[i][1])
            continue;
        size_t used = strlen(out);
        int n = snprintf(out + used, len - used, "%s%s%s", used ? " " : "", words[i][0],
                         words[i][1]);
        if (n < 0 || (size_t)n >= len - used)
            die("the kernel command line is too long for the static addresses");
    }
}
