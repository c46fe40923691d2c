/* setsockopt, getsockopt and a socket's ioctls.  The options servers set
 * take effect; a few are accepted without effect, said in the log once:
 *   SO_REUSEPORT  stored and reported; a second socket cannot listen on
 *                 the same port (lwIP has one listener per port), so there
 *                 is no load balancing across sockets;
 *   SO_LINGER     on with 0 seconds: close resets the connection (RST);
 *                 on with a time: close does not wait, the queued data
 *                 still goes out in the background (as with it off);
 *   TCP_CONGESTION "reno" (lwIP's algorithm), any other refused: ENOENT;
 *   TCP_INFO, TCP_MAXSEG: read only (net/socket_tcp_info.c);
 *   SO_BROADCAST, SO_PRIORITY, IP_TOS, TCP_QUICKACK, TCP_DEFER_ACCEPT:
 *                 accepted, no effect;
 *   IP_RECVERR, IPV6_RECVERR: a UDP socket queues the ICMP errors it gets
 *                 (net/socket_errqueue.c; read by recvmsg(MSG_ERRQUEUE),
 *                 unix/socket_errqueue.c); a TCP socket stores the flag. */
#include "unix/socket.h"
#include "unix/syscall.h"
#include "unix/usercopy.h"
#include "unix/timeout.h"
#include "lib/errno.h"
#include "lib/log.h"
#include "lib/string.h"

#define SOL_SOCKET 1
#define SOL_IP 0
#define SOL_TCP 6
#define SOL_IPV6 41
#define SO_REUSEADDR 2
#define SO_TYPE 3
#define SO_ERROR 4
#define SO_BROADCAST 6
#define SO_SNDBUF 7
#define SO_RCVBUF 8
#define SO_KEEPALIVE 9
#define SO_PRIORITY 12
#define SO_LINGER 13
#define SO_REUSEPORT 15
#define SO_RCVTIMEO 20
#define SO_SNDTIMEO 21
#define SO_ACCEPTCONN 30
#define SO_PROTOCOL 38
#define SO_DOMAIN 39
#define IP_TOS 1
#define TCP_NODELAY 1
#define TCP_KEEPIDLE 4
#define TCP_KEEPINTVL 5
#define TCP_KEEPCNT 6
#define TCP_MAXSEG 2
#define TCP_DEFER_ACCEPT 9
#define TCP_INFO 11
#define TCP_CONGESTION 13
#define TCP_CA_NAME_MAX 16
#define TCP_QUICKACK 12
#define IPV6_V6ONLY 26
#define IP_RECVERR 11
#define IPV6_RECVERR 25
#define FIONREAD 0x541b

/* Options that are net/'s plain integers. */
static int int_option(int level, int name, enum net_opt *out)
{
    static const struct { int level, name; enum net_opt opt; } map[] = {
        { SOL_SOCKET, SO_REUSEADDR, NET_OPT_REUSEADDR }, { SOL_SOCKET, SO_REUSEPORT, NET_OPT_REUSEPORT },
        { SOL_SOCKET, SO_KEEPALIVE, NET_OPT_KEEPALIVE }, { SOL_SOCKET, SO_RCVBUF, NET_OPT_RCVBUF },
        { SOL_SOCKET, SO_SNDBUF, NET_OPT_SNDBUF }, { SOL_TCP, TCP_NODELAY, NET_OPT_NODELAY },
        { SOL_TCP, TCP_KEEPIDLE, NET_OPT_KEEPIDLE }, { SOL_TCP, TCP_KEEPINTVL, NET_OPT_KEEPINTVL },
        { SOL_TCP, TCP_KEEPCNT, NET_OPT_KEEPCNT }, { SOL_IPV6, IPV6_V6ONLY, NET_OPT_V6ONLY },
        { SOL_IP, IP_RECVERR, NET_OPT_RECVERR }, { SOL_IPV6, IPV6_RECVERR, NET_OPT_RECVERR6 },
    };
    for (unsigned i = 0; i < sizeof(map) / sizeof(map[0]); i++) {
        if (map[i].level == level && map[i].name == name) {
            *out = map[i].opt;
            return 0;
        }
    }
    return -ENOPROTOOPT;
}

