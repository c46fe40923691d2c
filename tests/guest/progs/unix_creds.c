/* SO_PASSCRED and SCM_CREDENTIALS on AF_UNIX sockets: every line it prints
 * must be the same on Linux (run as root, as the program is in cloak) and
 * in cloak (tests/guest/unix-msg.test compares them).  A pid is printed
 * as "mine", "the thread's" or its value, never as a number that differs
 * between the two. */
#include "unix_common.h"

static pid_t thread_tid;

static void *idle_thread(void *arg)
{
    (void)arg;
    thread_tid = (pid_t)syscall(SYS_gettid);
    pause();
    return NULL;
}

static const char *pid_word(pid_t p)
{
    static char other[32];
    if (p == getpid())
        return "mine";
    if (p == thread_tid)
        return "the thread's";
    snprintf(other, sizeof(other), "%d", (int)p);
    return other;
}

static void passcred(int fd, int on)
{
    setsockopt(fd, SOL_SOCKET, SO_PASSCRED, &on, sizeof(on));
}

/* Sends data with explicit credentials (cred NULL: none). */
static long send_cred(int fd, const char *data, const struct ucred *cred, size_t cmsg_data)
{
    union { char buf[CMSG_SPACE(sizeof(struct ucred))]; struct cmsghdr align; } u;
    memset(&u, 0, sizeof(u));
    struct iovec iov = { (void *)data, strlen(data) };
    struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1 };
    if (cred) {
        m.msg_control = u.buf;
        m.msg_controllen = sizeof(u.buf);
        struct cmsghdr *c = CMSG_FIRSTHDR(&m);
        c->cmsg_level = SOL_SOCKET;
        c->cmsg_type = SCM_CREDENTIALS;
        c->cmsg_len = CMSG_LEN(cmsg_data);
        memcpy(CMSG_DATA(c), cred, sizeof(*cred));
    }
    return sendmsg(fd, &m, MSG_NOSIGNAL);
}

/* One recvmsg with a control buffer of ctl_room bytes (-1: none), printed. */
static void recv_show(const char *what, int fd, long ctl_room)
{
    union { char buf[256]; struct cmsghdr align; } u;
    memset(&u, 0xee, sizeof(u));
    char data[64] = { 0 };
    struct iovec iov = { data, sizeof(data) - 1 };
    struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1 };
    if (ctl_room >= 0) {
        m.msg_control = u.buf;
        m.msg_controllen = (size_t)ctl_room;
    }
    long n = recvmsg(fd, &m, MSG_DONTWAIT);
    if (n < 0) {
        printf("%s: -1 %s\n", what, errname(errno));
        return;
    }
    printf("%s: %ld '%s' controllen %zu%s%s\n", what, n, data, (size_t)m.msg_controllen,
           m.msg_flags & MSG_CTRUNC ? " MSG_CTRUNC" : "", m.msg_flags & MSG_TRUNC ? " MSG_TRUNC" : "");
    if (ctl_room < 0)
        return;
    for (struct cmsghdr *c = CMSG_FIRSTHDR(&m); c; c = CMSG_NXTHDR(&m, c)) {
        if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_CREDENTIALS &&
            c->cmsg_len == CMSG_LEN(sizeof(struct ucred))) {
            struct ucred cr;
            memcpy(&cr, CMSG_DATA(c), sizeof(cr));
            printf("  SCM_CREDENTIALS pid %s uid %u gid %u\n", pid_word(cr.pid), cr.uid, cr.gid);
        } else if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS) {
            int nfd = (int)((c->cmsg_len - CMSG_LEN(0)) / sizeof(int));
            printf("  SCM_RIGHTS %d descriptor(s)\n", nfd);
            for (int i = 0; i < nfd; i++) {
                int fd2;
                memcpy(&fd2, CMSG_DATA(c) + i * sizeof(int), sizeof(int));
                close(fd2);
            }
        } else {
            printf("  cmsg level %d type %d len %zu\n", c->cmsg_level, c->cmsg_type,
                   (size_t)c->cmsg_len);
        }
    }
}

