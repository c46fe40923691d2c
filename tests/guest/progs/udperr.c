#define _GNU_SOURCE
/* ICMP errors on UDP sockets: udperr HOST PORT OFFENDER (IPv4 or IPv6;
 * a link-local HOST%SCOPE-ID), where nothing
 * listens on UDP PORT at HOST, so that "port unreachable" comes back from
 * OFFENDER (HOST itself, or 127.0.0.1 through QEMU's user network, which
 * passes on what the host's loopback answered).  Prints one
 * line a check, the same on Linux and in cloak:
 *   - a connected socket: POLLERR, then ECONNREFUSED from the next send,
 *     from recv, and from SO_ERROR (taken once);
 *   - an unconnected socket without IP_RECVERR hears nothing;
 *   - with IP_RECVERR: SO_ERROR, then recvmsg(MSG_ERRQUEUE) gives the
 *     quoted datagram, the destination as msg_name, an IP_RECVERR control
 *     message (sock_extended_err: ECONNREFUSED, origin ICMP, type 3 code
 *     3, and the ICMP's sender), MSG_ERRQUEUE; MSG_TRUNC and MSG_CTRUNC
 *     when the buffers are short; EAGAIN once the queue is empty.
 * udperr resolve NAME A.B.C.D: res_query for NAME's A record through the
 * servers of /etc/resolv.conf, the first of which refuses (port
 * unreachable): glibc's resolver must move to the next at once (on the
 * ECONNREFUSED of its connected socket), not after its 5 s timeout. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <arpa/nameser.h>
#include <poll.h>
#include <resolv.h>
#include <time.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

/* <linux/errqueue.h>, which musl's headers do not have. */
struct sock_extended_err {
    uint32_t ee_errno;
    uint8_t ee_origin, ee_type, ee_code, ee_pad;
    uint32_t ee_info, ee_data;
};
#define SO_EE_ORIGIN_ICMP 2
#define SO_EE_ORIGIN_ICMP6 3
#define SO_EE_OFFENDER(ee) ((struct sockaddr *)((ee) + 1))

static int failures, family;
static struct sockaddr_storage dest, offender;
static socklen_t destlen;

/* The same address (and port, if ports) in a and b. */
static int same(const void *a, const void *b, int ports)
{
    const struct sockaddr_in *x = a, *y = b;
    const struct sockaddr_in6 *x6 = a, *y6 = b;
    if (x->sin_family != y->sin_family || (ports && x->sin_port != y->sin_port))
        return 0;
    return x->sin_family == AF_INET ? x->sin_addr.s_addr == y->sin_addr.s_addr
                                    : memcmp(&x6->sin6_addr, &y6->sin6_addr, 16) == 0;
}

/* HOST as a sockaddr (IPv4 or IPv6, "%N" a scope id). */
static socklen_t parse(const char *host, int port, struct sockaddr_storage *out)
{
    struct sockaddr_in *a = (struct sockaddr_in *)out;
    struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)out;
    char h[64];
    snprintf(h, sizeof(h), "%s", host);
    char *pct = strchr(h, '%');
    if (pct)
        *pct = 0;
    memset(out, 0, sizeof(*out));
    if (inet_pton(AF_INET, h, &a->sin_addr) == 1) {
        a->sin_family = AF_INET;
        a->sin_port = htons((unsigned short)port);
        return sizeof(*a);
    }
    inet_pton(AF_INET6, h, &a6->sin6_addr);
    a6->sin6_family = AF_INET6;
    a6->sin6_port = htons((unsigned short)port);
    a6->sin6_scope_id = pct ? (uint32_t)atoi(pct + 1) : 0;
    return sizeof(*a6);
}

static void check(int cond, const char *what)
{
    printf("%s: %s\n", cond ? "ok" : "FAIL", what);
    if (!cond)
        failures++;
}

/* Waits up to 5 s for the socket's error: its poll bits (0 on timeout). */
static int wait_error(int fd, int timeout_ms)
{
    struct pollfd p = { .fd = fd, .events = POLLIN };
    return poll(&p, 1, timeout_ms) == 1 ? p.revents : 0;
}

static int so_error(int fd)
{
    int v = -1;
    socklen_t len = sizeof(v);
    return getsockopt(fd, SOL_SOCKET, SO_ERROR, &v, &len) == 0 ? v : -1;
}

