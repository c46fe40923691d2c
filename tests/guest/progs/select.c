/* select and pselect6 over pipes: readiness per set, the count, the sets
 * rewritten, EBADF for a closed descriptor, EINVAL for bad timeouts and
 * nfds, the time left written back (ppoll's too), the signal mask
 * argument, and timed waits.  One line per check; the output is the same
 * on Linux (select.test compares the two).  Raw system calls, so both C
 * libraries test the kernel alike. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/select.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#define AT_ONCE_NS 1000000000ll
#define MS 1000000ll

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
    case EFAULT: return "EFAULT";
    case ENOSYS: return "ENOSYS";
    default: return "other";
    }
}

static void verdict(const char *what, int good)
{
    printf("%s: %s\n", what, good ? "yes" : "NO");
    if (!good)
        failed = 1;
}

/* The descriptors of a set below nfds, by name. */
static void show_set(const char *label, fd_set *s, int nfds, const int *fds, const char *const *names, int n)
{
    printf(" %s{", label);
    const char *sep = "";
    for (int i = 0; i < n; i++) {
        if (fds[i] < nfds && FD_ISSET(fds[i], s)) {
            printf("%s%s", sep, names[i]);
            sep = ",";
        }
    }
    printf("}");
}

static int P[2], Q[2];            /* P: has data; Q: empty */

static void one(const char *what, int use_pselect, int r_mask, int w_mask, int e_mask, long ms)
{
    const int fds[4] = { P[0], P[1], Q[0], Q[1] };
    static const char *const names[4] = { "P.r", "P.w", "Q.r", "Q.w" };
    fd_set rs, ws, es;
    FD_ZERO(&rs);
    FD_ZERO(&ws);
    FD_ZERO(&es);
    int nfds = 0;
    for (int i = 0; i < 4; i++) {
        if (r_mask >> i & 1)
            FD_SET(fds[i], &rs);
        if (w_mask >> i & 1)
            FD_SET(fds[i], &ws);
        if (e_mask >> i & 1)
            FD_SET(fds[i], &es);
        if (fds[i] >= nfds)
            nfds = fds[i] + 1;
    }
    struct timeval tv = { ms / 1000, ms % 1000 * 1000 };
    struct timespec ts = { ms / 1000, ms % 1000 * 1000000 };
    errno = 0;
    long r = use_pselect ? syscall(SYS_pselect6, nfds, &rs, &ws, &es, ms < 0 ? NULL : &ts, NULL)
                         : syscall(SYS_select, nfds, &rs, &ws, &es, ms < 0 ? NULL : &tv);
    if (r < 0) {
        printf("%s: -1 %s\n", what, err_name(errno));
        return;
    }
    printf("%s: %ld", what, r);
    show_set("read", &rs, nfds, fds, names, 4);
    show_set("write", &ws, nfds, fds, names, 4);
    show_set("except", &es, nfds, fds, names, 4);
    printf("\n");
}

static void readiness(void)
{
    one("select, read P and Q", 0, 1 | 4, 0, 0, 0);
    one("select, write P and Q", 0, 0, 2 | 8, 0, 0);
    one("select, read and write all", 0, 1 | 4, 2 | 8, 0, 0);
    one("select, a descriptor in two sets", 0, 1, 1, 1, 0);
    one("select, except only", 0, 0, 0, 1 | 4, 0);
    one("pselect6, read P and Q", 1, 1 | 4, 0, 0, 0);
    one("pselect6, write P and Q", 1, 0, 2 | 8, 0, 0);
}

