/* CPU-time accounting: the CPU-time clocks, getrusage, times(), clock(),
 * ITIMER_VIRTUAL/ITIMER_PROF and a POSIX timer on a CPU-time clock count
 * the time the program runs, not the time it sleeps.  Every line is
 * "what 1" when the relation holds (0 otherwise) so that the output is the
 * same on Linux and under cloak; the figures go to stderr.  With "smp":
 * two threads spinning together use twice the wall time (needs 2 CPUs).
 * Tolerances are wide: the guest may run under TCG on a busy host. */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <sys/times.h>

static double clock_s(clockid_t id)
{
    struct timespec ts;
    if (clock_gettime(id, &ts) != 0)
        return -1;
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

static double wall(void) { return clock_s(CLOCK_MONOTONIC); }

static void spin(double secs)
{
    double end = wall() + secs;
    volatile unsigned long n = 0;
    while (wall() < end)
        for (int i = 0; i < 1000; i++)
            n++;
}

/* Spins without a system call until *flag is set or secs pass. */
static volatile sig_atomic_t hits;

static void spin_until_hit(double secs)
{
    double end = wall() + secs;
    volatile unsigned long n = 0;
    while (!hits && wall() < end)
        for (int i = 0; i < 100000 && !hits; i++)
            n++;
}

static void nap(int ms)
{
    struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
        ;
}

static double tv(struct timeval t) { return t.tv_sec + t.tv_usec / 1e6; }

static double rusage_s(int who)
{
    struct rusage ru;
    if (getrusage(who, &ru) != 0)
        return -1;
    return tv(ru.ru_utime) + tv(ru.ru_stime);
}

static double user_s(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return tv(ru.ru_utime);
}

static void sleeping_and_spinning(void)
{
    double w0 = wall(), p0 = clock_s(CLOCK_PROCESS_CPUTIME_ID), t0 = clock_s(CLOCK_THREAD_CPUTIME_ID);
    double r0 = rusage_s(RUSAGE_SELF), rt0 = rusage_s(RUSAGE_THREAD);
    clock_t c0 = clock();
    nap(200);
    double w1 = wall(), p1 = clock_s(CLOCK_PROCESS_CPUTIME_ID), t1 = clock_s(CLOCK_THREAD_CPUTIME_ID);
    double r1 = rusage_s(RUSAGE_SELF), rt1 = rusage_s(RUSAGE_THREAD);
    clock_t c1 = clock();
    double ws = w1 - w0;
    fprintf(stderr, "sleep: wall %.3f process %.3f thread %.3f rusage %.3f thread rusage %.3f clock %.3f\n", ws,
            p1 - p0, t1 - t0, r1 - r0, rt1 - rt0, (double)(c1 - c0) / CLOCKS_PER_SEC);
    printf("sleep: wall clock advanced 200 ms %d\n", ws >= 0.19);
    printf("sleep: process CPU time under half the wall time %d\n", p1 >= p0 && p1 - p0 < 0.5 * ws);
    printf("sleep: thread CPU time under half the wall time %d\n", t1 >= t0 && t1 - t0 < 0.5 * ws);
    printf("sleep: getrusage(RUSAGE_SELF) under half %d\n", r1 >= r0 && r1 - r0 < 0.5 * ws);
    printf("sleep: getrusage(RUSAGE_THREAD) under half %d\n", rt1 >= rt0 && rt1 - rt0 < 0.5 * ws);
    printf("sleep: clock() under half %d\n", (double)(c1 - c0) / CLOCKS_PER_SEC < 0.5 * ws);

    struct tms m0, m1;
    times(&m0);
    w0 = wall(), p0 = clock_s(CLOCK_PROCESS_CPUTIME_ID), t0 = clock_s(CLOCK_THREAD_CPUTIME_ID);
    r0 = rusage_s(RUSAGE_SELF), rt0 = rusage_s(RUSAGE_THREAD);
    double u0 = user_s();
    spin(0.1);
    double u1 = user_s();
    w1 = wall(), p1 = clock_s(CLOCK_PROCESS_CPUTIME_ID), t1 = clock_s(CLOCK_THREAD_CPUTIME_ID);
    r1 = rusage_s(RUSAGE_SELF), rt1 = rusage_s(RUSAGE_THREAD);
    times(&m1);
    ws = w1 - w0;
    double ticks = (double)(m1.tms_utime + m1.tms_stime - m0.tms_utime - m0.tms_stime) / sysconf(_SC_CLK_TCK);
    fprintf(stderr, "spin: wall %.3f process %.3f thread %.3f rusage %.3f thread rusage %.3f times %.3f\n", ws,
            p1 - p0, t1 - t0, r1 - r0, rt1 - rt0, ticks);
    printf("spin: process CPU time at least half the wall time %d\n", p1 - p0 >= 0.5 * ws && p1 - p0 <= ws + 0.05);
    printf("spin: thread CPU time at least half the wall time %d\n", t1 - t0 >= 0.5 * ws && t1 - t0 <= ws + 0.05);
    printf("spin: getrusage(RUSAGE_SELF) at least half %d\n", r1 - r0 >= 0.5 * ws);
    printf("spin: getrusage(RUSAGE_THREAD) at least half %d\n", rt1 - rt0 >= 0.5 * ws);
    printf("spin: times() at least half %d\n", ticks >= 0.5 * ws - 0.02);
    printf("spin: counted as user time (ru_utime at least half) %d\n", u1 - u0 >= 0.5 * ws);
    struct rusage ru;
    printf("getrusage(RUSAGE_CHILDREN): zero %d\n", getrusage(RUSAGE_CHILDREN, &ru) == 0 &&
           tv(ru.ru_utime) == 0 && tv(ru.ru_stime) == 0);
    errno = 0;
    printf("getrusage(99): EINVAL %d\n", getrusage(99, &ru) == -1 && errno == EINVAL);
    struct timespec res;
    printf("clock_getres(CLOCK_PROCESS_CPUTIME_ID): 1 ns %d\n",
           clock_getres(CLOCK_PROCESS_CPUTIME_ID, &res) == 0 && res.tv_sec == 0 && res.tv_nsec == 1);
    printf("clock_getres(CLOCK_THREAD_CPUTIME_ID): 1 ns %d\n",
           clock_getres(CLOCK_THREAD_CPUTIME_ID, &res) == 0 && res.tv_sec == 0 && res.tv_nsec == 1);
    /* The PROF kind of the process clock (pid 0): a tick, 1/HZ. */
    printf("clock_getres(a PROF CPU clock): a tick of 1 to 10 ms %d\n",
           clock_getres((clockid_t)((~0u) << 3), &res) == 0 && res.tv_sec == 0 && res.tv_nsec >= 1000000 &&
           res.tv_nsec <= 10000000);
}

static void on_signal(int sig)
{
    (void)sig;
    hits++;
}

/* An interval timer (or POSIX timer) of 50 ms: not due while sleeping
 * 300 ms, due after some computing. */
static void itimer(int which, int sig, const char *name)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_signal;
    sigaction(sig, &sa, 0);
    hits = 0;
    struct itimerval it = { { 0, 0 }, { 0, 50000 } }, cur;
    setitimer(which, &it, 0);
    nap(300);
    int during_sleep = hits;
    getitimer(which, &cur);
    double left = tv(cur.it_value);
    printf("%s: no signal during a 300 ms sleep %d\n", name, during_sleep == 0);
    printf("%s: time left still above 25 ms after the sleep %d\n", name, left > 0.025);
    double w0 = wall();
    spin_until_hit(3);
    double ws = wall() - w0;
    fprintf(stderr, "%s: left after sleep %.3f, signal after %.3f s of spinning\n", name, left, ws);
    printf("%s: signal while computing %d\n", name, hits == 1);
    printf("%s: not before 25 ms of computing %d\n", name, ws >= 0.025);
}

