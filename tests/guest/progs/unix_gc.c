/* Unreachable AF_UNIX sockets in flight are collected, reachable ones are
 * not.  Thousands of cycles are made and dropped, each holding 32-64 KiB
 * of queued bytes: in a 64 MiB VM they run it out of memory unless they
 * are collected.  Meanwhile descriptors in flight on live sockets (a pipe,
 * a socket, a socket whose own descriptor sits in its own queue) must
 * arrive intact.  Every line it prints must be the same on Linux and in
 * cloak (tests/guest/unix-msg.test compares them). */
#include "unix_common.h"

static char payload[65536];

static int send_fd(int via, int fd, const void *data, size_t len)
{
    union rights_ctl u;
    struct iovec iov = { (void *)data, len };
    struct msghdr m;
    rights_msg(&m, &iov, &u, fd);
    return sendmsg(via, &m, 0) == (ssize_t)len ? 0 : -1;
}

/* Receives one message with a descriptor: the descriptor, data into buf. */
static int recv_fd(int from, char *buf, size_t len, ssize_t *got)
{
    union { char buf[CMSG_SPACE(sizeof(int))]; struct cmsghdr align; } u;
    struct iovec iov = { buf, len };
    struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.buf,
                        .msg_controllen = sizeof(u.buf) };
    *got = recvmsg(from, &m, MSG_DONTWAIT);
    struct cmsghdr *c = CMSG_FIRSTHDR(&m);
    if (*got < 0 || !c || c->cmsg_type != SCM_RIGHTS)
        return -1;
    int fd;
    memcpy(&fd, CMSG_DATA(c), sizeof(int));
    return fd;
}

/* A stream socket's own descriptor in its own queue, with 64 KiB. */
static int self_cycle(void)
{
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) < 0)
        return -1;
    int r = send_fd(sv[1], sv[0], "!", 1);
    if (r == 0 && write(sv[1], payload, sizeof(payload)) != (ssize_t)sizeof(payload))
        r = -1;
    close(sv[0]);
    close(sv[1]);
    return r;
}

/* Two datagram sockets, each in the other's queue, 32 KiB each. */
static int cross_cycle(void)
{
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_DGRAM, 0, sv) < 0)
        return -1;
    int r = send_fd(sv[0], sv[0], payload, 32768);
    if (r == 0)
        r = send_fd(sv[1], sv[1], payload, 32768);
    close(sv[0]);
    close(sv[1]);
    return r;
}

/* A listener's descriptor in the queue of a connection it never accepted. */
static int listener_cycle(int i)
{
    struct sockaddr_un a;
    char name[64];
    snprintf(name, sizeof(name), "cloak-gc-%d-%d", (int)getpid(), i);
    socklen_t len = abstract_addr(&a, name);
    int l = socket(AF_UNIX, SOCK_STREAM, 0);
    int c = socket(AF_UNIX, SOCK_STREAM, 0);
    int r = bind(l, (struct sockaddr *)&a, len) == 0 && listen(l, 1) == 0 &&
            connect(c, (struct sockaddr *)&a, len) == 0 ? 0 : -1;
    if (r == 0)
        r = send_fd(c, l, payload, sizeof(payload));
    close(c);
    close(l);
    return r;
}

static void leak(const char *what, int (*make)(void), int count)
{
    int i = 0;
    while (i < count && make() == 0)
        i++;
    printf("%s: %d of %d made and dropped%s%s\n", what, i, count, i < count ? ", then " : "",
           i < count ? errname(errno) : "");
}

static int listener_cycle_next(void)
{
    static int n;
    return listener_cycle(n++);
}

int main(void)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    memset(payload, 'p', sizeof(payload));
    int lowest = open("/dev/null", O_RDONLY);
    close(lowest);

    /* Descriptors in flight on a live socket. */
    int live[2], p[2], inner[2], self[2];
    socketpair(AF_UNIX, SOCK_STREAM, 0, live);
    pipe(p);
    socketpair(AF_UNIX, SOCK_STREAM, 0, inner);
    socketpair(AF_UNIX, SOCK_DGRAM, 0, self);
    write(p[1], "through the pipe", 16);
    write(inner[1], "through the socket", 18);
    send_fd(self[1], self[0], "self", 4);    /* self[0] in its own queue ... */
    show("send a pipe end", send_fd(live[0], p[0], "P", 1));
    show("send a socket", send_fd(live[0], inner[0], "S", 1));
    show("send the socket in its own queue", send_fd(live[0], self[0], "C", 1));
    close(p[0]);
    close(inner[0]);
    close(self[0]);
    close(self[1]);                          /* ... and also in live's: reachable */

    leak("self cycles", self_cycle, 3000);
    leak("cross cycles", cross_cycle, 1000);
    leak("listener cycles", listener_cycle_next, 2000);

    char buf[64];
    ssize_t got;
    int fd = recv_fd(live[1], buf, sizeof(buf), &got);
    memset(buf, 0, sizeof(buf));
    printf("pipe end arrived: %s, reads %zd bytes\n", fd >= 0 ? "yes" : "no",
           fd >= 0 ? read(fd, buf, sizeof(buf)) : (ssize_t)-1);
    printf("  '%s'\n", buf);
    close(fd);
    fd = recv_fd(live[1], buf, sizeof(buf), &got);
    memset(buf, 0, sizeof(buf));
    printf("socket arrived: %s, reads %zd bytes\n", fd >= 0 ? "yes" : "no",
           fd >= 0 ? read(fd, buf, sizeof(buf)) : (ssize_t)-1);
    printf("  '%s'\n", buf);
    close(fd);
    close(inner[1]);
    fd = recv_fd(live[1], buf, sizeof(buf), &got);
    printf("socket in its own queue arrived: %s\n", fd >= 0 ? "yes" : "no");
    memset(buf, 0, sizeof(buf));
    int again = fd >= 0 ? recv_fd(fd, buf, sizeof(buf), &got) : -1;
    printf("  its queue: %zd bytes '%s' and %s\n", got, buf,
           again >= 0 ? "its own descriptor" : "no descriptor");
    close(again);
    close(fd);
    close(p[1]);
    close(live[0]);
    close(live[1]);
    leak("self cycles after", self_cycle, 200);
    int now = open("/dev/null", O_RDONLY);
    printf("lowest free descriptor: %s\n", now == lowest ? "as at the start" : "moved");
    printf("done\n");
    return 0;
}