static void connected(void)
{
    int fd = socket(family, SOCK_DGRAM, 0);
    char b[16];
    check(connect(fd, (struct sockaddr *)&dest, destlen) == 0, "connected: connect");
    check(send(fd, "x", 1, 0) == 1, "connected: the first send goes");
    check(wait_error(fd, 5000) & POLLERR, "connected: POLLERR once the ICMP came");
    errno = 0;
    check(send(fd, "x", 1, 0) == -1 && errno == ECONNREFUSED, "connected: the next send is ECONNREFUSED");
    check(so_error(fd) == 0, "connected: SO_ERROR 0 once send reported it");
    check(send(fd, "x", 1, 0) == 1, "connected: sends again");
    wait_error(fd, 5000);
    errno = 0;
    check(recv(fd, b, sizeof(b), MSG_DONTWAIT) == -1 && errno == ECONNREFUSED,
          "connected: recv is ECONNREFUSED");
    check(send(fd, "x", 1, 0) == 1, "connected: sends a third time");
    wait_error(fd, 5000);
    check(so_error(fd) == ECONNREFUSED, "connected: SO_ERROR is ECONNREFUSED");
    check(so_error(fd) == 0, "connected: SO_ERROR taken once");
    errno = 0;
    char c[64];
    struct iovec iov = { b, sizeof(b) };
    struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = c, .msg_controllen = sizeof(c) };
    check(recvmsg(fd, &m, MSG_ERRQUEUE) == -1 && errno == EAGAIN,
          "connected, no IP_RECVERR: MSG_ERRQUEUE is EAGAIN");
    close(fd);
}

static void unconnected(void)
{
    int fd = socket(family, SOCK_DGRAM, 0);
    check(sendto(fd, "x", 1, 0, (struct sockaddr *)&dest, destlen) == 1, "unconnected: sendto");
    check(wait_error(fd, 1500) == 0, "unconnected, no IP_RECVERR: no error seen");
    check(so_error(fd) == 0, "unconnected, no IP_RECVERR: SO_ERROR 0");
    close(fd);
}

/* One recvmsg(MSG_ERRQUEUE) with a data buffer of dlen and a control
 * buffer of clen bytes; checks what a full read must hold. */
static void read_error(int fd, size_t dlen, size_t clen, const char *sent)
{
    char data[64] = { 0 }, ctl[128] __attribute__((aligned(8)));
    struct sockaddr_storage name = { 0 };
    struct iovec iov = { data, dlen };
    struct msghdr m = { .msg_name = &name, .msg_namelen = sizeof(name), .msg_iov = &iov,
                        .msg_iovlen = 1, .msg_control = ctl, .msg_controllen = clen };
    memset(ctl, 0, sizeof(ctl));
    ssize_t n = recvmsg(fd, &m, MSG_ERRQUEUE);
    size_t want = strlen(sent) < dlen ? strlen(sent) : dlen;
    printf("  (read %zd bytes, flags %#x, controllen %zu)\n", n, m.msg_flags, (size_t)m.msg_controllen);
    check(n == (ssize_t)want && memcmp(data, sent, want) == 0, "MSG_ERRQUEUE: the quoted datagram");
    check(m.msg_flags & MSG_ERRQUEUE, "MSG_ERRQUEUE set in msg_flags");
    check(!!(m.msg_flags & MSG_TRUNC) == (want < strlen(sent)), "MSG_TRUNC as the data was cut");
    check(m.msg_namelen == destlen && same(&name, &dest, 1), "msg_name: where the datagram went");
    if (clen < CMSG_LEN(sizeof(struct sock_extended_err) + destlen)) {
        check(m.msg_flags & MSG_CTRUNC, "a short control buffer: MSG_CTRUNC");
        return;
    }
    struct cmsghdr *c = CMSG_FIRSTHDR(&m);
    int v6 = family == AF_INET6;
    check(c && c->cmsg_level == (v6 ? SOL_IPV6 : SOL_IP) && c->cmsg_type == (v6 ? IPV6_RECVERR : IP_RECVERR),
          "a control message IP_RECVERR (IPV6_RECVERR)");
    if (!c)
        return;
    struct sock_extended_err *ee = (struct sock_extended_err *)CMSG_DATA(c);
    check(ee->ee_errno == ECONNREFUSED && ee->ee_origin == (v6 ? SO_EE_ORIGIN_ICMP6 : SO_EE_ORIGIN_ICMP) &&
          ee->ee_type == (v6 ? 1 : 3) && ee->ee_code == (v6 ? 4 : 3),
          "sock_extended_err: ECONNREFUSED, port unreachable");
    struct sockaddr *off = SO_EE_OFFENDER(ee);
    int from = same(off, &offender, 0);
    if (!from) {
        char t[64] = "?";
        inet_ntop(off->sa_family, off->sa_family == AF_INET ? (void *)&((struct sockaddr_in *)off)->sin_addr
                                                            : (void *)&((struct sockaddr_in6 *)off)->sin6_addr, t, sizeof(t));
        printf("  (offender: family %d, %s)\n", off->sa_family, t);
    }
    check(from, "the offender: who sent the ICMP");
    check(!(m.msg_flags & MSG_CTRUNC) && m.msg_controllen == CMSG_SPACE(sizeof(*ee) + destlen),
          "msg_controllen: one control message");
}

