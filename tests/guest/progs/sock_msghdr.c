/* How sendmsg and recvmsg read a struct msghdr, for AF_UNIX (stream,
 * datagram, seqpacket) and AF_INET (UDP, TCP over loopback) alike: more
 * than 1024 iovecs, a bad iovec array, a bad buffer, a negative length, a
 * length past the address space, iovecs that add up past 2 GiB over a
 * small real buffer, a negative msg_namelen, control lengths past the
 * limits.  Every line it prints must be the same on Linux and in cloak
 * (tests/guest/unix-msg.test compares them). */
#include "unix_common.h"
#include <arpa/inet.h>
#include <netinet/tcp.h>
#include <sys/mman.h>
#include <sys/uio.h>

static char *bad;                        /* an unmapped page */

/* struct msghdr as the kernel reads it (musl's has an int msg_iovlen and
 * checks msg_controllen itself): the calls go straight to the kernel. */
struct kmsghdr {
    void *name;
    uint32_t namelen, pad;
    struct iovec *iov;
    uint64_t iovlen;
    void *control;
    uint64_t controllen;
    int flags, pad2;
};

static long ksendmsg(int fd, struct kmsghdr *m, int flags)
{
    return syscall(SYS_sendmsg, fd, m, flags);
}

static long krecvmsg(int fd, struct kmsghdr *m, int flags)
{
    return syscall(SYS_recvmsg, fd, m, flags);
}

enum kind { K_UNIX_STREAM, K_UNIX_DGRAM, K_UNIX_SEQPACKET, K_UDP, K_TCP };
static const char *kind_name[] = { "unix-stream", "unix-dgram", "unix-seqpacket", "udp", "tcp" };

static int inet_socket(int type, struct sockaddr_in *a)
{
    int s = socket(AF_INET, type, 0);
    memset(a, 0, sizeof(*a));
    a->sin_family = AF_INET;
    inet_pton(AF_INET, "127.0.0.1", &a->sin_addr);
    socklen_t l = sizeof(*a);
    if (bind(s, (struct sockaddr *)a, l) < 0 || getsockname(s, (struct sockaddr *)a, &l) < 0)
        return -1;
    return s;
}

/* A connected pair of the kind; sv[1] receives. */
static int make_pair(enum kind k, int sv[2])
{
    static const int unix_type[] = { SOCK_STREAM, SOCK_DGRAM, SOCK_SEQPACKET };
    if (k <= K_UNIX_SEQPACKET)
        return socketpair(AF_UNIX, unix_type[k], 0, sv);
    struct sockaddr_in a, b;
    if (k == K_UDP) {
        sv[0] = inet_socket(SOCK_DGRAM, &a);
        sv[1] = inet_socket(SOCK_DGRAM, &b);
        if (sv[0] < 0 || sv[1] < 0 || connect(sv[0], (struct sockaddr *)&b, sizeof(b)) < 0 ||
            connect(sv[1], (struct sockaddr *)&a, sizeof(a)) < 0)
            return -1;
        return 0;
    }
    int l = inet_socket(SOCK_STREAM, &a);
    if (l < 0 || listen(l, 1) < 0)
        return -1;
    sv[0] = socket(AF_INET, SOCK_STREAM, 0);
    if (connect(sv[0], (struct sockaddr *)&a, sizeof(a)) < 0)
        return -1;
    sv[1] = accept(l, NULL, NULL);
    close(l);
    /* Small sends go out at once (Nagle's wait is not what this tests). */
    int one = 1;
    setsockopt(sv[0], IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    return sv[1] < 0 ? -1 : 0;
}

/* Everything waiting at fd, read without blocking: its byte count. */
static long drain(int fd)
{
    static char buf[8192];
    long total = 0;
    for (int idle = 0; idle < 20;) {
        ssize_t n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT);
        if (n > 0) {
            total += n;
            idle = 0;
        } else {
            idle++;
            usleep(1000);
        }
    }
    return total;
}

