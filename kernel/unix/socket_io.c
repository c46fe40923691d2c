/* Sending and receiving on sockets: read/write (through socket_file.c),
 * sendto/recvfrom and sendmsg/recvmsg.  A blocking send on a stream sends
 * everything (or fails having sent nothing); a closed sending side is
 * EPIPE and SIGPIPE unless MSG_NOSIGNAL. */
#include "unix/socket.h"
#include "unix/syscall.h"
#include "unix/usercopy.h"
#include "unix/process.h"
#include "unix/signal.h"
#include "mm/heap.h"
#include "lib/errno.h"
#include "lib/log.h"
#include "lib/string.h"

#define RW_MAX 0x7ffff000ull
#define IOV_MAX 1024
#define MSG_BUF_MAX 65536                /* one recvmsg, one datagram sendmsg */

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

int64_t sys_sendto(SYSCALL_ARGS)
{
    UNUSED_ARGS;
    struct file *f;
    int err;
    struct sock_file *sf = sock_get((int)a0, &f, &err);
    if (!sf)
        return err;
    struct net_addr to;
    bool have_to = a4 && net_sock_type(sf->ns) == NET_SOCK_DGRAM;
    int64_t r = have_to ? sockaddr_from_user(a4, a5, &to) : 0;
    uint64_t len = a2 > RW_MAX ? RW_MAX : a2;
    if (r == 0 && !user_begin(a1, len, false))
        r = -EFAULT;
    else if (r == 0) {
        r = sock_send(sf, (const void *)a1, len, (int)a3, have_to ? &to : NULL);
        user_end();
    }
    file_put(f);
    return r;
}

int64_t sys_recvfrom(SYSCALL_ARGS)
{
    UNUSED_ARGS;
    struct file *f;
    int err;
    struct sock_file *sf = sock_get((int)a0, &f, &err);
    if (!sf)
        return err;
    uint64_t len = a2 > RW_MAX ? RW_MAX : a2;
    struct net_addr from;
    size_t full = 0;
    int64_t r;
    if (!user_begin(a1, len, true)) {
        r = -EFAULT;
    } else {
        r = sock_recv(sf, (void *)a1, len, (int)a3, &from, &full);
        user_end();
    }
    bool dgram = net_sock_type(sf->ns) == NET_SOCK_DGRAM;
    if (r >= 0 && a4) {
        err = dgram ? sockaddr_to_user(&from, a4, a5) : no_address(a5);
        if (err)
            r = err;
    }
    if (r >= 0 && dgram && ((int)a3 & MSG_TRUNC))
        r = (int64_t)full;                /* MSG_TRUNC: the datagram's real length */
    file_put(f);
    return r;
}

/* struct msghdr and struct iovec as x86-64 Linux lays them out. */
struct msghdr_k {
    uint64_t name;
    uint32_t namelen, pad;
    uint64_t iov, iovlen, control, controllen;
    int32_t flags, pad2;
};
struct iovec_k {
    uint64_t base, len;
};
#define MSGHDR_NAMELEN 8
#define MSGHDR_CONTROLLEN 40
#define MSGHDR_FLAGS 48

/* The msghdr and its iovec array (*iov: kmalloc'ed, the caller frees). */
static int read_msg(uint64_t umsg, struct msghdr_k *m, struct iovec_k **iov, uint64_t *total)
{
    if (copy_from_user(m, umsg, sizeof(*m)))
        return -EFAULT;
    if (m->iovlen > IOV_MAX)
        return -EMSGSIZE;
    *iov = kmalloc(m->iovlen ? m->iovlen * sizeof(**iov) : 1);
    if (!*iov)
        return -ENOMEM;
    if (m->iovlen && copy_from_user(*iov, m->iov, m->iovlen * sizeof(**iov))) {
        kfree(*iov);
        return -EFAULT;
    }
    *total = 0;
    for (uint64_t i = 0; i < m->iovlen; i++) {
        if ((int64_t)(*iov)[i].len < 0 || (*total += (*iov)[i].len) > RW_MAX) {
            kfree(*iov);
            return -EINVAL;
        }
    }
    return 0;
}

