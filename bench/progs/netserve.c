/* The network benchmark's server (bench/net.py): accepts connections one
 * after another, forever; the first byte of each says what it wants:
 *   'S'  sink: reads to the end, then answers the byte count (8 bytes)
 *   'G'  source: reads an 8-byte count, writes that many bytes, closes
 *   'E'  echo: echoes every read back at once (TCP_NODELAY), to the end
 *   'Q'  quit: the program exits (a profiled run reports at exit) */
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static char buf[1 << 16];

static int read_full(int fd, void *p, size_t n)
{
    for (size_t got = 0; got < n;) {
        ssize_t r = read(fd, (char *)p + got, n - got);
        if (r <= 0)
            return -1;
        got += (size_t)r;
    }
    return 0;
}

static void serve(int c)
{
    char what;
    int one = 1;
    setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    if (read(c, &what, 1) != 1)
        return;
    if (what == 'Q')
        exit(0);
    if (what == 'S') {
        uint64_t total = 0;
        for (ssize_t n; (n = read(c, buf, sizeof(buf))) > 0;)
            total += (uint64_t)n;
        write(c, &total, sizeof(total));
    } else if (what == 'G') {
        uint64_t want;
        if (read_full(c, &want, sizeof(want)))
            return;
        for (uint64_t sent = 0; sent < want;) {
            size_t n = want - sent < sizeof(buf) ? (size_t)(want - sent) : sizeof(buf);
            ssize_t w = write(c, buf, n);
            if (w <= 0)
                return;
            sent += (uint64_t)w;
        }
    } else if (what == 'E') {
        for (ssize_t n; (n = read(c, buf, sizeof(buf))) > 0;)
            if (write(c, buf, (size_t)n) != n)
                return;
    }
}

int main(int argc, char **argv)
{
    int port = argc > 1 ? atoi(argv[1]) : 5001, one = 1;
    int l = socket(AF_INET, SOCK_STREAM, 0);
    setsockopt(l, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
    if (bind(l, (struct sockaddr *)&a, sizeof(a)) || listen(l, 16)) {
        perror("netserve");
        return 1;
    }
    printf("ready\n");
    fflush(stdout);
    for (;;) {
        int c = accept(l, NULL, NULL);
        if (c < 0)
            continue;
        serve(c);
        close(c);
    }
}