static void posix_cpu_timer(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_signal;
    sigaction(SIGUSR1, &sa, 0);
    struct sigevent ev;
    memset(&ev, 0, sizeof(ev));
    ev.sigev_notify = SIGEV_SIGNAL;
    ev.sigev_signo = SIGUSR1;
    timer_t id;
    if (timer_create(CLOCK_PROCESS_CPUTIME_ID, &ev, &id) != 0) {
        printf("timer_create(CLOCK_PROCESS_CPUTIME_ID): failed errno %d\n", errno);
        return;
    }
    hits = 0;
    struct itimerspec its = { { 0, 0 }, { 0, 50000000 } };
    timer_settime(id, 0, &its, 0);
    nap(300);
    printf("timer on CLOCK_PROCESS_CPUTIME_ID: no signal during a 300 ms sleep %d\n", hits == 0);
    double w0 = wall();
    spin_until_hit(3);
    double ws = wall() - w0;
    fprintf(stderr, "posix timer: signal after %.3f s of spinning\n", ws);
    printf("timer on CLOCK_PROCESS_CPUTIME_ID: signal while computing %d\n", hits == 1);
    printf("timer on CLOCK_PROCESS_CPUTIME_ID: not before 25 ms of computing %d\n", ws >= 0.025);
    timer_delete(id);
}

