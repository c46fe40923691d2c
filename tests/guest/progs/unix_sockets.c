/* AF_UNIX sockets: every line it prints must be the same on Linux and in
 * cloak (tests/guest/unix-sockets.test compares them).  No line depends
 * on a pid or a timing.  sendfile, splice and copy_file_range: unix_copy.c. */
#include "unix_common.h"


static void pair_rw(int type, const char *name)
{
    int sv[2];
    char buf[64];
    printf("== socketpair %s\n", name);
    show("socketpair", socketpair(AF_UNIX, type, 0, sv));
    show("write a->b", write(sv[0], "hello", 5));
    memset(buf, 0, sizeof(buf));
    show("read b", read(sv[1], buf, sizeof(buf)));
    printf("got '%s'\n", buf);
    show("send b->a", send(sv[1], "world!", 6, 0));
    memset(buf, 0, sizeof(buf));
    show("recv a", recv(sv[0], buf, sizeof(buf), 0));
    printf("got '%s'\n", buf);
    /* boundaries: three sends, then reads */
    send(sv[0], "1", 1, 0);
    send(sv[0], "22", 2, 0);
    send(sv[0], "333", 3, 0);
    if (type == SOCK_STREAM) {
        usleep(1000);
        show("stream read all", read(sv[1], buf, sizeof(buf)));
    } else {
        show("record 1", read(sv[1], buf, sizeof(buf)));
        show("record 2", read(sv[1], buf, sizeof(buf)));
        show("record 3 into 2 bytes", recv(sv[1], buf, 2, 0));
        send(sv[0], "abcdef", 6, 0);
        struct iovec iov = { buf, 3 };
        struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1 };
        show("recvmsg truncated", recvmsg(sv[1], &m, 0));
        printf("MSG_TRUNC %d\n", !!(m.msg_flags & MSG_TRUNC));
        send(sv[0], "abcdef", 6, 0);
        show("recv MSG_TRUNC", recv(sv[1], buf, 2, MSG_TRUNC));
    }
    int type_v = 0;
    socklen_t l = sizeof(type_v);
    getsockopt(sv[0], SOL_SOCKET, SO_TYPE, &type_v, &l);
    printf("SO_TYPE %d\n", type_v);
    struct sockaddr_un a;
    l = sizeof(a);
    show("getsockname", getsockname(sv[0], (struct sockaddr *)&a, &l));
    printf("name len %u family %d\n", (unsigned)l, a.sun_family);
    l = sizeof(a);
    show("getpeername", getpeername(sv[0], (struct sockaddr *)&a, &l));
    printf("peer len %u\n", (unsigned)l);
    close(sv[0]);
    close(sv[1]);
}

static void *client_thread(void *arg)
{
    const struct sockaddr_un *target = arg;
    struct sockaddr_un a;
    char name[sizeof(a.sun_path)];
    memcpy(name, target->sun_path, sizeof(name));
    socklen_t len = name[0] ? path_addr(&a, name) : abstract_addr(&a, name + 1);
    int c = socket(AF_UNIX, SOCK_STREAM, 0);
    if (connect(c, (struct sockaddr *)&a, len) < 0) {
        printf("client connect: %s\n", errname(errno));
        return NULL;
    }
    write(c, "ping", 4);
    char buf[16] = { 0 };
    ssize_t n = read(c, buf, sizeof(buf) - 1);
    printf("client got %zd '%s'\n", n, buf);
    n = read(c, buf, sizeof(buf));
    printf("client then read %zd (end of file)\n", n);
    close(c);
    return NULL;
}

static void serve_one(int l, struct sockaddr_un *target)
{
    pthread_t t;
    pthread_create(&t, NULL, client_thread, target);
    struct sockaddr_un peer;
    socklen_t pl = sizeof(peer);
    int s = accept(l, (struct sockaddr *)&peer, &pl);
    show("accept", s >= 0 ? 0 : -1);
    printf("accepted peer len %u\n", (unsigned)pl);
    char buf[16] = { 0 };
    show("server read", read(s, buf, 4));
    printf("server got '%s'\n", buf);
    struct ucred cr;
    socklen_t cl = sizeof(cr);
    show("SO_PEERCRED", getsockopt(s, SOL_SOCKET, SO_PEERCRED, &cr, &cl));
    printf("cred len %u pid is mine %d uid is mine %d gid is mine %d\n", (unsigned)cl,
           cr.pid == getpid(), cr.uid == getuid(), cr.gid == getgid());
    struct sockaddr_un me;
    socklen_t ml = sizeof(me);
    getsockname(s, (struct sockaddr *)&me, &ml);
    printf("accepted socket has its listener's name %d\n",
           memcmp(me.sun_path, target->sun_path, ml - 2) == 0);
    write(s, "pong", 4);
    close(s);
    pthread_join(t, NULL);
}

