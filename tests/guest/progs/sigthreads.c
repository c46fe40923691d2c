/* Signals with threads, interrupted calls and timers, as Linux has them.
 * Each check prints a line whose content does not depend on timing (only
 * on whether the kernel behaves as Linux does), so the output on this host
 * and under cloak must be the same.  Ends with "sigthreads ok".
 *
 * Covered: an alternate stack per thread; tgkill running the handler in
 * the thread it names; a signal for the process taken by the thread that
 * does not block it; a blocking pipe read interrupted by a signal from
 * another thread, with and without SA_RESTART, and by an interval timer;
 * nanosleep interrupted (EINTR, time left); futex waits interrupted
 * (untimed with SA_RESTART restarts, timed returns EINTR); poll, select and
 * epoll_wait return EINTR even with SA_RESTART; setitimer (one-shot and
 * periodic), getitimer, alarm; timer_create with SIGEV_SIGNAL (overruns),
 * SIGEV_THREAD_ID (that thread) and SIGEV_NONE; sigpending while blocked;
 * rt_sigtimedwait taking a queued signal with its value, and timing out;
 * sigsuspend woken by another thread. */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/select.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#define FUTEX_WAIT 0
#define FUTEX_WAKE 1

static int tid(void) { return (int)syscall(SYS_gettid); }
static int send_tgkill(int t, int sig) { return (int)syscall(SYS_tgkill, getpid(), t, sig); }

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static void msleep(int ms)
{
    struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000 };
    while (nanosleep(&ts, &ts) && errno == EINTR)
        ;
}

static volatile sig_atomic_t hits;
static volatile int handler_tid;
static volatile uintptr_t handler_sp;

static void on_signal(int sig)
{
    (void)sig;
    int local;
    hits++;
    handler_tid = tid();
    handler_sp = (uintptr_t)&local;
}

static void catch(int sig, int flags)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_signal;
    sa.sa_flags = flags;
    sigaction(sig, &sa, 0);
}

static void block(int sig, int how)
{
    sigset_t s;
    sigemptyset(&s);
    sigaddset(&s, sig);
    pthread_sigmask(how, &s, 0);
}

/* --- an alternate stack per thread --- */
static char stacks[2][65536];

static void *altstack_thread(void *arg)
{
    int i = (int)(intptr_t)arg;
    stack_t ss = { .ss_sp = stacks[i], .ss_size = sizeof(stacks[i]), .ss_flags = 0 };
    sigaltstack(&ss, 0);
    msleep(20 * i);                     /* one after the other */
    send_tgkill(tid(), SIGUSR1);
    uintptr_t lo = (uintptr_t)stacks[i], hi = lo + sizeof(stacks[i]);
    int own = handler_tid == tid() && handler_sp >= lo && handler_sp < hi;
    printf("altstack %d: handler on this thread's own alternate stack %d\n", i, own);
    return 0;
}

static void test_altstack_per_thread(void)
{
    catch(SIGUSR1, SA_ONSTACK);
    pthread_t t[2];
    for (int i = 0; i < 2; i++)
        pthread_create(&t[i], 0, altstack_thread, (void *)(intptr_t)i);
    for (int i = 0; i < 2; i++)
        pthread_join(t[i], 0);
    stack_t cur;
    sigaltstack(0, &cur);
    printf("altstack: main thread has none %d\n", (cur.ss_flags & SS_DISABLE) != 0);
}

/* --- tgkill to another thread; a process signal to the thread that takes it --- */
static volatile int waiter_tid, waiter_stop;

static void *pausing_thread(void *arg)
{
    (void)arg;
    waiter_tid = tid();
    while (!waiter_stop)
        pause();
    return 0;
}

static void test_tgkill_other_thread(void)
{
    catch(SIGUSR1, 0);
    waiter_tid = 0;
    waiter_stop = 0;
    pthread_t t;
    pthread_create(&t, 0, pausing_thread, 0);
    while (!waiter_tid)
        msleep(5);
    msleep(30);
    hits = 0;
    send_tgkill(waiter_tid, SIGUSR1);
    while (!hits)
        msleep(5);
    printf("tgkill: handler ran in the thread named %d, not the sender %d\n", handler_tid == waiter_tid,
           handler_tid != tid());
    /* kill() to the process while this thread blocks the signal: the other
     * thread, which does not, takes it. */
    block(SIGUSR2, SIG_BLOCK);
    catch(SIGUSR2, 0);
    hits = 0;
    kill(getpid(), SIGUSR2);
    while (!hits)
        msleep(5);
    printf("kill: taken by the thread that does not block it %d\n", handler_tid == waiter_tid);
    sigset_t p;
    sigpending(&p);
    printf("kill: nothing left pending here %d\n", !sigismember(&p, SIGUSR2));
    waiter_stop = 1;
    send_tgkill(waiter_tid, SIGUSR1);
    pthread_join(t, 0);
    block(SIGUSR2, SIG_UNBLOCK);
}