static void pair_kind(int type, const char *name)
{
    int sv[2];
    printf("== %s\n", name);
    socketpair(AF_UNIX, type, 0, sv);
    write(sv[0], "none", 4);
    passcred(sv[1], 1);
    recv_show("sent before SO_PASSCRED", sv[1], 256);
    write(sv[0], "recv", 4);
    recv_show("receiver has SO_PASSCRED", sv[1], 256);
    passcred(sv[1], 0);
    passcred(sv[0], 1);
    write(sv[0], "send", 4);
    passcred(sv[1], 1);
    recv_show("sender had SO_PASSCRED", sv[1], 256);
    struct sockaddr_un a;
    socklen_t l = sizeof(a);
    getsockname(sv[0], (struct sockaddr *)&a, &l);
    printf("sender's name length after it: %u\n", (unsigned)l);
    write(sv[0], "x", 1);
    recv_show("no control buffer", sv[1], -1);
    write(sv[0], "y", 1);
    recv_show("control room for a header only", sv[1], (long)sizeof(struct cmsghdr));
    write(sv[0], "z", 1);
    recv_show("control room 20", sv[1], 20);
    close(sv[0]);
    close(sv[1]);
}

static void explicit_creds(void)
{
    int sv[2];
    printf("== SCM_CREDENTIALS sent\n");
    socketpair(AF_UNIX, SOCK_DGRAM, 0, sv);
    passcred(sv[1], 1);
    struct ucred mine = { getpid(), 0, 0 };
    show("own credentials", send_cred(sv[0], "own", &mine, sizeof(mine)));
    recv_show("received", sv[1], 256);
    struct ucred ids = { getpid(), 1234, 5678 };
    show("other uid and gid (privileged)", send_cred(sv[0], "ids", &ids, sizeof(ids)));
    recv_show("received", sv[1], 256);
    struct ucred thr = { thread_tid, 0, 0 };
    show("a thread's id as pid", send_cred(sv[0], "thr", &thr, sizeof(thr)));
    recv_show("received", sv[1], 256);
    struct ucred bad_uid = { getpid(), (uid_t)-1, 0 };
    show("uid -1", send_cred(sv[0], "bad", &bad_uid, sizeof(bad_uid)));
    struct ucred bad_gid = { getpid(), 0, (gid_t)-1 };
    show("gid -1", send_cred(sv[0], "bad", &bad_gid, sizeof(bad_gid)));
    struct ucred zero = { 0, 0, 0 };
    show("pid 0", send_cred(sv[0], "bad", &zero, sizeof(zero)));
    struct ucred none = { 0x3ffffff0, 0, 0 };
    show("a pid that does not exist", send_cred(sv[0], "bad", &none, sizeof(none)));
    struct ucred both = { 0x3ffffff0, (uid_t)-1, 0 };
    show("no such pid and uid -1", send_cred(sv[0], "bad", &both, sizeof(both)));
    show("cmsg_len short by 4", send_cred(sv[0], "bad", &mine, sizeof(mine) - 4));
    recv_show("nothing more", sv[1], 256);
    /* The receiver without SO_PASSCRED sees nothing; turned on later, the
     * given credentials are still there. */
    passcred(sv[1], 0);
    show("given while the receiver does not pass them", send_cred(sv[0], "late", &ids, sizeof(ids)));
    passcred(sv[1], 1);
    recv_show("received", sv[1], 256);
    close(sv[0]);
    close(sv[1]);
}

static void stream_boundaries(void)
{
    int sv[2];
    printf("== stream reads and credentials\n");
    socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
    struct ucred ids = { getpid(), 7, 8 };
    send_cred(sv[0], "aa", &ids, sizeof(ids));
    write(sv[0], "bb", 2);
    write(sv[0], "cc", 2);
    recv_show("without SO_PASSCRED one read joins them", sv[1], 256);
    send_cred(sv[0], "aa", &ids, sizeof(ids));
    write(sv[0], "bb", 2);
    write(sv[0], "cc", 2);
    passcred(sv[1], 1);
    recv_show("with it, a read stops where they change", sv[1], 256);
    recv_show("then", sv[1], 256);
    int p[2];
    pipe(p);
    union rights_ctl u;
    struct iovec iov = { "fd", 2 };
    struct msghdr m;
    rights_msg(&m, &iov, &u, p[0]);
    show("send a descriptor", sendmsg(sv[0], &m, 0));
    recv_show("credentials and a descriptor", sv[1], 256);
    write(sv[0], "q", 1);
    recv_show("room 32: credentials cut", sv[1], 32);
    show("send a descriptor", sendmsg(sv[0], &m, 0));
    recv_show("room 40: credentials, no room for the descriptor", sv[1], 40);
    close(p[0]);
    close(p[1]);
    close(sv[0]);
    close(sv[1]);
}

