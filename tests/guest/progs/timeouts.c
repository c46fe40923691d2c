/* Timeouts of futex, ppoll, poll, nanosleep and clock_nanosleep with huge and
 * invalid timespecs.
 *
 *   timeouts             checks whose result shows at once, one line each;
 *                        the output is the same on Linux (timeouts.test
 *                        compares the two)
 *   timeouts block KIND  prints "blocking KIND", then makes one call with a
 *                        huge timeout that must not return (the test kills
 *                        the VM after a while); if it returns, says so and
 *                        exits 1
 *
 * All calls are raw system calls, so both C libraries test the kernel alike. */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

/* linux/futex.h (not in musl's headers) */
#define FUTEX_WAIT 0
#define FUTEX_WAIT_BITSET 9
#define FUTEX_CLOCK_REALTIME 256
#define FUTEX_BITSET_MATCH_ANY 0xffffffffu

#define MAX_SEC LLONG_MAX
#define MAX_NSEC 999999999L
/* 2^64 ns is 18446744073.709551616 s: one second more, multiplied by 1e9
 * without a check, wraps to 0.29 s. */
#define WRAP_SEC 18446744074LL
#define AT_ONCE_MS 1000            /* "at once", generously for emulation */

static int failed;

static int64_t now_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (int64_t)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

static const char *err_name(int e)
{
    switch (e) {
    case EINVAL: return "EINVAL";
    case EAGAIN: return "EAGAIN";
    case ETIMEDOUT: return "ETIMEDOUT";
    case EFAULT: return "EFAULT";
    case ENOSYS: return "ENOSYS";
    case EINTR: return "EINTR";
    default: return "other";
    }
}

/* One line: the call's result and whether it came at once / after at
 * least min_ms (min_ms < 0: at once expected). */
static void report(const char *what, long r, int e, int64_t ms, int64_t min_ms)
{
    char res[64];
    if (r < 0)
        snprintf(res, sizeof(res), "-1 %s", err_name(e));
    else
        snprintf(res, sizeof(res), "%ld", r);
    const char *when;
    if (min_ms < 0)
        when = ms < AT_ONCE_MS ? "at once" : "SLOW";
    else
        when = ms >= min_ms ? "not early" : "EARLY";
    if (when[0] == 'S' || when[0] == 'E') {
        failed = 1;
        fprintf(stderr, "%s: took %lld ms\n", what, (long long)ms);
    }
    printf("%s: %s, %s\n", what, res, when);
}

static long futex_wait(uint32_t *word, uint32_t val, int op, const struct timespec *ts)
{
    return syscall(SYS_futex, word, op, val, ts, NULL, FUTEX_BITSET_MATCH_ANY);
}

#define CHECK(what, call, min_ms) do {                 \
        int64_t t0_ = now_ms();                        \
        errno = 0;                                     \
        long r_ = (call);                              \
        int e_ = errno;                                \
        report(what, r_, e_, now_ms() - t0_, min_ms);  \
    } while (0)

static void futex_checks(void)
{
    uint32_t word = 7;
    struct timespec max = { MAX_SEC, MAX_NSEC }, wrap = { WRAP_SEC, 0 };
    struct timespec short20 = { 0, 20000000 }, past = { 1, 0 };
    struct timespec bad[] = { { 0, -1 }, { 0, 1000000000 }, { -1, 0 }, { MAX_SEC, 1000000000 } };
    CHECK("futex wait, largest timeout, value differs", futex_wait(&word, 8, FUTEX_WAIT, &max), -1);
    CHECK("futex wait, wrapping timeout, value differs", futex_wait(&word, 8, FUTEX_WAIT, &wrap), -1);
    CHECK("futex wait bitset, largest absolute timeout, value differs",
          futex_wait(&word, 8, FUTEX_WAIT_BITSET, &max), -1);
    for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        char what[128];
        snprintf(what, sizeof(what), "futex wait, timeout {%lld, %ld}, value matches",
                 (long long)bad[i].tv_sec, bad[i].tv_nsec);
        CHECK(what, futex_wait(&word, 7, FUTEX_WAIT, &bad[i]), -1);
        snprintf(what, sizeof(what), "futex wait, timeout {%lld, %ld}, value differs",
                 (long long)bad[i].tv_sec, bad[i].tv_nsec);
        CHECK(what, futex_wait(&word, 8, FUTEX_WAIT, &bad[i]), -1);
    }
    CHECK("futex wait, 20 ms", futex_wait(&word, 7, FUTEX_WAIT, &short20), 20);
    CHECK("futex wait bitset monotonic, absolute time passed",
          futex_wait(&word, 7, FUTEX_WAIT_BITSET, &past), -1);
    CHECK("futex wait bitset realtime, absolute time passed",
          futex_wait(&word, 7, FUTEX_WAIT_BITSET | FUTEX_CLOCK_REALTIME, &past), -1);
}

