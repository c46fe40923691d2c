/* Threads as programs use them: pthreads (create, join, detach, TLS,
 * mutexes, condition variables with timeouts, barriers, rwlocks, robust
 * mutexes), raw futex operations (CMP_REQUEUE, REQUEUE, WAKE_OP, bitsets),
 * a pipe between two threads, sleeping in one thread while another runs.
 * Every line it prints is the same on Linux; tests/guest/threads.test
 * compares the guest's output with a native run.
 *
 *   threads all           every scenario below, in order
 *   threads main-exit     main calls pthread_exit; the last thread ends it (0)
 *   threads thread-exit   a non-main thread calls exit(7) while main waits
 *   threads last-status   main exits its thread with SYS_exit(3); the other
 *                         thread then does SYS_exit(5)
 *   threads stress N      8 threads, N rounds each on a mutex and a condvar */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#define FUTEX_WAIT 0
#define FUTEX_WAKE 1
#define FUTEX_REQUEUE 3
#define FUTEX_CMP_REQUEUE 4
#define FUTEX_WAKE_OP 5
#define FUTEX_WAIT_BITSET 9
#define FUTEX_WAKE_BITSET 10
#define FUTEX_PRIVATE_FLAG 128
#define FUTEX_OP(op, oparg, cmp, cmparg) (((op) << 28) | ((cmp) << 24) | ((oparg) << 12) | (cmparg))

static long futex(uint32_t *w, int op, uint32_t val, long val2, uint32_t *w2, uint32_t val3)
{
    return syscall(SYS_futex, w, op, val, val2, w2, val3);
}

static void fail(const char *what, int err)
{
    printf("FAILED: %s: %s\n", what, strerror(err));
    exit(1);
}

static uint64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static void sleep_ms(long ms)
{
    struct timespec ts = { ms / 1000, (ms % 1000) * 1000000 };
    nanosleep(&ts, 0);
}

/* --- create, join, detach, TLS, gettid --- */

static __thread long tls_value = 100;
static pthread_mutex_t detach_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t detach_cond = PTHREAD_COND_INITIALIZER;
static int detached_done;

static void *square(void *arg)
{
    long n = (long)arg;
    tls_value += n;                     /* each thread has its own copy */
    sleep_ms(10);
    int own_tid = syscall(SYS_gettid) != getpid();
    return (void *)(tls_value * 1000 + n * n * 10 + own_tid);
}

static void *detached(void *arg)
{
    (void)arg;
    pthread_mutex_lock(&detach_lock);
    detached_done = 1;
    pthread_cond_signal(&detach_cond);
    pthread_mutex_unlock(&detach_lock);
    return 0;
}

static void create_join(void)
{
    pthread_t t[4];
    for (long i = 0; i < 4; i++)
        if (pthread_create(&t[i], 0, square, (void *)(i + 1)))
            fail("pthread_create", errno);
    for (int i = 0; i < 4; i++) {
        void *r;
        pthread_join(t[i], &r);
        long v = (long)r;
        printf("join %d: tls %ld square %ld own-tid %ld\n", i, v / 1000, v % 1000 / 10, v % 10);
    }
    printf("main tls %ld, main tid is pid %d\n", tls_value, (int)(syscall(SYS_gettid) == getpid()));
    pthread_t d;
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    pthread_create(&d, &attr, detached, 0);
    pthread_mutex_lock(&detach_lock);
    while (!detached_done)
        pthread_cond_wait(&detach_cond, &detach_lock);
    pthread_mutex_unlock(&detach_lock);
    printf("detached thread ran\n");
    pthread_t late;
    pthread_create(&late, 0, detached, 0);
    pthread_detach(late);
    printf("pthread_detach ok\n");
}

/* --- producer/consumer with timeouts --- */

#define QUEUE 4
#define ITEMS 200
static pthread_mutex_t q_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t q_not_empty = PTHREAD_COND_INITIALIZER, q_not_full = PTHREAD_COND_INITIALIZER;
static int q_items[QUEUE], q_head, q_count;

static void deadline_in(struct timespec *ts, long ms)
{
    clock_gettime(CLOCK_REALTIME, ts);
    ts->tv_sec += ms / 1000;
    ts->tv_nsec += (ms % 1000) * 1000000;
    if (ts->tv_nsec >= 1000000000) {
        ts->tv_sec++;
        ts->tv_nsec -= 1000000000;
    }
}