static void listener_tests(void)
{
    printf("== path listener\n");
    struct sockaddr_un a, b;
    socklen_t len = path_addr(&a, path1);
    int l = socket(AF_UNIX, SOCK_STREAM, 0);
    show("listen unbound", listen(l, 5));
    show("bind", bind(l, (struct sockaddr *)&a, len));
    struct stat st;
    show("stat", stat(path1, &st));
    printf("is a socket %d\n", S_ISSOCK(st.st_mode));
    socklen_t bl = sizeof(b);
    getsockname(l, (struct sockaddr *)&b, &bl);
    printf("name len is the path's plus 3: %d, path ok %d\n",
           bl == offsetof(struct sockaddr_un, sun_path) + strlen(path1) + 1,
           strcmp(b.sun_path, path1) == 0);
    int l2 = socket(AF_UNIX, SOCK_STREAM, 0);
    show("bind same path", bind(l2, (struct sockaddr *)&a, len));
    show("bind twice", bind(l, (struct sockaddr *)&a, len));
    show("connect before listen", connect(l2, (struct sockaddr *)&a, len));
    struct ucred cr;
    socklen_t cl = sizeof(cr);
    getsockopt(l, SOL_SOCKET, SO_PEERCRED, &cr, &cl);
    printf("unconnected SO_PEERCRED pid %d uid %d gid %d\n", (int)cr.pid, (int)cr.uid, (int)cr.gid);
    show("listen", listen(l, 5));
    getsockopt(l, SOL_SOCKET, SO_PEERCRED, &cr, &cl);
    printf("listener SO_PEERCRED pid is mine %d uid is mine %d\n", cr.pid == getpid(), cr.uid == getuid());
    int acc = 0;
    socklen_t al = sizeof(acc);
    getsockopt(l, SOL_SOCKET, SO_ACCEPTCONN, &acc, &al);
    printf("SO_ACCEPTCONN %d\n", acc);
    struct sockaddr_un target = a;
    serve_one(l, &target);
    /* non-blocking accept with nobody waiting */
    fcntl(l, F_SETFL, O_NONBLOCK);
    show("accept non-blocking", accept(l, NULL, NULL));
    /* a pending connection: the listener polls readable */
    int c = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0);
    show("non-blocking connect", connect(c, (struct sockaddr *)&a, len));
    struct pollfd p = { l, POLLIN, 0 };
    show("poll listener", poll(&p, 1, 1000));
    printf("revents %#x\n", p.revents);
    show("connect again", connect(c, (struct sockaddr *)&a, len));
    close(l);
    show("client read after listener closed", read(c, &acc, 1));
    close(c);
    c = socket(AF_UNIX, SOCK_STREAM, 0);
    show("connect to a closed listener", connect(c, (struct sockaddr *)&a, len));
    show("unlink", unlink(path1));
    show("connect to a missing path", connect(c, (struct sockaddr *)&a, len));
    int fd = open(fpath, O_CREAT | O_WRONLY | O_TRUNC, 0600);
    close(fd);
    len = path_addr(&b, fpath);
    show("connect to a regular file", connect(c, (struct sockaddr *)&b, len));
    close(c);
    close(l2);

    printf("== abstract listener\n");
    len = abstract_addr(&a, "cloak-unix-test");
    l = socket(AF_UNIX, SOCK_STREAM, 0);
    show("bind abstract", bind(l, (struct sockaddr *)&a, len));
    bl = sizeof(b);
    getsockname(l, (struct sockaddr *)&b, &bl);
    printf("name len %u\n", (unsigned)bl);
    l2 = socket(AF_UNIX, SOCK_STREAM, 0);
    show("bind same abstract", bind(l2, (struct sockaddr *)&a, len));
    close(l2);
    show("listen", listen(l, 1));
    target = a;
    serve_one(l, &target);
    close(l);
    c = socket(AF_UNIX, SOCK_STREAM, 0);
    show("connect to a gone abstract name", connect(c, (struct sockaddr *)&a, len));
    close(c);
    c = socket(AF_UNIX, SOCK_DGRAM, 0);
    show("autobind", bind(c, (struct sockaddr *)&a, offsetof(struct sockaddr_un, sun_path)));
    bl = sizeof(b);
    getsockname(c, (struct sockaddr *)&b, &bl);
    printf("autobound len %u abstract %d\n", (unsigned)bl, b.sun_path[0] == 0);
    close(c);
}

