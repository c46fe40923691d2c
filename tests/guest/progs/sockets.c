/* Sockets, as a program sees them.  Modes:
 *   sockets local              checks over the loopback interface; one line
 *                              per check, the same on Linux (the test
 *                              compares the two); exit 0 if all held
 *   sockets epoll-echo PORT N  edge-triggered epoll echo server: echoes
 *                              every byte of every connection, exits once
 *                              N connections have ended
 *   sockets block-echo PORT N  the same with blocking accept/read/write,
 *                              one connection at a time
 *   sockets udp-echo PORT N    echoes N datagrams to their senders
 *   sockets connect A.B.C.D PORT  sends 1 MiB of the pattern (byte i is
 *                              (i*7 + 3 + (i >> 11)) mod 256) to a server,
 *                              prints its answer
 * Servers print "ready" once listening. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

static int failures;

static void check(int cond, const char *what, const char *detail)
{
    if (cond) {
        printf("ok: %s\n", what);
    } else {
        printf("FAIL: %s (%s, errno %s)\n", what, detail ? detail : "", strerror(errno));
        failures++;
    }
    fflush(stdout);
}

static struct sockaddr_in v4(const char *ip, int port)
{
    struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
    inet_pton(AF_INET, ip, &a.sin_addr);
    return a;
}

static int port_of(int fd)
{
    struct sockaddr_storage ss;
    socklen_t len = sizeof(ss);
    if (getsockname(fd, (struct sockaddr *)&ss, &len) != 0)
        return -1;
    return ss.ss_family == AF_INET ? ntohs(((struct sockaddr_in *)&ss)->sin_port)
                                   : ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
}

static int listener(int family, int backlog)
{
    int fd = socket(family, SOCK_STREAM, 0);
    int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    if (family == AF_INET) {
        struct sockaddr_in a = v4("127.0.0.1", 0);
        bind(fd, (struct sockaddr *)&a, sizeof(a));
    } else {
        struct sockaddr_in6 a = { .sin6_family = AF_INET6 };
        bind(fd, (struct sockaddr *)&a, sizeof(a));
    }
    listen(fd, backlog);
    return fd;
}

static int connect_to(int port)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = v4("127.0.0.1", port);
    if (connect(fd, (struct sockaddr *)&a, sizeof(a)) != 0) {
        close(fd);
        return -1;
    }
    return fd;
}

static uint8_t pattern(uint32_t i)
{
    return (uint8_t)(i * 7 + 3 + (i >> 11));
}

/* ---- local checks ---- */