/* --- a pipe read interrupted by a signal from another thread --- */
static int pipefd[2];
static volatile int main_tid, reader_done;

static void *signaller(void *arg)
{
    int write_after = (int)(intptr_t)arg;
    for (int i = 0; !reader_done && i < 200; i++) {
        msleep(30);
        send_tgkill(main_tid, SIGUSR1);
        if (write_after && hits) {
            msleep(30);
            write(pipefd[1], "x", 1);
            break;
        }
    }
    return 0;
}

static void test_pipe_read(int flags, const char *name)
{
    catch(SIGUSR1, flags);
    pipe(pipefd);
    main_tid = tid();
    reader_done = 0;
    hits = 0;
    pthread_t t;
    pthread_create(&t, 0, signaller, (void *)(intptr_t)(flags & SA_RESTART));
    char c;
    ssize_t n = read(pipefd[0], &c, 1);
    int err = errno;
    reader_done = 1;
    pthread_join(t, 0);
    printf("pipe read, %s: returns %zd%s, handler ran %d\n", name, n, n < 0 && err == EINTR ? " EINTR" : "",
           hits > 0);
    close(pipefd[0]);
    close(pipefd[1]);
}

/* --- interval timers --- */
static void arm_real(long first_ms, long every_ms)
{
    struct itimerval it = { { every_ms / 1000, every_ms % 1000 * 1000 }, { first_ms / 1000, first_ms % 1000 * 1000 } };
    setitimer(ITIMER_REAL, &it, 0);
}

static void test_itimer_pipe(void)
{
    catch(SIGALRM, 0);
    int fds[2];
    pipe(fds);
    hits = 0;
    arm_real(50, 0);
    char c;
    ssize_t n = read(fds[0], &c, 1);
    printf("itimer: pipe read with no writer but itself returns %zd%s after SIGALRM %d\n", n,
           n < 0 && errno == EINTR ? " EINTR" : "", hits == 1);
    close(fds[0]);
    close(fds[1]);
}

static void test_itimer(void)
{
    catch(SIGALRM, 0);
    hits = 0;
    arm_real(30, 0);
    struct itimerval cur;
    getitimer(ITIMER_REAL, &cur);
    printf("setitimer: armed, getitimer shows time left %d, no interval %d\n",
           cur.it_value.tv_sec == 0 && cur.it_value.tv_usec > 0 && cur.it_value.tv_usec <= 30000,
           cur.it_interval.tv_sec == 0 && cur.it_interval.tv_usec == 0);
    while (!hits)
        pause();
    getitimer(ITIMER_REAL, &cur);
    printf("setitimer: SIGALRM once %d, then disarmed %d\n", hits == 1,
           cur.it_value.tv_sec == 0 && cur.it_value.tv_usec == 0);
    /* Periodic: three signals, each a sigsuspend apart. */
    sigset_t none;
    sigemptyset(&none);
    block(SIGALRM, SIG_BLOCK);
    hits = 0;
    double t0 = now();
    arm_real(20, 20);
    while (hits < 3)
        sigsuspend(&none);
    arm_real(0, 0);
    block(SIGALRM, SIG_UNBLOCK);
    printf("setitimer: periodic, 3 signals in at least 55 ms %d\n", now() - t0 >= 0.055);
    /* ITIMER_VIRTUAL and ITIMER_PROF while the program computes. */
    static const int which[2] = { ITIMER_VIRTUAL, ITIMER_PROF };
    static const int sigs[2] = { SIGVTALRM, SIGPROF };
    for (int i = 0; i < 2; i++) {
        catch(sigs[i], 0);
        hits = 0;
        struct itimerval it = { { 0, 0 }, { 0, 30000 } };
        setitimer(which[i], &it, 0);
        volatile unsigned long spin = 0;
        while (!hits)
            spin++;
        getitimer(which[i], &cur);
        printf("setitimer %s: signal while computing %d, then disarmed %d\n", i ? "ITIMER_PROF" : "ITIMER_VIRTUAL",
               hits == 1, cur.it_value.tv_sec == 0 && cur.it_value.tv_usec == 0);
    }
    /* alarm */
    printf("alarm: first call returns %u\n", alarm(5));
    printf("alarm: second call returns the seconds left, %u\n", alarm(1));
    hits = 0;
    t0 = now();
    while (!hits)
        pause();
    printf("alarm: SIGALRM after about a second %d\n", now() - t0 > 0.8);
    printf("alarm: nothing left %u\n", alarm(0));
}