static void poll_checks(void)
{
    int full[2], empty[2];
    if (pipe(full) || pipe(empty) || write(full[1], "x", 1) != 1) {
        printf("pipe: %s\n", strerror(errno));
        failed = 1;
        return;
    }
    struct pollfd pf = { full[0], POLLIN, 0 }, pe = { empty[0], POLLIN, 0 };
    struct timespec max = { MAX_SEC, MAX_NSEC }, wrap = { WRAP_SEC, 0 };
    struct timespec short20 = { 0, 20000000 };
    struct timespec bad[] = { { 0, -1 }, { 0, 1000000000 }, { -1, 0 }, { MAX_SEC, 1000000000 } };
    CHECK("ppoll, largest timeout, pipe has data", syscall(SYS_ppoll, &pf, 1, &max, NULL, 8), -1);
    printf("ppoll revents: %#x\n", pf.revents);
    CHECK("ppoll, wrapping timeout, pipe has data", syscall(SYS_ppoll, &pf, 1, &wrap, NULL, 8), -1);
    CHECK("poll, no timeout (-1), pipe has data", syscall(SYS_poll, &pf, 1, -1), -1);
    CHECK("poll, INT_MIN timeout, pipe has data", syscall(SYS_poll, &pf, 1, INT_MIN), -1);
    for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        char what[128];
        snprintf(what, sizeof(what), "ppoll, timeout {%lld, %ld}",
                 (long long)bad[i].tv_sec, bad[i].tv_nsec);
        CHECK(what, syscall(SYS_ppoll, &pe, 1, &bad[i], NULL, 8), -1);
    }
    CHECK("ppoll, 20 ms, empty pipe", syscall(SYS_ppoll, &pe, 1, &short20, NULL, 8), 20);
    CHECK("poll, 20 ms, empty pipe", syscall(SYS_poll, &pe, 1, 20), 20);
}

static void sleep_checks(void)
{
    struct timespec short20 = { 0, 20000000 }, zero = { 0, 0 }, past = { 1, 0 };
    struct timespec bad[] = { { 0, -1 }, { 0, 1000000000 }, { -1, 0 }, { MAX_SEC, 1000000000 },
                              { -1, MAX_NSEC } };
    for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        char what[128];
        snprintf(what, sizeof(what), "nanosleep {%lld, %ld}", (long long)bad[i].tv_sec, bad[i].tv_nsec);
        CHECK(what, syscall(SYS_nanosleep, &bad[i], NULL), -1);
        snprintf(what, sizeof(what), "clock_nanosleep monotonic {%lld, %ld}",
                 (long long)bad[i].tv_sec, bad[i].tv_nsec);
        CHECK(what, syscall(SYS_clock_nanosleep, CLOCK_MONOTONIC, 0, &bad[i], NULL), -1);
        snprintf(what, sizeof(what), "clock_nanosleep absolute {%lld, %ld}",
                 (long long)bad[i].tv_sec, bad[i].tv_nsec);
        CHECK(what, syscall(SYS_clock_nanosleep, CLOCK_REALTIME, TIMER_ABSTIME, &bad[i], NULL), -1);
    }
    CHECK("nanosleep 0", syscall(SYS_nanosleep, &zero, NULL), -1);
    CHECK("nanosleep 20 ms", syscall(SYS_nanosleep, &short20, NULL), 20);
    CHECK("clock_nanosleep monotonic 20 ms", syscall(SYS_clock_nanosleep, CLOCK_MONOTONIC, 0, &short20, NULL), 20);
    CHECK("clock_nanosleep monotonic, absolute time passed",
          syscall(SYS_clock_nanosleep, CLOCK_MONOTONIC, TIMER_ABSTIME, &past, NULL), -1);
    CHECK("clock_nanosleep realtime, absolute time passed",
          syscall(SYS_clock_nanosleep, CLOCK_REALTIME, TIMER_ABSTIME, &past, NULL), -1);
    /* The deadline and the measurement start from one reading, on a whole
     * millisecond: now_ms() truncates, so a deadline taken from a separate
     * reading could measure 19 ms without being early. */
    int64_t base = now_ms();
    struct timespec soon = { (base + 20) / 1000, (base + 20) % 1000 * 1000000 };
    errno = 0;
    long r = syscall(SYS_clock_nanosleep, CLOCK_MONOTONIC, TIMER_ABSTIME, &soon, NULL);
    int e = errno;
    report("clock_nanosleep monotonic, absolute 20 ms ahead", r, e, now_ms() - base, 20);
}

