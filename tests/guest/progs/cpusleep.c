/* clock_nanosleep on CPU-time clocks, as on Linux: sleeping until the
 * program's CPU time (or another thread's) reaches a value, relative and
 * TIMER_ABSTIME, while another thread spins; the caller's own thread clock
 * refused.  One line per relation, ending in 1 when it holds; figures on
 * stderr.  cpusleep.test compares the lines with this program's on the
 * host. */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#define MS 1000000LL

static volatile int stop;
static volatile unsigned long sink;

static void *spinner(void *arg)
{
    (void)arg;
    while (!stop)
        sink++;
    return NULL;
}

static long long ns_of(clockid_t c)
{
    struct timespec ts;
    clock_gettime(c, &ts);
    return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static struct timespec ts_of(long long ns)
{
    return (struct timespec){ ns / 1000000000, ns % 1000000000 };
}

static void say(const char *what, int holds)
{
    printf("%s %d\n", what, holds ? 1 : 0);
}

/* A relative sleep of ms on clock c: its result, and how far c and the
 * wall clock moved. */
static int rel(clockid_t c, long long ms, long long *moved, long long *wall)
{
    struct timespec t = ts_of(ms * MS);
    long long c0 = ns_of(c), w0 = ns_of(CLOCK_MONOTONIC);
    int r = clock_nanosleep(c, 0, &t, NULL);
    *moved = ns_of(c) - c0;
    *wall = ns_of(CLOCK_MONOTONIC) - w0;
    return r;
}

static void on_alarm(int sig) { (void)sig; }

int main(void)
{
    pthread_t th;
    clockid_t pc, tc, own;
    long long moved, wall;

    /* Before anything spins: the caller's own thread clock cannot advance
     * while it sleeps, Linux refuses it. */
    pthread_getcpuclockid(pthread_self(), &own);
    struct timespec tiny = { 0, 1000 };
    say("own thread's clock (pthread_getcpuclockid): EINVAL", clock_nanosleep(own, 0, &tiny, NULL) == EINVAL);
    say("CLOCK_THREAD_CPUTIME_ID: EINVAL from the C library",
        clock_nanosleep(CLOCK_THREAD_CPUTIME_ID, 0, &tiny, NULL) == EINVAL);
    long r = syscall(SYS_clock_nanosleep, CLOCK_THREAD_CPUTIME_ID, 0, &tiny, NULL);
    say("CLOCK_THREAD_CPUTIME_ID: EOPNOTSUPP from the kernel", r == -1 && errno == EOPNOTSUPP);
    struct timespec bad = { 0, 1000000000 };
    say("tv_nsec 1e9: EINVAL", clock_nanosleep(CLOCK_PROCESS_CPUTIME_ID, 0, &bad, NULL) == EINVAL);

    /* Interrupted by a handler with nobody spinning: EINTR, the CPU time
     * still to go in rem. */
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_alarm;
    sigaction(SIGALRM, &sa, NULL);
    struct itimerval it = { { 0, 0 }, { 0, 100000 } };
    setitimer(ITIMER_REAL, &it, NULL);
    struct timespec ten = { 10, 0 }, rem = { 0, 0 };
    long long w0 = ns_of(CLOCK_MONOTONIC);
    int er = clock_nanosleep(CLOCK_PROCESS_CPUTIME_ID, 0, &ten, &rem);
    wall = ns_of(CLOCK_MONOTONIC) - w0;
    fprintf(stderr, "interrupted after %lld ms, rem %ld.%09ld\n", wall / MS, (long)rem.tv_sec, rem.tv_nsec);
    say("10 s of process CPU time, a SIGALRM handler at 100 ms: EINTR, rem over 9.5 s",
        er == EINTR && rem.tv_sec * 1000000000LL + rem.tv_nsec > 9500 * MS && wall < 5000 * MS);

    pthread_create(&th, NULL, spinner, NULL);
    pthread_getcpuclockid(th, &tc);
    clock_getcpuclockid(0, &pc);

    int rr = rel(CLOCK_PROCESS_CPUTIME_ID, 200, &moved, &wall);
    fprintf(stderr, "process clock 200 ms: moved %lld ms in %lld ms\n", moved / MS, wall / MS);
    say("CLOCK_PROCESS_CPUTIME_ID, 200 ms while a thread spins: 0, the clock moved 200 ms to 400 ms",
        rr == 0 && moved >= 200 * MS && moved < 400 * MS);

    long long target = ns_of(CLOCK_PROCESS_CPUTIME_ID) + 150 * MS;
    struct timespec abs = ts_of(target);
    int ra = clock_nanosleep(CLOCK_PROCESS_CPUTIME_ID, TIMER_ABSTIME, &abs, NULL);
    long long after = ns_of(CLOCK_PROCESS_CPUTIME_ID);
    fprintf(stderr, "absolute: %lld ms past the target\n", (after - target) / MS);
    say("TIMER_ABSTIME 150 ms ahead: 0 once the process clock reached it (within 200 ms)",
        ra == 0 && after >= target && after - target < 200 * MS);

    struct timespec past = ts_of(ns_of(CLOCK_PROCESS_CPUTIME_ID) / 2);
    w0 = ns_of(CLOCK_MONOTONIC);
    ra = clock_nanosleep(CLOCK_PROCESS_CPUTIME_ID, TIMER_ABSTIME, &past, NULL);
    say("TIMER_ABSTIME in the past: 0 at once", ra == 0 && ns_of(CLOCK_MONOTONIC) - w0 < 100 * MS);

    rr = rel(pc, 100, &moved, &wall);
    say("clock_getcpuclockid(0)'s clock, 100 ms: 0, moved 100 ms to 300 ms",
        rr == 0 && moved >= 100 * MS && moved < 300 * MS);

    rr = rel(tc, 100, &moved, &wall);
    fprintf(stderr, "spinner's clock 100 ms: moved %lld ms in %lld ms\n", moved / MS, wall / MS);
    say("the spinning thread's clock, 100 ms: 0, moved 100 ms to 300 ms",
        rr == 0 && moved >= 100 * MS && moved < 300 * MS);

    stop = 1;
    pthread_join(th, NULL);
    printf("cpusleep done\n");
    return 0;
}