static bool accepted_without_effect(int level, int name)
{
    return (level == SOL_SOCKET && (name == SO_BROADCAST || name == SO_PRIORITY)) ||
           (level == SOL_IP && name == IP_TOS) ||
           (level == SOL_TCP && (name == TCP_QUICKACK || name == TCP_DEFER_ACCEPT));
}

static int set_linger(struct sock_file *sf, uint64_t uval, uint64_t len)
{
    int32_t l[2];
    if (len < sizeof(l))
        return -EINVAL;
    if (copy_from_user(l, uval, sizeof(l)))
        return -EFAULT;
    if (l[0] && l[1])
        klog_once(&set_linger, "socket: SO_LINGER with a time: close does not wait; queued "
                               "data still goes out in the background");
    return net_sock_setopt(sf->ns, NET_OPT_LINGER, l[0] ? (l[1] < 0 ? 0 : l[1]) : -1);
}

/* Linux reads up to TCP_CA_NAME_MAX - 1 bytes of the name. */
static int set_congestion(struct sock_file *sf, uint64_t uval, uint64_t len)
{
    char name[TCP_CA_NAME_MAX] = { 0 };
    if (net_sock_type(sf->ns) != NET_SOCK_STREAM)
        return -ENOPROTOOPT;
    if ((int32_t)len < 1)
        return -EINVAL;
    size_t n = (uint32_t)len < sizeof(name) - 1 ? (uint32_t)len : sizeof(name) - 1;
    if (copy_from_user(name, uval, n))
        return -EFAULT;
    int err = net_sock_set_congestion(sf->ns, name);
    if (err)
        klog_once(&set_congestion, "setsockopt: TCP_CONGESTION \"%s\" refused (ENOENT): lwIP "
                                   "has Reno only", name);
    return err;
}

int64_t sys_setsockopt(SYSCALL_ARGS)
{
    UNUSED_ARGS;
    int level = (int)a1, name = (int)a2;
    struct file *f;
    int err;
    struct sock_file *sf = sock_get((int)a0, &f, &err);
    if (!sf)
        return err;
    enum net_opt opt = NET_OPT_REUSEADDR;
    if (level == SOL_SOCKET && (name == SO_RCVTIMEO || name == SO_SNDTIMEO)) {
        err = timeout_from_user_timeval(name == SO_RCVTIMEO ? &sf->rcvtimeo_ns : &sf->sndtimeo_ns,
                                        a3, a4);
    } else if (level == SOL_SOCKET && name == SO_LINGER) {
        err = set_linger(sf, a3, a4);
    } else if (level == SOL_TCP && name == TCP_CONGESTION) {
        err = set_congestion(sf, a3, a4);
    } else if (int_option(level, name, &opt) == 0 || accepted_without_effect(level, name)) {
        int32_t v = 0;
        if ((uint32_t)a4 < sizeof(v))
            err = -EINVAL;
        else if (copy_from_user(&v, a3, sizeof(v)))
            err = -EFAULT;
        else if (accepted_without_effect(level, name))
            err = 0;
        else
            err = net_sock_setopt(sf->ns, opt, v);
    } else {
        klog_once((const void *)(uintptr_t)(level * 1000 + name + 1),
                  "setsockopt: option %d at level %d is not supported (ENOPROTOOPT)", name, level);
        err = -ENOPROTOOPT;
    }
    file_put(f);
    return err;
}