/* One call with a huge timeout that must not return. */
static int block(const char *kind)
{
    struct timespec max = { MAX_SEC, MAX_NSEC }, wrap = { WRAP_SEC, 0 };
    uint32_t word = 7;
    int p[2];
    if (pipe(p))
        return 2;
    struct pollfd pe = { p[0], POLLIN, 0 };
    long r;
    char line[128];
    int n = snprintf(line, sizeof(line), "blocking %s\n", kind);
    if (write(1, line, (size_t)n) != n)
        return 2;
    int64_t t0 = now_ms();
    errno = 0;
    if (!strcmp(kind, "nanosleep-max"))
        r = syscall(SYS_nanosleep, &max, NULL);
    else if (!strcmp(kind, "nanosleep-wrap"))
        r = syscall(SYS_nanosleep, &wrap, NULL);
    else if (!strcmp(kind, "clock_nanosleep-max"))
        r = syscall(SYS_clock_nanosleep, CLOCK_MONOTONIC, 0, &max, NULL);
    else if (!strcmp(kind, "clock_nanosleep-abs-max"))
        r = syscall(SYS_clock_nanosleep, CLOCK_REALTIME, TIMER_ABSTIME, &max, NULL);
    else if (!strcmp(kind, "futex-max"))
        r = futex_wait(&word, 7, FUTEX_WAIT, &max);
    else if (!strcmp(kind, "futex-wrap"))
        r = futex_wait(&word, 7, FUTEX_WAIT, &wrap);
    else if (!strcmp(kind, "futex-abs-max"))
        r = futex_wait(&word, 7, FUTEX_WAIT_BITSET, &max);
    else if (!strcmp(kind, "futex-abs-realtime-max"))
        r = futex_wait(&word, 7, FUTEX_WAIT_BITSET | FUTEX_CLOCK_REALTIME, &max);
    else if (!strcmp(kind, "ppoll-max"))
        r = syscall(SYS_ppoll, &pe, 1, &max, NULL, 8);
    else if (!strcmp(kind, "ppoll-wrap"))
        r = syscall(SYS_ppoll, &pe, 1, &wrap, NULL, 8);
    else {
        fprintf(stderr, "unknown kind %s\n", kind);
        return 2;
    }
    int e = errno;
    printf("%s returned %ld (%s) after %lld ms\n", kind, r, r < 0 ? err_name(e) : "no error",
           (long long)(now_ms() - t0));
    return 1;
}

int main(int argc, char **argv)
{
    if (argc == 3 && !strcmp(argv[1], "block"))
        return block(argv[2]);
    futex_checks();
    poll_checks();
    sleep_checks();
    printf(failed ? "timeouts FAILED\n" : "timeouts ok\n");
    return failed;
}
