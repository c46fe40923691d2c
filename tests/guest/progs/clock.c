/* Guest test: clocks and sleeping.
 *   - CLOCK_MONOTONIC advances between reads;
 *   - nanosleep(100 ms) lasts at least 100 ms by CLOCK_MONOTONIC,
 *     CLOCK_REALTIME and gettimeofday, and less than 5 s (TCG is slow);
 *   - clock_nanosleep(CLOCK_MONOTONIC, relative 50 ms) likewise;
 *   - CLOCK_REALTIME is after 2020-01-01; time() agrees with gettimeofday.
 * Prints one "clock ... ok" line per check and "clock ok" at the end;
 * "FAIL: ..." and status 1 otherwise.
 *
 * `clock rate`: prints "rate-start NS", sleeps 2 s, prints "rate-end NS"
 * (CLOCK_MONOTONIC), each line flushed as it is written: the test times
 * their arrival on the host, to see that the guest's clock runs at the
 * host's rate (a miscalibrated clock is fast or slow by a factor). */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>

#define NS 1000000000LL
#define MS 1000000LL

static int failures;

static int64_t now(clockid_t c)
{
    struct timespec ts;

    if (clock_gettime(c, &ts) != 0) {
        printf("FAIL: clock_gettime(%d): %s\n", (int)c, strerror(errno));
        failures++;
        return 0;
    }
    if (ts.tv_nsec < 0 || ts.tv_nsec >= NS) {
        printf("FAIL: clock_gettime(%d) tv_nsec out of range: %ld\n", (int)c,
               (long)ts.tv_nsec);
        failures++;
    }
    return ts.tv_sec * NS + ts.tv_nsec;
}

static int64_t tod(void)
{
    struct timeval tv;

    if (gettimeofday(&tv, NULL) != 0) {
        printf("FAIL: gettimeofday: %s\n", strerror(errno));
        failures++;
        return 0;
    }
    if (tv.tv_usec < 0 || tv.tv_usec >= 1000000) {
        printf("FAIL: gettimeofday tv_usec out of range: %ld\n",
               (long)tv.tv_usec);
        failures++;
    }
    return tv.tv_sec * NS + tv.tv_usec * 1000LL;
}

static void check_span(const char *what, const char *clock, int64_t d,
                       int64_t want)
{
    if (d < want)
        printf("FAIL: %s lasted %lld ns by %s, less than %lld ns\n", what,
               (long long)d, clock, (long long)want), failures++;
    else if (d >= 5 * NS)
        printf("FAIL: %s lasted %lld ns by %s, 5 s or more\n", what,
               (long long)d, clock), failures++;
}

static int rate(void)
{
    struct timespec two = { 2, 0 };

    printf("rate-start %lld\n", (long long)now(CLOCK_MONOTONIC));
    fflush(stdout);
    nanosleep(&two, NULL);
    printf("rate-end %lld\n", (long long)now(CLOCK_MONOTONIC));
    fflush(stdout);
    return failures != 0;
}

int main(int argc, char **argv)
{
    int64_t m0, m1, r0, r1, g0, g1;
    struct timespec req;
    long i;
    int before, rc;

    if (argc == 2 && strcmp(argv[1], "rate") == 0)
        return rate();

    /* Monotonic advances. */
    m0 = now(CLOCK_MONOTONIC);
    for (i = 0, m1 = m0; i < 100000000L && m1 == m0; i++)
        m1 = now(CLOCK_MONOTONIC);
    if (m1 <= m0)
        printf("FAIL: CLOCK_MONOTONIC did not advance (%lld then %lld)\n",
               (long long)m0, (long long)m1), failures++;
    else
        printf("clock monotonic-advances ok\n");

    /* nanosleep(100 ms). */
    before = failures;
    req.tv_sec = 0;
    req.tv_nsec = 100 * MS;
    m0 = now(CLOCK_MONOTONIC);
    r0 = now(CLOCK_REALTIME);
    g0 = tod();
    rc = nanosleep(&req, NULL);
    m1 = now(CLOCK_MONOTONIC);
    r1 = now(CLOCK_REALTIME);
    g1 = tod();
    if (rc != 0)
        printf("FAIL: nanosleep: %s\n", strerror(errno)), failures++;
    check_span("nanosleep(100 ms)", "CLOCK_MONOTONIC", m1 - m0, 100 * MS);
    check_span("nanosleep(100 ms)", "CLOCK_REALTIME", r1 - r0, 100 * MS);
    check_span("nanosleep(100 ms)", "gettimeofday", g1 - g0, 100 * MS);
    if (failures == before)
        printf("clock nanosleep ok\n");

    /* clock_nanosleep, relative, on the monotonic clock. */
    before = failures;
    req.tv_sec = 0;
    req.tv_nsec = 50 * MS;
    m0 = now(CLOCK_MONOTONIC);
    rc = clock_nanosleep(CLOCK_MONOTONIC, 0, &req, NULL);
    m1 = now(CLOCK_MONOTONIC);
    if (rc != 0)
        printf("FAIL: clock_nanosleep: %s\n", strerror(rc)), failures++;
    check_span("clock_nanosleep(50 ms)", "CLOCK_MONOTONIC", m1 - m0, 50 * MS);
    if (failures == before)
        printf("clock clock_nanosleep ok\n");

    /* Wall clock is set (2020-01-01T00:00:00Z = 1577836800). */
    before = failures;
    r0 = now(CLOCK_REALTIME);
    if (r0 / NS < 1577836800LL)
        printf("FAIL: CLOCK_REALTIME is %lld s, before 2020-01-01\n",
               (long long)(r0 / NS)), failures++;
    {
        time_t t = time(NULL);
        int64_t g = tod() / NS;

        if (t < g - 2 || t > g + 2)
            printf("FAIL: time() is %lld, gettimeofday says %lld\n",
                   (long long)t, (long long)g), failures++;
    }
    if (failures == before)
        printf("clock realtime ok\n");

    if (failures) {
        printf("FAIL: %d clock check(s) failed\n", failures);
        return 1;
    }
    printf("clock ok\n");
    return 0;
}
