/* Forwarded ports (ports.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ports.h"

/* A decimal port 1..65535 at *s, advancing *s; -1 if there is none. */
static long port_at(const char **s)
{
    char *end;
    if (**s < '0' || **s > '9')
        return -1;
    errno = 0;
    long v = strtol(*s, &end, 10);
    if (errno || v < 1 || v > 65535)
        return -1;
    *s = end;
    return v;
}

static int add_one(struct port_list *l, unsigned host, unsigned guest, bool udp,
                   const char *spec, char *err, size_t errlen)
{
    for (size_t i = 0; i < l->n; i++) {
        if (l->items[i].host == host && l->items[i].udp == udp) {
            snprintf(err, errlen, "port \"%s\": host port %u (%s) is forwarded twice", spec,
                     host, udp ? "UDP" : "TCP");
            return -1;
        }
    }
    if (l->n == PORTS_MAX) {
        snprintf(err, errlen, "port \"%s\": more than %d forwarded ports", spec, PORTS_MAX);
        return -1;
    }
    l->items[l->n++] = (struct port_map){host, guest, udp};
    return 0;
}

/* One comma-separated part: "P", "A-B" or "H:G". */
static int add_part(struct port_list *l, const char *part, bool udp, const char *spec,
                    char *err, size_t errlen)
{
    const char *s = part;
    long a = port_at(&s), b = a, guest = -1;
    if (a > 0 && *s == '-') {
        s++;
        b = port_at(&s);
    } else if (a > 0 && *s == ':') {
        s++;
        guest = port_at(&s);
        if (guest < 0)
            b = -1;
    }
    if (a < 0 || b < 0 || *s) {
        snprintf(err, errlen, "port \"%s\": \"%s\" is not a port (1-65535), a range "
                 "(7000-7010) or HOST:GUEST (8080:80)", spec, part);
        return -1;
    }
    if (b < a) {
        snprintf(err, errlen, "port \"%s\": the range %ld-%ld runs backwards", spec, a, b);
        return -1;
    }
    if (guest > 0)
        return add_one(l, (unsigned)a, (unsigned)guest, udp, spec, err, errlen);
    for (long p = a; p <= b; p++)
        if (add_one(l, (unsigned)p, (unsigned)p, udp, spec, err, errlen) < 0)
            return -1;
    return 0;
}

int ports_add(struct port_list *l, const char *spec, bool udp, char *err, size_t errlen)
{
    char part[64];
    const char *s = spec;

    if (!*spec) {
        snprintf(err, errlen, "port \"\": empty");
        return -1;
    }
    while (*s) {
        size_t n = strcspn(s, ",");
        if (n == 0 || n >= sizeof part) {
            snprintf(err, errlen, "port \"%s\": %s", spec,
                     n ? "a part is too long" : "an empty part between commas");
            return -1;
        }
        memcpy(part, s, n);
        part[n] = '\0';
        if (add_part(l, part, udp, spec, err, errlen) < 0)
            return -1;
        s += n;
        if (*s == ',' && !*++s) {
            snprintf(err, errlen, "port \"%s\": ends with a comma", spec);
            return -1;
        }
    }
    return 0;
}