static void *producer(void *arg)
{
    (void)arg;
    for (int i = 1; i <= ITEMS; i++) {
        pthread_mutex_lock(&q_lock);
        while (q_count == QUEUE) {
            struct timespec ts;
            deadline_in(&ts, 5000);
            if (pthread_cond_timedwait(&q_not_full, &q_lock, &ts) == ETIMEDOUT)
                fail("producer waited 5 s", ETIMEDOUT);
        }
        q_items[(q_head + q_count++) % QUEUE] = i;
        pthread_cond_signal(&q_not_empty);
        pthread_mutex_unlock(&q_lock);
    }
    return 0;
}

static void producer_consumer(void)
{
    pthread_t p;
    pthread_create(&p, 0, producer, 0);
    long sum = 0;
    int got = 0, in_order = 1, last = 0;
    while (got < ITEMS) {
        pthread_mutex_lock(&q_lock);
        while (q_count == 0) {
            struct timespec ts;
            deadline_in(&ts, 5000);
            if (pthread_cond_timedwait(&q_not_empty, &q_lock, &ts) == ETIMEDOUT)
                fail("consumer waited 5 s", ETIMEDOUT);
        }
        int v = q_items[q_head];
        q_head = (q_head + 1) % QUEUE;
        q_count--;
        pthread_cond_signal(&q_not_full);
        pthread_mutex_unlock(&q_lock);
        in_order &= v == last + 1;
        last = v;
        sum += v;
        got++;
    }
    pthread_join(p, 0);
    printf("consumer got %d items, sum %ld, in order %d\n", got, sum, in_order);
    /* Nobody signals: the wait ends by its timeout, after it. */
    pthread_mutex_lock(&q_lock);
    struct timespec ts;
    deadline_in(&ts, 100);
    uint64_t t0 = now_ms();
    int r = pthread_cond_timedwait(&q_not_empty, &q_lock, &ts);
    uint64_t waited = now_ms() - t0;
    pthread_mutex_unlock(&q_lock);
    printf("timedwait with no signal: %s, waited >= 90 ms: %d\n", r == ETIMEDOUT ? "ETIMEDOUT" : strerror(r),
           waited >= 90);
}

/* --- barriers and rwlocks --- */

#define BARRIER_THREADS 4
#define ROUNDS 20
static pthread_barrier_t barrier;
static int arrived[ROUNDS];
static int barrier_ok = 1, serial_count;

static void *barrier_worker(void *arg)
{
    (void)arg;
    for (int r = 0; r < ROUNDS; r++) {
        __atomic_add_fetch(&arrived[r], 1, __ATOMIC_SEQ_CST);
        if (pthread_barrier_wait(&barrier) == PTHREAD_BARRIER_SERIAL_THREAD)
            __atomic_add_fetch(&serial_count, 1, __ATOMIC_SEQ_CST);
        /* Nobody passes before everyone arrived. */
        if (__atomic_load_n(&arrived[r], __ATOMIC_SEQ_CST) != BARRIER_THREADS)
            barrier_ok = 0;
        pthread_barrier_wait(&barrier);
    }
    return 0;
}

static pthread_rwlock_t rw = PTHREAD_RWLOCK_INITIALIZER;
static int rw_value, rw_readers_inside, rw_violations;

static void *rw_reader(void *arg)
{
    (void)arg;
    for (int i = 0; i < 200; i++) {
        pthread_rwlock_rdlock(&rw);
        __atomic_add_fetch(&rw_readers_inside, 1, __ATOMIC_SEQ_CST);
        int a = rw_value;
        if (i % 50 == 0)
            sched_yield();
        if (rw_value != a)
            __atomic_add_fetch(&rw_violations, 1, __ATOMIC_SEQ_CST);
        __atomic_sub_fetch(&rw_readers_inside, 1, __ATOMIC_SEQ_CST);
        pthread_rwlock_unlock(&rw);
    }
    return 0;
}

static void *rw_writer(void *arg)
{
    (void)arg;
    for (int i = 0; i < 100; i++) {
        pthread_rwlock_wrlock(&rw);
        if (__atomic_load_n(&rw_readers_inside, __ATOMIC_SEQ_CST))
            __atomic_add_fetch(&rw_violations, 1, __ATOMIC_SEQ_CST);
        rw_value++;
        if (i % 25 == 0)
            sched_yield();
        pthread_rwlock_unlock(&rw);
    }
    return 0;
}

