/* Disk I/O while another thread sleeps in short naps (tests/guest/msix.test):
 * "threadio DIR MIB" writes DIR/t.bin (MIB MiB of a pattern, 64 KiB at a
 * time), fsyncs it, reads it back and compares, while a second thread
 * counts 5 ms naps.  Prints "io ok, the sleeper ran" (status 0) when the
 * data came back and the sleeper was not starved (it napped, and went on
 * napping after the I/O), else what went wrong (status 1).  Runs on Linux as well. */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static volatile int stop;
static volatile long naps;

static void *sleeper(void *arg)
{
    (void)arg;
    struct timespec ts = {0, 5000000};
    while (!stop) {
        nanosleep(&ts, NULL);
        naps++;
    }
    return NULL;
}

static void fill(unsigned char *b, size_t n, unsigned x)
{
    for (size_t i = 0; i < n; i++) {
        x = x * 1103515245 + 12345;
        b[i] = (unsigned char)(x >> 16);
    }
}

int main(int argc, char **argv)
{
    if (argc != 3 || chdir(argv[1]) < 0) {
        fprintf(stderr, "usage: threadio DIR MIB\n");
        return 2;
    }
    size_t chunk = 64 * 1024, total = strtoul(argv[2], NULL, 0) << 20;
    unsigned char *buf = malloc(chunk), *got = malloc(chunk);
    pthread_t t;
    if (!buf || !got || pthread_create(&t, NULL, sleeper, NULL))
        return 3;
    int fd = open("t.bin", O_RDWR | O_CREAT | O_TRUNC, 0644);
    for (size_t off = 0; fd >= 0 && off < total; off += chunk) {
        fill(buf, chunk, (unsigned)(off / chunk));
        if (write(fd, buf, chunk) != (ssize_t)chunk) {
            printf("write failed: %s\n", strerror(errno));
            return 1;
        }
    }
    if (fd < 0 || fsync(fd) < 0 || lseek(fd, 0, SEEK_SET) != 0) {
        printf("open/fsync failed: %s\n", strerror(errno));
        return 1;
    }
    for (size_t off = 0; off < total; off += chunk) {
        fill(buf, chunk, (unsigned)(off / chunk));
        if (read(fd, got, chunk) != (ssize_t)chunk || memcmp(buf, got, chunk)) {
            printf("read back differs at %zu\n", off);
            return 1;
        }
    }
    long after_io = naps;
    struct timespec ts = {0, 50000000};
    nanosleep(&ts, NULL);           /* the sleeper goes on after the I/O */
    stop = 1;
    pthread_join(t, NULL);
    if (naps == 0 || naps == after_io) {
        printf("sleeper starved: %ld naps, %ld after the I/O\n", naps, after_io);
        return 1;
    }
    printf("io ok, the sleeper ran\n");
    return 0;
}
