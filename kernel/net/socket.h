/* Sockets on lwIP's raw API: TCP and UDP over IPv4 and IPv6, as the
 * system calls (unix/socket_calls.c) need them.  Nothing here blocks: an
 * operation that would wait returns -EAGAIN, and the socket tells its
 * owner through the notify function whenever its readiness may have
 * changed (data in, room out, a connection made, refused or reset), from
 * whichever thread ran lwIP.  The owner waits and retries.
 *
 * lwIP is entered only from thread context: system calls and the network
 * thread (net/thread.c), never from an interrupt handler. */
#ifndef NET_SOCKET_H
#define NET_SOCKET_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define NET_AF_UNSPEC 0
#define NET_AF_INET 2
#define NET_AF_INET6 10
#define NET_SOCK_STREAM 1
#define NET_SOCK_DGRAM 2

/* Readiness bits: poll(2)'s values. */
#define NET_POLLIN 0x1
#define NET_POLLOUT 0x4
#define NET_POLLERR 0x8
#define NET_POLLHUP 0x10
#define NET_POLLRDHUP 0x2000

/* An address and port, host byte order for the port; ip holds 4 bytes
 * (NET_AF_INET) or 16 (NET_AF_INET6; IPv4-mapped ::ffff:a.b.c.d allowed). */
struct net_addr {
    uint16_t family;
    uint16_t port;
    uint8_t ip[16];
    uint32_t scope_id;
};

enum net_opt {
    NET_OPT_REUSEADDR,
    NET_OPT_REUSEPORT,
    NET_OPT_KEEPALIVE,
    NET_OPT_NODELAY,
    NET_OPT_V6ONLY,
    NET_OPT_RCVBUF,
    NET_OPT_SNDBUF,
    NET_OPT_KEEPIDLE,      /* seconds */
    NET_OPT_KEEPINTVL,     /* seconds */
    NET_OPT_KEEPCNT,
    NET_OPT_LINGER,        /* -1 off, else seconds (0: close resets) */
    NET_OPT_RECVERR,       /* IP_RECVERR: queue ICMPv4 errors */
    NET_OPT_RECVERR6,      /* IPV6_RECVERR: queue ICMPv6 errors */
};

/* An ICMP error on the socket's error queue (Linux's struct
 * sock_extended_err and what goes with it). */
struct net_sock_err {
    uint32_t err;                       /* ee_errno */
    uint8_t origin, type, code;         /* SO_EE_ORIGIN_ICMP(6), the ICMP type and code */
    uint32_t info;                      /* ee_info: the MTU of a "too big" */
    struct net_addr offender;           /* who sent the ICMP (port 0) */
    struct net_addr dest;               /* where the datagram was going */
    size_t len;                         /* bytes of the datagram the ICMP quoted */
};

struct net_sock;
typedef void (*net_notify_fn)(void *owner, uint32_t events);

/* A new socket; 0, -EAFNOSUPPORT, -ESOCKTNOSUPPORT, -ENOMEM. */
int net_sock_new(int family, int type, struct net_sock **out);
/* Who hears about readiness changes (set before anything can happen). */
void net_sock_set_notify(struct net_sock *s, net_notify_fn fn, void *owner);
int net_sock_family(const struct net_sock *s);
bool net_sock_listening(const struct net_sock *s);
int net_sock_type(const struct net_sock *s);
/* Closes: queued output still goes out (TCP), unread input resets the
 * connection as Linux does, SO_LINGER 0 resets it.  s is freed. */
void net_sock_close(struct net_sock *s);

int net_sock_bind(struct net_sock *s, const struct net_addr *a);
int net_sock_listen(struct net_sock *s, int backlog);
/* The next established connection, or -EAGAIN; -EINVAL if not listening. */
int net_sock_accept(struct net_sock *s, struct net_sock **out);
/* TCP: starts connecting (-EINPROGRESS), or -EALREADY/-EISCONN/an error.
 * UDP: sets the peer (family NET_AF_UNSPEC: forgets it), 0. */
int net_sock_connect(struct net_sock *s, const struct net_addr *a);
/* After -EINPROGRESS: 0 connected, -EINPROGRESS still going, or the
 * error that ended it (taken, as SO_ERROR takes it). */
int net_sock_connect_result(struct net_sock *s);

/* Bytes taken (TCP: possibly fewer than len), -EAGAIN (no room), -EPIPE
 * (the sending side is closed: the caller raises SIGPIPE), or an error.
 * to: the destination of a datagram (NULL: the connected peer); a stream
 * ignores it, as Linux does on a connected stream. */
int64_t net_sock_send(struct net_sock *s, const void *buf, size_t len, const struct net_addr *to);
/* Bytes copied, 0 at the end of the stream, -EAGAIN, or an error.
 * peek: leave them queued.  from (may be NULL): the sender (UDP) or peer.
 * *full_len: a datagram's whole length (longer than len: truncated). */
int64_t net_sock_recv(struct net_sock *s, void *buf, size_t len, bool peek, struct net_addr *from,
                      size_t *full_len);
/* how: 0 read, 1 write, 2 both. */
int net_sock_shutdown(struct net_sock *s, int how);
/* peer false: the local address (getsockname); true: the peer's. */
int net_sock_name(struct net_sock *s, bool peer, struct net_addr *out);
uint32_t net_sock_poll(struct net_sock *s);
/* recvmsg(MSG_ERRQUEUE): takes the oldest queued ICMP error, the first
 * `room` bytes of what it quoted into buf; -EAGAIN when there is none. */
int net_sock_take_queued_error(struct net_sock *s, struct net_sock_err *out, void *buf,
                               size_t room);
/* SO_ERROR: the pending error (negative errno) or 0; clears it. */
int net_sock_take_error(struct net_sock *s);
/* FIONREAD: bytes readable (TCP), the next datagram's size (UDP). */
size_t net_sock_readable(struct net_sock *s);
int net_sock_setopt(struct net_sock *s, enum net_opt opt, int val);
int net_sock_getopt(struct net_sock *s, enum net_opt opt, int *val);
/* TCP_INFO: Linux's struct tcp_info, its first `room` bytes into out
 * (as Linux cuts it to the caller's length); the bytes written. */
size_t net_sock_tcp_info(struct net_sock *s, void *out, size_t room);
/* TCP_CONGESTION: the algorithm's name; setting: 0 for it, -ENOENT for
 * any other (not available, as Linux says). */
const char *net_sock_congestion(struct net_sock *s);
int net_sock_set_congestion(struct net_sock *s, const char *name);
/* TCP_MAXSEG: the connection's MSS (536 before there is one, as Linux). */
int net_sock_mss(struct net_sock *s);

/* The network thread (net/thread.c): started by the first socket or by
 * net_start; net_kick makes it look at once (loopback packets queued). */
void net_start(void);
void net_kick(void);

#endif