static void barriers_rwlocks(void)
{
    pthread_t t[BARRIER_THREADS];
    pthread_barrier_init(&barrier, 0, BARRIER_THREADS);
    for (int i = 0; i < BARRIER_THREADS; i++)
        pthread_create(&t[i], 0, barrier_worker, 0);
    for (int i = 0; i < BARRIER_THREADS; i++)
        pthread_join(t[i], 0);
    pthread_barrier_destroy(&barrier);
    printf("barrier: %d rounds, ok %d, serial threads %d\n", ROUNDS, barrier_ok, serial_count);
    pthread_t r[3], w[2];
    for (int i = 0; i < 3; i++)
        pthread_create(&r[i], 0, rw_reader, 0);
    for (int i = 0; i < 2; i++)
        pthread_create(&w[i], 0, rw_writer, 0);
    for (int i = 0; i < 3; i++)
        pthread_join(r[i], 0);
    for (int i = 0; i < 2; i++)
        pthread_join(w[i], 0);
    printf("rwlock: value %d, violations %d\n", rw_value, rw_violations);
}

/* --- raw futex operations --- */

#define WAITERS 5
static uint32_t word_a, word_b, ready;
static int woken_ok;

static void *futex_waiter(void *arg)
{
    uint32_t *w = arg;
    __atomic_add_fetch(&ready, 1, __ATOMIC_SEQ_CST);
    long r;
    do
        r = futex(w, FUTEX_WAIT, 0, 0, 0, 0);
    while (r == -1 && errno == EINTR);
    if (r == 0)
        __atomic_add_fetch(&woken_ok, 1, __ATOMIC_SEQ_CST);
    return 0;
}

/* Starts n waiters on w and gives them time to be inside FUTEX_WAIT. */
static void start_waiters(pthread_t *t, int n, uint32_t *w)
{
    ready = 0;
    for (int i = 0; i < n; i++)
        pthread_create(&t[i], 0, futex_waiter, w);
    while (__atomic_load_n(&ready, __ATOMIC_SEQ_CST) != (uint32_t)n)
        sched_yield();
    sleep_ms(100);
}

static void *bitset_waiter(void *arg)
{
    uint32_t bits = (uint32_t)(uintptr_t)arg;
    __atomic_add_fetch(&ready, 1, __ATOMIC_SEQ_CST);
    if (futex(&word_a, FUTEX_WAIT_BITSET | FUTEX_PRIVATE_FLAG, 0, 0, 0, bits) == 0)
        __atomic_add_fetch(&woken_ok, 1, __ATOMIC_SEQ_CST);
    return 0;
}

