/* Reads /dev/hwrng (the virtio-rng device, one DMA transfer per read) in
 * KIB KiB reads for MIB MiB; prints the rate in MB/s. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char **argv)
{
    size_t block = (argc > 1 ? (size_t)atol(argv[1]) : 64) * 1024;
    size_t total = (argc > 2 ? (size_t)atol(argv[2]) : 8) << 20;
    char *buf = malloc(block);
    int fd = open("/dev/hwrng", O_RDONLY);
    if (!buf || fd < 0) {
        perror("/dev/hwrng");
        return 1;
    }
    struct timespec a, b;
    clock_gettime(CLOCK_MONOTONIC, &a);
    size_t got = 0;
    while (got < total) {
        ssize_t n = read(fd, buf, block);
        if (n <= 0) {
            perror("read");
            return 1;
        }
        got += (size_t)n;
    }
    clock_gettime(CLOCK_MONOTONIC, &b);
    double t = (b.tv_sec - a.tv_sec) + (b.tv_nsec - a.tv_nsec) / 1e9;
    printf("hwrng_mbps %.1f (%zu bytes in %.3f s)\n", got / t / 1e6, got, t);
    return 0;
}
