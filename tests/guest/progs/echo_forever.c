/* echo_forever PORT: a dual-stack (IPv4 and IPv6) TCP echo server on
 * poll(2) that serves until it is killed, whatever its clients do; prints
 * "ready" once listening, then one line per connection that ends in an
 * error other than a reset (a client that vanishes is not an error of
 * the server).  For net-hostile.test, whose peer misbehaves on purpose. */
#define _GNU_SOURCE /* accept4 */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define MAXC 256

struct conn {
    int fd;
    size_t head, len;
    char buf[16384];
};

static struct conn *conns[MAXC];
static struct pollfd pfds[MAXC + 1];

static void drop(int i, const char *why)
{
    if (why && errno != ECONNRESET && errno != EPIPE && errno != ETIMEDOUT)
        printf("connection ended: %s: %s\n", why, strerror(errno));
    close(conns[i]->fd);
    free(conns[i]);
    conns[i] = NULL;
}

/* Writes what is pending, then reads; 0 when the connection is over. */
static int pump(struct conn *c)
{
    for (;;) {
        while (c->len) {
            ssize_t w = send(c->fd, c->buf + c->head, c->len, MSG_NOSIGNAL);
            if (w < 0)
                return errno == EAGAIN ? 1 : -1;
            c->head += (size_t)w;
            c->len -= (size_t)w;
        }
        c->head = 0;
        ssize_t r = recv(c->fd, c->buf, sizeof(c->buf), 0);
        if (r == 0)
            return 0;
        if (r < 0)
            return errno == EAGAIN ? 1 : -1;
        c->len = (size_t)r;
    }
}

int main(int argc, char **argv)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    int l = socket(AF_INET6, SOCK_STREAM | SOCK_NONBLOCK, 0), zero = 0, one = 1;
    struct sockaddr_in6 a = { .sin6_family = AF_INET6,
                              .sin6_port = htons((unsigned short)atoi(argc > 1 ? argv[1] : "7000")) };
    setsockopt(l, IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof(zero));
    setsockopt(l, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    if (bind(l, (struct sockaddr *)&a, sizeof(a)) || listen(l, 64)) {
        perror("bind/listen");
        return 2;
    }
    printf("ready\n");
    for (;;) {
        pfds[MAXC] = (struct pollfd){ .fd = l, .events = POLLIN };
        for (int i = 0; i < MAXC; i++)
            pfds[i] = (struct pollfd){ .fd = conns[i] ? conns[i]->fd : -1,
                                       .events = conns[i] && conns[i]->len ? POLLOUT : POLLIN };
        if (poll(pfds, MAXC + 1, -1) < 0 && errno != EINTR) {
            perror("poll");
            return 1;
        }
        for (int i = 0; i < MAXC; i++) {
            if (!conns[i] || !pfds[i].revents)
                continue;
            int r = pump(conns[i]);
            if (r <= 0)
                drop(i, r < 0 ? "send/recv" : NULL);
        }
        if (pfds[MAXC].revents & POLLIN) {
            int fd;
            while ((fd = accept4(l, NULL, NULL, SOCK_NONBLOCK)) >= 0) {
                int i = 0;
                while (i < MAXC && conns[i])
                    i++;
                if (i == MAXC || !(conns[i] = calloc(1, sizeof(struct conn)))) {
                    close(fd);
                    continue;
                }
                conns[i]->fd = fd;
            }
        }
    }
}
