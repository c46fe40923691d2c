/* Disk writes from threads on different CPUs (tests/guest/nvme-queues.test):
 * "cpuwrite DIR N MIB" starts N threads, thread i bound to CPU i
 * (sched_setaffinity), each writing DIR/f<i> (MIB MiB of a pattern of its
 * own, 64 KiB at a time) and fsyncing it; then each file is read back by
 * the thread of the next CPU and compared.  Prints one line per thread,
 * "thread I on cpu C: wrote, read back f<J>: ok", and "all ok" (status 0),
 * else what went wrong (status 1).  Runs on Linux as well. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define CHUNK (64 * 1024)

static const char *dir;
static unsigned nthreads, mib;
static pthread_barrier_t written;

struct job {
    unsigned index;
    int cpu_write, cpu_read;
    char err[700];
};

static void fill(unsigned char *b, unsigned file, unsigned chunk)
{
    for (size_t i = 0; i < CHUNK; i++)
        b[i] = (unsigned char)(file * 37 + chunk * 11 + i * 7 + (i >> 9));
}

static int write_file(struct job *j, unsigned char *buf)
{
    char path[512];
    snprintf(path, sizeof(path), "%s/f%u", dir, j->index);
    int fd = open(path, O_CREAT | O_TRUNC | O_WRONLY, 0644);
    if (fd < 0)
        return snprintf(j->err, sizeof(j->err), "open %s: %s", path, strerror(errno));
    for (unsigned c = 0; c < mib * 16; c++) {
        fill(buf, j->index, c);
        if (write(fd, buf, CHUNK) != CHUNK)
            return snprintf(j->err, sizeof(j->err), "write %s: %s", path, strerror(errno));
    }
    if (fsync(fd) < 0)
        return snprintf(j->err, sizeof(j->err), "fsync %s: %s", path, strerror(errno));
    close(fd);
    return 0;
}

static int check_file(struct job *j, unsigned file, unsigned char *buf, unsigned char *want)
{
    char path[512];
    snprintf(path, sizeof(path), "%s/f%u", dir, file);
    int fd = open(path, O_RDONLY);
    if (fd < 0)
        return snprintf(j->err, sizeof(j->err), "open %s: %s", path, strerror(errno));
    for (unsigned c = 0; c < mib * 16; c++) {
        fill(want, file, c);
        if (read(fd, buf, CHUNK) != CHUNK || memcmp(buf, want, CHUNK))
            return snprintf(j->err, sizeof(j->err), "%s: chunk %u differs", path, c);
    }
    close(fd);
    return 0;
}

static void *run(void *arg)
{
    struct job *j = arg;
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(j->index, &set);
    if (sched_setaffinity(0, sizeof(set), &set) < 0)
        snprintf(j->err, sizeof(j->err), "sched_setaffinity cpu %u: %s", j->index, strerror(errno));
    unsigned char *buf = malloc(CHUNK), *want = malloc(CHUNK);
    j->cpu_write = sched_getcpu();
    if (!j->err[0])
        write_file(j, buf);
    pthread_barrier_wait(&written);
    j->cpu_read = sched_getcpu();
    if (!j->err[0])
        check_file(j, (j->index + 1) % nthreads, buf, want);
    free(buf);
    free(want);
    return NULL;
}

int main(int argc, char **argv)
{
    if (argc != 4) {
        fprintf(stderr, "usage: cpuwrite DIR THREADS MIB\n");
        return 2;
    }
    dir = argv[1];
    nthreads = (unsigned)atoi(argv[2]);
    mib = (unsigned)atoi(argv[3]);
    if (nthreads < 1 || nthreads > 64 || mib < 1)
        return 2;
    struct job jobs[64];
    pthread_t t[64];
    pthread_barrier_init(&written, NULL, nthreads);
    for (unsigned i = 0; i < nthreads; i++) {
        jobs[i] = (struct job){ .index = i };
        pthread_create(&t[i], NULL, run, &jobs[i]);
    }
    int bad = 0;
    for (unsigned i = 0; i < nthreads; i++) {
        pthread_join(t[i], NULL);
        struct job *j = &jobs[i];
        if (j->err[0]) {
            printf("thread %u: %s\n", i, j->err);
            bad = 1;
        } else if (j->cpu_write != (int)i || j->cpu_read != (int)i) {
            printf("thread %u: ran on cpu %d then %d, not %u\n", i, j->cpu_write, j->cpu_read, i);
            bad = 1;
        } else {
            printf("thread %u on cpu %u: wrote f%u, read back f%u: ok\n", i, i, i, (i + 1) % nthreads);
        }
    }
    if (!bad)
        printf("all ok\n");
    return bad;
}
