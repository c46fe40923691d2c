/* For the slow- and dead-disk tests.  "write DIR SIZE" writes DIR/data.bin
 * (SIZE bytes of one pattern) and fsyncs it, says "ready", waits for a line
 * on stdin (the test throttles the disk meanwhile), then overwrites it in
 * place with another pattern and fsyncs again: few, small requests, so
 * that a throttled disk takes long for each but not for the whole.
 * "fsync ok" and status 0, or "... failed: ..." and status 5 (its own: the
 * kernel must survive a dead disk and let it say so).  "check DIR SIZE"
 * verifies that DIR/data.bin holds the second pattern. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void pattern(unsigned char *b, size_t n, unsigned x)
{
    for (size_t i = 0; i < n; i++) {
        x = x * 1103515245 + 12345;
        b[i] = (unsigned char)(x >> 16);
    }
}

int main(int argc, char **argv)
{
    if (argc != 4 || chdir(argv[2]) < 0) {
        fprintf(stderr, "usage: slowdisk write|check DIR SIZE\n");
        return 2;
    }
    size_t n = strtoul(argv[3], 0, 0);
    unsigned char *want = malloc(n), *got = malloc(n);
    if (!want || !got)
        return 3;
    pattern(want, n, 777);
    if (!strcmp(argv[1], "check")) {
        int fd = open("data.bin", O_RDONLY);
        ssize_t r = fd < 0 ? -1 : read(fd, got, n);
        if (r != (ssize_t)n || memcmp(got, want, n)) {
            printf("data.bin is damaged or missing (read %zd bytes)\n", r);
            return 1;
        }
        printf("data.bin intact\n");
        return 0;
    }
    pattern(got, n, 111);
    int fd = open("data.bin", O_WRONLY | O_CREAT | O_TRUNC, 0644);
    int dir = open(".", O_RDONLY | O_DIRECTORY);
    if (fd < 0 || dir < 0 || write(fd, got, n) != (ssize_t)n || fsync(fd) < 0 || fsync(dir) < 0) {
        printf("first write failed: %s\n", strerror(errno));
        return 6;
    }
    printf("ready\n");
    fflush(stdout);
    char line[16];
    if (!fgets(line, sizeof line, stdin)) {
        printf("no go line on stdin\n");
        return 4;
    }
    ssize_t w = pwrite(fd, want, n, 0);
    if (w != (ssize_t)n) {
        printf("write failed: %s\n", w < 0 ? strerror(errno) : "short");
        return 5;
    }
    if (fsync(fd) < 0) {
        printf("fsync failed: %s\n", strerror(errno));
        return 5;
    }
    printf("fsync ok\n");
    return 0;
}
