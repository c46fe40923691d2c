/* Sockets, the parts TCP and UDP share (net/socket.h): creation, the
 * owner's notification, addresses, options, errors. */
#include "net/socket_int.h"
#include "lwip/tcp.h"
#include "lwip/udp.h"
#include "mm/heap.h"
#include "lib/errno.h"
#include "lib/log.h"
#include "lib/string.h"

#define BUF_MIN 2304                    /* Linux's SOCK_MIN_RCVBUF, roughly */
#define BUF_MAX (4 << 20)

int net_errno(int err)
{
    switch (err) {
    case ERR_OK: return 0;
    case ERR_MEM: return -ENOMEM;
    case ERR_BUF: return -ENOBUFS;
    case ERR_TIMEOUT: return -ETIMEDOUT;
    case ERR_RTE: return -EHOSTUNREACH;
    case ERR_INPROGRESS: return -EINPROGRESS;
    case ERR_VAL: return -EINVAL;
    case ERR_WOULDBLOCK: return -EAGAIN;
    case ERR_USE: return -EADDRINUSE;
    case ERR_ALREADY: return -EALREADY;
    case ERR_ISCONN: return -EISCONN;
    case ERR_CONN: return -ENOTCONN;
    case ERR_IF: return -ENETDOWN;
    case ERR_ABRT: return -ECONNABORTED;
    case ERR_RST: return -ECONNRESET;
    case ERR_CLSD: return -ENOTCONN;
    default: return -EIO;
    }
}

void net_sock_changed(struct net_sock *s, uint32_t events)
{
    if (s->notify)
        s->notify(s->owner, events);
}

int net_sock_new(int family, int type, struct net_sock **out)
{
    if (family != NET_AF_INET && family != NET_AF_INET6)
        return -EAFNOSUPPORT;
    if (type != NET_SOCK_STREAM && type != NET_SOCK_DGRAM)
        return -ESOCKTNOSUPPORT;
    net_start();
    struct net_sock *s = kzalloc(sizeof(*s));
    if (!s)
        return -ENOMEM;
    s->family = family;
    s->type = type;
    s->linger = -1;
    s->rcvbuf = type == NET_SOCK_DGRAM ? NET_UDP_RCVBUF : NET_TCP_BUF;
    s->sndbuf = type == NET_SOCK_DGRAM ? NET_UDP_RCVBUF : NET_TCP_BUF;
    int err = type == NET_SOCK_STREAM ? tcp_sock_init(s) : udp_sock_init(s);
    if (err) {
        kfree(s);
        return err;
    }
    net_sock_count(1);
    *out = s;
    return 0;
}

void net_sock_set_notify(struct net_sock *s, net_notify_fn fn, void *owner)
{
    s->notify = fn;
    s->owner = owner;
}

int net_sock_family(const struct net_sock *s) { return s->family; }
int net_sock_type(const struct net_sock *s) { return s->type; }
bool net_sock_listening(const struct net_sock *s)
{
    return s->type == NET_SOCK_STREAM && s->state == TS_LISTEN;
}

void net_sock_close(struct net_sock *s)
{
    s->notify = NULL;
    if (s->type == NET_SOCK_STREAM)
        tcp_sock_close(s);
    else
        udp_sock_close(s);
    net_sock_count(-1);
    kfree(s);
    net_kick();                          /* a FIN or RST may be queued on loopback */
}

int net_sock_bind(struct net_sock *s, const struct net_addr *a)
{
    ip_addr_t ip;
    int err = net_bind_ip(s, a, &ip);
    if (err)
        return err == -ENETUNREACH ? -EINVAL : err;
    return s->type == NET_SOCK_STREAM ? tcp_sock_bind(s, &ip, a->port)
                                      : udp_sock_bind(s, &ip, a->port);
}

int net_sock_listen(struct net_sock *s, int backlog)
{
    if (s->type != NET_SOCK_STREAM)
        return -EOPNOTSUPP;
    return tcp_sock_listen(s, backlog);
}

int net_sock_accept(struct net_sock *s, struct net_sock **out)
{
    if (s->type != NET_SOCK_STREAM)
        return -EOPNOTSUPP;
    return tcp_sock_accept(s, out);
}

int net_sock_connect(struct net_sock *s, const struct net_addr *a)
{
    if (s->type == NET_SOCK_DGRAM && a->family == NET_AF_UNSPEC) {
        udp_sock_disconnect(s);
        return 0;
    }
    ip_addr_t ip;
    int err = net_addr_to_ip(s, a, &ip);
    if (err)
        return err;
    if (s->type == NET_SOCK_DGRAM)
        return udp_sock_connect(s, &ip, a->port);
    err = tcp_sock_connect(s, &ip, a->port);
    net_kick();
    return err;
}

