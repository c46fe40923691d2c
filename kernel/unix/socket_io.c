/* Sending and receiving on sockets: read/write (through socket_file.c),
 * sendto/recvfrom and sendmsg/recvmsg.  A blocking send on a stream sends
 * everything (or fails having sent nothing); a closed sending side is
 * EPIPE and SIGPIPE unless MSG_NOSIGNAL. */
#include "unix/socket.h"
#include "unix/socket_msg.h"
#include "unix/usercopy.h"
#include "unix/process.h"
#include "unix/signal.h"
#include "mm/heap.h"
#include "lib/errno.h"
#include "lib/log.h"
#include "lib/string.h"

#define MSG_BUF_MAX 65536                /* one recvmsg, one datagram sendmsg, a stream's piece */

struct io_arg {
    void *buf;
    size_t len;
    bool peek;
    const struct net_addr *to;
    struct net_addr *from;
    size_t *full_len;
};

static int64_t send_op(struct sock_file *sf, void *arg)
{
    struct io_arg *a = arg;
    return net_sock_send(sf->ns, a->buf, a->len, a->to);
}

static int64_t recv_op(struct sock_file *sf, void *arg)
{
    struct io_arg *a = arg;
    return net_sock_recv(sf->ns, a->buf, a->len, a->peek, a->from, a->full_len);
}

static bool nonblocking(struct sock_file *sf, int flags)
{
    return (sf->file->flags & O_NONBLOCK) || (flags & MSG_DONTWAIT);
}

int64_t sock_send(struct sock_file *sf, const void *buf, size_t len, int flags,
                  const struct net_addr *to)
{
    if (flags & MSG_OOB)
        return -EOPNOTSUPP;
    bool nb = nonblocking(sf, flags);
    bool stream = net_sock_type(sf->ns) == NET_SOCK_STREAM;
    size_t done = 0;
    int64_t n;
    do {
        struct io_arg a = { .buf = (uint8_t *)buf + done, .len = len - done, .to = stream ? NULL : to };
        n = sock_block(sf, nb, sf->sndtimeo_ns, send_op, &a);
        if (n > 0)
            done += (size_t)n;
    } while (n > 0 && stream && !nb && done < len);
    if (done)
        return (int64_t)done;
    if (n == -EPIPE && !(flags & MSG_NOSIGNAL))
        signal_send(&(struct signal_info){ .signo = SIGPIPE, .code = SI_USER, .pid = PROCESS_PID,
                                           .why = "wrote to a socket whose sending side is closed" });
    return n;
}

int64_t sock_recv(struct sock_file *sf, void *buf, size_t len, int flags, struct net_addr *from,
                  size_t *full_len)
{
    if (flags & MSG_OOB)
        return -EOPNOTSUPP;
    bool nb = nonblocking(sf, flags);
    struct io_arg a = { .buf = buf, .len = len, .peek = flags & MSG_PEEK, .from = from,
                        .full_len = full_len };
    int64_t n = sock_block(sf, nb, sf->rcvtimeo_ns, recv_op, &a);
    /* MSG_WAITALL on a stream: until len, the end, or an error. */
    size_t done = n > 0 ? (size_t)n : 0;
    while ((flags & MSG_WAITALL) && !a.peek && n > 0 && done < len &&
           net_sock_type(sf->ns) == NET_SOCK_STREAM) {
        a.buf = (uint8_t *)buf + done;
        a.len = len - done;
        n = sock_block(sf, nb, sf->rcvtimeo_ns, recv_op, &a);
        if (n > 0)
            done += (size_t)n;
    }
    return done ? (int64_t)done : n;
}

/* The address a stream reports on receive: none (length 0), as Linux. */
static int no_address(uint64_t ulenp)
{
    uint32_t zero = 0;
    return ulenp && copy_to_user(ulenp, &zero, sizeof(zero)) ? -EFAULT : 0;
}

