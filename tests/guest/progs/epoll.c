/* epoll over pipes: level- and edge-triggered, EPOLLONESHOT and re-arming
 * with EPOLL_CTL_MOD, EPOLL_CTL_DEL, hang-ups and errors, closes, nesting,
 * epoll_ctl's and epoll_wait's errors, and timeouts; `epoll stdin`: epoll
 * over descriptor 0 until the end of input.  One line per check; the
 * output is the same on Linux (epoll.test compares the two).  All calls
 * are raw system calls, so both C libraries test the kernel alike. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#ifndef SYS_epoll_pwait2
#define SYS_epoll_pwait2 441
#endif
#define AT_ONCE_NS 1000000000ll          /* "at once", generously for emulation */

static int failed;

static int64_t now_ns(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (int64_t)t.tv_sec * 1000000000 + t.tv_nsec;
}

static const char *err_name(int e)
{
    switch (e) {
    case EINVAL: return "EINVAL";
    case EBADF: return "EBADF";
    case EEXIST: return "EEXIST";
    case ENOENT: return "ENOENT";
    case EPERM: return "EPERM";
    case ELOOP: return "ELOOP";
    case EFAULT: return "EFAULT";
    case EAGAIN: return "EAGAIN";
    case ENOSYS: return "ENOSYS";
    default: return "other";
    }
}

static void result(const char *what, long r)
{
    if (r < 0)
        printf("%s: -1 %s\n", what, err_name(errno));
    else
        printf("%s: %ld\n", what, r);
}

static long ctl(int ep, int op, int fd, uint32_t events, uint64_t data)
{
    struct epoll_event ev = { .events = events, .data.u64 = data };
    errno = 0;
    return syscall(SYS_epoll_ctl, ep, op, fd, &ev);
}

static long ewait(int ep, struct epoll_event *evs, int max, int ms)
{
    errno = 0;
    return syscall(SYS_epoll_wait, ep, evs, max, ms);
}

static void events_name(uint32_t e, char *buf, size_t size)
{
    static const struct { uint32_t bit; const char *name; } names[] = {
        { EPOLLIN, "IN" }, { EPOLLPRI, "PRI" }, { EPOLLOUT, "OUT" }, { EPOLLERR, "ERR" },
        { EPOLLHUP, "HUP" }, { EPOLLRDNORM, "RDNORM" }, { EPOLLWRNORM, "WRNORM" }, { EPOLLRDHUP, "RDHUP" },
    };
    buf[0] = 0;
    for (unsigned i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        if (e & names[i].bit) {
            strncat(buf, buf[0] ? "|" : "", size - strlen(buf) - 1);
            strncat(buf, names[i].name, size - strlen(buf) - 1);
            e &= ~names[i].bit;
        }
    }
    if (e)
        snprintf(buf + strlen(buf), size - strlen(buf), "|%#x", e);
    if (!buf[0])
        snprintf(buf, size, "0");
}

/* One epoll_wait with timeout 0, its events printed in order. */
static void look(const char *what, int ep, int max)
{
    struct epoll_event evs[8];
    long n = ewait(ep, evs, max, 0);
    printf("%s: %ld", what, n);
    if (n < 0)
        printf(" %s", err_name(errno));
    for (long i = 0; i < n; i++) {
        char names[96];
        events_name(evs[i].events, names, sizeof(names));
        printf(" [%s data=%llu]", names, (unsigned long long)evs[i].data.u64);
    }
    printf("\n");
}

static void drain(int fd)
{
    char buf[256];
    while (read(fd, buf, sizeof(buf)) > 0)
        ;
}

static void level_and_edge(void)
{
    int lt[2], et[2];
    if (pipe2(lt, O_NONBLOCK) || pipe2(et, O_NONBLOCK))
        return;
    int ep = (int)syscall(SYS_epoll_create1, 0);
    result("add level-triggered read end", ctl(ep, EPOLL_CTL_ADD, lt[0], EPOLLIN, 100));
    result("add edge-triggered read end", ctl(ep, EPOLL_CTL_ADD, et[0], EPOLLIN | EPOLLET, 200));
    look("nothing written", ep, 8);
    write(lt[1], "ab", 2);
    write(et[1], "ab", 2);
    look("both written", ep, 8);
    look("again, nothing read", ep, 8);
    char c;
    read(lt[0], &c, 1);
    read(et[0], &c, 1);
    look("one byte of two read", ep, 8);
    write(et[1], "c", 1);
    look("more written to the edge-triggered pipe", ep, 8);
    look("and again", ep, 8);
    drain(lt[0]);
    drain(et[0]);
    look("both drained", ep, 8);
    write(lt[1], "x", 1);
    write(et[1], "x", 1);
    look("maxevents 1, first", ep, 1);
    look("maxevents 1, second", ep, 1);
    look("maxevents 1, third", ep, 1);
    close(ep);
    close(lt[0]), close(lt[1]), close(et[0]), close(et[1]);
}