static void check_basics(void)
{
    int l = listener(AF_INET, 8);
    struct stat st;
    check(fstat(l, &st) == 0 && S_ISSOCK(st.st_mode), "fstat says S_IFSOCK", NULL);
    int v = 0;
    socklen_t len = sizeof(v);
    check(getsockopt(l, SOL_SOCKET, SO_TYPE, &v, &len) == 0 && v == SOCK_STREAM && len == 4,
          "SO_TYPE is SOCK_STREAM", NULL);
    len = sizeof(v);
    check(getsockopt(l, SOL_SOCKET, SO_ACCEPTCONN, &v, &len) == 0 && v == 1,
          "SO_ACCEPTCONN on a listener", NULL);
    len = sizeof(v);
    check(getsockopt(l, SOL_SOCKET, SO_REUSEADDR, &v, &len) == 0 && v == 1,
          "SO_REUSEADDR reads back 1", NULL);
    int port = port_of(l);
    check(port > 0, "getsockname gives the bound port", NULL);

    int c = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    struct sockaddr_in a = v4("127.0.0.1", port);
    int r = connect(c, (struct sockaddr *)&a, sizeof(a));
    check(r == 0 || errno == EINPROGRESS, "non-blocking connect: 0 or EINPROGRESS", NULL);
    struct pollfd p = { c, POLLOUT, 0 };
    check(poll(&p, 1, 5000) == 1 && (p.revents & POLLOUT), "poll: connected socket writable", NULL);
    int err = -1;
    len = sizeof(err);
    check(getsockopt(c, SOL_SOCKET, SO_ERROR, &err, &len) == 0 && err == 0,
          "SO_ERROR 0 after connecting", NULL);
    struct sockaddr_in peer;
    socklen_t plen = sizeof(peer);
    int s = accept4(l, (struct sockaddr *)&peer, &plen, SOCK_NONBLOCK | SOCK_CLOEXEC);
    check(s >= 0 && plen == sizeof(peer) && peer.sin_family == AF_INET &&
          ntohs(peer.sin_port) == port_of(c), "accept4 names the client's address", NULL);
    check((fcntl(s, F_GETFL) & O_NONBLOCK) && (fcntl(s, F_GETFD) & FD_CLOEXEC),
          "accept4 flags: O_NONBLOCK and FD_CLOEXEC", NULL);
    struct sockaddr_in pn;
    socklen_t pnlen = sizeof(pn);
    check(getpeername(c, (struct sockaddr *)&pn, &pnlen) == 0 && ntohs(pn.sin_port) == port,
          "getpeername gives the server's port", NULL);

    char buf[64];
    check(recv(s, buf, sizeof(buf), 0) == -1 && errno == EAGAIN,
          "recv on an empty non-blocking socket: EAGAIN", NULL);
    check(send(c, "hello", 5, 0) == 5, "send 5 bytes", NULL);
    p = (struct pollfd){ s, POLLIN, 0 };
    poll(&p, 1, 5000);
    int avail = -1;
    check(ioctl(s, FIONREAD, &avail) == 0 && avail == 5, "FIONREAD counts 5 bytes", NULL);
    check(recv(s, buf, sizeof(buf), MSG_PEEK) == 5 && memcmp(buf, "hello", 5) == 0,
          "MSG_PEEK sees them", NULL);
    check(recv(s, buf, sizeof(buf), 0) == 5 && memcmp(buf, "hello", 5) == 0,
          "recv takes them after the peek", NULL);

    /* Edge-triggered epoll: one event per arrival, RDHUP at the end. */
    int ep = epoll_create1(EPOLL_CLOEXEC);
    struct epoll_event ev = { .events = EPOLLIN | EPOLLET | EPOLLRDHUP, .data.fd = s };
    epoll_ctl(ep, EPOLL_CTL_ADD, s, &ev);
    check(epoll_wait(ep, &ev, 1, 0) == 0, "epoll (ET): nothing before data", NULL);
    send(c, "abc", 3, 0);
    check(epoll_wait(ep, &ev, 1, 5000) == 1 && (ev.events & EPOLLIN), "epoll (ET): EPOLLIN on data", NULL);
    check(epoll_wait(ep, &ev, 1, 50) == 0, "epoll (ET): no second event for the same data", NULL);
    check(read(s, buf, sizeof(buf)) == 3, "read takes the 3 bytes", NULL);
    shutdown(c, SHUT_WR);
    check(epoll_wait(ep, &ev, 1, 5000) == 1 && (ev.events & EPOLLRDHUP),
          "epoll: EPOLLRDHUP after the peer's shutdown", NULL);
    check(read(s, buf, sizeof(buf)) == 0, "read: 0 at the end of the stream", NULL);
    check(write(s, "back", 4) == 4, "the other direction still works after SHUT_WR", NULL);
    p = (struct pollfd){ c, POLLIN, 0 };
    poll(&p, 1, 5000);
    check(read(c, buf, sizeof(buf)) == 4, "the half-closed client reads it", NULL);
    struct iovec wv[2] = { { "ab", 2 }, { "cd", 2 } };
    char r1[1], r3[3];
    struct iovec rv[2] = { { r1, 1 }, { r3, 3 } };
    check(writev(s, wv, 2) == 4, "writev on a socket", NULL);
    poll(&p, 1, 5000);
    check(readv(c, rv, 2) == 4 && r1[0] == 'a' && memcmp(r3, "bcd", 3) == 0, "readv on a socket", NULL);
    struct msghdr mh = { .msg_iov = wv, .msg_iovlen = 2 };
    check(sendmsg(s, &mh, 0) == 4, "sendmsg with two pieces on a stream", NULL);
    poll(&p, 1, 5000);
    check(recv(c, buf, sizeof(buf), MSG_WAITALL) == 4 && memcmp(buf, "abcd", 4) == 0,
          "recv MSG_WAITALL takes them", NULL);
    close(ep);

    /* A peer that closed: EPIPE (or ECONNRESET first), no signal with
     * MSG_NOSIGNAL. */
    close(s);
    int e = 0;
    for (int i = 0; i < 200 && !e; i++) {
        if (send(c, "x", 1, MSG_NOSIGNAL) < 0)
            e = errno;
        else
            usleep(10000);
    }
    check(e == EPIPE || e == ECONNRESET, "send to a closed peer fails (EPIPE/ECONNRESET)", NULL);
    check(send(c, "x", 1, MSG_NOSIGNAL) == -1 && errno == EPIPE, "then EPIPE", NULL);
    close(c);
    close(l);
}