/* A datagram is one send: the pieces gathered first. */
static int64_t send_gathered(struct sock_file *sf, const struct iovec_k *iov, uint64_t n,
                             uint64_t total, int flags, const struct net_addr *to)
{
    if (total > MSG_BUF_MAX)
        return -EMSGSIZE;
    uint8_t *buf = kmalloc(total ? total : 1);
    if (!buf)
        return -ENOMEM;
    int64_t r = 0;
    for (uint64_t i = 0, at = 0; i < n && r == 0; at += iov[i].len, i++)
        if (iov[i].len && copy_from_user(buf + at, iov[i].base, iov[i].len))
            r = -EFAULT;
    if (r == 0)
        r = sock_send(sf, buf, total, flags, to);
    kfree(buf);
    return r;
}

static int64_t send_pieces(struct sock_file *sf, const struct iovec_k *iov, uint64_t n, int flags)
{
    int64_t done = 0;
    for (uint64_t i = 0; i < n; i++) {
        if (!iov[i].len)
            continue;
        if (!user_begin(iov[i].base, iov[i].len, false))
            return done ? done : -EFAULT;
        int64_t r = sock_send(sf, (const void *)iov[i].base, iov[i].len, flags | (done ? MSG_NOSIGNAL : 0), NULL);
        user_end();
        if (r < 0)
            return done ? done : r;
        done += r;
        if ((uint64_t)r < iov[i].len)
            break;
    }
    return done;
}

int64_t sys_sendmsg(SYSCALL_ARGS)
{
    UNUSED_ARGS;
    struct file *f;
    int err;
    struct sock_file *sf = sock_get((int)a0, &f, &err);
    if (!sf)
        return err;
    struct msghdr_k m;
    struct iovec_k *iov = NULL;
    uint64_t total;
    int64_t r = read_msg(a1, &m, &iov, &total);
    if (r) {
        file_put(f);
        return r;
    }
    if (m.controllen)
        klog_once(&sys_sendmsg, "socket: sendmsg's control data (ancillary messages) is ignored");
    bool dgram = net_sock_type(sf->ns) == NET_SOCK_DGRAM;
    struct net_addr to;
    bool have_to = m.name && dgram;
    r = have_to ? sockaddr_from_user(m.name, m.namelen, &to) : 0;
    if (r == 0)
        r = dgram ? send_gathered(sf, iov, m.iovlen, total, (int)a2, have_to ? &to : NULL)
                  : send_pieces(sf, iov, m.iovlen, (int)a2);
    kfree(iov);
    file_put(f);
    return r;
}

/* Scatters buf[0..n) over the iovecs. */
static int scatter(const struct iovec_k *iov, uint64_t count, const uint8_t *buf, size_t n)
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

int64_t sys_recvmsg(SYSCALL_ARGS)
{
    UNUSED_ARGS;
    if ((int)a2 & MSG_ERRQUEUE)
        return sock_recvmsg_errqueue((int)a0, a1);  /* unix/socket_errqueue.c */
    struct file *f;
    int err;
    struct sock_file *sf = sock_get((int)a0, &f, &err);
    if (!sf)
        return err;
    struct msghdr_k m;
    struct iovec_k *iov = NULL;
    uint64_t total;
    int64_t r = read_msg(a1, &m, &iov, &total);
    if (r) {
        file_put(f);
        return r;
    }
    size_t cap = total < MSG_BUF_MAX ? total : MSG_BUF_MAX, full = 0;
    uint8_t *buf = kmalloc(cap ? cap : 1);
    struct net_addr from;
    bool dgram = net_sock_type(sf->ns) == NET_SOCK_DGRAM;
    r = buf ? sock_recv(sf, buf, cap, (int)a2, &from, &full) : -ENOMEM;
    if (r >= 0)
        r = scatter(iov, m.iovlen, buf, (size_t)r) ? -EFAULT : r;
    if (r >= 0 && m.name) {
        err = dgram ? sockaddr_to_user(&from, m.name, a1 + MSGHDR_NAMELEN)
                    : no_address(a1 + MSGHDR_NAMELEN);
        if (err)
            r = err;
    }
    if (r >= 0) {
        int32_t mflags = dgram && full > cap ? MSG_TRUNC : 0;
        uint64_t zero = 0;
        if (copy_to_user(a1 + MSGHDR_CONTROLLEN, &zero, sizeof(zero)) ||
            copy_to_user(a1 + MSGHDR_FLAGS, &mflags, sizeof(mflags)))
            r = -EFAULT;
        if (r >= 0 && dgram && ((int)a2 & MSG_TRUNC))
            r = (int64_t)full;
    }
    kfree(buf);
    kfree(iov);
    file_put(f);
    return r;
}
