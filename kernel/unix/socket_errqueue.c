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
#include "mm/heap.h"
#include "lib/errno.h"
#include "lib/string.h"

#define IOV_MAX 1024
#define QUOTE_MAX 2048                  /* more than any queued record holds */
#define SOL_IP 0
#define SOL_IPV6 41
#define IP_RECVERR 11
#define IPV6_RECVERR 25
#define MSG_CTRUNC 0x8
#define CMSG_HDR 16                     /* struct cmsghdr: len (8), level, type */
#define EE_LEN 16                       /* struct sock_extended_err */

struct msghdr_u {
    uint64_t name;
    uint32_t namelen, pad;
    uint64_t iov, iovlen, control, controllen;
    int32_t flags, pad2;
};
struct iovec_u {
    uint64_t base, len;
};

/* A sockaddr_in or sockaddr_in6 in b; its length. */
static uint32_t sockaddr_bytes(const struct net_addr *a, uint8_t b[28])
{
    memset(b, 0, 28);
    b[2] = (uint8_t)(a->port >> 8);
    b[3] = (uint8_t)a->port;
    if (a->family == NET_AF_INET6) {
        b[0] = AF_INET6;
        memcpy(b + 8, a->ip, 16);
        memcpy(b + 24, &a->scope_id, 4);
        return 28;
    }
    b[0] = AF_INET;
    memcpy(b + 4, a->ip, 4);
    return 16;
}

/* The control message into the program's msg_control; the length used
 * (Linux's put_cmsg: cut to the room there is, with MSG_CTRUNC). */
static int put_error_cmsg(struct sock_file *sf, const struct net_sock_err *e,
                          const struct msghdr_u *m, int32_t *mflags, uint64_t *used)
{
    bool v6 = net_sock_family(sf->ns) == NET_AF_INET6;
    uint8_t c[CMSG_HDR + EE_LEN + 28 + 4];
    memset(c, 0, sizeof(c));
    uint32_t ee[4] = { e->err, 0, e->info, 0 };
    uint8_t *eb = (uint8_t *)ee;
    eb[4] = e->origin;
    eb[5] = e->type;
    eb[6] = e->code;
    memcpy(c + CMSG_HDR, ee, sizeof(ee));
    uint64_t len = CMSG_HDR + EE_LEN + sockaddr_bytes(&e->offender, c + CMSG_HDR + EE_LEN);
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

static int64_t scatter(const struct iovec_u *iov, uint64_t count, const uint8_t *buf, size_t n)
{
    for (uint64_t i = 0; i < count && n; i++) {
        size_t piece = iov[i].len < n ? iov[i].len : n;
        if (piece && copy_to_user(iov[i].base, buf, piece))
            return -EFAULT;
        buf += piece;
        n -= piece;
    }
    return 0;
}

static int64_t recv_error(struct sock_file *sf, uint64_t umsg, struct iovec_u *iov,
                          const struct msghdr_u *m, uint8_t *buf)
{
    uint64_t total = 0;
    for (uint64_t i = 0; i < m->iovlen; i++)
        if ((int64_t)iov[i].len < 0 || (total += iov[i].len) > 0x7ffff000ull)
            return -EINVAL;
    struct net_sock_err e;
    int err = net_sock_take_queued_error(sf->ns, &e, buf, QUOTE_MAX);
    if (err)
        return err;
    size_t copied = e.len < total ? e.len : (size_t)total;
    int32_t mflags = MSG_ERRQUEUE | (e.len > copied ? MSG_TRUNC : 0);
    uint64_t used = 0;
    if (scatter(iov, m->iovlen, buf, copied) ||
        (m->name && sockaddr_to_user(&e.dest, m->name, umsg + 8)) ||
        put_error_cmsg(sf, &e, m, &mflags, &used) ||
        copy_to_user(umsg + 40, &used, sizeof(used)) || copy_to_user(umsg + 48, &mflags, 4))
        return -EFAULT;
    return (int64_t)copied;
}

int64_t sock_recvmsg_errqueue(int fd, uint64_t umsg)
{
    struct file *f;
    int err;
    struct sock_file *sf = sock_get(fd, &f, &err);
    if (!sf)
        return err;
    struct msghdr_u m;
    struct iovec_u *iov = NULL;
    uint8_t *buf = NULL;
    int64_t r;
    if (copy_from_user(&m, umsg, sizeof(m)))
        r = -EFAULT;
    else if (m.iovlen > IOV_MAX)
        r = -EMSGSIZE;
    else if (!(iov = kmalloc(m.iovlen ? m.iovlen * sizeof(*iov) : 1)) || !(buf = kmalloc(QUOTE_MAX)))
        r = -ENOMEM;
    else if (m.iovlen && copy_from_user(iov, m.iov, m.iovlen * sizeof(*iov)))
        r = -EFAULT;
    else
        r = recv_error(sf, umsg, iov, &m, buf);
    kfree(iov);
    kfree(buf);
    file_put(f);
    return r;
}
