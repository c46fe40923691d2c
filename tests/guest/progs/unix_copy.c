/* sendfile, splice and copy_file_range, and an epoll server with client
 * threads over AF_UNIX: every line it prints must be the same on Linux and
 * in cloak (tests/guest/unix-sockets.test compares them). */
#include "unix_common.h"

struct hash_arg {
    int fd;
    long bytes;
    uint64_t hash;
};

static uint64_t fnv(uint64_t h, const unsigned char *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        h = (h ^ p[i]) * 0x100000001b3ull;
    return h;
}

static void *hasher(void *arg)
{
    struct hash_arg *h = arg;
    static unsigned char buf[65536];
    ssize_t n;
    h->hash = 0xcbf29ce484222325ull;
    while ((n = read(h->fd, buf, sizeof(buf))) > 0) {
        h->hash = fnv(h->hash, buf, (size_t)n);
        h->bytes += n;
    }
    return NULL;
}

static void sendfile_test(void)
{
    printf("== sendfile\n");
    enum { SIZE = 1 << 20 };
    unsigned char *data = malloc(SIZE);
    uint32_t x = 12345;
    for (int i = 0; i < SIZE; i++) {
        x = x * 1103515245 + 12345;
        data[i] = (unsigned char)(x >> 16);
    }
    int fd = open(fpath, O_CREAT | O_RDWR | O_TRUNC, 0600);
    write(fd, data, SIZE);
    uint64_t want = fnv(0xcbf29ce484222325ull, data, SIZE);
    int sv[2];
    socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
    struct hash_arg h = { .fd = sv[1] };
    pthread_t t;
    pthread_create(&t, NULL, hasher, &h);
    off_t off = 0;
    long total = 0;
    ssize_t r;
    while (total < SIZE && (r = sendfile(sv[0], fd, &off, SIZE - total)) > 0)
        total += r;
    printf("sent %ld offset %ld file position %ld\n", total, (long)off, (long)lseek(fd, 0, SEEK_CUR));
    lseek(fd, SIZE - 1000, SEEK_SET);
    show("sendfile from the position", sendfile(sv[0], fd, NULL, 5000));
    printf("file position %ld\n", (long)lseek(fd, 0, SEEK_CUR));
    show("sendfile at the end", sendfile(sv[0], fd, NULL, 100));
    off = -1;
    show("sendfile negative offset", sendfile(sv[0], fd, &off, 100));
    show("sendfile bad offset pointer", sendfile(sv[0], fd, (off_t *)16, 100));
    close(sv[0]);
    pthread_join(t, NULL);
    uint64_t tail = fnv(want, data + SIZE - 1000, 1000);
    printf("received %ld hash matches %d\n", h.bytes, h.hash == tail);
    close(sv[1]);
    close(fd);
    free(data);
}

enum { CLIENTS = 4, PER_CLIENT = 256 * 1024 };

static void *stress_client(void *arg)
{
    struct sockaddr_un a;
    socklen_t len = path_addr(&a, path1);
    int c = socket(AF_UNIX, SOCK_STREAM, 0);
    if (connect(c, (struct sockaddr *)&a, len) < 0) {
        printf("stress connect: %s\n", errname(errno));
        return NULL;
    }
    static __thread unsigned char buf[8192];
    long id = (long)arg;
    for (int sent = 0; sent < PER_CLIENT; sent += (int)sizeof(buf)) {
        for (int i = 0; i < (int)sizeof(buf); i++)
            buf[i] = (unsigned char)(id * 31 + sent + i);
        if (write(c, buf, sizeof(buf)) != (ssize_t)sizeof(buf))
            printf("stress write: %s\n", errname(errno));
    }
    close(c);
    return NULL;
}

/* A non-blocking epoll server (edge-triggered) and 4 client threads
 * writing 256 KiB each at once: every byte arrives, in order. */
static void stress_test(void)
{
    printf("== epoll server, 4 clients at once\n");
    unlink(path1);
    struct sockaddr_un a;
    socklen_t len = path_addr(&a, path1);
    int l = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0);
    bind(l, (struct sockaddr *)&a, len);
    listen(l, 2);
    int ep = epoll_create1(0);
    struct epoll_event ev = { .events = EPOLLIN | EPOLLET, .data.fd = l };
    epoll_ctl(ep, EPOLL_CTL_ADD, l, &ev);
    pthread_t t[CLIENTS];
    for (long i = 0; i < CLIENTS; i++)
        pthread_create(&t[i], NULL, stress_client, (void *)i);
    long got[64] = { 0 }, id[64] = { 0 }, bad = 0, total = 0;
    int done = 0;
    unsigned char buf[5000];
    while (done < CLIENTS) {
        struct epoll_event out[8];
        int n = epoll_wait(ep, out, 8, 10000);
        if (n <= 0) {
            printf("epoll_wait gave %d\n", n);
            break;
        }
        for (int k = 0; k < n; k++) {
            int fd = out[k].data.fd;
            if (fd == l) {
                int s;
                while ((s = accept4(l, NULL, NULL, SOCK_NONBLOCK)) >= 0) {
                    struct epoll_event e = { .events = EPOLLIN | EPOLLRDHUP | EPOLLET, .data.fd = s };
                    epoll_ctl(ep, EPOLL_CTL_ADD, s, &e);
                }
                continue;
            }
            ssize_t r;
            while ((r = read(fd, buf, sizeof(buf))) > 0) {
                if (!got[fd])
                    id[fd] = buf[0] / 31;    /* a client's byte 0 is id * 31 */
                for (ssize_t i = 0; i < r; i++)
                    if (buf[i] != (unsigned char)(id[fd] * 31 + got[fd] + i))
                        bad++;
                got[fd] += r;
                total += r;
            }
            if (r == 0) {
                got[fd] = 0;                 /* the number may come back */
                close(fd);
                done++;
            }
        }
    }
    for (int i = 0; i < CLIENTS; i++)
        pthread_join(t[i], NULL);
    printf("connections %d bytes %ld wrong bytes %ld\n", done, total, bad);
    close(ep);
    close(l);
    unlink(path1);
}