static void raw_futex(void)
{
    pthread_t t[WAITERS + 2];
    start_waiters(t, WAITERS, &word_a);
    long r = futex(&word_a, FUTEX_CMP_REQUEUE, 1, INT_MAX, &word_b, 9);
    printf("cmp-requeue, stale value: %ld %s\n", r, strerror(errno));
    r = futex(&word_a, FUTEX_CMP_REQUEUE, 1, INT_MAX, &word_b, 0);
    printf("cmp-requeue wake 1, move the rest: %ld\n", r);
    sleep_ms(50);
    printf("woken so far %d\n", woken_ok);
    r = futex(&word_a, FUTEX_WAKE, INT_MAX, 0, 0, 0);
    printf("wake on a: %ld\n", r);
    r = futex(&word_b, FUTEX_WAKE, INT_MAX, 0, 0, 0);
    printf("wake on b: %ld\n", r);
    for (int i = 0; i < WAITERS; i++)
        pthread_join(t[i], 0);
    printf("woken %d\n", woken_ok);

    woken_ok = 0;
    start_waiters(t, 3, &word_a);
    r = futex(&word_a, FUTEX_REQUEUE, 0, 2, &word_b, 0);
    printf("requeue 0 woken, 2 moved: %ld\n", r);
    r = futex(&word_a, FUTEX_WAKE, 10, 0, 0, 0);
    printf("wake a: %ld\n", r);
    r = futex(&word_b, FUTEX_WAKE, 10, 0, 0, 0);
    printf("wake b: %ld\n", r);
    for (int i = 0; i < 3; i++)
        pthread_join(t[i], 0);

    woken_ok = 0;
    start_waiters(t, 1, &word_a);
    start_waiters(t + 1, 1, &word_b);
    /* *b = 1 (SET), then wake one on a and, as the old *b was 0 (EQ 0), one on b. */
    r = futex(&word_a, FUTEX_WAKE_OP, 1, 1, &word_b, FUTEX_OP(0, 1, 0, 0));
    printf("wake-op: %ld, b now %u\n", r, word_b);
    r = futex(&word_a, FUTEX_WAKE_OP, 1, 1, &word_b, FUTEX_OP(1, 5, 0, 0));
    printf("wake-op, comparison false: %ld, b now %u\n", r, word_b);
    pthread_join(t[0], 0);
    pthread_join(t[1], 0);
    word_b = 0;

    woken_ok = 0;
    ready = 0;
    pthread_create(&t[0], 0, bitset_waiter, (void *)(uintptr_t)0x1);
    pthread_create(&t[1], 0, bitset_waiter, (void *)(uintptr_t)0x6);
    while (__atomic_load_n(&ready, __ATOMIC_SEQ_CST) != 2)
        sched_yield();
    sleep_ms(100);
    /* Private and shared futexes are different keys, as on Linux. */
    r = futex(&word_a, FUTEX_WAKE, 10, 0, 0, 0);
    printf("shared wake of private waiters: %ld\n", r);
    for (uint32_t bits = 0x8; bits; bits >>= 1) {
        r = futex(&word_a, FUTEX_WAKE_BITSET | FUTEX_PRIVATE_FLAG, 10, 0, 0, bits);
        printf("wake bitset %#x: %ld\n", bits, r);
    }
    pthread_join(t[0], 0);
    pthread_join(t[1], 0);
    printf("bitset waiters woken %d\n", woken_ok);
    r = futex(&word_a, FUTEX_WAIT, 1, 0, 0, 0);
    printf("wait, value differs: %ld %s\n", r, strerror(errno));
    struct timespec rel = { 0, 30000000 };
    r = futex(&word_a, FUTEX_WAIT, 0, (long)&rel, 0, 0);
    printf("wait 30 ms: %ld %s\n", r, strerror(errno));
    r = futex(&word_a, FUTEX_WAKE_BITSET, 1, 0, 0, 0);
    printf("wake-bitset 0: %ld %s\n", r, strerror(errno));
    r = futex(&word_a, FUTEX_REQUEUE, (uint32_t)-1, 1, &word_b, 0);
    printf("requeue -1: %ld %s\n", r, strerror(errno));
    r = futex((uint32_t *)((char *)&word_a + 1), FUTEX_WAKE, 1, 0, 0, 0);
    printf("wake, unaligned: %ld %s\n", r, strerror(errno));
    r = futex(&word_a, 99, 1, 0, 0, 0);
    printf("unknown op: %ld %s\n", r, strerror(errno));
}

/* --- condvar broadcast (musl requeues waiters to the mutex) --- */

static pthread_mutex_t bc_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t bc_cond = PTHREAD_COND_INITIALIZER;
static int bc_go, bc_waiting, bc_done;

static void *bc_waiter(void *arg)
{
    (void)arg;
    pthread_mutex_lock(&bc_lock);
    bc_waiting++;
    while (!bc_go)
        pthread_cond_wait(&bc_cond, &bc_lock);
    bc_done++;
    pthread_mutex_unlock(&bc_lock);
    return 0;
}

static void broadcast(void)
{
    pthread_t t[6];
    for (int round = 0; round < 3; round++) {
        bc_go = bc_waiting = bc_done = 0;
        for (int i = 0; i < 6; i++)
            pthread_create(&t[i], 0, bc_waiter, 0);
        for (;;) {
            pthread_mutex_lock(&bc_lock);
            int n = bc_waiting;
            pthread_mutex_unlock(&bc_lock);
            if (n == 6)
                break;
            sched_yield();
        }
        pthread_mutex_lock(&bc_lock);
        bc_go = 1;
        pthread_cond_broadcast(&bc_cond);
        pthread_mutex_unlock(&bc_lock);
        for (int i = 0; i < 6; i++)
            pthread_join(t[i], 0);
        printf("broadcast round %d: %d of 6 went on\n", round, bc_done);
    }
}

/* --- a pipe between threads, sleeping alone, robust mutexes --- */

