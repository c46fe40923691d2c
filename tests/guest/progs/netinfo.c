/* The guest's addresses and names, as a program sees them:
 *   netinfo connect ADDR PORT   connects over TCP (IPv4 or IPv6; retried
 *                               while there is no route yet), prints
 *                               "local ADDR" (getsockname), sends "hello",
 *                               prints "answer: ..." (what the server sent)
 *   netinfo resolve NAME...     getaddrinfo for each name: one line
 *                               "NAME ADDR" per distinct address (IPv4
 *                               first), or "NAME error MESSAGE"
 *   netinfo hostname            prints "hostname NAME" (gethostname)
 * Exits 0 when every step worked, 1 otherwise. */
#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static int do_connect(const char *addr, const char *port)
{
    struct sockaddr_storage ss = {0};
    socklen_t len;
    struct sockaddr_in *a4 = (struct sockaddr_in *)&ss;
    struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)&ss;

    if (inet_pton(AF_INET, addr, &a4->sin_addr) == 1) {
        a4->sin_family = AF_INET;
        a4->sin_port = htons((unsigned short)atoi(port));
        len = sizeof(*a4);
    } else if (inet_pton(AF_INET6, addr, &a6->sin6_addr) == 1) {
        a6->sin6_family = AF_INET6;
        a6->sin6_port = htons((unsigned short)atoi(port));
        len = sizeof(*a6);
    } else {
        printf("not an address: %s\n", addr);
        return 1;
    }
    /* An address from SLAAC comes a moment after boot (the router's
     * advertisement, then duplicate detection): until then connect fails
     * with no route, or goes out from the link-local address; up to 10 s
     * of retries for a connection from a routable address. */
    int fd = -1;
    char text[INET6_ADDRSTRLEN];
    for (int tries = 0; tries < 100; tries++, usleep(100000)) {
        fd = socket(ss.ss_family, SOCK_STREAM, 0);
        if (fd < 0)
            break;
        if (connect(fd, (struct sockaddr *)&ss, len) != 0) {
            int e = errno;
            close(fd);
            fd = -1;
            if (e != EHOSTUNREACH && e != ENETUNREACH && e != EADDRNOTAVAIL) {
                errno = e;
                break;
            }
            continue;
        }
        struct sockaddr_storage me;
        socklen_t mlen = sizeof(me);
        if (getsockname(fd, (struct sockaddr *)&me, &mlen) != 0) {
            perror("getsockname");
            return 1;
        }
        void *ip = me.ss_family == AF_INET ? (void *)&((struct sockaddr_in *)&me)->sin_addr
                                           : (void *)&((struct sockaddr_in6 *)&me)->sin6_addr;
        inet_ntop(me.ss_family, ip, text, sizeof(text));
        if (me.ss_family == AF_INET || !IN6_IS_ADDR_LINKLOCAL(ip) || tries == 99)
            break;
        close(fd);                      /* from fe80::, before SLAAC's address */
        fd = -1;
    }
    if (fd < 0) {
        perror("connect");
        return 1;
    }
    printf("local %s\n", text);
    if (write(fd, "hello", 5) != 5) {
        perror("write");
        return 1;
    }
    char buf[128];
    ssize_t n = read(fd, buf, sizeof(buf) - 1);
    if (n <= 0) {
        perror("read");
        return 1;
    }
    buf[n] = '\0';
    printf("answer: %s\n", buf);
    close(fd);
    return 0;
}

static int resolve(const char *name)
{
    struct addrinfo hints = {.ai_socktype = SOCK_STREAM}, *res;
    int rc = getaddrinfo(name, NULL, &hints, &res);
    if (rc != 0) {
        printf("%s error %s\n", name, gai_strerror(rc));
        return 1;
    }
    for (int family = AF_INET; ; family = AF_INET6) {
        char seen[8][INET6_ADDRSTRLEN];
        int nseen = 0;
        for (struct addrinfo *r = res; r; r = r->ai_next) {
            char text[INET6_ADDRSTRLEN];
            if (r->ai_family != family)
                continue;
            void *ip = family == AF_INET ? (void *)&((struct sockaddr_in *)r->ai_addr)->sin_addr
                                         : (void *)&((struct sockaddr_in6 *)r->ai_addr)->sin6_addr;
            inet_ntop(family, ip, text, sizeof(text));
            int dup = 0;
            for (int i = 0; i < nseen; i++)
                dup |= !strcmp(seen[i], text);
            if (dup || nseen == 8)
                continue;
            strcpy(seen[nseen++], text);
            printf("%s %s\n", name, text);
        }
        if (family == AF_INET6)
            break;
    }
    freeaddrinfo(res);
    return 0;
}

int main(int argc, char **argv)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    if (argc == 4 && !strcmp(argv[1], "connect"))
        return do_connect(argv[2], argv[3]);
    if (argc >= 3 && !strcmp(argv[1], "resolve")) {
        int bad = 0;
        for (int i = 2; i < argc; i++)
            bad |= resolve(argv[i]);
        return bad;
    }
    if (argc == 2 && !strcmp(argv[1], "hostname")) {
        char h[256];
        if (gethostname(h, sizeof(h)) != 0)
            return 1;
        printf("hostname %s\n", h);
        return 0;
    }
    fprintf(stderr, "usage: netinfo connect ADDR PORT | resolve NAME... | hostname\n");
    return 2;
}
