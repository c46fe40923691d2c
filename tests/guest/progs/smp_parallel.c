/* Parallel user code on several CPUs.
 *
 *   smp_parallel overlap   Two threads spin without ever blocking, each
 *       watching the other's counter.  An advance of the other's counter
 *       seen between two of its own reads less than GAP_NS apart means both
 *       ran at that moment: on one CPU the other can only advance while
 *       this one is switched out (a time slice: milliseconds).  Passes with
 *       MIN_SEEN such sightings by each thread, on two different CPUs
 *       (getcpu); fails after LIMIT_NS without them.
 *   smp_parallel work THREADS UNITS   A CPU-bound job split over THREADS
 *       threads; prints the wall time in ms (the bench's scaling figure).
 *   smp_parallel cpus   sched_getaffinity's count, get_nprocs,
 *       sysconf(_SC_NPROCESSORS_ONLN), the getcpu result and
 *       sched_setaffinity's answers. */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/sysinfo.h>
#include <time.h>
#include <unistd.h>

#define GAP_NS 200000ull          /* 0.2 ms: far below a 4 ms time slice */
#define MIN_SEEN 20
#define LIMIT_NS 8000000000ull    /* 8 s: a loaded host runs both vCPUs at once only now and then */

static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static uint64_t rdtsc(void)
{
    uint32_t lo, hi;
    __asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
    return ((uint64_t)hi << 32) | lo;
}

static int getcpu_now(void)
{
    unsigned cpu = ~0u;
    if (syscall(SYS_getcpu, &cpu, 0, 0) != 0)
        return -1;
    return (int)cpu;
}

static volatile uint64_t counter[2];
static volatile int done[2];
static uint64_t tsc_per_us;
static int seen_cpu[2] = { -1, -1 };
static long seen[2];

static void *spinner(void *arg)
{
    int me = (int)(long)arg, other = 1 - me;
    uint64_t gap = GAP_NS / 1000 * tsc_per_us, start = rdtsc();
    uint64_t limit = LIMIT_NS / 1000 * tsc_per_us;
    uint64_t last_t = rdtsc(), last_c = counter[other];
    while (seen[me] < MIN_SEEN || !done[other]) {
        counter[me]++;
        uint64_t t = rdtsc(), c = counter[other];
        if (c != last_c && t - last_t < gap && seen[me] < MIN_SEEN) {
            if (++seen[me] == 1)
                seen_cpu[me] = getcpu_now();
            if (seen[me] == MIN_SEEN)
                done[me] = 1;
            t = rdtsc();                /* the system call's time is not a gap */
        }
        last_t = t;
        last_c = c;
        if (t - start > limit) {
            done[me] = 1;
            break;
        }
    }
    done[me] = 1;
    return 0;
}

static int overlap(void)
{
    uint64_t t0 = now_ns(), c0 = rdtsc();
    while (now_ns() - t0 < 20000000)
        ;
    tsc_per_us = (rdtsc() - c0) * 1000 / (now_ns() - t0);
    if (!tsc_per_us)
        tsc_per_us = 1;
    pthread_t t[2];
    for (long i = 0; i < 2; i++)
        pthread_create(&t[i], 0, spinner, (void *)i);
    for (int i = 0; i < 2; i++)
        pthread_join(t[i], 0);
    printf("overlap: sightings %ld and %ld (need %d each), on CPUs %d and %d\n", seen[0], seen[1], MIN_SEEN,
           seen_cpu[0], seen_cpu[1]);
    if (seen[0] >= MIN_SEEN && seen[1] >= MIN_SEEN && seen_cpu[0] >= 0 && seen_cpu[1] >= 0 &&
        seen_cpu[0] != seen_cpu[1]) {
        printf("parallel ok\n");
        return 0;
    }
    printf("parallel FAILED: the two threads never ran at the same time on two CPUs\n");
    return 1;
}

static long units_each;

static void *work(void *arg)
{
    uint64_t x = (uint64_t)(long)arg + 1;
    for (long u = 0; u < units_each; u++)
        for (int i = 0; i < 100000; i++)
            x = x * 6364136223846793005ull + 1442695040888963407ull;
    return (void *)(uintptr_t)(x & 1);
}

static int timed_work(int threads, long units)
{
    if (threads < 1 || threads > 64)
        return 2;
    units_each = units / threads;
    uint64_t t0 = now_ns();
    pthread_t t[64];
    for (long i = 0; i < threads; i++)
        pthread_create(&t[i], 0, work, (void *)i);
    for (int i = 0; i < threads; i++)
        pthread_join(t[i], 0);
    printf("work ms %llu\n", (unsigned long long)((now_ns() - t0) / 1000000));
    return 0;
}

static int cpus(void)
{
    cpu_set_t set;
    CPU_ZERO(&set);
    if (sched_getaffinity(0, sizeof(set), &set) != 0) {
        perror("sched_getaffinity");
        return 1;
    }
    int n = CPU_COUNT(&set);
    printf("affinity %d\n", n);
    printf("get_nprocs %d\n", get_nprocs());
    printf("sysconf %ld\n", sysconf(_SC_NPROCESSORS_ONLN));
    /* A 4-byte buffer is too small for a long-sized mask: EINVAL. */
    uint32_t small;
    long r = syscall(SYS_sched_getaffinity, 0, sizeof(small), &small);
    printf("getaffinity small buffer %ld %s\n", r, r < 0 ? strerror(errno) : "");
    r = syscall(SYS_sched_getaffinity, 0, sizeof(set), &set);
    printf("getaffinity returns %ld\n", r);
    /* Pinned to the last CPU, a thread runs there. */
    cpu_set_t one;
    CPU_ZERO(&one);
    CPU_SET(n - 1, &one);
    r = sched_setaffinity(0, sizeof(one), &one);
    printf("pin to CPU %d: %ld, now on CPU %d\n", n - 1, r, getcpu_now());
    printf("sched_getcpu %d\n", sched_getcpu());
    CPU_ZERO(&one);
    CPU_SET(1000 % (8 * sizeof(one)), &one);
    r = sched_setaffinity(0, sizeof(one), &one);
    printf("mask without an online CPU: %s\n", r < 0 ? strerror(errno) : "accepted");
    return 0;
}

int main(int argc, char **argv)
{
    const char *mode = argc > 1 ? argv[1] : "overlap";
    if (!strcmp(mode, "overlap"))
        return overlap();
    if (!strcmp(mode, "work") && argc > 3)
        return timed_work(atoi(argv[2]), atol(argv[3]));
    if (!strcmp(mode, "cpus"))
        return cpus();
    fprintf(stderr, "usage: smp_parallel overlap | work THREADS UNITS | cpus\n");
    return 2;
}