/* A datagram is one send: the pieces gathered first. */
static int64_t send_gathered(struct sock_file *sf, struct sock_iter *it, uint64_t total, int flags,
                             const struct net_addr *to)
{
    if (total > MSG_BUF_MAX)
        return -EMSGSIZE;
    uint8_t *buf = kmalloc(total ? total : 1);
    if (!buf)
        return -ENOMEM;
    int64_t r = sock_iter_take(it, buf, total);
    if (r == 0)
        r = sock_send(sf, buf, total, flags, to);
    kfree(buf);
    return r;
}

/* A stream: pieces of up to MSG_BUF_MAX gathered from the iovecs, so that
 * many small iovecs go out together as Linux sends them. */
static int64_t send_stream(struct sock_file *sf, struct sock_iter *it, uint64_t total, int flags)
{
    size_t cap = total < MSG_BUF_MAX ? total : MSG_BUF_MAX;
    uint8_t *buf = kmalloc(cap ? cap : 1);
    if (!buf)
        return -ENOMEM;
    int64_t done = 0, r = 0;
    do {
        size_t n = total - (uint64_t)done < cap ? total - (uint64_t)done : cap;
        if (sock_iter_take(it, buf, n)) {
            r = -EFAULT;
            break;
        }
        r = sock_send(sf, buf, n, flags | (done ? MSG_NOSIGNAL : 0), NULL);
        if (r > 0)
            done += r;
        if (r < (int64_t)n)
            break;
    } while ((uint64_t)done < total);
    kfree(buf);
    return done ? done : r;
}

int64_t inet_sendmsg(struct sock_file *sf, uint64_t a1, uint64_t a2, uint64_t a3, uint64_t a4,
                     uint64_t a5)
{
    (void)a3, (void)a4, (void)a5;
    struct sock_msg m;
    int64_t r = sock_msg_read(a1, true, &m);
    if (r)
        return r;
    if (m.control)
        klog_once(&inet_sendmsg, "socket: sendmsg's control data (ancillary messages) is ignored");
    bool dgram = net_sock_type(sf->ns) == NET_SOCK_DGRAM;
    struct net_addr to;
    bool have_to = m.name && dgram;
    r = have_to ? sockaddr_from_user(m.name, m.h.namelen, &to) : 0;
    struct sock_iter it = { .iov = m.iov, .count = m.h.iovlen, .user = true };
    if (r == 0)
        r = dgram ? send_gathered(sf, &it, m.total, (int)a2, have_to ? &to : NULL)
                  : send_stream(sf, &it, m.total, (int)a2);
    sock_msg_free(&m);
    return r;
}

/* A stream receive into buffers not all mapped: the bytes are looked at,
 * copied out as far as they go, and only those taken, so that the rest
 * stay for the next read, as Linux's TCP leaves them (EFAULT when none
 * could be copied). */
static int64_t recv_kept(struct sock_file *sf, struct sock_iter *it, uint8_t *buf, size_t cap,
                         int flags)
{
    int64_t r = sock_recv(sf, buf, cap, flags | MSG_PEEK, NULL, NULL);
    if (r <= 0)
        return r;
    size_t n = sock_iter_put_some(it, buf, (size_t)r);
    if (!n)
        return -EFAULT;
    return sock_recv(sf, buf, n, flags | MSG_DONTWAIT, NULL, NULL);
}

/* Receives up to total bytes into the iovecs through a kernel buffer
 * (at most MSG_BUF_MAX at once), so that only the bytes that arrive need
 * a place: as Linux, a huge length over a small buffer is fine.  *cap:
 * the most it asked for. */
static int64_t recv_iter(struct sock_file *sf, struct sock_iter *it, uint64_t total, int flags,
                         struct net_addr *from, size_t *full, size_t *cap)
{
    *cap = total < MSG_BUF_MAX ? total : MSG_BUF_MAX;
    uint8_t *buf = kmalloc(*cap ? *cap : 1);
    if (!buf)
        return -ENOMEM;
    int64_t r;
    if (net_sock_type(sf->ns) == NET_SOCK_STREAM && !(flags & (MSG_PEEK | MSG_WAITALL)) &&
        !sock_iter_mapped(it, *cap)) {
        r = recv_kept(sf, it, buf, *cap, flags);
    } else {
        r = sock_recv(sf, buf, *cap, flags, from, full);
        if (r >= 0 && sock_iter_put(it, buf, (size_t)r))
            r = -EFAULT;
    }
    kfree(buf);
    return r;
}

