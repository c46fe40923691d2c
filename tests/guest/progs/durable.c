/* Crash consistency: "write DIR" writes DIR/durable.bin (1 MiB, a known
 * pattern), fsyncs it and its directory, says so, then keeps writing
 * DIR/scratch.bin without fsync until it is killed.  "check DIR" verifies
 * the pattern of DIR/durable.bin. */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#define SIZE (1 << 20)
static unsigned char buf[SIZE];

static void pattern(void)
{
    unsigned x = 12345;
    for (int i = 0; i < SIZE; i++) {
        x = x * 1103515245 + 12345;
        buf[i] = (unsigned char)(x >> 16);
    }
}

int main(int argc, char **argv)
{
    if (argc != 3 || chdir(argv[2]) < 0) {
        fprintf(stderr, "usage: durable write|check DIR\n");
        return 2;
    }
    pattern();
    if (!strcmp(argv[1], "check")) {
        static unsigned char got[SIZE];
        int fd = open("durable.bin", O_RDONLY);
        ssize_t n = fd < 0 ? -1 : read(fd, got, SIZE);
        if (n != SIZE || memcmp(got, buf, SIZE)) {
            printf("durable.bin is damaged or missing (read %zd bytes)\n", n);
            return 1;
        }
        printf("durable.bin intact\n");
        return 0;
    }
    int fd = open("durable.bin", O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd < 0 || write(fd, buf, SIZE) != SIZE || fsync(fd) < 0) {
        perror("durable.bin");
        return 1;
    }
    int dir = open(".", O_RDONLY | O_DIRECTORY);
    if (dir < 0 || fsync(dir) < 0) {
        perror("fsync .");
        return 1;
    }
    printf("fsync returned\n");
    fflush(stdout);
    int s = open("scratch.bin", O_WRONLY | O_CREAT | O_TRUNC, 0644);
    for (unsigned i = 0;; i++) {
        if (s >= 0)
            pwrite(s, buf, 65536, (off_t)(i % 64) * 65536);
        usleep(1000);
    }
}
