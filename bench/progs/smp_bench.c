/* Figures for threads on several CPUs (bench/bench.py "smp"):
 *   smp_bench work THREADS UNITS   a CPU-bound job split over THREADS
 *                                  threads: "work ms N"
 *   smp_bench create N             pthread_create + pthread_join, N times:
 *                                  "create_join us N"
 *   smp_bench pingpong N           two threads hand a futex word back and
 *                                  forth N times: "pingpong us N" per round trip */
#define _GNU_SOURCE
#include <linux/futex.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static long units_each;

static void *work(void *arg)
{
    uint64_t x = (uint64_t)(uintptr_t)arg + 1;
    for (long u = 0; u < units_each; u++)
        for (int i = 0; i < 100000; i++)
            x = x * 6364136223846793005ull + 1442695040888963407ull;
    return (void *)(uintptr_t)(x & 1);
}

static void *nothing(void *arg)
{
    return arg;
}

static int word;                    /* 0: the first thread's turn, 1: the second's */
static long rounds;

static void futex_wait(int *w, int val)
{
    syscall(SYS_futex, w, FUTEX_WAIT_PRIVATE, val, 0, 0, 0);
}

static void futex_wake(int *w)
{
    syscall(SYS_futex, w, FUTEX_WAKE_PRIVATE, 1, 0, 0, 0);
}

static void *pong(void *arg)
{
    (void)arg;
    for (long i = 0; i < rounds; i++) {
        while (__atomic_load_n(&word, __ATOMIC_ACQUIRE) != 1)
            futex_wait(&word, 0);
        __atomic_store_n(&word, 0, __ATOMIC_RELEASE);
        futex_wake(&word);
    }
    return 0;
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: smp_bench work THREADS UNITS | create N | pingpong N\n");
        return 2;
    }
    if (!strcmp(argv[1], "work") && argc > 3) {
        int threads = atoi(argv[2]);
        if (threads < 1 || threads > 64)
            return 2;
        units_each = atol(argv[3]) / threads;
        pthread_t t[64];
        uint64_t t0 = now_ns();
        for (long i = 0; i < threads; i++)
            pthread_create(&t[i], 0, work, (void *)i);
        for (int i = 0; i < threads; i++)
            pthread_join(t[i], 0);
        printf("work ms %.1f\n", (now_ns() - t0) / 1e6);
        return 0;
    }
    long n = atol(argv[2]);
    if (n < 1)
        return 2;
    if (!strcmp(argv[1], "create")) {
        uint64_t t0 = now_ns();
        for (long i = 0; i < n; i++) {
            pthread_t t;
            if (pthread_create(&t, 0, nothing, 0) != 0)
                return 1;
            pthread_join(t, 0);
        }
        printf("create_join us %.2f\n", (now_ns() - t0) / 1e3 / n);
        return 0;
    }
    if (!strcmp(argv[1], "pingpong")) {
        rounds = n;
        pthread_t t;
        pthread_create(&t, 0, pong, 0);
        uint64_t t0 = now_ns();
        for (long i = 0; i < rounds; i++) {
            __atomic_store_n(&word, 1, __ATOMIC_RELEASE);
            futex_wake(&word);
            while (__atomic_load_n(&word, __ATOMIC_ACQUIRE) != 0)
                futex_wait(&word, 1);
        }
        printf("pingpong us %.2f\n", (now_ns() - t0) / 1e3 / rounds);
        pthread_join(t, 0);
        return 0;
    }
    return 2;
}