static void line(enum kind k, const char *what, long r)
{
    char label[128];
    snprintf(label, sizeof(label), "%s %s", kind_name[k], what);
    show(label, r);
}

static long send_iov(int fd, struct iovec *iov, uint64_t n)
{
    struct kmsghdr m = { .iov = iov, .iovlen = n };
    return ksendmsg(fd, &m, MSG_DONTWAIT);
}

static long recv_iov(int fd, struct iovec *iov, uint64_t n)
{
    struct kmsghdr m = { .iov = iov, .iovlen = n };
    return krecvmsg(fd, &m, MSG_DONTWAIT);
}

static void iov_counts(enum kind k, int sv[2])
{
    static struct iovec many[1025];
    static char bytes[1025];
    for (int i = 0; i < 1025; i++)
        many[i] = (struct iovec){ bytes + i, 1 };
    line(k, "sendmsg 1025 iovecs", send_iov(sv[0], many, 1025));
    line(k, "recvmsg 1025 iovecs", recv_iov(sv[1], many, 1025));
    line(k, "sendmsg 2^40 iovecs", send_iov(sv[0], many, 1ull << 40));
    line(k, "sendmsg 1024 iovecs", send_iov(sv[0], many, 1024));
    usleep(20000);
    line(k, "recvmsg 1024 iovecs", recv_iov(sv[1], many, 1024));
    line(k, "left over", drain(sv[1]));
}

static void bad_pointers(enum kind k, int sv[2])
{
    char buf[16] = "0123456789";
    struct iovec one = { bad, 10 };
    line(k, "sendmsg iovec array unmapped", send_iov(sv[0], (struct iovec *)bad, 2));
    line(k, "recvmsg iovec array unmapped", recv_iov(sv[1], (struct iovec *)bad, 2));
    line(k, "sendmsg buffer unmapped", send_iov(sv[0], &one, 1));
    usleep(20000);
    line(k, "after it, bytes that arrived", drain(sv[1]));
    struct iovec two[2] = { { buf, 4 }, { bad, 10 } };
    line(k, "sendmsg second buffer unmapped", send_iov(sv[0], two, 2));
    line(k, "after it, bytes that arrived", drain(sv[1]));
    send(sv[0], "xyz", 3, 0);
    usleep(20000);
    line(k, "recvmsg into an unmapped buffer", recv_iov(sv[1], &one, 1));
    /* A datagram is lost; a stream keeps its bytes. */
    line(k, "after it, bytes still there", drain(sv[1]));
}

/* Buffers far below the end of the address space (a stack near it would
 * make "buffer + 2 GiB" pass or fail with where ASLR put it). */
static char low_a[8], low_b[32], low_buf[16];

static void bad_lengths(enum kind k, int sv[2])
{
    char *buf = low_buf;
    struct iovec neg = { buf, (size_t)-1 };
    struct iovec neg2[2] = { { buf, 4 }, { buf, (size_t)-5 } };
    struct iovec past[2] = { { buf, 4 }, { buf, 0x7fffffffffffffffull } };
    struct iovec past1 = { buf, 0x7fffffffffffffffull };
    line(k, "sendmsg length -1", send_iov(sv[0], &neg, 1));
    line(k, "recvmsg length -1", recv_iov(sv[1], &neg, 1));
    line(k, "sendmsg second length -5", send_iov(sv[0], neg2, 2));
    line(k, "recvmsg second length -5", recv_iov(sv[1], neg2, 2));
    line(k, "recvmsg two iovecs, one past the address space", recv_iov(sv[1], past, 2));
    /* One iovec is cut to MAX_RW_COUNT first: then it fits. */
    send(sv[0], "abc", 3, 0);
    usleep(20000);
    line(k, "recvmsg one iovec of 2^63-1 bytes", recv_iov(sv[1], &past1, 1));
    line(k, "left over", drain(sv[1]));
}

/* 3 iovecs of 8 bytes, then 2 x (2 GiB - 4 KiB) over small buffers: the
 * total is cut to MAX_RW_COUNT and the bytes land in the real ones. */