static volatile sig_atomic_t got_sigpipe;
static void on_sigpipe(int sig) { (void)sig; got_sigpipe = 1; }

static void check_sigpipe(void)
{
    int l = listener(AF_INET, 1);
    int c = connect_to(port_of(l));
    int s = accept(l, NULL, NULL);
    signal(SIGPIPE, on_sigpipe);
    shutdown(c, SHUT_WR);
    check(send(c, "x", 1, 0) == -1 && errno == EPIPE && got_sigpipe,
          "send after SHUT_WR: EPIPE and SIGPIPE", NULL);
    signal(SIGPIPE, SIG_DFL);
    close(s);
    close(c);
    close(l);
}

static void check_errors(void)
{
    int l = listener(AF_INET, 1);
    int port = port_of(l);
    int t = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = v4("127.0.0.1", port);
    check(bind(t, (struct sockaddr *)&a, sizeof(a)) == -1 && errno == EADDRINUSE,
          "bind to a port in use: EADDRINUSE", NULL);
    close(t);
    close(l);

    /* port now closed */
    int c = socket(AF_INET, SOCK_STREAM, 0);
    check(connect(c, (struct sockaddr *)&a, sizeof(a)) == -1 && errno == ECONNREFUSED,
          "connect to a closed port: ECONNREFUSED", NULL);
    close(c);
    c = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    int r = connect(c, (struct sockaddr *)&a, sizeof(a));
    struct pollfd p = { c, POLLOUT, 0 };
    if (r == -1 && errno == EINPROGRESS)
        poll(&p, 1, 5000);
    int err = 0;
    socklen_t len = sizeof(err);
    getsockopt(c, SOL_SOCKET, SO_ERROR, &err, &len);
    check(err == ECONNREFUSED && (p.revents & POLLERR), "non-blocking: POLLERR, SO_ERROR ECONNREFUSED", NULL);
    close(c);

    t = socket(AF_INET, SOCK_STREAM, 0);
    check(bind(t, (struct sockaddr *)&a, 3) == -1 && errno == EINVAL, "bind with addrlen 3: EINVAL", NULL);
    check(bind(t, (struct sockaddr *)1, sizeof(a)) == -1 && errno == EFAULT, "bind with a bad pointer: EFAULT", NULL);
    check(connect(t, (struct sockaddr *)&a, 8) == -1 && errno == EINVAL, "connect with addrlen 8: EINVAL", NULL);
    check(shutdown(t, SHUT_RDWR) == -1 && errno == ENOTCONN, "shutdown unconnected: ENOTCONN", NULL);
    check(getpeername(t, (struct sockaddr *)&a, &len) == -1 && errno == ENOTCONN, "getpeername unconnected: ENOTCONN", NULL);
    check(listen(0, 1) == -1 && errno == ENOTSOCK, "listen on a non-socket: ENOTSOCK", NULL);
    check(socket(AF_INET, SOCK_STREAM, IPPROTO_UDP) == -1 && errno == EPROTONOSUPPORT,
          "stream socket with IPPROTO_UDP: EPROTONOSUPPORT", NULL);
    close(t);
    t = socket(AF_INET, SOCK_STREAM, 0);
    struct timeval tv = { 0, 100000 };
    setsockopt(t, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    l = listener(AF_INET, 1);
    a = v4("127.0.0.1", port_of(l));
    char b, why[64];
    int cr = connect(t, (struct sockaddr *)&a, sizeof(a));
    errno = 0;
    ssize_t rr = recv(t, &b, 1, 0);
    snprintf(why, sizeof(why), "connect %d, recv %zd", cr, rr);
    check(rr == -1 && errno == EAGAIN, "SO_RCVTIMEO: recv gives up with EAGAIN", why);
    close(t);
    close(l);
}

static void check_options(void)
{
    int s = socket(AF_INET, SOCK_STREAM, 0), v = 1;
    socklen_t len = sizeof(v);
    setsockopt(s, IPPROTO_TCP, TCP_NODELAY, &v, sizeof(v));
    v = 0;
    check(getsockopt(s, IPPROTO_TCP, TCP_NODELAY, &v, &len) == 0 && v == 1, "TCP_NODELAY reads back 1", NULL);
    v = 1;
    setsockopt(s, SOL_SOCKET, SO_KEEPALIVE, &v, sizeof(v));
    v = 0;
    check(getsockopt(s, SOL_SOCKET, SO_KEEPALIVE, &v, &len) == 0 && v == 1, "SO_KEEPALIVE reads back 1", NULL);
    v = 65536;
    setsockopt(s, SOL_SOCKET, SO_RCVBUF, &v, sizeof(v));
    check(getsockopt(s, SOL_SOCKET, SO_RCVBUF, &v, &len) == 0 && v == 131072, "SO_RCVBUF reads back doubled", NULL);
    struct linger lg = { 1, 0 };
    check(setsockopt(s, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg)) == 0, "SO_LINGER accepted", NULL);
    v = 1;
    check(setsockopt(s, SOL_SOCKET, SO_REUSEPORT, &v, sizeof(v)) == 0, "SO_REUSEPORT accepted", NULL);
    close(s);
    s = socket(AF_INET6, SOCK_STREAM, 0);
    v = 1;
    check(getsockopt(s, IPPROTO_IPV6, IPV6_V6ONLY, &v, &len) == 0 && v == 0, "IPV6_V6ONLY is 0 by default", NULL);
    close(s);
}

