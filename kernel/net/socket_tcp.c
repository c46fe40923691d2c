/* TCP sockets on lwIP's raw API (net/socket.h).  lwIP calls back into
 * this file from whichever thread runs it (a system call or the network
 * thread): data in (queued as pbufs until the program reads it; the window
 * is given back at once while the socket holds less than RX_LIMIT, then
 * at the program's pace), data acknowledged (room to send), a
 * connection made, accepted, refused or reset.  Every callback tells the
 * owner through net_sock_changed.  Before a pcb is closed or aborted its
 * callbacks are detached, so lwIP never calls into a freed socket. */
#include "net/socket_int.h"
#include "lwip/tcp.h"
#include "lwip/priv/tcp_priv.h"     /* tcp_ack_now */
#include "mm/heap.h"
#include "lib/errno.h"
#include "lib/log.h"
#include "lib/string.h"

#define ALL_EVENTS (NET_POLLIN | NET_POLLOUT | NET_POLLERR | NET_POLLHUP | NET_POLLRDHUP)
/* Writable once this much send buffer is free (Linux: a third of it): a
 * writer woken for every ACK would make a system call per segment. */
#define SEND_LOW_WATER (TCP_SND_BUF / 3)
/* Unread data a socket may hold: twice the window, so the window stays
 * fully open while the program has up to a window's worth left to read
 * (as Linux's receive buffer is larger than the window it announces);
 * without scaling (slirp has none) the window cannot pass 64 KiB. */
#define RX_LIMIT (2 * TCP_WND)

static err_t on_recv(void *arg, struct tcp_pcb *pcb, struct pbuf *p, err_t err);
static err_t on_sent(void *arg, struct tcp_pcb *pcb, u16_t len);
static void on_error(void *arg, err_t err);

static void attach(struct net_sock *s, struct tcp_pcb *pcb)
{
    s->pcb.tcp = pcb;
    tcp_arg(pcb, s);
    tcp_recv(pcb, on_recv);
    tcp_sent(pcb, on_sent);
    tcp_err(pcb, on_error);
}

/* The pcb goes on without us (closing) or is gone (aborted). */
static void detach(struct tcp_pcb *pcb)
{
    tcp_arg(pcb, NULL);
    if (pcb->state == LISTEN) {      /* a listening pcb has no other callbacks */
        tcp_accept(pcb, NULL);
        return;
    }
    tcp_recv(pcb, NULL);             /* lwIP's default: discard, close on FIN */
    tcp_sent(pcb, NULL);
    tcp_err(pcb, NULL);
}

int tcp_sock_init(struct net_sock *s)
{
    struct tcp_pcb *pcb = tcp_new_ip_type(s->family == NET_AF_INET6 ? IPADDR_TYPE_ANY
                                                                     : IPADDR_TYPE_V4);
    if (!pcb)
        return -ENOMEM;
    s->state = TS_NEW;
    attach(s, pcb);
    return 0;
}

static void free_rx(struct net_sock *s)
{
    if (s->rx)
        pbuf_free(s->rx);
    s->rx = NULL;
    s->rx_tail = NULL;
    s->rx_bytes = 0;
    s->rx_held = 0;
}

/* Gives window back to the peer as far as the socket's buffer allows: what
 * is unread plus what the peer may still send stays within RX_LIMIT. */
static void give_back(struct net_sock *s)
{
    if (!s->pcb.tcp || !s->rx_held)
        return;
    size_t may_come = s->rx_held < TCP_WND ? TCP_WND - s->rx_held : 0;
    if (s->rx_bytes + may_come >= RX_LIMIT)
        return;
    size_t k = RX_LIMIT - s->rx_bytes - may_come;
    if (k > s->rx_held)
        k = s->rx_held;
    s->rx_held -= k;
    for (; k;) {
        u16_t piece = k > 0xffff ? 0xffff : (u16_t)k;
        tcp_recved(s->pcb.tcp, piece);
        k -= piece;
    }
}

/* A connection that was never accepted, or whose socket is closed. */
static void drop_conn(struct net_sock *s, bool reset)
{
    struct tcp_pcb *pcb = s->pcb.tcp;
    if (pcb) {
        detach(pcb);
        if (reset || tcp_close(pcb) != ERR_OK)
            tcp_abort(pcb);
        s->pcb.tcp = NULL;
    }
    free_rx(s);
    net_sock_count(-1);
    kfree(s);
}