/* --- sleeping and waiting, interrupted --- */
static void test_nanosleep(void)
{
    catch(SIGALRM, SA_RESTART);         /* nanosleep is never restarted */
    hits = 0;
    arm_real(100, 0);
    struct timespec req = { 2, 0 }, rem = { 0, 0 };
    int r = nanosleep(&req, &rem);
    int err = errno;
    double left = rem.tv_sec + rem.tv_nsec / 1e9;
    printf("nanosleep: returns %d%s, time left between 1 and 1.95 s %d\n", r, r && err == EINTR ? " EINTR" : "",
           left > 1.0 && left < 1.95);
}

static int futex_word;

static long futex_wait(const struct timespec *ts)
{
    return syscall(SYS_futex, &futex_word, FUTEX_WAIT, 0, ts, 0, 0);
}

static void *futex_waker(void *arg)
{
    (void)arg;
    while (!hits)
        msleep(10);
    msleep(30);
    __atomic_store_n(&futex_word, 1, __ATOMIC_SEQ_CST);
    syscall(SYS_futex, &futex_word, FUTEX_WAKE, 1, 0, 0, 0);
    return 0;
}

static void test_futex(void)
{
    catch(SIGALRM, 0);
    futex_word = 0;
    hits = 0;
    arm_real(50, 0);
    long r = futex_wait(0);
    printf("futex wait: returns %ld%s\n", r, r && errno == EINTR ? " EINTR" : "");
    /* SA_RESTART: an untimed wait goes on (until the word changes) ... */
    catch(SIGALRM, SA_RESTART);
    hits = 0;
    pthread_t t;
    pthread_create(&t, 0, futex_waker, 0);
    arm_real(50, 0);
    r = futex_wait(0);
    pthread_join(t, 0);
    /* 0 if woken, EAGAIN if the word changed before the restarted wait. */
    printf("futex wait, SA_RESTART: handler ran %d, then the wait went on (no EINTR) %d\n", hits == 1,
           r == 0 || errno == EAGAIN);
    /* ... a timed one returns EINTR all the same. */
    futex_word = 0;
    hits = 0;
    arm_real(50, 0);
    struct timespec ts = { 5, 0 };
    r = futex_wait(&ts);
    printf("futex timed wait, SA_RESTART: returns %ld%s\n", r, r && errno == EINTR ? " EINTR" : "");
}

static void test_poll_family(void)
{
    catch(SIGALRM, SA_RESTART);         /* never restarted (signal(7)) */
    int fds[2];
    pipe(fds);
    struct pollfd p = { fds[0], POLLIN, 0 };
    arm_real(50, 0);
    int r = poll(&p, 1, 5000);
    printf("poll: returns %d%s\n", r, r < 0 && errno == EINTR ? " EINTR" : "");
    fd_set set;
    FD_ZERO(&set);
    FD_SET(fds[0], &set);
    struct timeval tv = { 5, 0 };
    arm_real(50, 0);
    r = select(fds[0] + 1, &set, 0, 0, &tv);
    printf("select: returns %d%s\n", r, r < 0 && errno == EINTR ? " EINTR" : "");
    int ep = epoll_create1(0);
    struct epoll_event ev = { .events = EPOLLIN, .data.fd = fds[0] }, out;
    epoll_ctl(ep, EPOLL_CTL_ADD, fds[0], &ev);
    arm_real(50, 0);
    r = epoll_wait(ep, &out, 1, 5000);
    printf("epoll_wait: returns %d%s\n", r, r < 0 && errno == EINTR ? " EINTR" : "");
    /* epoll_pwait with SIGALRM blocked by its mask: the timer's signal
     * waits, the call times out. */
    sigset_t mask;
    sigemptyset(&mask);
    sigaddset(&mask, SIGALRM);
    hits = 0;
    arm_real(20, 0);
    r = epoll_pwait(ep, &out, 1, 100, &mask);
    printf("epoll_pwait: SIGALRM masked during the call: returns %d, then handled %d\n", r, hits == 1);
    close(ep);
    close(fds[0]);
    close(fds[1]);
}