static void oneshot_and_del(void)
{
    int p[2];
    if (pipe2(p, O_NONBLOCK))
        return;
    int ep = (int)syscall(SYS_epoll_create1, EPOLL_CLOEXEC);
    printf("epoll_create1(EPOLL_CLOEXEC) sets FD_CLOEXEC: %d\n", fcntl(ep, F_GETFD) == FD_CLOEXEC);
    result("add one-shot", ctl(ep, EPOLL_CTL_ADD, p[0], EPOLLIN | EPOLLONESHOT, 7));
    write(p[1], "a", 1);
    look("one-shot, ready", ep, 8);
    look("one-shot, after its report", ep, 8);
    write(p[1], "b", 1);
    look("one-shot, more written", ep, 8);
    result("re-arm with MOD", ctl(ep, EPOLL_CTL_MOD, p[0], EPOLLIN | EPOLLONESHOT, 8));
    look("re-armed", ep, 8);
    result("MOD to level-triggered, new data", ctl(ep, EPOLL_CTL_MOD, p[0], EPOLLIN, 9));
    look("level-triggered after MOD", ep, 8);
    look("level-triggered after MOD, again", ep, 8);
    result("DEL", ctl(ep, EPOLL_CTL_DEL, p[0], 0, 0));
    look("after DEL", ep, 8);
    result("DEL again", ctl(ep, EPOLL_CTL_DEL, p[0], 0, 0));
    result("MOD after DEL", ctl(ep, EPOLL_CTL_MOD, p[0], EPOLLIN, 0));
    result("add the write end for OUT", ctl(ep, EPOLL_CTL_ADD, p[1], EPOLLOUT, 10));
    look("write end", ep, 8);
    close(ep);
    close(p[0]), close(p[1]);
}

static void hangups(void)
{
    int p[2], q[2];
    if (pipe(p) || pipe(q))
        return;
    int ep = (int)syscall(SYS_epoll_create1, 0);
    ctl(ep, EPOLL_CTL_ADD, p[0], EPOLLIN, 1);
    ctl(ep, EPOLL_CTL_ADD, q[1], EPOLLOUT, 2);
    close(p[1]);
    look("writer of a closed, reader asked only for IN", ep, 8);
    close(q[0]);
    look("reader of the other closed too", ep, 8);
    close(ep);
    close(p[0]);
    close(q[1]);

    /* An item goes away with the last descriptor of its file. */
    if (pipe(p))
        return;
    ep = (int)syscall(SYS_epoll_create1, 0);
    write(p[1], "a", 1);
    int dup_fd = dup(p[0]);
    ctl(ep, EPOLL_CTL_ADD, p[0], EPOLLIN, 3);
    close(p[0]);
    look("registered fd closed, a dup still open", ep, 8);
    result("DEL of the closed fd", ctl(ep, EPOLL_CTL_DEL, p[0], 0, 0));
    close(dup_fd);
    look("last descriptor closed", ep, 8);
    close(ep);
    close(p[1]);
}

static void nesting(void)
{
    int p[2];
    if (pipe(p))
        return;
    int inner = (int)syscall(SYS_epoll_create1, 0), outer = (int)syscall(SYS_epoll_create1, 0);
    ctl(inner, EPOLL_CTL_ADD, p[0], EPOLLIN, 1);
    result("add an epoll to an epoll", ctl(outer, EPOLL_CTL_ADD, inner, EPOLLIN, 50));
    look("outer, nothing ready inside", outer, 8);
    struct pollfd pf = { inner, POLLIN, 0 };
    printf("poll on the inner epoll, nothing ready: %d\n", poll(&pf, 1, 0));
    write(p[1], "a", 1);
    look("outer, ready inside", outer, 8);
    int n = poll(&pf, 1, 0);
    printf("poll on the inner epoll, ready inside: %d revents %#x\n", n, pf.revents);
    result("the inner into the outer's inside (a loop)", ctl(inner, EPOLL_CTL_ADD, outer, EPOLLIN, 0));
    int chain[6];
    for (int i = 0; i < 6; i++)
        chain[i] = (int)syscall(SYS_epoll_create1, 0);
    for (int i = 0; i < 5; i++) {
        char what[64];
        snprintf(what, sizeof(what), "chain of epolls, link %d", i + 1);
        result(what, ctl(chain[i], EPOLL_CTL_ADD, chain[i + 1], EPOLLIN, 0));
    }
    for (int i = 0; i < 6; i++)
        close(chain[i]);
    close(outer);
    close(inner);
    close(p[0]);
    close(p[1]);
}