void tcp_sock_close(struct net_sock *s)
{
    while (s->accept_count) {
        struct net_sock *c = s->acceptq[s->accept_head];
        s->accept_head = (s->accept_head + 1) % NET_BACKLOG_MAX;
        s->accept_count--;
        drop_conn(c, true);
    }
    struct tcp_pcb *pcb = s->pcb.tcp;
    s->pcb.tcp = NULL;
    if (!pcb)
        return;
    detach(pcb);
    /* Unread data or SO_LINGER 0: a reset, as Linux sends.  Otherwise what
     * is queued still goes out, then the FIN (lwIP keeps the pcb). */
    if (pcb->state != LISTEN && (s->rx_bytes || s->linger == 0 || s->state == TS_CONNECTING))
        tcp_abort(pcb);
    else if (tcp_close(pcb) != ERR_OK)
        tcp_abort(pcb);
}

int tcp_sock_bind(struct net_sock *s, const ip_addr_t *ip, uint16_t port)
{
    if (!s->pcb.tcp || s->state != TS_NEW || s->pcb.tcp->local_port)
        return -EINVAL;
    return net_errno(tcp_bind(s->pcb.tcp, ip, port));
}

/* A peer's MSS option of 1 would have every byte sent in a segment of
 * its own (40 bytes of headers each, and more segments than the send
 * queue holds): as Linux (tcp_min_snd_mss, after CVE-2019-11479), no
 * segment is made smaller than MIN_SND_MSS bytes whatever the peer says. */
#define MIN_SND_MSS 48
static void clamp_mss(struct tcp_pcb *pcb)
{
    if (pcb->mss < MIN_SND_MSS)
        pcb->mss = MIN_SND_MSS;
}

/* ---- listening ---- */

static err_t on_accept(void *arg, struct tcp_pcb *pcb, err_t err)
{
    struct net_sock *l = arg;
    if (err != ERR_OK || !pcb || !l)
        return ERR_VAL;
    if (l->accept_count >= l->backlog) {
        klog_once(l, "net: a listening socket's queue (%u) is full: connections beyond it "
                     "are reset", l->backlog);
        return ERR_MEM;                  /* lwIP resets it */
    }
    struct net_sock *c = kzalloc(sizeof(*c));
    if (!c)
        return ERR_MEM;
    c->family = l->family;
    c->type = l->type;
    c->rcvbuf = l->rcvbuf;
    c->sndbuf = l->sndbuf;
    c->linger = l->linger;
    c->state = TS_CONNECTED;
    c->connect_seen = true;
    attach(c, pcb);
    clamp_mss(pcb);
    c->nodelay = l->nodelay;
    if (c->nodelay)
        tcp_nagle_disable(pcb);
    /* Linux's accepted sockets take the listener's keep-alive timing
     * (SO_KEEPALIVE itself lwIP passes on in so_options). */
    c->keep_idle = l->keep_idle;
    c->keep_intvl = l->keep_intvl;
    c->keep_cnt = l->keep_cnt;
    if (l->keep_idle)
        pcb->keep_idle = (u32_t)l->keep_idle * 1000;
    if (l->keep_intvl)
        pcb->keep_intvl = (u32_t)l->keep_intvl * 1000;
    if (l->keep_cnt)
        pcb->keep_cnt = (u32_t)l->keep_cnt;
    net_sock_count(1);
    l->acceptq[(l->accept_head + l->accept_count) % NET_BACKLOG_MAX] = c;
    l->accept_count++;
    net_sock_changed(l, NET_POLLIN);
    return ERR_OK;
}

int tcp_sock_listen(struct net_sock *s, int backlog)
{
    if (backlog < 1)
        backlog = 1;
    if (backlog > NET_BACKLOG_MAX)
        backlog = NET_BACKLOG_MAX;
    if (s->state == TS_LISTEN) {
        s->backlog = (unsigned)backlog;
        return 0;
    }
    if (s->state != TS_NEW || !s->pcb.tcp)
        return -EINVAL;
    if (!s->pcb.tcp->local_port) {
        /* Linux binds an ephemeral port for an unbound listen. */
        int err = net_errno(tcp_bind(s->pcb.tcp, s->family == NET_AF_INET6 ? IP_ANY_TYPE
                                                                           : IP4_ADDR_ANY, 0));
        if (err)
            return err;
    }
    err_t lerr;
    struct tcp_pcb *lpcb = tcp_listen_with_backlog_and_err(s->pcb.tcp, (u8_t)(backlog > 255 ? 255 : backlog), &lerr);
    if (!lpcb)
        return net_errno(lerr);
    /* The old pcb is freed by lwIP; the listening one keeps the options. */
    s->pcb.tcp = lpcb;
    s->backlog = (unsigned)backlog;
    s->state = TS_LISTEN;
    tcp_arg(lpcb, s);
    tcp_accept(lpcb, on_accept);
    return 0;
}

int tcp_sock_accept(struct net_sock *s, struct net_sock **out)
{
    if (s->state != TS_LISTEN)
        return -EINVAL;
    if (!s->accept_count)
        return -EAGAIN;
    *out = s->acceptq[s->accept_head];
    s->accept_head = (s->accept_head + 1) % NET_BACKLOG_MAX;
    s->accept_count--;
    return 0;
}

