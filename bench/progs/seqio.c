/* Sequential file I/O: "write PATH MIB KIB" writes MIB MiB in KIB KiB
 * blocks and fsyncs; "read PATH KIB" reads the file back.  Prints the rate
 * in MB/s (10^6 bytes), timed with CLOCK_MONOTONIC inside the program. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
    if (argc < 4 || (strcmp(argv[1], "write") && strcmp(argv[1], "read"))) {
        fprintf(stderr, "usage: seqio write PATH MIB KIB | seqio read PATH KIB\n");
        return 2;
    }
    int writing = !strcmp(argv[1], "write");
    size_t block = (size_t)atol(argv[writing ? 4 : 3]) * 1024;
    if (writing && argc < 5) {
        fprintf(stderr, "usage: seqio write PATH MIB KIB\n");
        return 2;
    }
    char *buf = malloc(block);
    if (!buf || block == 0)
        return 2;
    for (size_t i = 0; i < block; i++)
        buf[i] = (char)(i * 7 + 1);
    int fd = open(argv[2], writing ? O_WRONLY | O_CREAT | O_TRUNC : O_RDONLY, 0644);
    if (fd < 0) {
        perror(argv[2]);
        return 1;
    }
    double t0 = now();
    size_t total = 0;
    if (writing) {
        size_t want = (size_t)atol(argv[3]) << 20;
        while (total < want) {
            ssize_t n = write(fd, buf, block);
            if (n <= 0) {
                perror("write");
                return 1;
            }
            total += (size_t)n;
        }
        if (fsync(fd) < 0) {
            perror("fsync");
            return 1;
        }
    } else {
        ssize_t n;
        while ((n = read(fd, buf, block)) > 0)
            total += (size_t)n;
        if (n < 0) {
            perror("read");
            return 1;
        }
    }
    double t = now() - t0;
    close(fd);
    printf("%s_mbps %.1f (%zu bytes in %.3f s)\n", writing ? "write_fsync" : "read", total / t / 1e6, total, t);
    return 0;
}
