/* sendmmsg and recvmmsg on AF_UNIX datagram, seqpacket and stream
 * socketpairs and on UDP over loopback: counts, msg_len, MSG_TRUNC,
 * SCM_RIGHTS inside, MSG_WAITFORONE, the timeout (EINVAL, EFAULT, written
 * back), a failing later message, descriptors that are no sockets.  The
 * calls go to the kernel directly (musl's sendmmsg checks msg_controllen
 * itself).  Every line it prints must be the same on Linux and in cloak
 * (tests/guest/unix-msg.test compares them). */
#include "unix_common.h"
#include <arpa/inet.h>
#include <time.h>

#ifndef MSG_WAITFORONE
#define MSG_WAITFORONE 0x10000
#endif

static long k_sendmmsg(int fd, struct mmsghdr *v, unsigned n, int flags)
{
    return syscall(SYS_sendmmsg, fd, v, n, flags);
}

static long k_recvmmsg(int fd, struct mmsghdr *v, unsigned n, int flags, struct timespec *t)
{
    return syscall(SYS_recvmmsg, fd, v, n, flags, t);
}

static char rbuf[8][32];
static struct iovec riov[8];
static struct mmsghdr rv[8];

static void reset_recv(size_t room)
{
    memset(rbuf, 0, sizeof(rbuf));
    memset(rv, 0, sizeof(rv));
    for (int i = 0; i < 8; i++) {
        riov[i] = (struct iovec){ rbuf[i], room };
        rv[i].msg_hdr.msg_iov = &riov[i];
        rv[i].msg_hdr.msg_iovlen = 1;
    }
}

static void show_recv(const char *what, long n)
{
    show(what, n);
    for (long i = 0; i < n; i++)
        printf("  [%ld] len %u '%s'%s\n", i, rv[i].msg_len, rbuf[i],
               rv[i].msg_hdr.msg_flags & MSG_TRUNC ? " MSG_TRUNC" : "");
}

/* Sends the words as one message each. */
static long send_words(int fd, const char *const *words, unsigned n)
{
    static struct iovec iov[8];
    static struct mmsghdr v[8];
    memset(v, 0, sizeof(v));
    for (unsigned i = 0; i < n; i++) {
        iov[i] = (struct iovec){ (void *)words[i], strlen(words[i]) };
        v[i].msg_hdr.msg_iov = &iov[i];
        v[i].msg_hdr.msg_iovlen = 1;
    }
    long r = k_sendmmsg(fd, v, n, 0);
    for (long i = 0; i < r; i++)
        printf("  sent [%ld] msg_len %u\n", i, v[i].msg_len);
    return r;
}

static void basics(int a, int b, const char *kind)
{
    static const char *const words[] = { "one", "two", "three", "a longer message than 8" };
    printf("== %s\n", kind);
    show("sendmmsg 3", send_words(a, words, 3));
    usleep(20000);
    reset_recv(sizeof(rbuf[0]));
    show_recv("recvmmsg 5, MSG_DONTWAIT", k_recvmmsg(b, rv, 5, MSG_DONTWAIT, NULL));
    reset_recv(sizeof(rbuf[0]));
    show_recv("recvmmsg again", k_recvmmsg(b, rv, 5, MSG_DONTWAIT, NULL));
    show("sendmmsg vlen 0", k_sendmmsg(a, rv, 0, 0));
    show("recvmmsg vlen 0", k_recvmmsg(b, rv, 0, MSG_DONTWAIT, NULL));
    show("sendmmsg 2", send_words(a, words + 2, 2));
    usleep(20000);
    reset_recv(8);
    show_recv("recvmmsg into 8 bytes each, MSG_WAITFORONE", k_recvmmsg(b, rv, 4, MSG_WAITFORONE, NULL));
    show("sendmmsg 3", send_words(a, words, 3));
    usleep(20000);
    struct timespec t = { 5, 0 };
    reset_recv(sizeof(rbuf[0]));
    show_recv("recvmmsg 3 with a 5 s timeout", k_recvmmsg(b, rv, 3, 0, &t));
    printf("timeout written back: %s\n", t.tv_sec <= 5 && (t.tv_sec > 0 || t.tv_nsec > 0) &&
                                         (t.tv_sec < 5 || t.tv_nsec == 0) ? "the time left" : "other");
    t = (struct timespec){ 0, 2000000000 };
    show("recvmmsg, tv_nsec 2e9", k_recvmmsg(b, rv, 3, 0, &t));
    show("recvmmsg, timeout unmapped", k_recvmmsg(b, rv, 3, 0, (struct timespec *)16));
    /* The second message's iovec is unmapped: one is sent. */
    static struct iovec iov[2] = { { "ok", 2 } };
    static struct mmsghdr v[2];
    memset(v, 0, sizeof(v));
    v[0].msg_hdr.msg_iov = &iov[0];
    v[0].msg_hdr.msg_iovlen = 1;
    v[1].msg_hdr.msg_iov = (struct iovec *)16;
    v[1].msg_hdr.msg_iovlen = 1;
    show("sendmmsg, the second bad", k_sendmmsg(a, v, 2, 0));
    show("sendmmsg, the first bad", k_sendmmsg(a, v + 1, 1, 0));
    usleep(20000);
    reset_recv(sizeof(rbuf[0]));
    show_recv("recvmmsg what came", k_recvmmsg(b, rv, 4, MSG_DONTWAIT, NULL));
}

