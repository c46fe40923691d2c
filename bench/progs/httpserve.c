/* The HTTP benchmark's server (bench/net.py, wrk): one thread, epoll,
 * non-blocking sockets, HTTP/1.1 keep-alive.  Every request (a header
 * block ending in a blank line) gets the same small static page; pipelined
 * requests are answered in order.  Argument: the port (default 8080). */
#define _GNU_SOURCE                     /* accept4, memmem */
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#define MAX_CONNS 1024
#define BUF 8192

static const char body[] = "<html><body><h1>cloak</h1><p>a static page</p></body></html>\n";
static char response[512];
static int response_len;

struct conn {
    int fd;
    size_t have;
    char buf[BUF];
};

static void drop(int ep, struct conn *c)
{
    epoll_ctl(ep, EPOLL_CTL_DEL, c->fd, NULL);
    close(c->fd);
    free(c);
}

/* Answers every complete request in the buffer; 0 keeps the connection. */
static int serve(struct conn *c)
{
    for (;;) {
        ssize_t n = read(c->fd, c->buf + c->have, BUF - c->have);
        if (n == 0)
            return -1;
        if (n < 0)
            return errno == EAGAIN || errno == EWOULDBLOCK ? 0 : -1;
        c->have += (size_t)n;
        char *start = c->buf, *end;
        while ((end = memmem(start, c->have - (size_t)(start - c->buf), "\r\n\r\n", 4))) {
            /* Small answers to a reader of the same connection: a full
             * socket buffer here means a broken client; drop it. */
            if (write(c->fd, response, (size_t)response_len) != response_len)
                return -1;
            start = end + 4;
        }
        c->have -= (size_t)(start - c->buf);
        memmove(c->buf, start, c->have);
        if (c->have == BUF)
            return -1;                  /* a header block larger than the buffer */
    }
}

int main(int argc, char **argv)
{
    int port = argc > 1 ? atoi(argv[1]) : 8080, one = 1;
    response_len = snprintf(response, sizeof(response),
                            "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: %zu\r\n"
                            "Connection: keep-alive\r\n\r\n%s", sizeof(body) - 1, body);
    int l = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    setsockopt(l, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
    int ep = epoll_create1(0);
    struct epoll_event ev = { .events = EPOLLIN, .data.ptr = NULL };
    if (bind(l, (struct sockaddr *)&a, sizeof(a)) || listen(l, 128) || ep < 0 ||
        epoll_ctl(ep, EPOLL_CTL_ADD, l, &ev)) {
        perror("httpserve");
        return 1;
    }
    printf("ready\n");
    fflush(stdout);
    struct epoll_event evs[64];
    for (;;) {
        int n = epoll_wait(ep, evs, 64, -1);
        for (int i = 0; i < n; i++) {
            struct conn *c = evs[i].data.ptr;
            if (c) {
                if (serve(c))
                    drop(ep, c);
                continue;
            }
            int fd;
            while ((fd = accept4(l, NULL, NULL, SOCK_NONBLOCK)) >= 0) {
                setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
                c = malloc(sizeof(*c));
                if (!c) {
                    close(fd);
                    continue;
                }
                c->fd = fd;
                c->have = 0;
                struct epoll_event cev = { .events = EPOLLIN, .data.ptr = c };
                if (epoll_ctl(ep, EPOLL_CTL_ADD, fd, &cev)) {
                    close(fd);
                    free(c);
                }
            }
        }
    }
}