static void dgram_tests(void)
{
    printf("== datagrams to a path\n");
    struct sockaddr_un a, from;
    socklen_t len = path_addr(&a, path2);
    int srv = socket(AF_UNIX, SOCK_DGRAM, 0);
    show("bind", bind(srv, (struct sockaddr *)&a, len));
    int c = socket(AF_UNIX, SOCK_DGRAM, 0);
    show("sendto", sendto(c, "d1", 2, 0, (struct sockaddr *)&a, len));
    char buf[16];
    socklen_t fl = sizeof(from);
    show("recvfrom", recvfrom(srv, buf, sizeof(buf), 0, (struct sockaddr *)&from, &fl));
    printf("from len %u (unnamed sender)\n", (unsigned)fl);
    show("connect", connect(c, (struct sockaddr *)&a, len));
    show("send connected", send(c, "d2", 2, 0));
    show("recv", recv(srv, buf, sizeof(buf), 0));
    show("send with no address", send(srv, "x", 1, 0));
    int stream = socket(AF_UNIX, SOCK_STREAM, 0);
    show("stream connect to a datagram socket", connect(stream, (struct sockaddr *)&a, len));
    close(stream);
    close(srv);
    struct sockaddr unspec = { .sa_family = AF_UNSPEC };
    int c2 = socket(AF_UNIX, SOCK_DGRAM, 0);
    show("connect", connect(c2, (struct sockaddr *)&a, len));
    show("connect AF_UNSPEC (disconnect)", connect(c2, &unspec, sizeof(unspec)));
    show("send after disconnect", send(c2, "x", 1, 0));
    show("sendto AF_UNSPEC", sendto(c2, "x", 1, 0, &unspec, sizeof(unspec)));
    close(c2);
    int s2 = socket(AF_UNIX, SOCK_STREAM, 0);
    show("stream connect AF_UNSPEC", connect(s2, &unspec, sizeof(unspec)));
    close(s2);
    show("send to a closed peer", send(c, "d3", 2, 0));
    show("send again", send(c, "d3", 2, 0));
    close(c);
    unlink(path2);
}

static int send_fds(int s, const int *fds, int n, const char *data)
{
    char ctl[CMSG_SPACE(sizeof(int) * 4)];
    memset(ctl, 0, sizeof(ctl));
    struct iovec iov = { (void *)data, strlen(data) };
    struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl,
                        .msg_controllen = CMSG_SPACE(sizeof(int) * n) };
    struct cmsghdr *c = CMSG_FIRSTHDR(&m);
    c->cmsg_level = SOL_SOCKET;
    c->cmsg_type = SCM_RIGHTS;
    c->cmsg_len = CMSG_LEN(sizeof(int) * n);
    memcpy(CMSG_DATA(c), fds, sizeof(int) * n);
    return (int)sendmsg(s, &m, 0);
}

/* Receives into fds (at most room of them): the bytes, or -1. */
static int recv_fds(int s, int *fds, int room, int *nfds, int *flags)
{
    char buf[64];
    char ctl[CMSG_SPACE(sizeof(int) * 4)];
    struct iovec iov = { buf, sizeof(buf) };
    struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl,
                        .msg_controllen = room ? CMSG_SPACE(sizeof(int) * room) : 0 };
    int r = (int)recvmsg(s, &m, 0);
    *nfds = 0;
    *flags = m.msg_flags;
    for (struct cmsghdr *c = CMSG_FIRSTHDR(&m); r >= 0 && c; c = CMSG_NXTHDR(&m, c))
        if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS) {
            *nfds = (int)((c->cmsg_len - CMSG_LEN(0)) / sizeof(int));
            memcpy(fds, CMSG_DATA(c), sizeof(int) * *nfds);
        }
    return r;
}

/* The system call itself: musl's sendmsg copies the control data first. */
static long raw_sendmsg(int fd, const struct msghdr *m, int flags)
{
    return syscall(SYS_sendmsg, fd, m, flags);
}