static void with_descriptor(void)
{
    int sv[2], p[2];
    printf("== SCM_RIGHTS through sendmmsg and recvmmsg\n");
    socketpair(AF_UNIX, SOCK_DGRAM, 0, sv);
    pipe(p);
    write(p[1], "piped", 5);
    union rights_ctl u, r;
    struct iovec iov = { "fd", 2 };
    struct mmsghdr v = { 0 };
    rights_msg(&v.msg_hdr, &iov, &u, p[0]);
    show("sendmmsg", k_sendmmsg(sv[0], &v, 1, 0));
    close(p[0]);
    reset_recv(sizeof(rbuf[0]));
    rv[0].msg_hdr.msg_control = r.buf;
    rv[0].msg_hdr.msg_controllen = sizeof(r.buf);
    show_recv("recvmmsg", k_recvmmsg(sv[1], rv, 2, MSG_DONTWAIT, NULL));
    struct cmsghdr *c = CMSG_FIRSTHDR(&rv[0].msg_hdr);
    int fd = -1;
    if (c && c->cmsg_type == SCM_RIGHTS)
        memcpy(&fd, CMSG_DATA(c), sizeof(int));
    char buf[16] = { 0 };
    printf("descriptor received: %s, reads '%s'\n", fd >= 0 ? "yes" : "no",
           fd >= 0 && read(fd, buf, sizeof(buf) - 1) > 0 ? buf : "");
    close(fd);
    close(p[1]);
    close(sv[0]);
    close(sv[1]);
}

static int udp_pair(int sv[2])
{
    struct sockaddr_in a[2];
    for (int i = 0; i < 2; i++) {
        sv[i] = socket(AF_INET, SOCK_DGRAM, 0);
        memset(&a[i], 0, sizeof(a[i]));
        a[i].sin_family = AF_INET;
        inet_pton(AF_INET, "127.0.0.1", &a[i].sin_addr);
        socklen_t l = sizeof(a[i]);
        if (bind(sv[i], (struct sockaddr *)&a[i], l) < 0 ||
            getsockname(sv[i], (struct sockaddr *)&a[i], &l) < 0)
            return -1;
    }
    return connect(sv[0], (struct sockaddr *)&a[1], sizeof(a[1])) < 0 ||
           connect(sv[1], (struct sockaddr *)&a[0], sizeof(a[0])) < 0 ? -1 : 0;
}

int main(void)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    signal(SIGPIPE, SIG_IGN);
    static const int types[] = { SOCK_DGRAM, SOCK_SEQPACKET };
    static const char *const names[] = { "unix datagram", "unix seqpacket" };
    for (int i = 0; i < 2; i++) {
        int sv[2];
        socketpair(AF_UNIX, types[i], 0, sv);
        basics(sv[0], sv[1], names[i]);
        close(sv[0]);
        close(sv[1]);
    }
    int sv[2];
    if (udp_pair(sv) == 0)
        basics(sv[0], sv[1], "udp");
    close(sv[0]);
    close(sv[1]);
    printf("== a unix stream\n");
    socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
    static const char *const words[] = { "ab", "cd" };
    show("sendmmsg 2", send_words(sv[0], words, 2));
    reset_recv(sizeof(rbuf[0]));
    show_recv("recvmmsg 2, MSG_DONTWAIT", k_recvmmsg(sv[1], rv, 2, MSG_DONTWAIT, NULL));
    close(sv[0]);
    close(sv[1]);
    with_descriptor();
    int p[2];
    pipe(p);
    printf("== not sockets\n");
    show("recvmmsg on a pipe", k_recvmmsg(p[0], rv, 1, MSG_DONTWAIT, NULL));
    show("sendmmsg on a pipe", k_sendmmsg(p[1], rv, 1, 0));
    show("sendmmsg vlen 0 on a closed descriptor", k_sendmmsg(999, rv, 0, 0));
    show("recvmmsg vlen 0 on a closed descriptor", k_recvmmsg(999, rv, 0, 0, NULL));
    printf("done\n");
    return 0;
}