/* The value of an option (an int, or bytes of a struct) into *buf. */
static int get_value(struct sock_file *sf, int level, int name, uint8_t buf[16], uint32_t *len)
{
    int32_t v = 0;
    enum net_opt opt;
    *len = sizeof(v);
    if (level == SOL_SOCKET && (name == SO_RCVTIMEO || name == SO_SNDTIMEO)) {
        uint64_t ns = name == SO_RCVTIMEO ? sf->rcvtimeo_ns : sf->sndtimeo_ns;
        int64_t tv[2] = { (int64_t)(ns / 1000000000), (int64_t)(ns % 1000000000 / 1000) };
        memcpy(buf, tv, sizeof(tv));
        *len = sizeof(tv);
        return 0;
    }
    if (level == SOL_SOCKET && name == SO_LINGER) {
        int l;
        net_sock_getopt(sf->ns, NET_OPT_LINGER, &l);
        int32_t pair[2] = { l >= 0, l >= 0 ? l : 0 };
        memcpy(buf, pair, sizeof(pair));
        *len = sizeof(pair);
        return 0;
    }
    bool stream = net_sock_type(sf->ns) == NET_SOCK_STREAM;
    if (stream && level == SOL_TCP && name == TCP_CONGESTION) {
        memset(buf, 0, TCP_CA_NAME_MAX);
        const char *ca = net_sock_congestion(sf->ns);
        memcpy(buf, ca, strlen(ca));
        *len = TCP_CA_NAME_MAX;
        return 0;
    }
    if (level == SOL_SOCKET && name == SO_TYPE)
        v = stream ? SOCK_STREAM : SOCK_DGRAM;
    else if (level == SOL_SOCKET && name == SO_ERROR)
        v = -net_sock_take_error(sf->ns);
    else if (level == SOL_SOCKET && name == SO_DOMAIN)
        v = net_sock_family(sf->ns) == NET_AF_INET ? AF_INET : AF_INET6;
    else if (level == SOL_SOCKET && name == SO_PROTOCOL)
        v = stream ? 6 : 17;
    else if (level == SOL_SOCKET && name == SO_ACCEPTCONN)
        v = net_sock_listening(sf->ns);
    else if (stream && level == SOL_TCP && name == TCP_MAXSEG)
        v = net_sock_mss(sf->ns);
    else if (!stream && level == SOL_TCP)
        return -EOPNOTSUPP;              /* Linux: IP's options answer for UDP */
    else if (int_option(level, name, &opt) == 0) {
        int iv = 0;
        int err = net_sock_getopt(sf->ns, opt, &iv);
        if (err)
            return err;
        v = iv;
    } else
        return -ENOPROTOOPT;
    memcpy(buf, &v, sizeof(v));
    return 0;
}

/* Cut to the caller's length afterwards, as Linux does. */
static int tcp_info(struct sock_file *sf, uint8_t *buf, size_t room, uint32_t *len)
{
    *len = (uint32_t)net_sock_tcp_info(sf->ns, buf, room);
    return 0;
}

int64_t sys_getsockopt(SYSCALL_ARGS)
{
    UNUSED_ARGS;
    struct file *f;
    int err;
    struct sock_file *sf = sock_get((int)a0, &f, &err);
    if (!sf)
        return err;
    int32_t room;
    uint8_t buf[256];                    /* the largest: struct tcp_info */
    uint32_t len;
    if (copy_from_user(&room, a4, sizeof(room)))
        err = -EFAULT;
    else if (room < 0)
        err = -EINVAL;
    else if ((int)a1 == SOL_TCP && (int)a2 == TCP_INFO && net_sock_type(sf->ns) == NET_SOCK_STREAM)
        err = tcp_info(sf, buf, sizeof(buf), &len);
    else
        err = get_value(sf, (int)a1, (int)a2, buf, &len);
    if (!err) {
        uint32_t n = (uint32_t)room < len ? (uint32_t)room : len;
        if ((n && copy_to_user(a3, buf, n)) || copy_to_user(a4, &n, sizeof(n)))
            err = -EFAULT;
    }
    file_put(f);
    return err;
}

int64_t sock_ioctl(struct sock_file *sf, uint64_t req, uint64_t arg)
{
    if (req == FIONREAD) {
        int32_t n = (int32_t)net_sock_readable(sf->ns);
        return copy_to_user(arg, &n, sizeof(n)) ? -EFAULT : 0;
    }
    return -ENOTTY;
}