static void rights_tests(void)
{
    printf("== SCM_RIGHTS\n");
    int sv[2], p[2], got[4], n, flags;
    char buf[64];
    socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
    pipe(p);
    write(p[1], "through the pipe", 16);
    show("send pipe end", send_fds(sv[0], &p[0], 1, "P"));
    close(p[0]);
    show("recvmsg", recv_fds(sv[1], got, 1, &n, &flags));
    printf("fds %d ctrunc %d\n", n, !!(flags & MSG_CTRUNC));
    memset(buf, 0, sizeof(buf));
    show("read received pipe", read(got[0], buf, sizeof(buf) - 1));
    printf("got '%s'\n", buf);
    close(got[0]);
    close(p[1]);

    int fd = open(fpath, O_CREAT | O_RDWR | O_TRUNC, 0600);
    write(fd, "file contents", 13);
    lseek(fd, 5, SEEK_SET);
    show("send file", send_fds(sv[0], &fd, 1, "F"));
    show("recvmsg", recv_fds(sv[1], got, 1, &n, &flags));
    memset(buf, 0, sizeof(buf));
    show("read received file (shares the offset)", read(got[0], buf, sizeof(buf) - 1));
    printf("got '%s' offset now %ld\n", buf, (long)lseek(fd, 0, SEEK_CUR));
    close(got[0]);

    int three[3] = { fd, fd, fd };
    show("send three", send_fds(sv[0], three, 3, "T"));
    show("recvmsg with room for two", recv_fds(sv[1], got, 1, &n, &flags));
    printf("fds %d ctrunc %d\n", n, !!(flags & MSG_CTRUNC));
    close(got[0]);
    close(got[1]);
    show("send one more", send_fds(sv[0], three, 1, "N"));
    show("recvmsg with no room", recv_fds(sv[1], got, 0, &n, &flags));
    printf("fds %d ctrunc %d\n", n, !!(flags & MSG_CTRUNC));
    close(fd);

    int bad = 999;
    show("send a closed descriptor", send_fds(sv[0], &bad, 1, "B"));
    /* a cmsg_len shorter than its header, or past the buffer */
    char ctl[CMSG_SPACE(sizeof(int))];
    memset(ctl, 0, sizeof(ctl));
    struct iovec iov = { "x", 1 };
    struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl,
                        .msg_controllen = sizeof(ctl) };
    struct cmsghdr *c = CMSG_FIRSTHDR(&m);
    c->cmsg_level = SOL_SOCKET;
    c->cmsg_type = SCM_RIGHTS;
    c->cmsg_len = 8;
    show("cmsg_len 8", raw_sendmsg(sv[0], &m, 0));
    c->cmsg_len = sizeof(ctl) + 8;
    show("cmsg_len past the buffer", raw_sendmsg(sv[0], &m, 0));
    m.msg_control = (void *)16;
    show("control at a bad address", raw_sendmsg(sv[0], &m, 0));
    m.msg_control = NULL;
    m.msg_controllen = 0;
    iov.iov_base = (void *)16;
    show("data at a bad address", raw_sendmsg(sv[0], &m, 0));
    show("send from a bad address", send(sv[0], (void *)16, 4, 0));
    send(sv[0], "zz", 2, 0);
    show("recv into a bad address", recv(sv[1], (void *)16, 4, 0));
    show("recv the bytes still there", recv(sv[1], buf, sizeof(buf), MSG_DONTWAIT));
    struct sockaddr_un a;
    memset(&a, 0, sizeof(a));
    a.sun_family = AF_UNIX;
    int d = socket(AF_UNIX, SOCK_DGRAM, 0);
    show("bind address too long", bind(d, (struct sockaddr *)&a, sizeof(a) + 8));
    show("bind bad address", bind(d, (struct sockaddr *)16, sizeof(a)));
    a.sun_family = AF_INET;
    show("bind wrong family", bind(d, (struct sockaddr *)&a, sizeof(a)));
    show("socket bad type", socket(AF_UNIX, 7, 0));
    show("socket bad protocol", socket(AF_UNIX, SOCK_STREAM, 5));
    int *volatile badp = (int *)16;
    socklen_t cl = sizeof(int);
    show("socketpair bad pointer", socketpair(AF_UNIX, SOCK_STREAM, 0, badp));
    /* the kernel's struct msghdr (musl's has int fields and padding) */
    struct { void *name; uint32_t namelen, pad; void *iov; uint64_t iovlen; void *control;
             uint64_t controllen; int flags, pad2; } km = { .iov = &iov, .iovlen = 1ull << 62 };
    iov = (struct iovec){ "x", 1 };
    show("iovlen huge", syscall(SYS_sendmsg, sv[0], &km, 0));
    km.iovlen = 1;
    km.control = ctl;
    km.controllen = 1ull << 40;
    show("controllen huge", syscall(SYS_sendmsg, sv[0], &km, 0));
    show("sendmsg bad msghdr", raw_sendmsg(sv[0], (void *)16, 0));
    show("recvmsg bad msghdr", syscall(SYS_recvmsg, sv[1], (void *)16, MSG_DONTWAIT));
    show("sendto bad address pointer", syscall(SYS_sendto, d, "x", 1, 0, (void *)16, 20));
    show("connect address length -1", syscall(SYS_connect, d, &a, -1));
    show("getsockname bad length pointer", syscall(SYS_getsockname, sv[0], &a, (void *)16));
    int one = 1;
    show("setsockopt short", setsockopt(sv[0], SOL_SOCKET, SO_SNDBUF, &one, 2));
    show("getsockopt bad value pointer", syscall(SYS_getsockopt, sv[0], SOL_SOCKET, SO_TYPE, (void *)16, &cl));
    close(d);
    close(sv[0]);
    close(sv[1]);
}