/* ---- connecting ---- */

static err_t on_connected(void *arg, struct tcp_pcb *pcb, err_t err)
{
    struct net_sock *s = arg;
    if (!s)
        return ERR_ABRT;
    if (err == ERR_OK) {
        s->state = TS_CONNECTED;
        clamp_mss(pcb);
        tcp_info_connected(s);
    }
    net_sock_changed(s, NET_POLLOUT);
    return ERR_OK;
}

int tcp_sock_connect(struct net_sock *s, const ip_addr_t *ip, uint16_t port)
{
    switch (s->state) {
    case TS_CONNECTING: return -EALREADY;
    case TS_CONNECTED: return -EISCONN;
    case TS_LISTEN: return -EISCONN;
    case TS_CLOSED: return s->err ? net_sock_take_error(s) : -EISCONN;
    case TS_NEW: break;
    }
    if (port == 0)
        return -ECONNREFUSED;
    err_t err = tcp_connect(s->pcb.tcp, ip, port, on_connected);
    if (err != ERR_OK)
        return net_errno(err);
    s->state = TS_CONNECTING;
    s->connect_seen = false;
    tcp_info_started(s, s->pcb.tcp->snd_nxt);
    return -EINPROGRESS;
}

/* ---- data ---- */

static err_t on_recv(void *arg, struct tcp_pcb *pcb, struct pbuf *p, err_t err)
{
    struct net_sock *s = arg;
    if (!s) {
        if (p) {
            tcp_recved(pcb, p->tot_len);
            pbuf_free(p);
        }
        return ERR_OK;
    }
    if (err != ERR_OK && p) {
        pbuf_free(p);
        return ERR_OK;
    }
    if (!p) {
        s->rx_eof = true;
        net_sock_changed(s, NET_POLLIN | NET_POLLRDHUP);
        return ERR_OK;
    }
    if (s->shut_rd) {                    /* read side shut: discard, keep the window open */
        tcp_recved(pcb, p->tot_len);
        pbuf_free(p);
        return ERR_OK;
    }
    /* Data for a reader that has taken everything: acknowledge at once
     * (Linux's quick ack) rather than on lwIP's 250 ms timer, which
     * otherwise stalls the first segment of every connection (the peer's
     * congestion window is one segment) and a lone last one.  Not on
     * every segment: that collapsed slirp's sending (0.5 MB/s measured).
     * Only for a full segment (a bulk sender's): a short one is most often
     * a request, whose answer will carry the ACK. */
    if (!s->rx && p->tot_len >= tcp_mss(pcb))
        tcp_ack_now(pcb);
    tcp_info_received(s, p->tot_len);
    s->rx_bytes += p->tot_len;
    s->rx_held += p->tot_len;
    if (s->rx)
        s->rx_tail->next = p;            /* not pbuf_cat: no walk, no 16-bit tot_len */
    else
        s->rx = p;
    while (p->next)
        p = p->next;
    s->rx_tail = p;
    give_back(s);
    net_sock_changed(s, NET_POLLIN);
    return ERR_OK;
}

static err_t on_sent(void *arg, struct tcp_pcb *pcb, u16_t len)
{
    struct net_sock *s = arg;
    if (s)
        tcp_info_acked(s, pcb, len);
    if (s && tcp_sndbuf(pcb) >= SEND_LOW_WATER)
        net_sock_changed(s, NET_POLLOUT);
    return ERR_OK;
}

static void on_error(void *arg, err_t err)
{
    struct net_sock *s = arg;
    if (!s)
        return;
    s->pcb.tcp = NULL;                   /* lwIP has freed it */
    /* lwIP aborts a connection itself (ERR_ABRT) when its retransmissions,
     * keep-alive probes or SYNs go unanswered: Linux says ETIMEDOUT. */
    if (s->state == TS_CONNECTING)
        s->err = err == ERR_RST ? -ECONNREFUSED : err == ERR_TIMEOUT || err == ERR_ABRT
                                                       ? -ETIMEDOUT : net_errno(err);
    else
        s->err = err == ERR_RST ? -ECONNRESET : err == ERR_ABRT ? -ETIMEDOUT : net_errno(err);
    if (s->err == 0)
        s->err = -ECONNRESET;
    s->state = TS_CLOSED;
    net_sock_changed(s, ALL_EVENTS);
}

