/* cloak run: the guest's network.  --net (user or none), the forwarded
 * ports of RunConfig.Ports / UDPPorts and -p (tools/config/ports.h), into
 * the QEMU configuration.  Ports imply the user network. */
#include <string.h>

#include "../config/ports.h"
#include "cli.h"
#include "session.h"

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

void session_network(const struct session *s, struct qemu_config *q)
{
    const struct options *o = &s->o;

    memset(&ports, 0, sizeof ports);
    add_list(&s->cfg.ports, false);
    add_list(&s->cfg.udp_ports, true);
    if (ports.n && o->net && !strcmp(o->net, "none"))
        die("--net none: forwarded ports (-p, RunConfig.Ports, UDPPorts) need a network; "
            "drop --net none or the ports");
    q->net_user = ports.n || (o->net && !strcmp(o->net, "user"));
    for (size_t i = 0; i < ports.n; i++)
        fwd[i] = (struct qemu_fwd){ports.items[i].host, ports.items[i].guest, ports.items[i].udp};
    q->fwd = fwd;
    q->nfwd = ports.n;
}