int net_sock_connect_result(struct net_sock *s)
{
    if (s->type != NET_SOCK_STREAM)
        return 0;
    if (s->state == TS_CONNECTING)
        return -EINPROGRESS;
    if (s->state == TS_CONNECTED)
        return 0;
    int err = net_sock_take_error(s);
    return err ? err : -ECONNREFUSED;
}

int64_t net_sock_send(struct net_sock *s, const void *buf, size_t len, const struct net_addr *to)
{
    int64_t n;
    if (s->type == NET_SOCK_STREAM) {
        n = tcp_sock_send(s, buf, len);
    } else if (to) {
        ip_addr_t ip;
        int err = net_addr_to_ip(s, to, &ip);
        if (err)
            return err;
        n = udp_sock_send(s, buf, len, &ip, to->port);
    } else {
        n = udp_sock_send(s, buf, len, NULL, 0);
    }
    if (n > 0)
        net_kick();                      /* loopback: the network thread delivers */
    return n;
}

int64_t net_sock_recv(struct net_sock *s, void *buf, size_t len, bool peek, struct net_addr *from,
                      size_t *full_len)
{
    if (s->type == NET_SOCK_STREAM) {
        int64_t n = tcp_sock_recv(s, buf, len, peek);
        if (full_len)
            *full_len = n > 0 ? (size_t)n : 0;
        if (from && n >= 0 && net_sock_name(s, true, from) != 0)
            memset(from, 0, sizeof(*from));
        return n;
    }
    ip_addr_t ip;
    uint16_t port = 0;
    int64_t n = udp_sock_recv(s, buf, len, peek, &ip, &port, full_len);
    if (from && n >= 0)
        net_addr_from_ip(s, &ip, port, from);
    return n;
}

int net_sock_shutdown(struct net_sock *s, int how)
{
    if (how < 0 || how > 2)
        return -EINVAL;
    int err;
    if (s->type == NET_SOCK_STREAM) {
        err = tcp_sock_shutdown(s, how);
    } else {
        if (!s->udp_connected)
            return -ENOTCONN;
        s->shut_rd |= how != 1;
        s->shut_wr |= how != 0;
        net_sock_changed(s, 0);
        err = 0;
    }
    net_kick();
    return err;
}

int net_sock_name(struct net_sock *s, bool peer, struct net_addr *out)
{
    if (s->type == NET_SOCK_STREAM) {
        struct tcp_pcb *pcb = s->pcb.tcp;
        if (peer) {
            if (s->state != TS_CONNECTED || !pcb)
                return -ENOTCONN;
            net_addr_from_ip(s, &pcb->remote_ip, pcb->remote_port, out);
            return 0;
        }
        if (!pcb) {
            net_addr_from_ip(s, NULL, 0, out);
            return 0;
        }
        net_addr_from_ip(s, &pcb->local_ip, pcb->local_port, out);
        return 0;
    }
    struct udp_pcb *pcb = s->pcb.udp;
    if (peer) {
        if (!s->udp_connected)
            return -ENOTCONN;
        net_addr_from_ip(s, &pcb->remote_ip, pcb->remote_port, out);
        return 0;
    }
    net_addr_from_ip(s, &pcb->local_ip, pcb->local_port, out);
    return 0;
}

uint32_t net_sock_poll(struct net_sock *s)
{
    return s->type == NET_SOCK_STREAM ? tcp_sock_poll(s) : udp_sock_poll(s);
}

int net_sock_take_error(struct net_sock *s)
{
    int err = s->err;
    s->err = 0;
    return err;
}

size_t net_sock_readable(struct net_sock *s)
{
    if (s->type == NET_SOCK_STREAM)
        return s->rx_bytes;
    return s->dq_head ? s->dq_head->p->tot_len : 0;
}

/* The IP-level options of whichever pcb the socket has now. */
static uint8_t *so_options(struct net_sock *s)
{
    if (s->type == NET_SOCK_STREAM)
        return s->pcb.tcp ? &s->pcb.tcp->so_options : NULL;
    return s->pcb.udp ? &s->pcb.udp->so_options : NULL;
}

static int set_flag(struct net_sock *s, uint8_t flag, int val)
{
    uint8_t *o = so_options(s);
    if (!o)
        return 0;
    *o = (uint8_t)(val ? *o | flag : *o & ~flag);
    return 0;
}

