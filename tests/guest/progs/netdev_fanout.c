/* Many downloads at once, then the interfaces' counters:
 *   netdev_fanout PORT CLIENTS BYTES
 * listens on PORT, prints "ready", accepts CLIENTS connections and sends
 * each BYTES bytes of a xorshift stream (the same for all) at once,
 * non-blocking, with poll: every connection's segments compete for the
 * card's transmit ring.  When all are sent and closed it prints
 * /proc/net/dev as it reads it, between "netdev begin" and "netdev end". */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define MAX_CLIENTS 16
#define CHUNK 65536

static uint8_t stream[CHUNK];

/* The stream repeats every CHUNK bytes: the client makes the same. */
static void make_stream(void)
{
    uint32_t x = 2463534242u;
    for (size_t i = 0; i < CHUNK; i++) {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        stream[i] = (uint8_t)x;
    }
}

static int listener(int port)
{
    int s = socket(AF_INET, SOCK_STREAM, 0), one = 1;
    struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
    if (s < 0 || setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) ||
        bind(s, (struct sockaddr *)&a, sizeof(a)) || listen(s, MAX_CLIENTS)) {
        perror("listen");
        exit(1);
    }
    return s;
}

/* Sends to every connection as far as it takes, until all are done. */
static void send_all(int *fd, unsigned n, long bytes)
{
    long sent[MAX_CLIENTS] = { 0 };
    unsigned left = n;
    while (left) {
        struct pollfd p[MAX_CLIENTS];
        for (unsigned i = 0; i < n; i++)
            p[i] = (struct pollfd){ sent[i] < bytes ? fd[i] : -1, POLLOUT, 0 };
        if (poll(p, (nfds_t)n, 60000) <= 0) {
            perror("poll");
            exit(1);
        }
        for (unsigned i = 0; i < n; i++) {
            if (sent[i] >= bytes || !(p[i].revents & (POLLOUT | POLLERR | POLLHUP)))
                continue;
            size_t at = (size_t)(sent[i] % CHUNK), len = CHUNK - at;
            if ((long)len > bytes - sent[i])
                len = (size_t)(bytes - sent[i]);
            ssize_t w = send(fd[i], stream + at, len, MSG_NOSIGNAL);
            if (w < 0 && errno != EAGAIN) {
                perror("send");
                exit(1);
            }
            if (w > 0 && (sent[i] += w) == bytes) {
                close(fd[i]);
                left--;
            }
        }
    }
}

static void print_netdev(void)
{
    char buf[4096];
    int f = open("/proc/net/dev", O_RDONLY);
    ssize_t n = f < 0 ? -1 : read(f, buf, sizeof(buf) - 1);
    if (n < 0) {
        perror("/proc/net/dev");
        exit(1);
    }
    buf[n] = 0;
    printf("netdev begin\n%snetdev end\n", buf);
}

int main(int argc, char **argv)
{
    if (argc != 4 || atoi(argv[2]) < 1 || atoi(argv[2]) > MAX_CLIENTS) {
        fprintf(stderr, "usage: netdev_fanout PORT CLIENTS(1-%d) BYTES\n", MAX_CLIENTS);
        return 2;
    }
    unsigned n = (unsigned)atoi(argv[2]);
    int fd[MAX_CLIENTS];
    long bytes = atol(argv[3]);
    make_stream();
    int s = listener(atoi(argv[1]));
    printf("ready\n");
    fflush(stdout);
    for (unsigned i = 0; i < n; i++) {
        if ((fd[i] = accept(s, NULL, NULL)) < 0) {
            perror("accept");
            return 1;
        }
        fcntl(fd[i], F_SETFL, O_NONBLOCK);
    }
    send_all(fd, n, bytes);
    printf("sent %u x %ld bytes\n", n, bytes);
    print_netdev();
    return 0;
}