static void flags_tests(void)
{
    printf("== flags, options, end of connection\n");
    int sv[2];
    char buf[64];
    socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, sv);
    show("recv empty non-blocking", recv(sv[1], buf, sizeof(buf), 0));
    send(sv[0], "abcdef", 6, 0);
    int avail = 0;
    show("FIONREAD", ioctl(sv[1], FIONREAD, &avail));
    printf("readable %d\n", avail);
    memset(buf, 0, sizeof(buf));
    show("peek", recv(sv[1], buf, 3, MSG_PEEK));
    printf("peeked '%s'\n", buf);
    memset(buf, 0, sizeof(buf));
    show("recv", recv(sv[1], buf, sizeof(buf), 0));
    printf("got '%s'\n", buf);
    long total = 0, r;
    char chunk[4096] = { 0 };
    while ((r = send(sv[0], chunk, sizeof(chunk), 0)) > 0)
        total += r;
    printf("filled until %s, some sent %d\n", errname(errno), total > 0);
    struct pollfd p = { sv[0], POLLOUT, 0 };
    show("poll full for POLLOUT", poll(&p, 1, 0));
    while (recv(sv[1], chunk, sizeof(chunk), 0) > 0)
        ;
    show("poll drained for POLLOUT", poll(&p, 1, 0));
    int v = 65536;
    show("SO_SNDBUF set", setsockopt(sv[0], SOL_SOCKET, SO_SNDBUF, &v, sizeof(v)));
    socklen_t l = sizeof(v);
    getsockopt(sv[0], SOL_SOCKET, SO_SNDBUF, &v, &l);
    printf("SO_SNDBUF %d\n", v);
    l = sizeof(v);
    show("SO_ERROR", getsockopt(sv[0], SOL_SOCKET, SO_ERROR, &v, &l));
    printf("error %d\n", v);
    show("TCP level", getsockopt(sv[0], IPPROTO_TCP, 1, &v, &l));

    int ep = epoll_create1(0);
    struct epoll_event ev = { .events = EPOLLIN | EPOLLRDHUP, .data.u32 = 7 }, out[2];
    epoll_ctl(ep, EPOLL_CTL_ADD, sv[1], &ev);
    show("epoll idle", epoll_wait(ep, out, 2, 0));
    send(sv[0], "e", 1, 0);
    show("epoll after send", epoll_wait(ep, out, 2, 1000));
    printf("events %#x data %u\n", out[0].events, out[0].data.u32);
    recv(sv[1], buf, 1, 0);
    show("shutdown SHUT_WR", shutdown(sv[0], SHUT_WR));
    show("epoll after shutdown", epoll_wait(ep, out, 2, 1000));
    printf("events %#x\n", out[0].events);
    show("read after shutdown", recv(sv[1], buf, 1, 0));
    show("send after own shutdown", send(sv[0], "x", 1, MSG_NOSIGNAL));
    close(sv[0]);
    show("epoll after close", epoll_wait(ep, out, 2, 1000));
    printf("events %#x\n", out[0].events);
    show("send to a closed peer (SIGPIPE ignored)", send(sv[1], "x", 1, 0));
    close(sv[1]);
    close(ep);

    printf("== reset\n");
    socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
    send(sv[0], "unread", 6, 0);
    close(sv[1]);
    show("read after the peer closed with unread data", recv(sv[0], buf, sizeof(buf), 0));
    show("read again", recv(sv[0], buf, sizeof(buf), 0));
    close(sv[0]);

    printf("== seqpacket end\n");
    socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv);
    close(sv[1]);
    p = (struct pollfd){ sv[0], POLLIN | POLLOUT | POLLRDHUP, 0 };
    show("poll", poll(&p, 1, 0));
    printf("revents %#x\n", p.revents);
    show("read", read(sv[0], buf, 1));
    close(sv[0]);
}

