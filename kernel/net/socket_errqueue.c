/* ICMP errors at the UDP socket that sent the datagram (net/socket.h),
 * by Linux's rules (net/ipv4/udp.c __udp4_lib_err, ip_icmp_error):
 *   - without IP_RECVERR (IPV6_RECVERR for ICMPv6), only a "hard" error
 *     (port or protocol unreachable, too big, ...) and only on a
 *     connected socket: it becomes the pending error (SO_ERROR), which the
 *     next send or receive returns; poll sees POLLERR.  glibc's resolver
 *     moves to its next server at once on that ECONNREFUSED;
 *   - with it, every error, on any socket: the pending error, and a
 *     record on the socket's error queue for recvmsg(MSG_ERRQUEUE) (the
 *     errno, the ICMP type and code, who sent it, where the datagram was
 *     going and the part of it that the ICMP quoted).  The queue and the
 *     received datagrams together stay within SO_RCVBUF, as on Linux. */
#include "net/socket_int.h"
#include "lwip/udp.h"
#include "mm/heap.h"
#include "lib/errno.h"
#include "lib/log.h"
#include "lib/string.h"

#define ERRQ_MAX 64                      /* records, whatever their size */
#define SO_EE_ORIGIN_ICMP 2
#define SO_EE_ORIGIN_ICMP6 3

struct sock_err {
    struct sock_err *next;
    struct net_sock_err e;
    uint8_t data[];                      /* e.len bytes of the quoted datagram */
};

static bool same_version(const struct udp_pcb *pcb, bool v6)
{
    if (IP_IS_ANY_TYPE_VAL(pcb->local_ip))
        return true;                     /* dual-stack */
    return v6 ? IP_IS_V6_VAL(pcb->local_ip) : IP_IS_V4_VAL(pcb->local_ip);
}

/* The socket that sent the quoted datagram: a connected one to that
 * peer first (Linux's lookup prefers the most specific), else one bound
 * to its source port and address. */
static struct net_sock *sender(const struct icmp_report *r)
{
    struct net_sock *unconnected = NULL;
    for (struct udp_pcb *pcb = udp_pcbs; pcb; pcb = pcb->next) {
        struct net_sock *s = udp_sock_of_pcb(pcb);
        if (!s || pcb->local_port != r->lport || !same_version(pcb, r->v6))
            continue;
        if (!ip_addr_isany(&pcb->local_ip) && !ip_addr_cmp(&pcb->local_ip, &r->local))
            continue;
        if (!(pcb->flags & UDP_FLAGS_CONNECTED)) {
            if (!unconnected)
                unconnected = s;
            continue;
        }
        if (pcb->remote_port == r->rport && ip_addr_cmp(&pcb->remote_ip, &r->remote))
            return s;
    }
    return unconnected;
}

static void queue(struct net_sock *s, const struct icmp_report *r)
{
    size_t len = r->payload_len;
    if (s->eq_count >= ERRQ_MAX || s->eq_bytes + s->dq_bytes + len >= (size_t)s->rcvbuf)
        return;                          /* dropped, as Linux drops past the buffer */
    struct sock_err *e = kzalloc(sizeof(*e) + len);
    if (!e)
        return;
    e->e.err = r->err;
    e->e.origin = r->v6 ? SO_EE_ORIGIN_ICMP6 : SO_EE_ORIGIN_ICMP;
    e->e.type = r->type;
    e->e.code = r->code;
    e->e.info = r->info;
    net_addr_from_ip(s, &r->offender, 0, &e->e.offender);
    net_addr_from_ip(s, &r->remote, r->rport, &e->e.dest);
    e->e.len = len;
    memcpy(e->data, r->payload, len);
    if (s->eq_tail)
        s->eq_tail->next = e;
    else
        s->eq_head = e;
    s->eq_tail = e;
    s->eq_count++;
    s->eq_bytes += len;
}

void udp_sock_icmp_error(const struct icmp_report *r)
{
    struct net_sock *s = sender(r);
    if (!s)
        return;
    if (r->v6 ? s->recverr6 : s->recverr4)
        queue(s, r);
    else if (!r->hard || !s->udp_connected)
        return;
    s->err = -r->err;
    net_sock_changed(s, NET_POLLERR);
}

int net_sock_take_queued_error(struct net_sock *s, struct net_sock_err *out, void *buf,
                               size_t room)
{
    struct sock_err *e = s->eq_head;
    if (!e)
        return -EAGAIN;
    s->eq_head = e->next;
    if (!s->eq_head)
        s->eq_tail = NULL;
    s->eq_count--;
    s->eq_bytes -= e->e.len;
    *out = e->e;
    memcpy(buf, e->data, room < e->e.len ? room : e->e.len);
    kfree(e);
    /* Linux: the pending error becomes the next queued one's, or none. */
    s->err = s->eq_head ? -(int)s->eq_head->e.err : 0;
    net_sock_changed(s, 0);
    return 0;
}

void net_sock_free_errors(struct net_sock *s)
{
    while (s->eq_head) {
        struct sock_err *e = s->eq_head;
        s->eq_head = e->next;
        kfree(e);
    }
    s->eq_tail = NULL;
    s->eq_count = 0;
    s->eq_bytes = 0;
}