/* Another thread's clock (pthread_getcpuclockid): it spins 150 ms while
 * the main thread sleeps; after it exits, the process clock keeps its time. */
static void *spinner(void *arg)
{
    spin(*(double *)arg);
    return 0;
}

static pthread_barrier_t spun;

static void *spin_then_wait(void *arg)
{
    spin(*(double *)arg);
    pthread_barrier_wait(&spun);
    pthread_barrier_wait(&spun);       /* stays alive while main reads its clock */
    return 0;
}

static void other_thread(void)
{
    double secs = 0.15;
    pthread_t t;
    pthread_barrier_init(&spun, 0, 2);
    double p0 = clock_s(CLOCK_PROCESS_CPUTIME_ID), m0 = clock_s(CLOCK_THREAD_CPUTIME_ID);
    pthread_create(&t, 0, spin_then_wait, &secs);
    pthread_barrier_wait(&spun);
    clockid_t cid;
    int rc = pthread_getcpuclockid(t, &cid);
    double other = rc == 0 ? clock_s(cid) : -1, mine = clock_s(CLOCK_THREAD_CPUTIME_ID) - m0;
    fprintf(stderr, "other thread: its clock %.3f, main's %.3f\n", other, mine);
    printf("pthread_getcpuclockid: the spinning thread's clock shows its spin %d\n", other >= 0.5 * secs);
    printf("pthread_getcpuclockid: the waiting main thread used less %d\n", mine < other);
    pthread_barrier_wait(&spun);
    pthread_join(t, 0);
    double p1 = clock_s(CLOCK_PROCESS_CPUTIME_ID);
    printf("process clock keeps an exited thread's time %d\n", p1 - p0 >= other);
    clockid_t pc;
    printf("clock_getcpuclockid(0): readable %d\n", clock_getcpuclockid(0, &pc) == 0 && clock_s(pc) >= p1);
    printf("clock_getcpuclockid(getpid()): readable %d\n",
           clock_getcpuclockid(getpid(), &pc) == 0 && clock_s(pc) >= p1);
    /* A thread clock of a tid that does not exist: EINVAL. */
    clockid_t bogus = (clockid_t)((~0x3ffffff0u) << 3) | 6;
    struct timespec ts;
    errno = 0;
    printf("a thread clock of no thread: EINVAL %d\n", clock_gettime(bogus, &ts) == -1 && errno == EINVAL);
    /* Kind 3 does not exist. */
    errno = 0;
    printf("a CPU clock of kind 3: EINVAL %d\n", clock_gettime((clockid_t)((~0u) << 3) | 3, &ts) == -1 && errno == EINVAL);
}

static void two_spinners(void)
{
    double secs = 0.3;
    pthread_t a, b;
    double w0 = wall(), p0 = clock_s(CLOCK_PROCESS_CPUTIME_ID);
    pthread_create(&a, 0, spinner, &secs);
    pthread_create(&b, 0, spinner, &secs);
    pthread_join(a, 0);
    pthread_join(b, 0);
    double ws = wall() - w0, cpu = clock_s(CLOCK_PROCESS_CPUTIME_ID) - p0;
    fprintf(stderr, "two spinners: wall %.3f process CPU %.3f (%.2fx)\n", ws, cpu, cpu / ws);
    printf("two threads spinning on two CPUs: process CPU time 1.5x to 2.2x the wall time %d\n",
           cpu >= 1.5 * ws && cpu <= 2.2 * ws);
}

int main(int argc, char **argv)
{
    setvbuf(stdout, 0, _IOLBF, 0);
    if (argc > 1 && !strcmp(argv[1], "smp")) {
        two_spinners();
        return 0;
    }
    sleeping_and_spinning();
    itimer(ITIMER_VIRTUAL, SIGVTALRM, "ITIMER_VIRTUAL");
    itimer(ITIMER_PROF, SIGPROF, "ITIMER_PROF");
    posix_cpu_timer();
    other_thread();
    printf("cputime done\n");
    return 0;
}