static int pipe_fds[2];

static void *pipe_writer(void *arg)
{
    (void)arg;
    sleep_ms(50);                       /* the reader is waiting by now */
    static unsigned char buf[100000];
    for (int round = 0; round < 10; round++) {
        for (size_t i = 0; i < sizeof(buf); i++)
            buf[i] = (unsigned char)(i * 7 + round);
        size_t off = 0;
        while (off < sizeof(buf)) {
            ssize_t n = write(pipe_fds[1], buf + off, sizeof(buf) - off);
            if (n < 0)
                fail("pipe write", errno);
            off += (size_t)n;
        }
    }
    close(pipe_fds[1]);
    return 0;
}

static volatile int counting;
static volatile long counted;

static void *counter(void *arg)
{
    (void)arg;
    while (counting)
        counted++;
    return 0;
}

static pthread_mutex_t robust;

static void *die_holding(void *arg)
{
    (void)arg;
    pthread_mutex_lock(&robust);
    return 0;                           /* exits with the lock held */
}

static void pipes_sleep_robust(void)
{
    if (pipe(pipe_fds))
        fail("pipe", errno);
    pthread_t w;
    pthread_create(&w, 0, pipe_writer, 0);
    unsigned char buf[8192];
    uint64_t sum = 0, total = 0;
    ssize_t n;
    while ((n = read(pipe_fds[0], buf, sizeof(buf))) > 0) {
        for (ssize_t i = 0; i < n; i++)
            sum = sum * 31 + buf[i];
        total += (uint64_t)n;
    }
    pthread_join(w, 0);
    close(pipe_fds[0]);
    printf("pipe: %llu bytes, checksum %llx, end %zd\n", (unsigned long long)total, (unsigned long long)sum, n);

    counting = 1;
    pthread_t c;
    pthread_create(&c, 0, counter, 0);
    sleep_ms(20);
    long before = counted;
    sleep_ms(200);                      /* only this thread sleeps */
    long after = counted;
    counting = 0;
    pthread_join(c, 0);
    printf("another thread ran while main slept: %d\n", after > before);

    pthread_mutexattr_t a;
    pthread_mutexattr_init(&a);
    pthread_mutexattr_setrobust(&a, PTHREAD_MUTEX_ROBUST);
    pthread_mutex_init(&robust, &a);
    pthread_t d;
    pthread_create(&d, 0, die_holding, 0);
    pthread_join(d, 0);
    int r = pthread_mutex_lock(&robust);
    printf("robust mutex after its owner died: %s\n", r == EOWNERDEAD ? "EOWNERDEAD" : strerror(r));
    if (r == EOWNERDEAD)
        pthread_mutex_consistent(&robust);
    pthread_mutex_unlock(&robust);
}

/* --- preemption: two threads spinning in user mode share one CPU --- */

static volatile int spin_flag;

static void *set_flag_after_spinning(void *arg)
{
    (void)arg;
    for (volatile long i = 0; i < 2000000; i++)
        ;
    spin_flag = 1;
    return 0;
}

static void preemption(void)
{
    pthread_t t;
    pthread_create(&t, 0, set_flag_after_spinning, 0);
    /* No system call (clock_gettime is one here): only the end of a time
     * slice lets the other thread run.  Bounded by the TSC (~30 s). */
    uint64_t t0 = __builtin_ia32_rdtsc();
    while (!spin_flag && __builtin_ia32_rdtsc() - t0 < 100000000000ull)
        ;
    pthread_join(t, 0);
    printf("preemption: the spinning main thread saw the other thread's flag: %d\n", spin_flag);
}

/* --- AVX registers survive thread switches --- */

/* Loads 32 bytes into YMM8 and YMM15, yields to the other thread 200 times
 * through raw system calls (libc functions may use or clear the AVX
 * registers; Linux keeps every register across a system call), then
 * checks both registers. */
static void *ymm_keeper(void *arg)
{
    uint64_t seed = (uint64_t)(uintptr_t)arg;
    uint64_t in[4] = { seed, ~seed, seed * 3, seed ^ 0x5555 }, out8[4], out15[4];
    __asm__ volatile("vmovdqu %0, %%ymm8\n vmovdqu %0, %%ymm15" : : "m"(in) : "xmm8", "xmm15");
    for (int i = 0; i < 200; i++) {
        long nr = SYS_sched_yield;
        __asm__ volatile("syscall" : "+a"(nr) : : "rcx", "r11", "memory");
    }
    __asm__ volatile("vmovdqu %%ymm8, %0\n vmovdqu %%ymm15, %1" : "=m"(out8), "=m"(out15));
    return (void *)(uintptr_t)(!memcmp(in, out8, 32) && !memcmp(in, out15, 32));
}