static void huge_total(enum kind k, int sv[2])
{
    char *a = low_a, *b = low_b;
    memset(a, '.', sizeof(low_a));
    memset(b, '.', sizeof(low_b));
    struct iovec iov[3] = { { a, 8 }, { b, 0x7ffff000 }, { b + 16, 0x7ffff000 } };
    send(sv[0], "0123456789abcdefghij", 20, 0);
    usleep(20000);
    line(k, "recvmsg 4 GiB over 40 real bytes", recv_iov(sv[1], iov, 3));
    printf("%s got '%.8s' '%.16s'\n", kind_name[k], a, b);
    line(k, "left over", drain(sv[1]));
    if (k == K_UNIX_DGRAM || k == K_UNIX_SEQPACKET || k == K_UDP) {
        memcpy(a, "datagram", 8);
        line(k, "sendmsg 4 GiB datagram over 40 real bytes", send_iov(sv[0], iov, 3));
        line(k, "after it, bytes that arrived", drain(sv[1]));
        line(k, "sendto 2 GiB from 8 real bytes", sendto(sv[0], a, 0x7fffffff, MSG_DONTWAIT, NULL, 0));
        line(k, "after it, bytes that arrived", drain(sv[1]));
    }
    /* recv and recvfrom: one buffer, the same rules. */
    memset(b, '.', sizeof(low_b));
    send(sv[0], "klmnopqrstuvwxyz", 16, 0);
    usleep(20000);
    line(k, "recv 2 GiB into 32 real bytes", recv(sv[1], b, 0x7fffffff, MSG_DONTWAIT));
    printf("%s got '%.16s'\n", kind_name[k], b);
    line(k, "recv 2^63-1 bytes", recv(sv[1], b, 0x7fffffffffffffffull, MSG_DONTWAIT));
    line(k, "left over", drain(sv[1]));
}

static void names_and_control(enum kind k, int sv[2])
{
    char buf[16] = "0123456789";
    struct iovec iov = { buf, 4 };
    struct sockaddr_storage ss;
    memset(&ss, 0, sizeof(ss));
    struct kmsghdr m = { .name = &ss, .namelen = 0x80000000u, .iov = &iov, .iovlen = 1 };
    line(k, "sendmsg namelen negative", ksendmsg(sv[0], &m, MSG_DONTWAIT));
    line(k, "recvmsg namelen negative", krecvmsg(sv[1], &m, MSG_DONTWAIT));
    m = (struct kmsghdr){ .iov = &iov, .iovlen = 1, .control = buf, .controllen = 0x80000000ull };
    line(k, "sendmsg controllen 2^31", ksendmsg(sv[0], &m, MSG_DONTWAIT));
    m.controllen = 1 << 20;
    line(k, "sendmsg controllen 1 MiB", ksendmsg(sv[0], &m, MSG_DONTWAIT));
    m.control = bad;
    m.controllen = 64;
    line(k, "sendmsg control unmapped", ksendmsg(sv[0], &m, MSG_DONTWAIT));
    /* The iovecs are read before the control data. */
    m.iovlen = 1025;
    line(k, "sendmsg 1025 iovecs, control unmapped", ksendmsg(sv[0], &m, MSG_DONTWAIT));
    line(k, "after them, bytes that arrived", drain(sv[1]));
}

int main(void)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    signal(SIGPIPE, SIG_IGN);
    bad = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    munmap(bad, 8192);
    for (enum kind k = K_UNIX_STREAM; k <= K_TCP; k++) {
        int sv[2];
        if (make_pair(k, sv) < 0) {
            printf("%s: no pair: %s\n", kind_name[k], errname(errno));
            continue;
        }
        printf("== %s\n", kind_name[k]);
        iov_counts(k, sv);
        bad_pointers(k, sv);
        bad_lengths(k, sv);
        huge_total(k, sv);
        names_and_control(k, sv);
        close(sv[0]);
        close(sv[1]);
    }
    printf("done\n");
    return 0;
}
