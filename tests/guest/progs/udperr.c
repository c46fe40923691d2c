#define _GNU_SOURCE
/* ICMP errors on UDP sockets: udperr HOST PORT OFFENDER, where nothing
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
#define SO_EE_OFFENDER(ee) ((struct sockaddr *)((ee) + 1))

static int failures;
static struct sockaddr_in dest, offender;

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
    int fd = socket(AF_INET, SOCK_DGRAM, 0);
    char b[16];
    check(connect(fd, (struct sockaddr *)&dest, sizeof(dest)) == 0, "connected: connect");
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
    int fd = socket(AF_INET, SOCK_DGRAM, 0);
    check(sendto(fd, "x", 1, 0, (struct sockaddr *)&dest, sizeof(dest)) == 1, "unconnected: sendto");
    check(wait_error(fd, 1500) == 0, "unconnected, no IP_RECVERR: no error seen");
    check(so_error(fd) == 0, "unconnected, no IP_RECVERR: SO_ERROR 0");
    close(fd);
}

/* One recvmsg(MSG_ERRQUEUE) with a data buffer of dlen and a control
 * buffer of clen bytes; checks what a full read must hold. */
static void read_error(int fd, size_t dlen, size_t clen, const char *sent)
{
    char data[64] = { 0 }, ctl[128] __attribute__((aligned(8)));
    struct sockaddr_in name = { 0 };
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
    check(m.msg_namelen == sizeof(name) && name.sin_family == AF_INET &&
          name.sin_addr.s_addr == dest.sin_addr.s_addr && name.sin_port == dest.sin_port,
          "msg_name: where the datagram went");
    if (clen < CMSG_LEN(sizeof(struct sock_extended_err) + sizeof(struct sockaddr_in))) {
        check(m.msg_flags & MSG_CTRUNC, "a short control buffer: MSG_CTRUNC");
        return;
    }
    struct cmsghdr *c = CMSG_FIRSTHDR(&m);
    check(c && c->cmsg_level == SOL_IP && c->cmsg_type == IP_RECVERR, "a control message IP_RECVERR");
    if (!c)
        return;
    struct sock_extended_err *ee = (struct sock_extended_err *)CMSG_DATA(c);
    check(ee->ee_errno == ECONNREFUSED && ee->ee_origin == SO_EE_ORIGIN_ICMP && ee->ee_type == 3 &&
          ee->ee_code == 3, "sock_extended_err: ECONNREFUSED, ICMP, type 3, code 3");
    struct sockaddr_in *off = (struct sockaddr_in *)SO_EE_OFFENDER(ee);
    int from = off->sin_family == AF_INET && off->sin_addr.s_addr == offender.sin_addr.s_addr;
    if (!from)
        printf("  (offender: family %d, %s)\n", off->sin_family, inet_ntoa(off->sin_addr));
    check(from, "the offender: who sent the ICMP");
    check(!(m.msg_flags & MSG_CTRUNC) && m.msg_controllen == CMSG_SPACE(sizeof(*ee) + sizeof(*off)),
          "msg_controllen: one control message");
}

static void recverr(void)
{
    int fd = socket(AF_INET, SOCK_DGRAM, 0), one = 1;
    check(setsockopt(fd, SOL_IP, IP_RECVERR, &one, sizeof(one)) == 0, "IP_RECVERR set");
    check(sendto(fd, "hello", 5, 0, (struct sockaddr *)&dest, sizeof(dest)) == 5, "recverr: sendto");
    check(wait_error(fd, 5000) & POLLERR, "recverr: POLLERR once the ICMP came");
    check(so_error(fd) == ECONNREFUSED, "recverr: SO_ERROR is ECONNREFUSED");
    check(wait_error(fd, 0) & POLLERR, "recverr: still POLLERR while the error is queued");
    read_error(fd, 64, 128, "hello");
    errno = 0;
    check(recvmsg(fd, &(struct msghdr){ 0 }, MSG_ERRQUEUE) == -1 && errno == EAGAIN,
          "an empty error queue: EAGAIN");
    check(wait_error(fd, 0) == 0, "no POLLERR once the queue is read");
    check(sendto(fd, "truncated", 9, 0, (struct sockaddr *)&dest, sizeof(dest)) == 9, "recverr: sendto again");
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
    inet_pton(AF_INET, argv[3], &offender.sin_addr);
    dest.sin_family = AF_INET;
    dest.sin_port = htons((unsigned short)atoi(argv[2]));
    inet_pton(AF_INET, argv[1], &dest.sin_addr);
    connected();
    unconnected();
    recverr();
    printf("%s\n", failures ? "some checks failed" : "all checks passed");
    return failures != 0;
}
