/* Races and hangs on several CPUs: 8 threads hammer a mutex, a condition
 * variable (a two-slot queue every thread pushes to and pops from), a
 * shared counter (atomic and mutex-protected) and private mmap/munmap with
 * writes.  Every total must come out exact; prints "stress ok N" per run.
 *   smp_stress [RUNS [ITERATIONS [MAP_EVERY]]]   (defaults 1, 400, 8; a
 *   MAP_EVERY of 0 leaves mmap out) */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#define THREADS 8
#define SLOTS 2
#define MAP_PAGES 4

static long iterations, map_every = 8;
static long atomic_count, locked_count;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
/* The queue: items = pushes - pops = threads between their push and pop,
 * so it never deadlocks, yet both conditions are waited on. */
static pthread_mutex_t qlock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t not_full = PTHREAD_COND_INITIALIZER, not_empty = PTHREAD_COND_INITIALIZER;
static long queue[SLOTS];
static int qhead, qlen;
static long pushed_sum, popped_sum, popped;
static long map_errors;

static void push(long v)
{
    pthread_mutex_lock(&qlock);
    while (qlen == SLOTS)
        pthread_cond_wait(&not_full, &qlock);
    queue[(qhead + qlen++) % SLOTS] = v;
    pushed_sum += v;
    pthread_cond_signal(&not_empty);
    pthread_mutex_unlock(&qlock);
}

static void pop(void)
{
    pthread_mutex_lock(&qlock);
    while (qlen == 0)
        pthread_cond_wait(&not_empty, &qlock);
    popped_sum += queue[qhead];
    qhead = (qhead + 1) % SLOTS;
    qlen--;
    popped++;
    pthread_cond_signal(&not_full);
    pthread_mutex_unlock(&qlock);
}

/* Private pages written, checked and unmapped: another thread's TLB must
 * never keep a page that went back to the kernel. */
static void map_round(long id, long i)
{
    size_t len = MAP_PAGES * 4096;
    unsigned char *p = mmap(0, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) {
        __atomic_add_fetch(&map_errors, 1, __ATOMIC_RELAXED);
        return;
    }
    unsigned char tag = (unsigned char)(id * 31 + i);
    for (size_t o = 0; o < len; o += 512)
        p[o] = tag;
    for (size_t o = 0; o < len; o += 512)
        if (p[o] != tag)
            __atomic_add_fetch(&map_errors, 1, __ATOMIC_RELAXED);
    if (munmap(p, len) != 0)
        __atomic_add_fetch(&map_errors, 1, __ATOMIC_RELAXED);
}

static void *worker(void *arg)
{
    long id = (long)arg;
    for (long i = 0; i < iterations; i++) {
        __atomic_add_fetch(&atomic_count, 1, __ATOMIC_SEQ_CST);
        pthread_mutex_lock(&lock);
        locked_count++;
        pthread_mutex_unlock(&lock);
        push(id * iterations + i);
        pop();
        if (map_every && i % map_every == 0)
            map_round(id, i);
    }
    return 0;
}

static int one_run(int run)
{
    atomic_count = locked_count = pushed_sum = popped_sum = popped = map_errors = 0;
    pthread_t t[THREADS];
    for (long i = 0; i < THREADS; i++)
        if (pthread_create(&t[i], 0, worker, (void *)i) != 0) {
            printf("run %d: pthread_create failed\n", run);
            return 1;
        }
    for (int i = 0; i < THREADS; i++)
        pthread_join(t[i], 0);
    long want = THREADS * iterations;
    long want_sum = want * (want - 1) / 2;
    if (atomic_count != want || locked_count != want || popped != want || pushed_sum != want_sum ||
        popped_sum != want_sum || map_errors) {
        printf("run %d: WRONG: atomic %ld mutex %ld popped %ld (want %ld), sums %ld/%ld (want %ld), "
               "map errors %ld\n", run, atomic_count, locked_count, popped, want, pushed_sum, popped_sum,
               want_sum, map_errors);
        return 1;
    }
    printf("stress ok %ld\n", want);
    fflush(stdout);
    return 0;
}

int main(int argc, char **argv)
{
    int runs = argc > 1 ? atoi(argv[1]) : 1;
    iterations = argc > 2 ? atol(argv[2]) : 400;
    map_every = argc > 3 ? atol(argv[3]) : 8;
    for (int r = 1; r <= runs; r++)
        if (one_run(r))
            return 1;
    return 0;
}