static volatile int alarms;
static void on_alarm(int sig) { (void)sig; alarms++; }

/* Writes one byte once the handler has run (the read is then restarted). */
static void *late_writer(void *arg)
{
    while (!alarms)
        usleep(1000);
    usleep(20000);
    write(*(int *)arg, "r", 1);
    return NULL;
}
static volatile int sigpipes;
static void on_sigpipe(int sig) { (void)sig; sigpipes++; }

/* SIGPIPE comes with a stream's EPIPE only. */
static void sigpipe_test(void)
{
    printf("== SIGPIPE\n");
    signal(SIGPIPE, on_sigpipe);
    int types[3] = { SOCK_STREAM, SOCK_SEQPACKET, SOCK_DGRAM };
    for (int i = 0; i < 3; i++) {
        int sv[2];
        socketpair(AF_UNIX, types[i], 0, sv);
        if (types[i] == SOCK_DGRAM)
            shutdown(sv[1], SHUT_RD);
        else
            close(sv[1]);
        sigpipes = 0;
        show("send to a gone reader", send(sv[0], "x", 1, 0));
        printf("type %d SIGPIPEs %d\n", types[i], sigpipes);
        sigpipes = 0;
        show("with MSG_NOSIGNAL", send(sv[0], "x", 1, MSG_NOSIGNAL));
        printf("SIGPIPEs %d\n", sigpipes);
        shutdown(sv[0], SHUT_WR);
        show("after own shutdown", write(sv[0], "x", 1));
        printf("SIGPIPEs %d\n", sigpipes);
        close(sv[0]);
        if (types[i] == SOCK_DGRAM)
            close(sv[1]);
    }
    signal(SIGPIPE, SIG_IGN);
}

static void eintr_test(void)
{
    printf("== interrupted\n");
    int sv[2];
    char c;
    socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
    struct sigaction sa = { .sa_handler = on_alarm };
    sigaction(SIGALRM, &sa, NULL);
    struct itimerval it = { .it_value = { 0, 50000 } };
    setitimer(ITIMER_REAL, &it, NULL);
    show("blocked read interrupted", read(sv[0], &c, 1));
    struct timeval tv = { 0, 50000 };
    setsockopt(sv[0], SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    show("read with SO_RCVTIMEO", read(sv[0], &c, 1));
    sa.sa_flags = SA_RESTART;
    sigaction(SIGALRM, &sa, NULL);
    alarms = 0;
    struct timeval none = { 0, 0 };
    setsockopt(sv[0], SOL_SOCKET, SO_RCVTIMEO, &none, sizeof(none));
    pthread_t t;
    pthread_create(&t, NULL, late_writer, &sv[1]);
    setitimer(ITIMER_REAL, &it, NULL);
    show("read restarted after SA_RESTART handler", read(sv[0], &c, 1));
    printf("got '%c' after %d alarm\n", c, alarms);
    pthread_join(t, NULL);
    struct timeval two = { 2, 0 };
    setsockopt(sv[0], SOL_SOCKET, SO_RCVTIMEO, &two, sizeof(two));
    setitimer(ITIMER_REAL, &it, NULL);
    show("read with SO_RCVTIMEO and SA_RESTART, interrupted", read(sv[0], &c, 1));
    close(sv[0]);
    close(sv[1]);
}

int main(void)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    signal(SIGPIPE, SIG_IGN);
    snprintf(path1, sizeof(path1), "/tmp/cloak-unix-%d.a", (int)getpid());
    snprintf(path2, sizeof(path2), "/tmp/cloak-unix-%d.b", (int)getpid());
    snprintf(fpath, sizeof(fpath), "/tmp/cloak-unix-%d.f", (int)getpid());
    pair_rw(SOCK_STREAM, "stream");
    pair_rw(SOCK_DGRAM, "dgram");
    pair_rw(SOCK_SEQPACKET, "seqpacket");
    listener_tests();
    dgram_tests();
    rights_tests();
    flags_tests();
    eintr_test();
    sigpipe_test();
    unlink(path1);
    unlink(path2);
    unlink(fpath);
    printf("done\n");
    return 0;
}