static void errors(void)
{
    fd_set rs;
    FD_ZERO(&rs);
    FD_SET(P[0], &rs);
    /* A closed descriptor below 64 (Linux ignores those past the size of
     * its descriptor table, 64 for a small process). */
    FD_SET(40, &rs);
    struct timeval zero = { 0, 0 };
    errno = 0;
    long r = syscall(SYS_select, 41, &rs, NULL, NULL, &zero);
    printf("select with a closed fd: %ld %s, P.r still set: %d\n", r, r < 0 ? err_name(errno) : "",
           FD_ISSET(P[0], &rs) != 0);
    FD_ZERO(&rs);
    FD_SET(P[0], &rs);
    errno = 0;
    r = syscall(SYS_select, -1, &rs, NULL, NULL, &zero);
    printf("select nfds -1: %ld %s\n", r, r < 0 ? err_name(errno) : "");
    struct timeval negative = { -1, 0 }, bad_usec = { 0, -1 }, big_usec = { 0, 1500000 };
    errno = 0;
    r = syscall(SYS_select, 0, NULL, NULL, NULL, &negative);
    printf("select, negative timeout: %ld %s\n", r, r < 0 ? err_name(errno) : "");
    errno = 0;
    r = syscall(SYS_select, 0, NULL, NULL, NULL, &bad_usec);
    printf("select, tv_usec -1: %ld %s\n", r, r < 0 ? err_name(errno) : "");
    /* 1.5 s of tv_usec is taken as 1.5 s: P.r is ready, so no wait. */
    FD_ZERO(&rs);
    FD_SET(P[0], &rs);
    errno = 0;
    r = syscall(SYS_select, P[0] + 1, &rs, NULL, NULL, &big_usec);
    printf("select, tv_usec 1500000 with a ready fd: %ld %s\n", r, r < 0 ? err_name(errno) : "");
    verdict("the time left written back is within (0, 1.5 s]",
            big_usec.tv_sec * 1000000 + big_usec.tv_usec > 0 && big_usec.tv_sec * 1000000 + big_usec.tv_usec <= 1500000
            && big_usec.tv_usec < 1000000);
    struct timespec bad_ts = { 0, 1000000000 };
    errno = 0;
    r = syscall(SYS_pselect6, 0, NULL, NULL, NULL, &bad_ts, NULL);
    printf("pselect6, tv_nsec 1e9: %ld %s\n", r, r < 0 ? err_name(errno) : "");
    errno = 0;
    r = syscall(SYS_select, P[0] + 1, (void *)8, NULL, NULL, &zero);
    printf("select, bad set pointer: %ld %s\n", r, r < 0 ? err_name(errno) : "");
    /* The sixth argument: { sigset_t *, size }. */
    uint64_t mask = 0;
    struct { void *set; size_t size; } good = { &mask, 8 }, bad_size = { &mask, 4 }, no_set = { NULL, 4 };
    struct timespec zts = { 0, 0 };
    FD_ZERO(&rs);
    FD_SET(P[0], &rs);
    errno = 0;
    r = syscall(SYS_pselect6, P[0] + 1, &rs, NULL, NULL, &zts, &good);
    printf("pselect6 with a signal mask: %ld %s\n", r, r < 0 ? err_name(errno) : "");
    errno = 0;
    r = syscall(SYS_pselect6, P[0] + 1, &rs, NULL, NULL, &zts, &bad_size);
    printf("pselect6, mask size 4: %ld %s\n", r, r < 0 ? err_name(errno) : "");
    errno = 0;
    r = syscall(SYS_pselect6, P[0] + 1, &rs, NULL, NULL, &zts, &no_set);
    printf("pselect6, no mask, size 4: %ld %s\n", r, r < 0 ? err_name(errno) : "");
    errno = 0;
    r = syscall(SYS_pselect6, P[0] + 1, &rs, NULL, NULL, &zts, (void *)8);
    printf("pselect6, bad mask pointer: %ld %s\n", r, r < 0 ? err_name(errno) : "");
    /* Zero timeouts stay as they are. */
    struct timespec zero_ts = { 0, 0 };
    syscall(SYS_pselect6, P[0] + 1, &rs, NULL, NULL, &zero_ts, NULL);
    printf("pselect6 zero timeout afterwards: %ld.%09ld\n", (long)zero_ts.tv_sec, zero_ts.tv_nsec);
}

/* A wait on an empty pipe: at once for 0, at least the timeout, with the
 * time left written back as 0. */