static void recverr(void)
{
    int fd = socket(family, SOCK_DGRAM, 0), one = 1;
    check(family == AF_INET6 ? setsockopt(fd, SOL_IPV6, IPV6_RECVERR, &one, sizeof(one)) == 0
                             : setsockopt(fd, SOL_IP, IP_RECVERR, &one, sizeof(one)) == 0,
          "IP_RECVERR (IPV6_RECVERR) set");
    check(sendto(fd, "hello", 5, 0, (struct sockaddr *)&dest, destlen) == 5, "recverr: sendto");
    check(wait_error(fd, 5000) & POLLERR, "recverr: POLLERR once the ICMP came");
    check(so_error(fd) == ECONNREFUSED, "recverr: SO_ERROR is ECONNREFUSED");
    check(wait_error(fd, 0) & POLLERR, "recverr: still POLLERR while the error is queued");
    read_error(fd, 64, 128, "hello");
    errno = 0;
    check(recvmsg(fd, &(struct msghdr){ 0 }, MSG_ERRQUEUE) == -1 && errno == EAGAIN,
          "an empty error queue: EAGAIN");
    check(wait_error(fd, 0) == 0, "no POLLERR once the queue is read");
    check(sendto(fd, "truncated", 9, 0, (struct sockaddr *)&dest, destlen) == 9, "recverr: sendto again");
    wait_error(fd, 5000);
    read_error(fd, 4, 16, "truncated");
    check(so_error(fd) == 0, "SO_ERROR 0 once the queue is read");
    close(fd);
}

static int resolve(const char *name, const char *want)
{
    unsigned char ans[512], addr[4];
    struct timespec t0, t1;
    inet_pton(AF_INET, want, addr);
    clock_gettime(CLOCK_MONOTONIC, &t0);
    int n = res_query(name, C_IN, T_A, ans, sizeof(ans));
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double s = (double)(t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9;
    printf("  (res_query: %d bytes in %.3f s)\n", n, s);
    check(n > 0 && memmem(ans, (size_t)n, addr, 4) != NULL, "resolve: the answer holds the address");
    check(s < 3.0, "resolve: past the refusing server in under 3 s");
    return failures != 0;
}

int main(int argc, char **argv)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    if (argc == 4 && strcmp(argv[1], "resolve") == 0)
        return resolve(argv[2], argv[3]);
    if (argc != 4)
        return 2;
    destlen = parse(argv[1], atoi(argv[2]), &dest);
    parse(argv[3], 0, &offender);
    family = dest.ss_family;
    /* A route first (an IPv6 address may still be on its way from the
     * router): up to 10 s of tries, on a socket used for nothing else. */
    for (int i = 0; i < 50; i++) {
        int fd = socket(family, SOCK_DGRAM, 0);
        int sent = connect(fd, (struct sockaddr *)&dest, destlen) == 0 && send(fd, "w", 1, 0) == 1;
        close(fd);
        if (sent)
            break;
        usleep(200000);
    }
    usleep(100000);                      /* its ICMP error, gone with the socket */
    connected();
    unconnected();
    recverr();
    printf("%s\n", failures ? "some checks failed" : "all checks passed");
    return failures != 0;
}