int64_t tcp_sock_send(struct net_sock *s, const void *buf, size_t len)
{
    if (s->state == TS_CONNECTING)
        return -EAGAIN;
    if (s->state == TS_CLOSED && s->err)
        return net_sock_take_error(s);
    if (s->state == TS_CLOSED || s->shut_wr)
        return -EPIPE;
    if (s->state != TS_CONNECTED || !s->pcb.tcp)
        return -ENOTCONN;
    struct tcp_pcb *pcb = s->pcb.tcp;
    size_t room = tcp_sndbuf(pcb);
    if (tcp_sndqueuelen(pcb) >= TCP_SND_QUEUELEN - 4)
        room = 0;
    size_t n = len < room ? len : room;
    if (n == 0)
        return len == 0 ? 0 : -EAGAIN;
    err_t err = tcp_write(pcb, buf, (u16_t)n, TCP_WRITE_FLAG_COPY);
    while (err == ERR_MEM && n > 1) {
        n /= 2;                          /* out of segments: a smaller piece */
        err = tcp_write(pcb, buf, (u16_t)n, TCP_WRITE_FLAG_COPY);
    }
    if (err == ERR_MEM)
        return -EAGAIN;
    if (err != ERR_OK)
        return net_errno(err);
    uint32_t nxt = pcb->snd_nxt;
    tcp_output(pcb);
    tcp_info_wrote(s, pcb, nxt);
    return (int64_t)n;
}

static void consume(struct net_sock *s, size_t n)
{
    size_t done = n;
    while (n && s->rx) {
        struct pbuf *p = s->rx;
        if (n < p->len) {
            pbuf_remove_header(p, (size_t)n);
            n = 0;
            break;
        }
        n -= p->len;
        /* Not pbuf_dechain: it drops a reference the chain never took. */
        s->rx = p->next;
        p->next = NULL;
        p->tot_len = p->len;
        pbuf_free(p);
    }
    if (!s->rx)
        s->rx_tail = NULL;
    s->rx_bytes -= done;
    give_back(s);
}

int64_t tcp_sock_recv(struct net_sock *s, void *buf, size_t len, bool peek)
{
    if (s->rx_bytes == 0) {
        if (s->rx_eof || s->shut_rd)
            return 0;
        if (s->err)
            return net_sock_take_error(s);
        if (s->state == TS_CLOSED)
            return 0;
        if (s->state == TS_CONNECTING)
            return -EAGAIN;
        if (s->state != TS_CONNECTED)
            return -ENOTCONN;
        return len == 0 ? 0 : -EAGAIN;
    }
    size_t n = len < s->rx_bytes ? len : s->rx_bytes, copied = 0;
    for (struct pbuf *p = s->rx; p && copied < n; p = p->next) {
        size_t piece = n - copied < p->len ? n - copied : p->len;
        memcpy((uint8_t *)buf + copied, p->payload, piece);
        copied += piece;
    }
    if (!peek)
        consume(s, n);
    return (int64_t)n;
}

int tcp_sock_shutdown(struct net_sock *s, int how)
{
    if (s->state == TS_LISTEN) {
        /* Linux: shutting a listener wakes its acceptors (EINVAL after). */
        return -ENOTCONN;
    }
    if (s->state != TS_CONNECTED && s->state != TS_CONNECTING)
        return -ENOTCONN;
    bool rd = how == 0 || how == 2, wr = how == 1 || how == 2;
    if (rd && !s->shut_rd) {
        s->shut_rd = true;
        if (s->rx_bytes)
            consume(s, s->rx_bytes);
    }
    if (wr && !s->shut_wr && s->pcb.tcp && s->state == TS_CONNECTED) {
        s->shut_wr = true;
        err_t err = tcp_shutdown(s->pcb.tcp, 0, 1);
        if (err != ERR_OK)
            return net_errno(err);
    } else if (wr) {
        s->shut_wr = true;
    }
    net_sock_changed(s, ALL_EVENTS);
    return 0;
}

uint32_t tcp_sock_poll(struct net_sock *s)
{
    uint32_t m = 0;
    switch (s->state) {
    case TS_NEW:
        return NET_POLLOUT | NET_POLLHUP;
    case TS_LISTEN:
        return s->accept_count ? NET_POLLIN : 0;
    case TS_CONNECTING:
        return 0;
    case TS_CLOSED:
        m = NET_POLLIN | NET_POLLOUT | NET_POLLHUP | NET_POLLRDHUP;
        return s->err ? m | NET_POLLERR : m;
    case TS_CONNECTED:
        break;
    }
    if (s->rx_bytes || s->rx_eof || s->shut_rd)
        m |= NET_POLLIN;
    if (s->rx_eof || s->shut_rd)
        m |= NET_POLLRDHUP;
    if (s->shut_wr || (s->pcb.tcp && tcp_sndbuf(s->pcb.tcp) >= SEND_LOW_WATER &&
                       tcp_sndqueuelen(s->pcb.tcp) < TCP_SND_QUEUELEN - 4))
        m |= NET_POLLOUT;
    if (s->shut_wr && (s->rx_eof || s->shut_rd))
        m |= NET_POLLHUP;
    return m;
}
