/* Forwarded ports, as ops writes them: "80", "80,443", a range "7000-7010",
 * and (cloak's -p also) "8080:80" for host port 8080 to guest port 80.
 * Each becomes host port -> guest port, TCP or UDP. */
#ifndef CLOAK_TOOLS_PORTS_H
#define CLOAK_TOOLS_PORTS_H

#include <stdbool.h>
#include <stddef.h>

#define PORTS_MAX 256             /* forwarded ports in all (QEMU's command line) */

struct port_map {
    unsigned host, guest;         /* 1..65535 */
    bool udp;
};

struct port_list {
    struct port_map items[PORTS_MAX];
    size_t n;
};

/* Adds the ports of one spec to l (a port already there for the same
 * protocol and host port is an error: two guests ports cannot share it).
 * 0, or -1 with a message in err naming the spec and what is wrong. */
int ports_add(struct port_list *l, const char *spec, bool udp, char *err, size_t errlen);

#endif