static void check_udp(void)
{
    int a = socket(AF_INET, SOCK_DGRAM, 0), b = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
    struct sockaddr_in la = v4("127.0.0.1", 0);
    bind(a, (struct sockaddr *)&la, sizeof(la));
    bind(b, (struct sockaddr *)&la, sizeof(la));
    struct sockaddr_in to = v4("127.0.0.1", port_of(b));
    char buf[64];
    check(recv(b, buf, sizeof(buf), 0) == -1 && errno == EAGAIN, "udp: empty socket EAGAIN", NULL);
    check(sendto(a, "datagram", 8, 0, (struct sockaddr *)&to, sizeof(to)) == 8, "udp: sendto 8 bytes", NULL);
    struct pollfd p = { b, POLLIN, 0 };
    check(poll(&p, 1, 5000) == 1, "udp: poll says readable", NULL);
    int avail = 0;
    check(ioctl(b, FIONREAD, &avail) == 0 && avail == 8, "udp: FIONREAD is the datagram's size", NULL);
    struct sockaddr_in from;
    socklen_t flen = sizeof(from);
    check(recvfrom(b, buf, 4, MSG_TRUNC, (struct sockaddr *)&from, &flen) == 8 &&
          memcmp(buf, "data", 4) == 0 && ntohs(from.sin_port) == port_of(a),
          "udp: recvfrom cut to 4, MSG_TRUNC says 8, names the sender", NULL);
    sendto(a, "two", 3, 0, (struct sockaddr *)&to, sizeof(to));
    poll(&p, 1, 5000);
    struct iovec iov = { buf, 2 };
    struct msghdr m = { .msg_name = &from, .msg_namelen = sizeof(from), .msg_iov = &iov, .msg_iovlen = 1 };
    check(recvmsg(b, &m, 0) == 2 && (m.msg_flags & MSG_TRUNC), "udp: recvmsg sets MSG_TRUNC", NULL);
    struct sockaddr_in back = v4("127.0.0.1", port_of(a));
    connect(b, (struct sockaddr *)&back, sizeof(back));
    check(send(b, "reply", 5, 0) == 5, "udp: send on a connected socket", NULL);
    check(recv(a, buf, sizeof(buf), 0) == 5 && memcmp(buf, "reply", 5) == 0, "udp: the reply arrives", NULL);
    check(send(a, "x", 1, 0) == -1 && errno == EDESTADDRREQ, "udp: send unconnected: EDESTADDRREQ", NULL);
    int on = 1;
    check(ioctl(a, FIONBIO, &on) == 0 && (fcntl(a, F_GETFL) & O_NONBLOCK) &&
          recv(a, buf, sizeof(buf), 0) == -1 && errno == EAGAIN, "FIONBIO makes recv non-blocking", NULL);
    close(a);
    close(b);
}