int64_t inet_recvmsg(struct sock_file *sf, uint64_t a1, uint64_t a2, uint64_t a3, uint64_t a4,
                     uint64_t a5)
{
    (void)a3, (void)a4, (void)a5;
    if ((int)a2 & MSG_ERRQUEUE)
        return sock_recvmsg_errqueue(sf, a1);   /* unix/socket_errqueue.c */
    struct sock_msg m;
    int64_t r = sock_msg_read(a1, false, &m);
    if (r)
        return r;
    size_t cap, full = 0;
    struct net_addr from;
    bool dgram = net_sock_type(sf->ns) == NET_SOCK_DGRAM;
    struct sock_iter it = { .iov = m.iov, .count = m.h.iovlen, .user = true };
    r = recv_iter(sf, &it, m.total, (int)a2, &from, &full, &cap);
    if (r >= 0 && m.h.name) {
        int err = dgram ? sockaddr_to_user(&from, m.h.name, a1 + MSGHDR_NAMELEN)
                        : no_address(a1 + MSGHDR_NAMELEN);
        if (err)
            r = err;
    }
    if (r >= 0 && sock_msg_done(a1, 0, dgram && full > cap ? MSG_TRUNC : 0))
        r = -EFAULT;
    if (r >= 0 && dgram && ((int)a2 & MSG_TRUNC))
        r = (int64_t)full;
    sock_msg_free(&m);
    return r;
}

/* sendto and recvfrom use the program's buffer in place; when it is not
 * all mapped (a length past a small buffer) they go the way of
 * sendmsg/recvmsg, which copy only what is sent or received. */
int64_t inet_sendto(struct sock_file *sf, uint64_t a1, uint64_t a2, uint64_t a3, uint64_t a4,
                    uint64_t a5)
{
    struct net_addr to;
    bool dgram = net_sock_type(sf->ns) == NET_SOCK_DGRAM, have_to = a4 && dgram;
    int64_t r = have_to ? sockaddr_from_user(a4, a5, &to) : 0;
    uint64_t len = a2 > SOCK_RW_MAX ? SOCK_RW_MAX : a2;
    if (r)
        return r;
    if (user_begin(a1, len, false)) {
        r = sock_send(sf, (const void *)a1, len, (int)a3, have_to ? &to : NULL);
        user_end();
        return r;
    }
    if (!sock_user_range_ok(a1, len))
        return -EFAULT;
    struct sock_iov iov = { a1, len };
    struct sock_iter it = { .iov = &iov, .count = 1, .user = true };
    return dgram ? send_gathered(sf, &it, len, (int)a3, have_to ? &to : NULL)
                 : send_stream(sf, &it, len, (int)a3);
}

int64_t inet_recvfrom(struct sock_file *sf, uint64_t a1, uint64_t a2, uint64_t a3, uint64_t a4,
                      uint64_t a5)
{
    uint64_t len = a2 > SOCK_RW_MAX ? SOCK_RW_MAX : a2;
    struct net_addr from;
    size_t full = 0, cap;
    int64_t r;
    if (user_begin(a1, len, true)) {
        r = sock_recv(sf, (void *)a1, len, (int)a3, &from, &full);
        user_end();
    } else if (!sock_user_range_ok(a1, len)) {
        r = -EFAULT;
    } else {
        struct sock_iov iov = { a1, len };
        struct sock_iter it = { .iov = &iov, .count = 1, .user = true };
        r = recv_iter(sf, &it, len, (int)a3, &from, &full, &cap);
    }
    bool dgram = net_sock_type(sf->ns) == NET_SOCK_DGRAM;
    if (r >= 0 && a4) {
        int err = dgram ? sockaddr_to_user(&from, a4, a5) : no_address(a5);
        if (err)
            r = err;
    }
    if (r >= 0 && dgram && ((int)a3 & MSG_TRUNC))
        r = (int64_t)full;                /* MSG_TRUNC: the datagram's real length */
    return r;
}
