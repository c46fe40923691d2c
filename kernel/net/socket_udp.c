/* UDP sockets on lwIP's raw API (net/socket.h): received datagrams wait
 * in a queue bounded by SO_RCVBUF (past it they are dropped, as Linux
 * drops them); each read takes one whole datagram, cut to the buffer. */
#include "net/socket_int.h"
#include "lwip/udp.h"
#include "mm/heap.h"
#include "lib/errno.h"
#include "lib/log.h"
#include "lib/string.h"

#define UDP_MAX_PAYLOAD 65507

static void on_recv(void *arg, struct udp_pcb *pcb, struct pbuf *p, const ip_addr_t *addr,
                    u16_t port)
{
    (void)pcb;
    struct net_sock *s = arg;
    if (!s || s->shut_rd || s->dq_bytes + p->tot_len > (size_t)s->rcvbuf) {
        pbuf_free(p);
        return;
    }
    struct dgram *d = kzalloc(sizeof(*d));
    if (!d) {
        pbuf_free(p);
        return;
    }
    d->p = p;
    ip_addr_copy(d->from, *addr);
    d->port = port;
    if (s->dq_tail)
        s->dq_tail->next = d;
    else
        s->dq_head = d;
    s->dq_tail = d;
    s->dq_bytes += p->tot_len;
    net_sock_changed(s, NET_POLLIN);
}

int udp_sock_init(struct net_sock *s)
{
    struct udp_pcb *pcb = udp_new_ip_type(s->family == NET_AF_INET6 ? IPADDR_TYPE_ANY
                                                                     : IPADDR_TYPE_V4);
    if (!pcb)
        return -ENOMEM;
    s->pcb.udp = pcb;
    udp_recv(pcb, on_recv, s);
    return 0;
}

struct net_sock *udp_sock_of_pcb(struct udp_pcb *pcb)
{
    return pcb->recv == on_recv ? pcb->recv_arg : NULL;
}

static struct dgram *dequeue(struct net_sock *s)
{
    struct dgram *d = s->dq_head;
    if (!d)
        return NULL;
    s->dq_head = d->next;
    if (!s->dq_head)
        s->dq_tail = NULL;
    s->dq_bytes -= d->p->tot_len;
    return d;
}

void udp_sock_close(struct net_sock *s)
{
    if (s->pcb.udp) {
        udp_recv(s->pcb.udp, NULL, NULL);
        udp_remove(s->pcb.udp);
        s->pcb.udp = NULL;
    }
    for (struct dgram *d; (d = dequeue(s));) {
        pbuf_free(d->p);
        kfree(d);
    }
    net_sock_free_errors(s);
}

int udp_sock_bind(struct net_sock *s, const ip_addr_t *ip, uint16_t port)
{
    if (s->pcb.udp->local_port)
        return -EINVAL;
    return net_errno(udp_bind(s->pcb.udp, ip, port));
}

int udp_sock_connect(struct net_sock *s, const ip_addr_t *ip, uint16_t port)
{
    err_t err = udp_connect(s->pcb.udp, ip, port);
    if (err == ERR_OK)
        s->udp_connected = true;
    return net_errno(err);
}

void udp_sock_disconnect(struct net_sock *s)
{
    udp_disconnect(s->pcb.udp);
    s->udp_connected = false;
}

int64_t udp_sock_send(struct net_sock *s, const void *buf, size_t len, const ip_addr_t *ip,
                      uint16_t port)
{
    if (s->err)
        return net_sock_take_error(s);  /* an ICMP error came (socket_errqueue.c) */
    if (s->shut_wr)
        return -EPIPE;
    if (!ip && !s->udp_connected)
        return -EDESTADDRREQ;
    if (len > UDP_MAX_PAYLOAD)
        return -EMSGSIZE;
    if (ip && port == 0)
        return -EINVAL;
    struct pbuf *p = pbuf_alloc(PBUF_TRANSPORT, (u16_t)len, PBUF_RAM);
    if (!p)
        return -ENOBUFS;
    if (len && pbuf_take(p, buf, (u16_t)len) != ERR_OK) {
        pbuf_free(p);
        return -ENOBUFS;
    }
    err_t err = ip ? udp_sendto(s->pcb.udp, p, ip, port) : udp_send(s->pcb.udp, p);
    pbuf_free(p);
    if (err == ERR_RTE)
        return -ENETUNREACH;
    if (err == ERR_MEM || err == ERR_BUF)
        return -ENOBUFS;
    return err == ERR_OK ? (int64_t)len : net_errno(err);
}

int64_t udp_sock_recv(struct net_sock *s, void *buf, size_t len, bool peek, ip_addr_t *from,
                      uint16_t *port, size_t *full_len)
{
    struct dgram *d = s->dq_head;
    if (s->err)
        return net_sock_take_error(s);  /* before data, as Linux */
    if (!d)
        return s->shut_rd ? 0 : -EAGAIN;
    size_t total = d->p->tot_len, n = len < total ? len : total;
    if (n)
        pbuf_copy_partial(d->p, buf, (u16_t)n, 0);
    if (from)
        ip_addr_copy(*from, d->from);
    if (port)
        *port = d->port;
    if (full_len)
        *full_len = total;
    if (!peek) {
        dequeue(s);
        pbuf_free(d->p);
        kfree(d);
    }
    return (int64_t)n;
}

uint32_t udp_sock_poll(struct net_sock *s)
{
    uint32_t m = s->shut_wr ? 0 : NET_POLLOUT;
    if (s->dq_head || s->shut_rd)
        m |= NET_POLLIN;
    if (s->shut_rd)
        m |= NET_POLLRDHUP;
    if (s->shut_rd && s->shut_wr)
        m |= NET_POLLHUP;
    if (s->err || s->eq_head)
        m |= NET_POLLERR;
    return m;
}