static void check_ipv6(void)
{
    int l = listener(AF_INET6, 4);
    int c = connect_to(port_of(l));
    struct sockaddr_in6 peer;
    socklen_t len = sizeof(peer);
    int s = accept(l, (struct sockaddr *)&peer, &len);
    char txt[64] = "";
    inet_ntop(AF_INET6, &peer.sin6_addr, txt, sizeof(txt));
    check(s >= 0 && peer.sin6_family == AF_INET6 && strcmp(txt, "::ffff:127.0.0.1") == 0,
          "dual-stack listener: an IPv4 client is ::ffff:127.0.0.1", txt);
    close(s);
    close(c);
    c = socket(AF_INET6, SOCK_STREAM, 0);
    struct sockaddr_in6 a = { .sin6_family = AF_INET6, .sin6_port = htons((uint16_t)port_of(l)),
                              .sin6_addr = IN6ADDR_LOOPBACK_INIT };
    check(connect(c, (struct sockaddr *)&a, sizeof(a)) == 0, "IPv6: connect to [::1]", NULL);
    s = accept(l, NULL, NULL);
    char b[8] = "";
    check(write(c, "six", 3) == 3 && read(s, b, sizeof(b)) == 3 && memcmp(b, "six", 3) == 0,
          "IPv6: data over ::1", NULL);
    close(s);
    close(c);
    close(l);
}

struct bulk {
    int fd;
    size_t bytes;
};

static void *bulk_writer(void *arg)
{
    struct bulk *b = arg;
    static uint8_t chunk[65536];
    for (size_t at = 0; at < b->bytes;) {
        size_t n = b->bytes - at < sizeof(chunk) ? b->bytes - at : sizeof(chunk);
        for (size_t i = 0; i < n; i++)
            chunk[i] = pattern((uint32_t)(at + i));
        ssize_t w = write(b->fd, chunk, n);
        if (w <= 0)
            break;
        at += (size_t)w;
    }
    shutdown(b->fd, SHUT_WR);
    return NULL;
}

static void check_bulk(void)
{
    int l = listener(AF_INET, 1);
    struct bulk b = { connect_to(port_of(l)), 4u << 20 };
    int s = accept(l, NULL, NULL);
    pthread_t t;
    pthread_create(&t, NULL, bulk_writer, &b);
    static uint8_t buf[50000];
    size_t got = 0;
    long bad = -1;
    for (ssize_t n; (n = read(s, buf, sizeof(buf))) > 0; got += (size_t)n)
        for (ssize_t i = 0; i < n && bad < 0; i++)
            if (buf[i] != pattern((uint32_t)(got + (size_t)i)))
                bad = (long)(got + (size_t)i);
    pthread_join(t, NULL);
    check(got == b.bytes && bad < 0, "4 MiB between two threads over loopback, every byte right", NULL);
    close(s);
    close(b.fd);
    close(l);
}

static int local_checks(void)
{
    check_basics();
    check_sigpipe();
    check_errors();
    check_options();
    check_udp();
    check_ipv6();
    check_bulk();
    printf("%d failed\n", failures);
    return failures != 0;
}

/* ---- servers ---- */

static int serve_socket(int port, int type)
{
    int fd = socket(AF_INET, type, 0), one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    struct sockaddr_in a = v4("0.0.0.0", port);
    if (bind(fd, (struct sockaddr *)&a, sizeof(a)) != 0 ||
        (type == SOCK_STREAM && listen(fd, 128) != 0)) {
        perror("bind/listen");
        exit(2);
    }
    printf("ready\n");
    fflush(stdout);
    return fd;
}

struct conn {
    int fd;
    uint8_t buf[65536];
    size_t head, len;          /* bytes read, not yet written back */
    int eof;
};

/* Reads what fits, writes what it can; 1 when the connection is done. */
static int pump(struct conn *c, unsigned long long *bytes)
{
    for (;;) {
        while (c->len) {
            ssize_t w = write(c->fd, c->buf + c->head, c->len);
            if (w < 0)
                return errno == EAGAIN ? 0 : 1;
            c->head += (size_t)w;
            c->len -= (size_t)w;
            *bytes += (unsigned long long)w;
        }
        c->head = 0;
        if (c->eof)
            return 1;
        ssize_t r = read(c->fd, c->buf, sizeof(c->buf));
        if (r == 0) {
            c->eof = 1;
            return 1;
        }
        if (r < 0)
            return errno == EAGAIN ? 0 : 1;
        c->len = (size_t)r;
    }
}

