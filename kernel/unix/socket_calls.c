/* The socket system calls that make, name and connect sockets: socket,
 * bind, listen, accept/accept4, connect, shutdown, getsockname,
 * getpeername, socketpair.  (Data: socket_io.c; options: socket_opt.c.)
 * The calls on a descriptor come here from unix_socket_dispatch.c, which
 * found the socket and holds its file. */
#include "unix/socket.h"
#include "unix/unix_socket.h"
#include "unix/syscall.h"
#include "unix/usercopy.h"
#include "lib/errno.h"
#include "lib/log.h"

#define IPPROTO_TCP 6
#define IPPROTO_UDP 17

int64_t sys_socket(SYSCALL_ARGS)
{
    UNUSED_ARGS;
    int domain = (int)a0, type = (int)a1 & ~(SOCK_NONBLOCK | SOCK_CLOEXEC), proto = (int)a2;
    uint32_t flags = (uint32_t)a1 & (SOCK_NONBLOCK | SOCK_CLOEXEC);
    if ((int)a1 & ~(0xf | SOCK_NONBLOCK | SOCK_CLOEXEC))
        return -EINVAL;
    if (domain == AF_UNIX)
        return unix_socket_create(type, proto, flags);
    if (domain != AF_INET && domain != AF_INET6) {
        klog_once(&sys_socket + 1, "socket: address family %d is not supported (EAFNOSUPPORT)",
                  domain);
        return -EAFNOSUPPORT;
    }
    if (type != SOCK_STREAM && type != SOCK_DGRAM) {
        klog_once(&sys_socket + 2, "socket: type %d is not supported (only stream and "
                                   "datagram sockets)", type);
        return -ESOCKTNOSUPPORT;
    }
    if (proto != 0 && proto != (type == SOCK_STREAM ? IPPROTO_TCP : IPPROTO_UDP))
        return -EPROTONOSUPPORT;
    struct net_sock *ns;
    int err = net_sock_new(domain == AF_INET ? NET_AF_INET : NET_AF_INET6,
                           type == SOCK_STREAM ? NET_SOCK_STREAM : NET_SOCK_DGRAM, &ns);
    if (err)
        return err;
    return sock_file_install(ns, flags);
}

int64_t sys_socketpair(SYSCALL_ARGS)
{
    UNUSED_ARGS;
    if ((int)a0 == AF_UNIX)
        return unix_socketpair((int)a1, (int)a2, a3);
    return (int)a0 == AF_INET || (int)a0 == AF_INET6 ? -EOPNOTSUPP : -EAFNOSUPPORT;
}

int64_t inet_bind(struct sock_file *sf, uint64_t a1, uint64_t a2, uint64_t a3, uint64_t a4,
                  uint64_t a5)
{
    (void)a3, (void)a4, (void)a5;
    struct net_addr a;
    int err = sockaddr_from_user(a1, a2, &a);
    if (!err && a.family != (net_sock_family(sf->ns) == NET_AF_INET ? NET_AF_INET : NET_AF_INET6))
        err = net_sock_family(sf->ns) == NET_AF_INET ? -EAFNOSUPPORT : -EINVAL;
    if (!err)
        err = net_sock_bind(sf->ns, &a);
    return err;
}

int64_t inet_listen(struct sock_file *sf, uint64_t a1, uint64_t a2, uint64_t a3, uint64_t a4,
                    uint64_t a5)
{
    (void)a2, (void)a3, (void)a4, (void)a5;
    return net_sock_listen(sf->ns, (int)a1);
}

static int64_t accept_op(struct sock_file *sf, void *arg)
{
    return net_sock_accept(sf->ns, arg);
}

static int64_t do_accept(struct sock_file *sf, uint64_t uaddr, uint64_t ulenp, uint64_t flags)
{
    if (flags & ~(uint64_t)(SOCK_NONBLOCK | SOCK_CLOEXEC))
        return -EINVAL;
    struct net_sock *ns = NULL;
    int64_t r = sock_block(sf, sf->file->flags & O_NONBLOCK, sf->rcvtimeo_ns, accept_op, &ns);
    if (r < 0)
        return r;
    struct net_addr peer;
    bool named = net_sock_name(ns, true, &peer) == 0;
    int nfd = sock_file_install(ns, (uint32_t)flags);
    if (nfd < 0)
        return nfd;
    int err;
    if (uaddr && named && (err = sockaddr_to_user(&peer, uaddr, ulenp)) != 0) {
        /* Linux too has made the connection by now; it reports the fault. */
        fd_close(nfd);
        return err;
    }
    return nfd;
}

int64_t inet_accept(struct sock_file *sf, uint64_t a1, uint64_t a2, uint64_t a3, uint64_t a4,
                    uint64_t a5)
{
    (void)a3, (void)a4, (void)a5;
    return do_accept(sf, a1, a2, 0);
}

int64_t inet_accept4(struct sock_file *sf, uint64_t a1, uint64_t a2, uint64_t a3, uint64_t a4,
                     uint64_t a5)
{
    (void)a4, (void)a5;
    return do_accept(sf, a1, a2, a3);
}

static int64_t connected_op(struct sock_file *sf, void *arg)
{
    (void)arg;
    int r = net_sock_connect_result(sf->ns);
    return r == -EINPROGRESS ? -EAGAIN : r;
}

int64_t inet_connect(struct sock_file *sf, uint64_t a1, uint64_t a2, uint64_t a3, uint64_t a4,
                     uint64_t a5)
{
    (void)a3, (void)a4, (void)a5;
    struct net_addr a;
    int64_t r = sockaddr_from_user(a1, a2, &a);
    if (r == 0)
        r = net_sock_connect(sf->ns, &a);
    if (r == -EINPROGRESS && !(sf->file->flags & O_NONBLOCK)) {
        r = sock_block(sf, false, sf->sndtimeo_ns, connected_op, NULL);
        if (r == -EAGAIN)
            r = -EINPROGRESS;            /* SO_SNDTIMEO passed: Linux says EINPROGRESS */
    }
    return r;
}

int64_t inet_shutdown(struct sock_file *sf, uint64_t a1, uint64_t a2, uint64_t a3, uint64_t a4,
                      uint64_t a5)
{
    (void)a2, (void)a3, (void)a4, (void)a5;
    return net_sock_shutdown(sf->ns, (int)a1);
}

static int64_t get_name(struct sock_file *sf, uint64_t uaddr, uint64_t ulenp, bool peer)
{
    struct net_addr a;
    int err = net_sock_name(sf->ns, peer, &a);
    if (!err)
        err = uaddr ? sockaddr_to_user(&a, uaddr, ulenp) : -EFAULT;
    return err;
}

int64_t inet_getsockname(struct sock_file *sf, uint64_t a1, uint64_t a2, uint64_t a3,
                         uint64_t a4, uint64_t a5)
{
    (void)a3, (void)a4, (void)a5;
    return get_name(sf, a1, a2, false);
}

int64_t inet_getpeername(struct sock_file *sf, uint64_t a1, uint64_t a2, uint64_t a3,
                         uint64_t a4, uint64_t a5)
{
    (void)a3, (void)a4, (void)a5;
    return get_name(sf, a1, a2, true);
}
