/* setsockopt, getsockopt and ioctl on AF_UNIX sockets: the SOL_SOCKET
 * options Linux's AF_UNIX answers (other levels: EOPNOTSUPP, as Linux).
 * SO_PEERCRED is this program's credentials (pid 1, uid and gid 0) on a
 * connected or listening socket (there is no other program to be); SO_SNDBUF/SO_RCVBUF are doubled as Linux does. */
#include "unix/unix_socket.h"
#include "unix/usercopy.h"
#include "unix/process.h"
#include "unix/timeout.h"
#include "lib/errno.h"
#include "lib/log.h"
#include "lib/string.h"

#define SOL_SOCKET 1
#define SO_REUSEADDR 2
#define SO_TYPE 3
#define SO_ERROR 4
#define SO_SNDBUF 7
#define SO_RCVBUF 8
#define SO_KEEPALIVE 9
#define SO_PASSCRED 16
#define SO_PEERCRED 17
#define SO_RCVTIMEO 20
#define SO_SNDTIMEO 21
#define SO_ACCEPTCONN 30
#define SO_SNDBUFFORCE 32
#define SO_RCVBUFFORCE 33
#define SO_PROTOCOL 38
#define SO_DOMAIN 39
#define FIONREAD 0x541b
#define TIOCOUTQ 0x5411
#define SNDBUF_MIN 4608
#define RCVBUF_MIN 2304
#define NO_ID (-1)                       /* no peer: Linux's uid and gid then */

static int buf_size(int v, int min)
{
    if (v > UNIX_BUF_MAX || v < 0)
        v = UNIX_BUF_MAX;
    return v * 2 < min ? min : v * 2;
}

int64_t unix_setsockopt(struct unix_sock *s, uint64_t a1, uint64_t a2, uint64_t a3, uint64_t a4,
                        uint64_t a5)
{
    (void)a5;
    int level = (int)a1, name = (int)a2;
    if (level != SOL_SOCKET)
        return -EOPNOTSUPP;
    if (name == SO_RCVTIMEO || name == SO_SNDTIMEO)
        return timeout_from_user_timeval(name == SO_RCVTIMEO ? &s->rcvtimeo_ns : &s->sndtimeo_ns,
                                        a3, a4);
    int32_t v;
    if ((uint32_t)a4 < sizeof(v))
        return -EINVAL;
    if (copy_from_user(&v, a3, sizeof(v)))
        return -EFAULT;
    switch (name) {
    case SO_SNDBUF: case SO_SNDBUFFORCE:
        s->sndbuf = buf_size(v, SNDBUF_MIN);
        unix_sock_changed(s, POLLOUT);
        return 0;
    case SO_RCVBUF: case SO_RCVBUFFORCE:
        s->rcvbuf = buf_size(v, RCVBUF_MIN);
        return 0;
    case SO_PASSCRED: s->passcred = v != 0; return 0;
    case SO_REUSEADDR: s->reuseaddr = v != 0; return 0;
    case SO_KEEPALIVE: return 0;
    }
    klog_once((const void *)(uintptr_t)(name + 0x5000),
              "setsockopt: option %d is not supported on unix sockets (ENOPROTOOPT)", name);
    return -ENOPROTOOPT;
}

/* The value of an option into buf (at most 16 bytes). */
static int get_value(struct unix_sock *s, int name, uint8_t buf[16], uint32_t *len)
{
    int32_t v;
    *len = sizeof(v);
    switch (name) {
    case SO_RCVTIMEO: case SO_SNDTIMEO: {
        uint64_t ns = name == SO_RCVTIMEO ? s->rcvtimeo_ns : s->sndtimeo_ns;
        int64_t tv[2] = { (int64_t)(ns / 1000000000), (int64_t)(ns % 1000000000 / 1000) };
        memcpy(buf, tv, sizeof(tv));
        *len = sizeof(tv);
        return 0;
    }
    case SO_PEERCRED: {
        /* A listener reports its own, as Linux (set at listen). */
        bool p = s->has_peercred || s->state == UNIX_LISTENING;
        int32_t cred[3] = { p ? PROCESS_PID : 0, p ? 0 : NO_ID, p ? 0 : NO_ID };
        memcpy(buf, cred, sizeof(cred));
        *len = sizeof(cred);
        return 0;
    }
    case SO_TYPE: v = s->type; break;
    case SO_ERROR: v = s->err; s->err = 0; break;
    case SO_DOMAIN: v = 1; break;
    case SO_PROTOCOL: v = 0; break;
    case SO_ACCEPTCONN: v = s->state == UNIX_LISTENING; break;
    case SO_SNDBUF: v = s->sndbuf; break;
    case SO_RCVBUF: v = s->rcvbuf; break;
    case SO_PASSCRED: v = s->passcred; break;
    case SO_REUSEADDR: v = s->reuseaddr; break;
    case SO_KEEPALIVE: v = 0; break;
    default: return -ENOPROTOOPT;
    }
    memcpy(buf, &v, sizeof(v));
    return 0;
}

int64_t unix_getsockopt(struct unix_sock *s, uint64_t a1, uint64_t a2, uint64_t a3, uint64_t a4,
                        uint64_t a5)
{
    (void)a5;
    if ((int)a1 != SOL_SOCKET)
        return -EOPNOTSUPP;
    int32_t room;
    if (copy_from_user(&room, a4, sizeof(room)))
        return -EFAULT;
    if (room < 0)
        return -EINVAL;
    uint8_t buf[16];
    uint32_t len;
    int err = get_value(s, (int)a2, buf, &len);
    if (err)
        return err;
    uint32_t n = (uint32_t)room < len ? (uint32_t)room : len;
    if ((n && copy_to_user(a3, buf, n)) || copy_to_user(a4, &n, sizeof(n)))
        return -EFAULT;
    return 0;
}

/* FIONREAD: a stream's unread bytes, a datagram socket's next datagram;
 * TIOCOUTQ: bytes sent and not yet read. */
int64_t unix_ioctl(struct unix_sock *s, uint64_t a1, uint64_t a2, uint64_t a3, uint64_t a4,
                   uint64_t a5)
{
    (void)a3, (void)a4, (void)a5;
    int32_t n;
    if (a1 == FIONREAD) {
        if (s->state == UNIX_LISTENING)
            return -EINVAL;
        n = (int32_t)(s->type == SOCK_DGRAM ? (s->head ? s->head->len : 0) : s->qbytes);
    } else if (a1 == TIOCOUTQ) {
        n = (int32_t)s->wmem;
    } else {
        return -ENOTTY;
    }
    return copy_to_user(a2, &n, sizeof(n)) ? -EFAULT : 0;
}