static int epoll_echo(int port, int want)
{
    int l = serve_socket(port, SOCK_STREAM);
    fcntl(l, F_SETFL, O_NONBLOCK);
    int ep = epoll_create1(0);
    struct epoll_event ev = { .events = EPOLLIN, .data.ptr = NULL };
    epoll_ctl(ep, EPOLL_CTL_ADD, l, &ev);
    int done = 0, maxconc = 0, open_now = 0;
    unsigned long long bytes = 0;
    struct epoll_event evs[64];
    while (done < want) {
        int n = epoll_wait(ep, evs, 64, -1);
        for (int i = 0; i < n; i++) {
            struct conn *c = evs[i].data.ptr;
            if (!c) {
                int fd;
                while ((fd = accept4(l, NULL, NULL, SOCK_NONBLOCK)) >= 0) {
                    c = calloc(1, sizeof(*c));
                    c->fd = fd;
                    struct epoll_event cev = { .events = EPOLLIN | EPOLLOUT | EPOLLET | EPOLLRDHUP, .data.ptr = c };
                    epoll_ctl(ep, EPOLL_CTL_ADD, fd, &cev);
                    if (++open_now > maxconc)
                        maxconc = open_now;
                }
                continue;
            }
            if (pump(c, &bytes)) {
                close(c->fd);
                free(c);
                open_now--;
                done++;
            }
        }
    }
    printf("served %d connections, %llu bytes echoed, at most %d at once\n", done, bytes, maxconc);
    return 0;
}

static int block_echo(int port, int want)
{
    int l = serve_socket(port, SOCK_STREAM);
    static char buf[32768];
    unsigned long long bytes = 0;
    for (int i = 0; i < want; i++) {
        int c = accept(l, NULL, NULL);
        if (c < 0) {
            perror("accept");
            return 1;
        }
        for (ssize_t n; (n = read(c, buf, sizeof(buf))) > 0;) {
            for (ssize_t off = 0; off < n;) {
                ssize_t w = write(c, buf + off, (size_t)(n - off));
                if (w <= 0)
                    break;
                off += w;
                bytes += (unsigned long long)w;
            }
        }
        close(c);
    }
    printf("served %d connections, %llu bytes echoed\n", want, bytes);
    return 0;
}

static int udp_echo(int port, int want)
{
    int fd = serve_socket(port, SOCK_DGRAM);
    static char buf[65536];
    for (int i = 0; i < want; i++) {
        struct sockaddr_storage from;
        socklen_t len = sizeof(from);
        ssize_t n = recvfrom(fd, buf, sizeof(buf), 0, (struct sockaddr *)&from, &len);
        if (n < 0 || sendto(fd, buf, (size_t)n, 0, (struct sockaddr *)&from, len) != n) {
            perror("udp echo");
            return 1;
        }
    }
    printf("echoed %d datagrams\n", want);
    return 0;
}

static int connect_out(const char *ip, int port)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = v4(ip, port);
    if (connect(fd, (struct sockaddr *)&a, sizeof(a)) != 0) {
        perror("connect");
        return 1;
    }
    static uint8_t buf[1 << 20];
    for (uint32_t i = 0; i < sizeof(buf); i++)
        buf[i] = pattern(i);
    for (size_t at = 0; at < sizeof(buf);) {
        ssize_t w = write(fd, buf + at, sizeof(buf) - at);
        if (w <= 0) {
            perror("write");
            return 1;
        }
        at += (size_t)w;
    }
    shutdown(fd, SHUT_WR);
    char answer[64] = "";
    size_t got = 0;
    for (ssize_t n; got < sizeof(answer) - 1 && (n = read(fd, answer + got, sizeof(answer) - 1 - got)) > 0;)
        got += (size_t)n;
    printf("answer: %s\n", answer);
    close(fd);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc >= 2 && strcmp(argv[1], "local") == 0)
        return local_checks();
    if (argc >= 4 && strcmp(argv[1], "epoll-echo") == 0)
        return epoll_echo(atoi(argv[2]), atoi(argv[3]));
    if (argc >= 4 && strcmp(argv[1], "block-echo") == 0)
        return block_echo(atoi(argv[2]), atoi(argv[3]));
    if (argc >= 4 && strcmp(argv[1], "udp-echo") == 0)
        return udp_echo(atoi(argv[2]), atoi(argv[3]));
    if (argc >= 4 && strcmp(argv[1], "connect") == 0)
        return connect_out(argv[2], atoi(argv[3]));
    fprintf(stderr, "usage: sockets local | epoll-echo PORT N | block-echo PORT N | "
                    "udp-echo PORT N | connect A.B.C.D PORT\n");
    return 2;
}