/* --- POSIX timers (raw system calls: glibc and musl wrap them differently) --- */
struct kernel_sigevent {
    union sigval value;
    int signo, notify;
    int tid;
    int pad[11];
};

static int ktimer_create(clockid_t clock, struct kernel_sigevent *ev)
{
    int id = -1;
    if (syscall(SYS_timer_create, clock, ev, &id))
        return -1;
    return id;
}

static int ktimer_set(int id, long first_ms, long every_ms)
{
    struct itimerspec its = { { every_ms / 1000, every_ms % 1000 * 1000000 },
                              { first_ms / 1000, first_ms % 1000 * 1000000 } };
    return (int)syscall(SYS_timer_settime, id, 0, &its, 0);
}

static volatile int thread_timer_tid;

static void *thread_for_timer(void *arg)
{
    (void)arg;
    thread_timer_tid = tid();
    while (!hits)
        pause();
    return 0;
}

static volatile int timer_callbacks, timer_value;

static void on_timer_thread(union sigval v)
{
    timer_value = v.sival_int;
    timer_callbacks++;
}

static void test_posix_timers(void)
{
    /* SIGEV_SIGNAL, periodic, its signal blocked: expirations while it is
     * pending are overruns; sigtimedwait takes it with its value. */
    block(SIGUSR1, SIG_BLOCK);
    struct kernel_sigevent ev = { .value.sival_int = 1234, .signo = SIGUSR1, .notify = SIGEV_SIGNAL };
    int id = ktimer_create(CLOCK_MONOTONIC, &ev);
    ktimer_set(id, 10, 10);
    msleep(120);
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGUSR1);
    siginfo_t si;
    struct timespec ts = { 1, 0 };
    int sig = sigtimedwait(&set, &si, &ts);
    int overrun = (int)syscall(SYS_timer_getoverrun, id);
    printf("timer_create SIGEV_SIGNAL: sigtimedwait gets %d, SI_TIMER %d, value %d, overruns >= 4 %d, "
           "getoverrun agrees %d\n", sig, si.si_code == SI_TIMER, si.si_value.sival_int,
           si.si_overrun >= 4, overrun == si.si_overrun);
    struct itimerspec cur;
    syscall(SYS_timer_gettime, id, &cur);
    printf("timer_gettime: interval 10 ms %d, next within it %d\n",
           cur.it_interval.tv_sec == 0 && cur.it_interval.tv_nsec == 10000000,
           cur.it_value.tv_sec == 0 && cur.it_value.tv_nsec <= 10000000);
    long deleted = syscall(SYS_timer_delete, id);
    int gone = syscall(SYS_timer_gettime, id, &cur) < 0 && errno == EINVAL;
    printf("timer_delete: %ld, then gettime fails %d\n", deleted, gone);
    while (sigtimedwait(&set, &si, &(struct timespec){ 0, 0 }) > 0)
        ;                               /* one may have come before the delete */
    block(SIGUSR1, SIG_UNBLOCK);

    /* SIGEV_THREAD_ID: the handler runs in the thread named. */
    catch(SIGUSR2, 0);
    hits = 0;
    thread_timer_tid = 0;
    pthread_t t;
    pthread_create(&t, 0, thread_for_timer, 0);
    while (!thread_timer_tid)
        msleep(5);
    struct kernel_sigevent evt = { .signo = SIGUSR2, .notify = SIGEV_THREAD_ID, .tid = thread_timer_tid };
    id = ktimer_create(CLOCK_REALTIME, &evt);
    ktimer_set(id, 30, 0);
    pthread_join(t, 0);
    printf("timer_create SIGEV_THREAD_ID: handler ran in that thread %d\n", handler_tid == thread_timer_tid);
    syscall(SYS_timer_delete, id);

    /* SIGEV_NONE: no signal, the time left goes down. */
    struct kernel_sigevent evn = { .notify = SIGEV_NONE };
    id = ktimer_create(CLOCK_MONOTONIC, &evn);
    ktimer_set(id, 2000, 0);
    msleep(50);
    syscall(SYS_timer_gettime, id, &cur);
    double left = cur.it_value.tv_sec + cur.it_value.tv_nsec / 1e9;
    printf("timer_create SIGEV_NONE: time left goes down %d\n", left > 0.5 && left < 1.96);
    syscall(SYS_timer_delete, id);
    printf("timer_create: bad clock %d\n", ktimer_create(12345, &evn) < 0 && errno == EINVAL);

    /* SIGEV_THREAD through the C library (a helper thread waiting in
     * sigwaitinfo for a SIGEV_THREAD_ID signal, in glibc and musl). */
    struct sigevent sev;
    memset(&sev, 0, sizeof(sev));
    sev.sigev_notify = SIGEV_THREAD;
    sev.sigev_notify_function = on_timer_thread;
    sev.sigev_value.sival_int = 42;
    timer_t lt;
    int made = timer_create(CLOCK_MONOTONIC, &sev, &lt) == 0;
    struct itimerspec once = { { 0, 0 }, { 0, 20000000 } };
    timer_settime(lt, 0, &once, 0);
    for (int i = 0; i < 200 && !timer_callbacks; i++)
        msleep(10);
    printf("timer_create SIGEV_THREAD (libc): created %d, callback ran once with its value %d\n", made,
           timer_callbacks == 1 && timer_value == 42);
    timer_delete(lt);
}

