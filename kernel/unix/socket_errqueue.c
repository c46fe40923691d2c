/* recvmsg(MSG_ERRQUEUE): the oldest ICMP error queued on a socket
 * (net/socket_errqueue.c), as Linux's ip_recv_error and ipv6_recv_error
 * give it: the datagram's quoted part as data (MSG_TRUNC if it was cut),
 * where it was going as msg_name, and one control message, IP_RECVERR (or
 * IPV6_RECVERR on an AF_INET6 socket) holding a struct sock_extended_err
 * and the sender of the ICMP; MSG_ERRQUEUE in msg_flags.  It never waits:
 * an empty queue is EAGAIN. */
#include "unix/socket.h"
#include "unix/syscall.h"
#include "unix/usercopy.h"
#include "unix/socket_msg.h"
#include "mm/heap.h"
#include "lib/errno.h"
#include "lib/string.h"

#define QUOTE_MAX 2048                  /* more than any queued record holds */
#define SOL_IP 0
#define SOL_IPV6 41
#define IP_RECVERR 11
#define IPV6_RECVERR 25
#define MSG_CTRUNC 0x8
#define CMSG_HDR 16                     /* struct cmsghdr: len (8), level, type */
#define EE_LEN 16                       /* struct sock_extended_err */

/* The control message into the program's msg_control; the length used
 * (Linux's put_cmsg: cut to the room there is, with MSG_CTRUNC). */
static int put_error_cmsg(struct sock_file *sf, const struct net_sock_err *e,
                          const struct msghdr_k *m, int32_t *mflags, uint64_t *used)
{
    bool v6 = net_sock_family(sf->ns) == NET_AF_INET6;
    uint8_t c[CMSG_HDR + EE_LEN + SOCKADDR_INET_MAX + 4];
    memset(c, 0, sizeof(c));
    uint32_t ee[4] = { e->err, 0, e->info, 0 };
    uint8_t *eb = (uint8_t *)ee;
    eb[4] = e->origin;
    eb[5] = e->type;
    eb[6] = e->code;
    memcpy(c + CMSG_HDR, ee, sizeof(ee));
    uint64_t len = CMSG_HDR + EE_LEN + sockaddr_encode(&e->offender, c + CMSG_HDR + EE_LEN);
    int32_t level = v6 ? SOL_IPV6 : SOL_IP, type = v6 ? IPV6_RECVERR : IP_RECVERR;
    memcpy(c, &len, 8);
    memcpy(c + 8, &level, 4);
    memcpy(c + 12, &type, 4);
    uint64_t space = (len + 7) & ~7ull;
    *used = 0;
    if (!m->control || m->controllen < CMSG_HDR) {
        *mflags |= MSG_CTRUNC;
        return 0;
    }
    uint64_t n = m->controllen < len ? m->controllen : len;
    if (n < len)
        *mflags |= MSG_CTRUNC;
    if (copy_to_user(m->control, c, n))
        return -EFAULT;
    *used = m->controllen < space ? m->controllen : space;
    return 0;
}

/* The record into the buffers msghdr m names (read by sock_msg_read,
 * socket_msg.c, as for any recvmsg). */
static int64_t recv_error(struct sock_file *sf, uint64_t umsg, const struct sock_msg *m,
                          uint8_t *buf)
{
    struct net_sock_err e;
    int err = net_sock_take_queued_error(sf->ns, &e, buf, QUOTE_MAX);
    if (err)
        return err;
    size_t copied = e.len < m->total ? e.len : (size_t)m->total;
    int32_t mflags = MSG_ERRQUEUE | (e.len > copied ? MSG_TRUNC : 0);
    uint64_t used = 0;
    struct sock_iter it = { .iov = m->iov, .count = m->h.iovlen, .user = true };
    if (sock_iter_put(&it, buf, copied) ||
        (m->h.name && sockaddr_to_user(&e.dest, m->h.name, umsg + MSGHDR_NAMELEN)) ||
        put_error_cmsg(sf, &e, &m->h, &mflags, &used) || sock_msg_done(umsg, used, mflags))
        return -EFAULT;
    return (int64_t)copied;
}

int64_t sock_recvmsg_errqueue(struct sock_file *sf, uint64_t umsg)
{
    struct sock_msg m;
    int64_t r = sock_msg_read(umsg, false, &m);
    if (r)
        return r;
    uint8_t *buf = kmalloc(QUOTE_MAX);
    r = buf ? recv_error(sf, umsg, &m, buf) : -ENOMEM;
    kfree(buf);
    sock_msg_free(&m);
    return r;
}