static void errors(const char *self)
{
    int p[2];
    if (pipe(p))
        return;
    int ep = (int)syscall(SYS_epoll_create1, 0);
    int file = open(self, O_RDONLY);         /* a regular file */
    errno = 0;
    result("epoll_create(0)", syscall(SYS_epoll_create, 0));
    errno = 0;
    result("epoll_create(-1)", syscall(SYS_epoll_create, -1));
    errno = 0;
    long r = syscall(SYS_epoll_create, 1);
    result("epoll_create(1) is a descriptor", r >= 0 ? 0 : r);
    if (r >= 0)
        close((int)r);
    errno = 0;
    result("epoll_create1(bad flag)", syscall(SYS_epoll_create1, 1));
    result("ADD twice: first", ctl(ep, EPOLL_CTL_ADD, p[0], EPOLLIN, 0));
    result("ADD twice: second", ctl(ep, EPOLL_CTL_ADD, p[0], EPOLLIN, 0));
    result("MOD of an fd not added", ctl(ep, EPOLL_CTL_MOD, p[1], EPOLLOUT, 0));
    result("DEL of an fd not added", ctl(ep, EPOLL_CTL_DEL, p[1], 0, 0));
    result("ADD a regular file", ctl(ep, EPOLL_CTL_ADD, file, EPOLLIN, 0));
    result("ADD a closed fd", ctl(ep, EPOLL_CTL_ADD, 900, EPOLLIN, 0));
    result("ctl on a closed epoll fd", ctl(900, EPOLL_CTL_ADD, p[0], EPOLLIN, 0));
    result("ctl on a pipe as epoll fd", ctl(p[0], EPOLL_CTL_ADD, p[1], EPOLLOUT, 0));
    result("epoll on itself", ctl(ep, EPOLL_CTL_ADD, ep, EPOLLIN, 0));
    result("bad op", ctl(ep, 99, p[1], EPOLLOUT, 0));
    errno = 0;
    result("ADD with a bad event pointer", syscall(SYS_epoll_ctl, ep, EPOLL_CTL_ADD, p[1], (void *)8));
    errno = 0;
    result("DEL ignores the event pointer", syscall(SYS_epoll_ctl, ep, EPOLL_CTL_DEL, p[0], (void *)8));
    result("EPOLLEXCLUSIVE with MOD", ctl(ep, EPOLL_CTL_MOD, p[0], EPOLLIN | EPOLLEXCLUSIVE, 0));
    result("EPOLLEXCLUSIVE with EPOLLONESHOT", ctl(ep, EPOLL_CTL_ADD, p[0], EPOLLIN | EPOLLEXCLUSIVE | EPOLLONESHOT, 0));
    result("EPOLLEXCLUSIVE ADD", ctl(ep, EPOLL_CTL_ADD, p[0], EPOLLIN | EPOLLEXCLUSIVE, 0));
    result("MOD of an EPOLLEXCLUSIVE item", ctl(ep, EPOLL_CTL_MOD, p[0], EPOLLIN, 0));
    struct epoll_event evs[4];
    result("wait, maxevents 0", ewait(ep, evs, 0, 0));
    result("wait, maxevents -1", ewait(ep, evs, -1, 0));
    result("wait, maxevents huge", ewait(ep, evs, 0x7fffffff, 0));
    result("wait on a pipe", ewait(p[0], evs, 4, 0));
    result("wait on a closed fd", ewait(900, evs, 4, 0));
    result("wait, kernel-half buffer", ewait(ep, (struct epoll_event *)0xffff800000000000ull, 4, 0));
    result("wait, NULL buffer, nothing ready", ewait(ep, NULL, 4, 0));
    write(p[1], "a", 1);
    result("wait, NULL buffer, an event ready", ewait(ep, NULL, 4, 0));
    /* The event is not lost, even for an edge-triggered item. */
    int q[2];
    pipe(q);
    int ep2 = (int)syscall(SYS_epoll_create1, 0);
    ctl(ep2, EPOLL_CTL_ADD, q[0], EPOLLIN | EPOLLET, 5);
    write(q[1], "a", 1);
    result("edge-triggered, NULL buffer", ewait(ep2, NULL, 4, 0));
    look("edge-triggered, then a buffer", ep2, 4);
    close(ep2);
    close(q[0]);
    close(q[1]);
    errno = 0;
    uint64_t mask = 0;
    result("epoll_pwait, sigsetsize 4", syscall(SYS_epoll_pwait, ep, evs, 4, 0, &mask, 4));
    errno = 0;
    result("epoll_pwait, mask", syscall(SYS_epoll_pwait, ep, evs, 4, 0, &mask, 8));
    struct timespec bad = { 0, 1000000000 }, zero = { 0, 0 };
    errno = 0;
    result("epoll_pwait2, bad timespec", syscall(SYS_epoll_pwait2, ep, evs, 4, &bad, NULL, 8));
    errno = 0;
    result("epoll_pwait2, zero timespec", syscall(SYS_epoll_pwait2, ep, evs, 4, &zero, NULL, 8));
    errno = 0;
    result("read from an epoll fd", read(ep, evs, sizeof(evs)));
    close(file);
    close(ep);
    close(p[0]);
    close(p[1]);
}