/* --- blocked signals, sigtimedwait, sigsuspend --- */
static void *wake_main_later(void *arg)
{
    (void)arg;
    msleep(50);
    send_tgkill(main_tid, SIGUSR1);
    return 0;
}

static void *kill_process_later(void *arg)
{
    (void)arg;
    msleep(50);
    kill(getpid(), SIGUSR1);
    return 0;
}

static void test_waiting(void)
{
    catch(SIGUSR1, 0);
    block(SIGUSR1, SIG_BLOCK);
    hits = 0;
    send_tgkill(tid(), SIGUSR1);
    sigset_t p;
    sigpending(&p);
    printf("blocked: pending %d, handler not run %d\n", sigismember(&p, SIGUSR1), hits == 0);
    block(SIGUSR1, SIG_UNBLOCK);
    printf("unblocked: handler ran %d\n", hits == 1);

    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGUSR1);
    block(SIGUSR1, SIG_BLOCK);
    sigqueue(getpid(), SIGUSR1, (union sigval){ .sival_int = 77 });
    siginfo_t si;
    int sig = sigtimedwait(&set, &si, &(struct timespec){ 1, 0 });
    printf("sigtimedwait: %d, SI_QUEUE %d, value %d\n", sig, si.si_code == SI_QUEUE, si.si_value.sival_int);
    double t0 = now();
    sig = sigtimedwait(&set, &si, &(struct timespec){ 0, 60000000 });
    printf("sigtimedwait: times out with %d%s after at least 60 ms %d\n", sig, sig < 0 && errno == EAGAIN ? " EAGAIN" : "",
           now() - t0 >= 0.059);
    /* Another thread sends it while this one waits. */
    main_tid = tid();
    pthread_t t;
    pthread_create(&t, 0, wake_main_later, 0);
    sig = sigtimedwait(&set, &si, &(struct timespec){ 5, 0 });
    pthread_join(t, 0);
    printf("sigtimedwait: woken by tgkill from another thread: %d, si_code %d\n", sig, si.si_code);
    /* kill() to the process while every thread blocks it: the thread in
     * sigtimedwait takes it. */
    pthread_create(&t, 0, kill_process_later, 0);
    sig = sigtimedwait(&set, &si, &(struct timespec){ 5, 0 });
    pthread_join(t, 0);
    printf("sigtimedwait: woken by kill() from a thread that blocks it too: %d, SI_USER %d\n", sig,
           si.si_code == SI_USER);
    /* sigsuspend: the mask lets it in, the old mask comes back. */
    hits = 0;
    pthread_create(&t, 0, wake_main_later, 0);
    sigset_t none;
    sigemptyset(&none);
    int r = sigsuspend(&none);
    pthread_join(t, 0);
    sigset_t after;
    pthread_sigmask(SIG_BLOCK, 0, &after);
    printf("sigsuspend: returns %d%s, handled %d, mask back %d\n", r, r < 0 && errno == EINTR ? " EINTR" : "",
           hits == 1, sigismember(&after, SIGUSR1));
    block(SIGUSR1, SIG_UNBLOCK);
}

int main(void)
{
    setvbuf(stdout, 0, _IOLBF, 0);
    test_altstack_per_thread();
    test_tgkill_other_thread();
    test_pipe_read(0, "no SA_RESTART");
    test_pipe_read(SA_RESTART, "SA_RESTART");
    test_itimer_pipe();
    test_itimer();
    test_nanosleep();
    test_futex();
    test_poll_family();
    test_posix_timers();
    test_waiting();
    puts("sigthreads ok");
    return 0;
}