static int tcp_option(struct net_sock *s, enum net_opt opt, int val)
{
    struct tcp_pcb *pcb = s->pcb.tcp;
    if (s->type != NET_SOCK_STREAM)
        return -ENOPROTOOPT;
    if (!pcb && opt == NET_OPT_NODELAY)
        s->nodelay = val != 0;
    if (!pcb)
        return 0;
    if (opt == NET_OPT_NODELAY) {
        /* Kept here too: a listening pcb is a smaller struct without
         * flags; its connections take it from the socket. */
        s->nodelay = val != 0;
        if (pcb->state == LISTEN)
            return 0;
        if (val)
            tcp_nagle_disable(pcb);
        else
            tcp_nagle_enable(pcb);
        return 0;
    }
    if (val < 1 || val > 32767)
        return -EINVAL;
    /* Kept in the socket too: a listening pcb has no timers, and Linux
     * gives a listener's values to the connections it accepts. */
    if (opt == NET_OPT_KEEPIDLE)
        s->keep_idle = val;
    else if (opt == NET_OPT_KEEPINTVL)
        s->keep_intvl = val;
    else
        s->keep_cnt = val;
    if (pcb->state == LISTEN)
        return 0;
    if (opt == NET_OPT_KEEPIDLE)
        pcb->keep_idle = (u32_t)val * 1000;
    else if (opt == NET_OPT_KEEPINTVL)
        pcb->keep_intvl = (u32_t)val * 1000;
    else
        pcb->keep_cnt = (u32_t)val;
    return 0;
}

int net_sock_setopt(struct net_sock *s, enum net_opt opt, int val)
{
    switch (opt) {
    case NET_OPT_REUSEADDR: return set_flag(s, SOF_REUSEADDR, val);
    case NET_OPT_REUSEPORT: s->reuseport = val != 0; return 0;
    case NET_OPT_KEEPALIVE:
        if (s->type != NET_SOCK_STREAM)
            return 0;
        return set_flag(s, SOF_KEEPALIVE, val);
    case NET_OPT_NODELAY:
    case NET_OPT_KEEPIDLE:
    case NET_OPT_KEEPINTVL:
    case NET_OPT_KEEPCNT:
        return tcp_option(s, opt, val);
    case NET_OPT_V6ONLY:
        if (s->family != NET_AF_INET6)
            return -ENOPROTOOPT;
        s->v6only = val != 0;
        return 0;
    case NET_OPT_RCVBUF:
    case NET_OPT_SNDBUF: {
        /* Linux doubles the value (bookkeeping room) and reports that. */
        int64_t v = (int64_t)(val < 0 ? 0 : val) * 2;
        v = v < BUF_MIN ? BUF_MIN : v > BUF_MAX ? BUF_MAX : v;
        if (opt == NET_OPT_RCVBUF)
            s->rcvbuf = (int)v;
        else
            s->sndbuf = (int)v;
        return 0;
    }
    case NET_OPT_LINGER: s->linger = val; return 0;
    case NET_OPT_RECVERR: s->recverr4 = val != 0; return 0;
    case NET_OPT_RECVERR6:
        if (s->family != NET_AF_INET6)
            return -ENOPROTOOPT;
        s->recverr6 = val != 0;
        return 0;
    }
    return -ENOPROTOOPT;
}

int net_sock_getopt(struct net_sock *s, enum net_opt opt, int *val)
{
    uint8_t *o = so_options(s);
    struct tcp_pcb *pcb = s->type == NET_SOCK_STREAM ? s->pcb.tcp : NULL;
    bool listening = pcb && pcb->state == LISTEN;
    switch (opt) {
    case NET_OPT_REUSEADDR: *val = o && (*o & SOF_REUSEADDR); return 0;
    case NET_OPT_REUSEPORT: *val = s->reuseport; return 0;
    case NET_OPT_KEEPALIVE: *val = o && (*o & SOF_KEEPALIVE); return 0;
    case NET_OPT_V6ONLY:
        if (s->family != NET_AF_INET6)
            return -ENOPROTOOPT;
        *val = s->v6only;
        return 0;
    case NET_OPT_RCVBUF: *val = s->rcvbuf; return 0;
    case NET_OPT_SNDBUF: *val = s->sndbuf; return 0;
    case NET_OPT_LINGER: *val = s->linger; return 0;
    case NET_OPT_RECVERR: *val = s->recverr4; return 0;
    case NET_OPT_RECVERR6:
        if (s->family != NET_AF_INET6)
            return -ENOPROTOOPT;
        *val = s->recverr6;
        return 0;
    default: break;
    }
    if (s->type != NET_SOCK_STREAM)
        return -ENOPROTOOPT;
    switch (opt) {
    case NET_OPT_NODELAY: *val = s->nodelay; return 0;
    case NET_OPT_KEEPIDLE:
        *val = pcb && !listening ? (int)(pcb->keep_idle / 1000) : s->keep_idle ? s->keep_idle : 7200;
        return 0;
    case NET_OPT_KEEPINTVL:
        *val = pcb && !listening ? (int)(pcb->keep_intvl / 1000) : s->keep_intvl ? s->keep_intvl : 75;
        return 0;
    case NET_OPT_KEEPCNT:
        *val = pcb && !listening ? (int)pcb->keep_cnt : s->keep_cnt ? s->keep_cnt : 9;
        return 0;
    default: return -ENOPROTOOPT;
    }
}