static void listener(void)
{
    printf("== a listener's connections\n");
    struct sockaddr_un a;
    char name[64];
    snprintf(name, sizeof(name), "cloak-creds-%d", (int)getpid());
    socklen_t len = abstract_addr(&a, name);
    int l = socket(AF_UNIX, SOCK_STREAM, 0);
    bind(l, (struct sockaddr *)&a, len);
    passcred(l, 1);
    listen(l, 4);
    int c = socket(AF_UNIX, SOCK_STREAM, 0);
    passcred(c, 1);
    show("connect", connect(c, (struct sockaddr *)&a, len));
    struct sockaddr_un me;
    socklen_t ml = sizeof(me);
    getsockname(c, (struct sockaddr *)&me, &ml);
    printf("client's name length (SO_PASSCRED binds it): %u\n", (unsigned)ml);
    passcred(c, 0);
    write(c, "early", 5);                /* the server end is not accepted yet */
    int s = accept(l, NULL, NULL);
    int v = -1;
    socklen_t vl = sizeof(v);
    getsockopt(s, SOL_SOCKET, SO_PASSCRED, &v, &vl);
    printf("accepted socket's SO_PASSCRED: %d\n", v);
    passcred(s, 0);
    write(c, "late", 4);
    passcred(s, 1);
    recv_show("sent before accept", s, 256);
    recv_show("sent after accept, nobody passing", s, 256);
    close(c);
    close(s);
    c = socket(AF_UNIX, SOCK_STREAM, 0);
    show("connect without SO_PASSCRED", connect(c, (struct sockaddr *)&a, len));
    ml = sizeof(me);
    getsockname(c, (struct sockaddr *)&me, &ml);
    printf("client's name length: %u\n", (unsigned)ml);
    close(c);
    close(l);
}

/* A control buffer that faults: Linux gives the bytes, no control data, no
 * error; a descriptor it could not write is closed (MSG_CTRUNC). */
static void bad_control(void)
{
    int sv[2], p[2];
    printf("== control buffer unmapped\n");
    socketpair(AF_UNIX, SOCK_DGRAM, 0, sv);
    pipe(p);
    union rights_ctl u;
    struct iovec iov = { "fd", 2 };
    struct msghdr m;
    rights_msg(&m, &iov, &u, p[0]);
    sendmsg(sv[0], &m, 0);
    close(p[0]);
    int lowest = open("/dev/null", O_RDONLY);
    close(lowest);
    char b[8];
    struct iovec ri = { b, sizeof(b) };
    struct msghdr r = { .msg_iov = &ri, .msg_iovlen = 1, .msg_control = (void *)16,
                        .msg_controllen = 64 };
    long n = syscall(SYS_recvmsg, sv[1], &r, 0);
    printf("a descriptor: %ld%s controllen %zu%s\n", n, n < 0 ? errname(errno) : "",
           (size_t)r.msg_controllen, r.msg_flags & MSG_CTRUNC ? " MSG_CTRUNC" : "");
    int next = open("/dev/null", O_RDONLY);
    printf("the descriptor was %s\n", next == lowest ? "closed" : "installed");
    close(next);
    passcred(sv[1], 1);
    write(sv[0], "x", 1);
    r.msg_controllen = 64;
    r.msg_flags = 0;
    n = syscall(SYS_recvmsg, sv[1], &r, 0);
    printf("credentials: %ld%s controllen %zu%s\n", n, n < 0 ? errname(errno) : "",
           (size_t)r.msg_controllen, r.msg_flags & MSG_CTRUNC ? " MSG_CTRUNC" : "");
    close(p[1]);
    close(sv[0]);
    close(sv[1]);
}

int main(void)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    signal(SIGPIPE, SIG_IGN);
    pthread_t t;
    pthread_create(&t, NULL, idle_thread, NULL);
    while (!__atomic_load_n(&thread_tid, __ATOMIC_ACQUIRE))
        usleep(1000);
    pair_kind(SOCK_STREAM, "stream socketpair");
    pair_kind(SOCK_DGRAM, "datagram socketpair");
    pair_kind(SOCK_SEQPACKET, "seqpacket socketpair");
    explicit_creds();
    stream_boundaries();
    listener();
    bad_control();
    printf("done\n");
    fflush(stdout);
    _exit(0);
}