static long do_splice(int in, loff_t *oin, int out, loff_t *oout, size_t len, unsigned flags)
{
    return syscall(SYS_splice, in, oin, out, oout, len, flags);
}

static long do_copy_range(int in, loff_t *oin, int out, loff_t *oout, size_t len, unsigned flags)
{
    return syscall(SYS_copy_file_range, in, oin, out, oout, len, flags);
}

static void splice_tests(void)
{
    printf("== splice, copy_file_range\n");
    int fd = open(fpath, O_CREAT | O_RDWR | O_TRUNC, 0600);
    char text[] = "0123456789abcdefghijklmnopqrstuvwxyz";
    write(fd, text, strlen(text));
    int p[2], sv[2];
    pipe(p);
    socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
    loff_t off = 10;
    show("splice file to pipe at an offset", do_splice(fd, &off, p[1], NULL, 6, 0));
    printf("offset now %ld file position %ld\n", (long)off, (long)lseek(fd, 0, SEEK_CUR));
    show("splice pipe to socket", do_splice(p[0], NULL, sv[0], NULL, 100, 0));
    char buf[64] = { 0 };
    show("read socket", read(sv[1], buf, sizeof(buf)));
    printf("got '%s'\n", buf);
    lseek(fd, 30, SEEK_SET);
    show("splice from the file position", do_splice(fd, NULL, p[1], NULL, 100, 0));
    printf("file position %ld\n", (long)lseek(fd, 0, SEEK_CUR));
    memset(buf, 0, sizeof(buf));
    show("read pipe", read(p[0], buf, sizeof(buf)));
    printf("got '%s'\n", buf);
    show("splice without a pipe", do_splice(fd, NULL, sv[0], NULL, 10, 0));
    show("splice with an offset on the pipe", do_splice(fd, NULL, p[1], &off, 10, 0));
    show("splice bad flags", do_splice(fd, NULL, p[1], NULL, 10, 0x100));
    fcntl(p[0], F_SETFL, O_NONBLOCK);
    show("splice from an empty non-blocking pipe", do_splice(p[0], NULL, sv[0], NULL, 10, 0));
    show("sendfile to a pipe", sendfile(p[1], fd, &off, 8));
    memset(buf, 0, sizeof(buf));
    show("read pipe", read(p[0], buf, sizeof(buf)));
    printf("got '%s'\n", buf);

    int fd2 = open(path2, O_CREAT | O_RDWR | O_TRUNC, 0600);
    loff_t oin = 4, oout = 0;
    show("copy_file_range", do_copy_range(fd, &oin, fd2, &oout, 20, 0));
    printf("offsets %ld %ld\n", (long)oin, (long)oout);
    lseek(fd, 0, SEEK_SET);
    show("copy_file_range at the positions", do_copy_range(fd, NULL, fd2, NULL, 3, 0));
    memset(buf, 0, sizeof(buf));
    show("pread copy", pread(fd2, buf, sizeof(buf), 0));
    printf("got '%s'\n", buf);
    show("copy_file_range flags", do_copy_range(fd, NULL, fd2, NULL, 3, 1));
    oin = 0, oout = 5;
    show("copy_file_range overlapping", do_copy_range(fd, &oin, fd, &oout, 10, 0));
    show("copy_file_range to a socket", do_copy_range(fd, NULL, sv[0], NULL, 3, 0));
    close(fd2);
    close(fd);
    close(p[0]);
    close(p[1]);
    close(sv[0]);
    close(sv[1]);
}

int main(void)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    signal(SIGPIPE, SIG_IGN);
    snprintf(path1, sizeof(path1), "/tmp/cloak-copy-%d.a", (int)getpid());
    snprintf(path2, sizeof(path2), "/tmp/cloak-copy-%d.b", (int)getpid());
    snprintf(fpath, sizeof(fpath), "/tmp/cloak-copy-%d.f", (int)getpid());
    sendfile_test();
    splice_tests();
    stress_test();
    unlink(path1);
    unlink(path2);
    unlink(fpath);
    printf("done\n");
    return 0;
}