static void avx_state(void)
{
    if (!__builtin_cpu_supports("avx")) {
        printf("avx: not on this CPU\n");
        return;
    }
    pthread_t a, b;
    void *ra, *rb;
    pthread_create(&a, 0, ymm_keeper, (void *)0x1111222233334444ull);
    pthread_create(&b, 0, ymm_keeper, (void *)0x9999888877776666ull);
    pthread_join(a, &ra);
    pthread_join(b, &rb);
    printf("avx: both threads kept their YMM registers: %d %d\n", (int)(uintptr_t)ra, (int)(uintptr_t)rb);
}

/* --- endings --- */

static void *outlive_main(void *arg)
{
    (void)arg;
    sleep_ms(100);
    printf("thread outlived main\n");
    fflush(stdout);
    return 0;
}

static void *exit_seven(void *arg)
{
    (void)arg;
    sleep_ms(50);
    printf("thread calls exit(7)\n");
    exit(7);
}

static void *raw_exit_five(void *arg)
{
    (void)arg;
    sleep_ms(100);
    printf("last thread: SYS_exit(5)\n");
    fflush(stdout);
    syscall(SYS_exit, 5);
    return 0;
}

/* --- stress: a counter under a mutex, and a condvar handing a token round --- */

#define STRESS_THREADS 8
static pthread_mutex_t s_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t s_cond = PTHREAD_COND_INITIALIZER;
static long s_counter;
static int s_turn, s_rounds;

static void *stress_worker(void *arg)
{
    int me = (int)(intptr_t)arg;
    for (int i = 0; i < s_rounds; i++) {
        for (int k = 0; k < 10; k++) {
            pthread_mutex_lock(&s_lock);
            s_counter++;
            pthread_mutex_unlock(&s_lock);
        }
        pthread_mutex_lock(&s_lock);
        while (s_turn % STRESS_THREADS != me)
            pthread_cond_wait(&s_cond, &s_lock);
        s_turn++;
        pthread_cond_broadcast(&s_cond);
        pthread_mutex_unlock(&s_lock);
    }
    return 0;
}

static void stress(int rounds)
{
    pthread_t t[STRESS_THREADS];
    s_rounds = rounds;
    for (int i = 0; i < STRESS_THREADS; i++)
        if (pthread_create(&t[i], 0, stress_worker, (void *)(intptr_t)i))
            fail("pthread_create", errno);
    for (int i = 0; i < STRESS_THREADS; i++)
        pthread_join(t[i], 0);
    printf("stress: counter %ld (expected %ld), turns %d (expected %d)\n", s_counter,
           (long)STRESS_THREADS * rounds * 10, s_turn, STRESS_THREADS * rounds);
}

int main(int argc, char **argv)
{
    setvbuf(stdout, 0, _IONBF, 0);
    const char *what = argc > 1 ? argv[1] : "all";
    if (!strcmp(what, "all")) {
        create_join();
        producer_consumer();
        barriers_rwlocks();
        raw_futex();
        broadcast();
        pipes_sleep_robust();
        preemption();
        avx_state();
        printf("threads ok\n");
        return 0;
    }
    pthread_t t;
    if (!strcmp(what, "main-exit")) {
        pthread_create(&t, 0, outlive_main, 0);
        printf("main calls pthread_exit\n");
        pthread_exit(0);
    }
    if (!strcmp(what, "thread-exit")) {
        pthread_create(&t, 0, exit_seven, 0);
        pthread_join(t, 0);
        printf("not reached\n");
        return 1;
    }
    if (!strcmp(what, "last-status")) {
        pthread_create(&t, 0, raw_exit_five, 0);
        printf("main: SYS_exit(3)\n");
        syscall(SYS_exit, 3);
    }
    if (!strcmp(what, "stress")) {
        stress(argc > 2 ? atoi(argv[2]) : 200);
        return 0;
    }
    printf("unknown scenario %s\n", what);
    return 2;
}
