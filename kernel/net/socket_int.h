/* Inside net/: the socket object shared by socket.c (common parts),
 * socket_tcp.c, socket_udp.c and sockaddr.c. */
#ifndef NET_SOCKET_INT_H
#define NET_SOCKET_INT_H
#include "net/socket.h"
#include "lwip/ip_addr.h"
#include "lwip/pbuf.h"

#define NET_BACKLOG_MAX 128
#define NET_UDP_RCVBUF 212992           /* Linux's default rmem */
#define NET_TCP_BUF 131072

enum sock_state { TS_NEW, TS_LISTEN, TS_CONNECTING, TS_CONNECTED, TS_CLOSED };

/* A datagram waiting to be read. */
struct dgram {
    struct dgram *next;
    struct pbuf *p;
    ip_addr_t from;
    uint16_t port;
};

/* What TCP_INFO reports that lwIP does not keep (socket_tcp_info.c). */
struct tcp_timing {
    bool timing;                        /* a send is being timed */
    uint32_t seq;                       /* ... until an ACK reaches this */
    uint64_t sent_ns;
    uint32_t srtt_us, rttvar_us, min_rtt_us;
    uint64_t bytes_acked, bytes_received;
    uint64_t last_sent_ns, last_recv_ns, last_ack_ns;
};

struct net_sock {
    int family, type;
    net_notify_fn notify;
    void *owner;
    int err;                            /* pending error (negative errno), SO_ERROR */
    bool shut_rd, shut_wr;
    bool v6only, reuseport, nodelay;
    int rcvbuf, sndbuf, linger;
    int keep_idle, keep_intvl, keep_cnt; /* TCP_KEEP* as set (0: not set), for accepted sockets */
    union {
        struct tcp_pcb *tcp;
        struct udp_pcb *udp;
    } pcb;
    /* TCP */
    enum sock_state state;
    bool connect_seen;                  /* the outcome of a connect was reported */
    bool rx_eof;                        /* the peer's FIN */
    struct pbuf *rx;                    /* received, unread: pbufs linked by next (the
                                         * chain's tot_len is not kept: it may pass 64 KiB) */
    struct pbuf *rx_tail;               /* the last pbuf of rx */
    size_t rx_bytes;
    size_t rx_held;                     /* received and not yet given back to the window */
    struct tcp_timing timing;
    struct net_sock *acceptq[NET_BACKLOG_MAX];
    unsigned accept_head, accept_count, backlog;
    /* UDP */
    struct dgram *dq_head, *dq_tail;
    size_t dq_bytes;
    bool udp_connected;
    /* ICMP errors (socket_errqueue.c): IP_RECVERR, IPV6_RECVERR, the queue */
    bool recverr4, recverr6;
    struct sock_err *eq_head, *eq_tail;
    unsigned eq_count;
    size_t eq_bytes;
};

/* An ICMP error about a datagram this host sent: icmp_error.c reads it,
 * socket_errqueue.c gives it to the socket that sent the datagram. */
struct icmp_report {
    bool v6;
    uint8_t type, code;
    uint32_t info;                      /* the MTU of a "too big" */
    int err;                            /* Linux's errno for it (positive) */
    bool hard;                          /* reported without IP_RECVERR too */
    ip_addr_t offender;                 /* who sent the ICMP */
    ip_addr_t local, remote;            /* the quoted datagram's source, destination */
    uint16_t lport, rport;
    const uint8_t *payload;             /* what the ICMP quoted past the UDP header */
    size_t payload_len;
};
void udp_sock_icmp_error(const struct icmp_report *r);
void net_sock_free_errors(struct net_sock *s);
/* icmp_error.c: starts listening to ICMP errors (once; when lwIP starts). */
void icmp_error_start(void);

void net_sock_changed(struct net_sock *s, uint32_t events);
/* lwIP's err_t as a negative errno. */
int net_errno(int err);

/* sockaddr.c: between struct net_addr and lwIP's ip_addr_t. */
int net_addr_to_ip(const struct net_sock *s, const struct net_addr *a, ip_addr_t *ip);
void net_addr_from_ip(const struct net_sock *s, const ip_addr_t *ip, uint16_t port,
                      struct net_addr *out);
/* The address to bind for a wildcard or a given address, honouring
 * IPV6_V6ONLY (a dual-stack wildcard is lwIP's IP_ANY_TYPE). */
int net_bind_ip(const struct net_sock *s, const struct net_addr *a, ip_addr_t *ip);

/* socket_tcp.c and socket_udp.c: the same operations per protocol. */
int tcp_sock_init(struct net_sock *s);
void tcp_sock_close(struct net_sock *s);
int tcp_sock_bind(struct net_sock *s, const ip_addr_t *ip, uint16_t port);
int tcp_sock_listen(struct net_sock *s, int backlog);
int tcp_sock_accept(struct net_sock *s, struct net_sock **out);
int tcp_sock_connect(struct net_sock *s, const ip_addr_t *ip, uint16_t port);
int64_t tcp_sock_send(struct net_sock *s, const void *buf, size_t len);
int64_t tcp_sock_recv(struct net_sock *s, void *buf, size_t len, bool peek);
int tcp_sock_shutdown(struct net_sock *s, int how);
uint32_t tcp_sock_poll(struct net_sock *s);
/* socket_tcp_info.c: socket_tcp.c tells it of sends (nxt_before: snd_nxt
 * before tcp_output), ACKs, data in, the SYN out and the connection made. */
struct tcp_pcb;
void tcp_info_wrote(struct net_sock *s, struct tcp_pcb *pcb, uint32_t nxt_before);
void tcp_info_acked(struct net_sock *s, struct tcp_pcb *pcb, uint32_t len);
void tcp_info_received(struct net_sock *s, uint32_t len);
void tcp_info_started(struct net_sock *s, uint32_t seq);
void tcp_info_connected(struct net_sock *s);

int udp_sock_init(struct net_sock *s);
void udp_sock_close(struct net_sock *s);
int udp_sock_bind(struct net_sock *s, const ip_addr_t *ip, uint16_t port);
int udp_sock_connect(struct net_sock *s, const ip_addr_t *ip, uint16_t port);
void udp_sock_disconnect(struct net_sock *s);
int64_t udp_sock_send(struct net_sock *s, const void *buf, size_t len, const ip_addr_t *ip,
                      uint16_t port);
int64_t udp_sock_recv(struct net_sock *s, void *buf, size_t len, bool peek, ip_addr_t *from,
                      uint16_t *port, size_t *full_len);
uint32_t udp_sock_poll(struct net_sock *s);
/* The socket of a UDP pcb, or NULL (a pcb of lwIP's own, e.g. DHCP's). */
struct udp_pcb;
struct net_sock *udp_sock_of_pcb(struct udp_pcb *pcb);

/* net/thread.c: sockets alive (the thread polls faster while any is). */
void net_sock_count(int delta);

#endif