static void timed(const char *what, int use_pselect, long ms)
{
    fd_set rs;
    FD_ZERO(&rs);
    FD_SET(Q[0], &rs);
    struct timeval tv = { ms / 1000, ms % 1000 * 1000 };
    struct timespec ts = { ms / 1000, ms % 1000 * 1000000 };
    int64_t t0 = now_ns();
    long r = use_pselect ? syscall(SYS_pselect6, Q[0] + 1, &rs, NULL, NULL, &ts, NULL)
                         : syscall(SYS_select, Q[0] + 1, &rs, NULL, NULL, &tv);
    int64_t took = now_ns() - t0;
    const char *when = ms == 0 ? (took < AT_ONCE_NS ? "at once" : "SLOW") : (took >= ms * MS ? "not early" : "EARLY");
    if (when[0] == 'S' || when[0] == 'E') {
        failed = 1;
        fprintf(stderr, "%s: took %lld ns\n", what, (long long)took);
    }
    long left = use_pselect ? ts.tv_sec * 1000000000 + ts.tv_nsec : tv.tv_sec * 1000000 + tv.tv_usec;
    printf("%s: %ld, %s, set cleared: %d, time left %ld\n", what, r, when, !FD_ISSET(Q[0], &rs), left);
}

static void timeouts(void)
{
    timed("select 0 ms", 0, 0);
    timed("select 20 ms", 0, 20);
    timed("pselect6 0", 1, 0);
    timed("pselect6 20 ms", 1, 20);
    /* A pipe written from the other end is found at once. */
    fd_set rs;
    FD_ZERO(&rs);
    FD_SET(P[0], &rs);
    struct timeval tv = { 5, 0 };
    int64_t t0 = now_ns();
    long r = syscall(SYS_select, P[0] + 1, &rs, NULL, NULL, &tv);
    int64_t took = now_ns() - t0;
    printf("select 5 s on a ready pipe: %ld, %s\n", r, took < AT_ONCE_NS ? "at once" : "SLOW");
    if (took >= AT_ONCE_NS)
        failed = 1;
    verdict("time left written back, within (4 s, 5 s]",
            (tv.tv_sec == 4 || (tv.tv_sec == 5 && tv.tv_usec == 0)) && tv.tv_usec < 1000000);
    /* ppoll writes the time left back too. */
    struct pollfd pf = { P[0], POLLIN, 0 };
    struct timespec ts5 = { 5, 0 };
    r = syscall(SYS_ppoll, &pf, 1, &ts5, NULL, 8);
    printf("ppoll 5 s on a ready pipe: %ld\n", r);
    verdict("ppoll: time left written back, within (4 s, 5 s]",
            (ts5.tv_sec == 4 || (ts5.tv_sec == 5 && ts5.tv_nsec == 0)) && ts5.tv_nsec < 1000000000);
    /* A closed writer makes the read end readable (hang-up). */
    int h[2];
    pipe(h);
    close(h[1]);
    FD_ZERO(&rs);
    FD_SET(h[0], &rs);
    struct timeval z = { 0, 0 };
    r = syscall(SYS_select, h[0] + 1, &rs, NULL, NULL, &z);
    printf("select on a pipe whose writer closed: %ld, readable: %d\n", r, FD_ISSET(h[0], &rs) != 0);
    close(h[0]);
    /* No descriptors at all: a sleep. */
    struct timeval tv20 = { 0, 20000 };
    t0 = now_ns();
    r = syscall(SYS_select, 0, NULL, NULL, NULL, &tv20);
    took = now_ns() - t0;
    printf("select with no descriptors, 20 ms: %ld, %s\n", r, took >= 20 * MS ? "not early" : "EARLY");
    if (took < 20 * MS)
        failed = 1;
}

int main(void)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    if (pipe(P) || pipe(Q) || write(P[1], "x", 1) != 1) {
        printf("pipe: %s\n", strerror(errno));
        return 1;
    }
    readiness();
    errors();
    timeouts();
    printf(failed ? "select FAILED\n" : "select ok\n");
    return failed;
}
