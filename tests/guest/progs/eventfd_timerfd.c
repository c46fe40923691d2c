/* eventfd (counter and semaphore semantics, errors, readiness) and timerfd
 * (one-shot and interval timers, expiration counts, timerfd_gettime,
 * absolute times, errors), then one epoll over an eventfd, a timerfd and a
 * pipe together.  One line per check; the output is the same on Linux
 * (eventfd_timerfd.test compares the two).  Raw system calls, so both C
 * libraries test the kernel alike.  Timing checks print only whether a
 * bound held, never a time. */
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

#define EFD_SEMAPHORE 1
#define EFD_NONBLOCK O_NONBLOCK
#define EFD_CLOEXEC O_CLOEXEC
#define TFD_NONBLOCK O_NONBLOCK
#define TFD_CLOEXEC O_CLOEXEC
#define TFD_TIMER_ABSTIME 1
#define MS 1000000ll
/* Long enough that the checks made before it expires are made before,
 * even on a slow emulator. */
#define ONESHOT_NS (200 * MS)

static int failed;

static int64_t now_ns(clockid_t c)
{
    struct timespec t;
    clock_gettime(c, &t);
    return (int64_t)t.tv_sec * 1000000000 + t.tv_nsec;
}

static const char *err_name(int e)
{
    switch (e) {
    case EINVAL: return "EINVAL";
    case EBADF: return "EBADF";
    case EAGAIN: return "EAGAIN";
    case EFAULT: return "EFAULT";
    case EPERM: return "EPERM";
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

static void verdict(const char *what, int good)
{
    printf("%s: %s\n", what, good ? "yes" : "NO");
    if (!good)
        failed = 1;
}

static long efd(unsigned init, int flags)
{
    errno = 0;
    return syscall(SYS_eventfd2, init, flags);
}

static void read_value(const char *what, int fd)
{
    uint64_t v = 0;
    errno = 0;
    long r = read(fd, &v, sizeof(v));
    if (r < 0)
        printf("%s: -1 %s\n", what, err_name(errno));
    else
        printf("%s: %ld bytes, value %llu\n", what, r, (unsigned long long)v);
}

static void write_value(const char *what, int fd, uint64_t v)
{
    errno = 0;
    result(what, write(fd, &v, sizeof(v)));
}

static void poll_mask(const char *what, int fd)
{
    struct pollfd p = { fd, POLLIN | POLLOUT, 0 };
    int n = poll(&p, 1, 0);
    printf("%s: %d revents %#x\n", what, n, p.revents);
}

static void eventfd_checks(void)
{
    int fd = (int)efd(3, EFD_NONBLOCK | EFD_CLOEXEC);
    printf("eventfd2 cloexec: %d, nonblock: %d\n", fcntl(fd, F_GETFD) == FD_CLOEXEC,
           (fcntl(fd, F_GETFL) & O_NONBLOCK) != 0);
    poll_mask("counter 3", fd);
    read_value("read counter", fd);
    read_value("read again (0)", fd);
    poll_mask("counter 0", fd);
    write_value("write 5", fd, 5);
    write_value("write 7", fd, 7);
    read_value("read sum", fd);
    write_value("write 0xffffffffffffffff", fd, UINT64_MAX);
    write_value("write 0xfffffffffffffffe", fd, UINT64_MAX - 1);
    poll_mask("counter at its maximum", fd);
    write_value("write 1 more", fd, 1);
    read_value("read the maximum", fd);
    char small[4];
    errno = 0;
    result("read 4 bytes", read(fd, small, sizeof(small)));
    errno = 0;
    result("write 4 bytes", write(fd, small, sizeof(small)));
    uint64_t big[2] = { 9, 9 };
    errno = 0;
    result("write 16 bytes", write(fd, big, sizeof(big)));
    errno = 0;
    result("read 16 bytes", read(fd, big, sizeof(big)));
    printf("first 8 bytes %llu, next %llu\n", (unsigned long long)big[0], (unsigned long long)big[1]);
    close(fd);

    int sem = (int)efd(2, EFD_SEMAPHORE | EFD_NONBLOCK);
    read_value("semaphore read 1", sem);
    read_value("semaphore read 2", sem);
    read_value("semaphore read 3", sem);
    write_value("semaphore write 3", sem, 3);
    read_value("semaphore read 4", sem);
    poll_mask("semaphore at 2", sem);
    close(sem);

    result("eventfd2 bad flags", efd(0, 2));
    errno = 0;
    long e = syscall(SYS_eventfd, 4);
    result("eventfd(4) is a descriptor", e >= 0 ? 0 : e);
    if (e >= 0) {
        printf("eventfd() without flags is blocking: %d\n", !(fcntl((int)e, F_GETFL) & O_NONBLOCK));
        read_value("eventfd(4) read", (int)e);
        close((int)e);
    }
    /* O_NONBLOCK set afterwards with fcntl counts. */
    int later = (int)efd(0, 0);
    fcntl(later, F_SETFL, O_NONBLOCK);
    read_value("read of 0 after F_SETFL O_NONBLOCK", later);
    close(later);
}

static long tfd_set(int fd, int flags, int64_t value_ns, int64_t interval_ns, struct itimerspec *old)
{
    struct itimerspec its = { { interval_ns / 1000000000, interval_ns % 1000000000 },
                              { value_ns / 1000000000, value_ns % 1000000000 } };
    errno = 0;
    return syscall(SYS_timerfd_settime, fd, flags, &its, old);
}

static int64_t its_ns(const struct timespec *t)
{
    return (int64_t)t->tv_sec * 1000000000 + t->tv_nsec;
}

static uint64_t tfd_read(int fd, long *r)
{
    uint64_t n = 0;
    errno = 0;
    *r = read(fd, &n, sizeof(n));
    return n;
}

static void timerfd_oneshot(void)
{
    int fd = (int)syscall(SYS_timerfd_create, CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
    printf("timerfd cloexec: %d\n", fcntl(fd, F_GETFD) == FD_CLOEXEC);
    long r;
    tfd_read(fd, &r);
    result("read of a disarmed timer", r);
    struct itimerspec cur;
    syscall(SYS_timerfd_gettime, fd, &cur);
    printf("disarmed: value %lld interval %lld\n", (long long)its_ns(&cur.it_value),
           (long long)its_ns(&cur.it_interval));
    int64_t t0 = now_ns(CLOCK_MONOTONIC);
    result("arm one-shot 200 ms", tfd_set(fd, 0, ONESHOT_NS, 0, NULL));
    syscall(SYS_timerfd_gettime, fd, &cur);
    int64_t left = its_ns(&cur.it_value), spent = now_ns(CLOCK_MONOTONIC) - t0;
    verdict("gettime: remaining within (0, 200 ms] and not less than 200 ms minus the time spent",
            left > 0 && left <= ONESHOT_NS && left >= ONESHOT_NS - spent);
    tfd_read(fd, &r);
    result("read before expiry", r);
    poll_mask("before expiry", fd);
    /* A blocking read waits for the expiry. */
    int flags = fcntl(fd, F_GETFL);
    fcntl(fd, F_SETFL, flags & ~O_NONBLOCK);
    uint64_t n = tfd_read(fd, &r);
    int64_t waited = now_ns(CLOCK_MONOTONIC) - t0;
    printf("blocking read: %ld bytes, %llu expiration\n", r, (unsigned long long)n);
    verdict("the blocking read returned no earlier than 200 ms", waited >= ONESHOT_NS);
    fcntl(fd, F_SETFL, flags);
    tfd_read(fd, &r);
    result("read after the expiry was read", r);
    syscall(SYS_timerfd_gettime, fd, &cur);
    printf("expired one-shot: value %lld interval %lld\n", (long long)its_ns(&cur.it_value),
           (long long)its_ns(&cur.it_interval));
    /* An absolute time already passed expires at once. */
    result("arm absolute, 1 ns after boot", tfd_set(fd, TFD_TIMER_ABSTIME, 1, 0, NULL));
    n = tfd_read(fd, &r);
    printf("read: %ld bytes, %llu expiration\n", r, (unsigned long long)n);
    /* Disarming drops what was not read. */
    tfd_set(fd, TFD_TIMER_ABSTIME, 1, 0, NULL);
    struct itimerspec old;
    result("disarm", tfd_set(fd, 0, 0, 0, &old));
    tfd_read(fd, &r);
    result("read after disarming", r);
    close(fd);
}

static void timerfd_interval(void)
{
    int fd = (int)syscall(SYS_timerfd_create, CLOCK_MONOTONIC, TFD_NONBLOCK);
    int64_t t0 = now_ns(CLOCK_MONOTONIC);
    tfd_set(fd, 0, 30 * MS, 20 * MS, NULL);
    struct timespec nap = { 0, 105 * MS };
    nanosleep(&nap, NULL);
    int64_t t1 = now_ns(CLOCK_MONOTONIC);
    long r;
    uint64_t n = tfd_read(fd, &r);
    int64_t t2 = now_ns(CLOCK_MONOTONIC);
    /* Expirations at 30, 50, 70, ... ms after arming (between t0 and t0
     * plus the call): the count read lies between those due by t1 - (the
     * arming's own duration) and those due by t2. */
    int64_t lo = (t1 - t0 - 30 * MS) / (20 * MS) + 1, hi = (t2 - t0 - 30 * MS) / (20 * MS) + 1;
    printf("interval read: %ld bytes\n", r);
    verdict("expirations counted as the clock says (5 at 105 ms)", (int64_t)n >= lo - 1 && (int64_t)n <= hi);
    if ((int64_t)n < lo - 1 || (int64_t)n > hi)
        fprintf(stderr, "count %llu, expected %lld..%lld\n", (unsigned long long)n, (long long)lo - 1, (long long)hi);
    struct itimerspec cur;
    syscall(SYS_timerfd_gettime, fd, &cur);
    printf("interval timer: interval %lld ms\n", (long long)(its_ns(&cur.it_interval) / MS));
    verdict("interval timer: remaining within (0, 20 ms]",
            its_ns(&cur.it_value) > 0 && its_ns(&cur.it_value) <= 20 * MS);
    struct itimerspec old;
    tfd_set(fd, 0, 0, 0, &old);
    printf("old setting: interval %lld ms\n", (long long)(its_ns(&old.it_interval) / MS));
    verdict("old setting: remaining within (0, 20 ms]", its_ns(&old.it_value) > 0 && its_ns(&old.it_value) <= 20 * MS);
    close(fd);

    /* Realtime, absolute, 200 ms ahead: not readable before, readable after. */
    fd = (int)syscall(SYS_timerfd_create, CLOCK_REALTIME, TFD_NONBLOCK);
    int64_t at = now_ns(CLOCK_REALTIME) + ONESHOT_NS;
    tfd_set(fd, TFD_TIMER_ABSTIME, at, 0, NULL);
    struct pollfd p = { fd, POLLIN, 0 };
    int ready = poll(&p, 1, 0);
    printf("realtime absolute, at once: %d\n", ready);
    ready = poll(&p, 1, 5000);
    verdict("realtime absolute: poll woke at the expiry, not before",
            ready == 1 && now_ns(CLOCK_REALTIME) >= at);
    n = tfd_read(fd, &r);
    printf("realtime absolute read: %ld bytes, %llu expiration\n", r, (unsigned long long)n);
    close(fd);
}

static void timerfd_errors(void)
{
    errno = 0;
    result("timerfd_create bad clock", syscall(SYS_timerfd_create, CLOCK_PROCESS_CPUTIME_ID, 0));
    errno = 0;
    result("timerfd_create bad flags", syscall(SYS_timerfd_create, CLOCK_MONOTONIC, 4));
    errno = 0;
    long b = syscall(SYS_timerfd_create, CLOCK_BOOTTIME, 0);
    result("timerfd_create CLOCK_BOOTTIME", b >= 0 ? 0 : b);
    int fd = (int)syscall(SYS_timerfd_create, CLOCK_MONOTONIC, TFD_NONBLOCK);
    result("settime bad flags", tfd_set(fd, 8, 10 * MS, 0, NULL));
    struct itimerspec bad = { { 0, 0 }, { 0, 1000000000 } };
    errno = 0;
    result("settime bad nsec", syscall(SYS_timerfd_settime, fd, 0, &bad, NULL));
    struct itimerspec neg = { { -1, 0 }, { 1, 0 } };
    errno = 0;
    result("settime negative interval", syscall(SYS_timerfd_settime, fd, 0, &neg, NULL));
    errno = 0;
    result("settime bad pointer", syscall(SYS_timerfd_settime, fd, 0, (void *)8, NULL));
    int p[2];
    pipe(p);
    result("settime on a pipe", tfd_set(p[0], 0, 10 * MS, 0, NULL));
    result("settime on a closed fd", tfd_set(900, 0, 10 * MS, 0, NULL));
    struct itimerspec cur;
    errno = 0;
    result("gettime on a pipe", syscall(SYS_timerfd_gettime, p[0], &cur));
    errno = 0;
    result("gettime bad pointer", syscall(SYS_timerfd_gettime, fd, (void *)8));
    char small[4];
    errno = 0;
    result("read 4 bytes", read(fd, small, sizeof(small)));
    uint64_t v = 1;
    errno = 0;
    result("write", write(fd, &v, sizeof(v)));
    close(p[0]);
    close(p[1]);
    close(fd);
    if (b >= 0)
        close((int)b);
}

static const char *name_of(uint64_t data)
{
    return data == 1 ? "eventfd" : data == 2 ? "timerfd" : data == 3 ? "pipe" : "?";
}

/* Waits up to 2 s for events; prints them sorted by name. */
static void wait_all(const char *what, int ep, int ms)
{
    struct epoll_event evs[4];
    long n = syscall(SYS_epoll_wait, ep, evs, 4, ms);
    int seen[4] = { 0 };
    for (long i = 0; i < n; i++)
        if (evs[i].data.u64 < 4)
            seen[evs[i].data.u64] = (int)evs[i].events;
    printf("%s: %ld", what, n);
    for (int d = 1; d < 4; d++)
        if (seen[d])
            printf(" %s=%#x", name_of((uint64_t)d), seen[d]);
    printf("\n");
}

static void epoll_mix(void)
{
    int ev = (int)efd(0, EFD_NONBLOCK);
    int tf = (int)syscall(SYS_timerfd_create, CLOCK_MONOTONIC, TFD_NONBLOCK);
    int p[2];
    pipe2(p, O_NONBLOCK);
    int ep = (int)syscall(SYS_epoll_create1, 0);
    struct epoll_event e1 = { EPOLLIN, { .u64 = 1 } }, e2 = { EPOLLIN | EPOLLET, { .u64 = 2 } },
                       e3 = { EPOLLIN, { .u64 = 3 } };
    syscall(SYS_epoll_ctl, ep, EPOLL_CTL_ADD, ev, &e1);
    syscall(SYS_epoll_ctl, ep, EPOLL_CTL_ADD, tf, &e2);
    syscall(SYS_epoll_ctl, ep, EPOLL_CTL_ADD, p[0], &e3);
    wait_all("nothing ready", ep, 0);
    int64_t t0 = now_ns(CLOCK_MONOTONIC);
    tfd_set(tf, 0, 30 * MS, 0, NULL);
    wait_all("the timer, waited for", ep, 2000);
    verdict("the wait lasted until the timer's expiry", now_ns(CLOCK_MONOTONIC) - t0 >= 30 * MS);
    wait_all("edge-triggered timer not read: not again", ep, 0);
    uint64_t one = 1;
    write(ev, &one, sizeof(one));
    write(p[1], "x", 1);
    wait_all("eventfd and pipe written", ep, 0);
    long r;
    tfd_read(tf, &r);
    uint64_t got;
    read(ev, &got, sizeof(got));
    char c;
    read(p[0], &c, 1);
    wait_all("all read", ep, 0);
    tfd_set(tf, 0, 10 * MS, 10 * MS, NULL);
    wait_all("interval timer", ep, 2000);
    /* Linux's interval timerfd stops firing until it is read. */
    wait_all("interval timer, edge-triggered, unread: 100 ms, no news", ep, 100);
    tfd_read(tf, &r);
    wait_all("interval timer read: its next expiry is news", ep, 2000);
    close(ep);
    close(ev);
    close(tf);
    close(p[0]);
    close(p[1]);
}

int main(void)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    eventfd_checks();
    timerfd_oneshot();
    timerfd_interval();
    timerfd_errors();
    epoll_mix();
    printf(failed ? "eventfd_timerfd FAILED\n" : "eventfd_timerfd ok\n");
    return failed;
}