/* Waits of timeout ms on nothing ready: at once for 0, at least the
 * timeout otherwise, from one reading of the clock. */
static void timed(const char *what, int ep, int kind, int ms)
{
    struct epoll_event evs[2];
    struct timespec ts = { ms / 1000, ms % 1000 * 1000000 };
    int64_t t0 = now_ns();
    errno = 0;
    long r = kind == 0 ? syscall(SYS_epoll_wait, ep, evs, 2, ms)
           : kind == 1 ? syscall(SYS_epoll_pwait, ep, evs, 2, ms, NULL, 8)
                       : syscall(SYS_epoll_pwait2, ep, evs, 2, &ts, NULL, 8);
    int64_t took = now_ns() - t0;
    const char *when = ms == 0 ? (took < AT_ONCE_NS ? "at once" : "SLOW")
                               : (took >= (int64_t)ms * 1000000 ? "not early" : "EARLY");
    if (when[0] == 'S' || when[0] == 'E') {
        failed = 1;
        fprintf(stderr, "%s: took %lld ns\n", what, (long long)took);
    }
    printf("%s: %ld, %s\n", what, r, when);
}

static void timeouts(void)
{
    int p[2];
    if (pipe(p))
        return;
    int ep = (int)syscall(SYS_epoll_create1, 0);
    ctl(ep, EPOLL_CTL_ADD, p[0], EPOLLIN, 1);
    timed("epoll_wait 0 ms", ep, 0, 0);
    timed("epoll_wait 20 ms", ep, 0, 20);
    timed("epoll_pwait 20 ms", ep, 1, 20);
    timed("epoll_pwait2 0", ep, 2, 0);
    timed("epoll_pwait2 20 ms", ep, 2, 20);
    int empty = (int)syscall(SYS_epoll_create1, 0);
    timed("epoll_wait 20 ms, no items", empty, 0, 20);
    close(empty);
    close(ep);
    close(p[0]);
    close(p[1]);
}

/* epoll stdin: a level-triggered epoll over descriptor 0 until the end of
 * input (whatever stdin is: a pipe natively, the console seen as a pipe
 * under cloak), then an edge-triggered one at the end. */
static int stdin_checks(void)
{
    int ep = (int)syscall(SYS_epoll_create1, 0);
    result("add stdin", ctl(ep, EPOLL_CTL_ADD, 0, EPOLLIN, 0));
    long total = 0;
    int first_in = -1;
    for (;;) {
        struct epoll_event ev;
        if (ewait(ep, &ev, 1, 10000) != 1) {
            printf("stdin: no event in 10 s\n");
            return 1;
        }
        if (first_in < 0)
            first_in = (ev.events & EPOLLIN) != 0;
        if (!(ev.events & EPOLLIN)) {
            char names[96];
            events_name(ev.events, names, sizeof(names));
            printf("stdin: end of input seen as %s\n", names);
            break;
        }
        char buf[4096];
        long r = read(0, buf, sizeof(buf));
        if (r <= 0) {
            printf("stdin: readable, but read returned %ld\n", r);
            break;
        }
        total += r;
    }
    printf("stdin: %ld bytes, the first event had IN: %d\n", total, first_in);
    char c;
    printf("stdin: read at the end: %ld\n", (long)read(0, &c, 1));
    close(ep);
    ep = (int)syscall(SYS_epoll_create1, 0);
    result("add stdin, edge-triggered, at the end", ctl(ep, EPOLL_CTL_ADD, 0, EPOLLIN | EPOLLET, 0));
    look("stdin at the end, edge-triggered", ep, 8);
    look("and again", ep, 8);
    close(ep);
    printf("epoll stdin ok\n");
    return 0;
}

int main(int argc, char **argv)
{
    if (argc > 1 && !strcmp(argv[1], "stdin"))
        return stdin_checks();
    setvbuf(stdout, NULL, _IOLBF, 0);
    level_and_edge();
    oneshot_and_del();
    hangups();
    nesting();
    (void)argc;
    errors(argv[0]);
    timeouts();
    printf(failed ? "epoll FAILED\n" : "epoll ok\n");
    return failed;
}
