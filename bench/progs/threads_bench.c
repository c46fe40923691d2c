/* Thread benchmarks, timed inside the program with CLOCK_MONOTONIC
 * (bench/thread_bench.py runs them in cloak and natively):
 *   threads_bench create N     N pthread_create + pthread_join of a thread
 *                              that returns at once: "create_join_us X"
 *   threads_bench futex N      N round trips between two threads, each
 *                              waking the other with FUTEX_WAKE and waiting
 *                              with FUTEX_WAIT: "futex_rtt_us X"
 *   threads_bench mutex T N    T threads each taking one pthread mutex N
 *                              times to add 1 to a counter: "mutex_ops_per_s X"
 * A wrong result (a lost increment, a failed call) exits 1. */
#define _GNU_SOURCE
#include <linux/futex.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

static double now_us(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1e6 + t.tv_nsec / 1e3;
}

static void *nothing(void *arg) { return arg; }

static int create_join(long n)
{
    double t0 = now_us();
    for (long i = 0; i < n; i++) {
        pthread_t t;
        void *ret;
        if (pthread_create(&t, NULL, nothing, (void *)i) != 0 || pthread_join(t, &ret) != 0 ||
            ret != (void *)i) {
            fprintf(stderr, "create/join %ld failed\n", i);
            return 1;
        }
    }
    printf("create_join_us %.2f\n", (now_us() - t0) / n);
    return 0;
}

/* The turn: even = main's, odd = the partner's; each side bumps it and
 * wakes the other, then waits while it is not its turn. */
static _Atomic int turn;
static long rounds;

static void futex_wait(int expected)
{
    syscall(SYS_futex, &turn, FUTEX_WAIT_PRIVATE, expected, NULL, NULL, 0);
}

static void futex_wake(void)
{
    syscall(SYS_futex, &turn, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0);
}

static void *partner(void *arg)
{
    (void)arg;
    for (long i = 0; i < rounds; i++) {
        int v;
        while (((v = atomic_load(&turn)) & 1) == 0)
            futex_wait(v);
        atomic_store(&turn, v + 1);
        futex_wake();
    }
    return NULL;
}

static int futex_pingpong(long n)
{
    rounds = n;
    pthread_t t;
    if (pthread_create(&t, NULL, partner, NULL) != 0)
        return 1;
    double t0 = now_us();
    for (long i = 0; i < n; i++) {
        int v = atomic_load(&turn);
        atomic_store(&turn, v + 1);
        futex_wake();
        while (((v = atomic_load(&turn)) & 1) == 1)
            futex_wait(v);
    }
    double t1 = now_us();
    pthread_join(t, NULL);
    if (atomic_load(&turn) != 2 * n) {
        fprintf(stderr, "futex ping-pong: turn %d, expected %ld\n", atomic_load(&turn), 2 * n);
        return 1;
    }
    printf("futex_rtt_us %.2f\n", (t1 - t0) / n);
    return 0;
}

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static long counter, per_thread;

static void *adder(void *arg)
{
    (void)arg;
    for (long i = 0; i < per_thread; i++) {
        pthread_mutex_lock(&lock);
        counter++;
        pthread_mutex_unlock(&lock);
    }
    return NULL;
}

static int mutex_counter(int threads, long n)
{
    pthread_t t[64];
    per_thread = n;
    double t0 = now_us();
    for (int i = 0; i < threads; i++)
        if (pthread_create(&t[i], NULL, adder, NULL) != 0)
            return 1;
    for (int i = 0; i < threads; i++)
        pthread_join(t[i], NULL);
    double t1 = now_us();
    if (counter != threads * n) {
        fprintf(stderr, "mutex counter %ld, expected %ld\n", counter, threads * n);
        return 1;
    }
    printf("mutex_ops_per_s %.0f\n", counter / ((t1 - t0) / 1e6));
    return 0;
}

int main(int argc, char **argv)
{
    if (argc == 3 && strcmp(argv[1], "create") == 0 && atol(argv[2]) > 0)
        return create_join(atol(argv[2]));
    if (argc == 3 && strcmp(argv[1], "futex") == 0 && atol(argv[2]) > 0)
        return futex_pingpong(atol(argv[2]));
    if (argc == 4 && strcmp(argv[1], "mutex") == 0 && atoi(argv[2]) > 0 && atoi(argv[2]) <= 64 &&
        atol(argv[3]) > 0)
        return mutex_counter(atoi(argv[2]), atol(argv[3]));
    fprintf(stderr, "usage: threads_bench create N | futex N | mutex THREADS N\n");
    return 2;
}
