/* A program killed by the kernel in the middle of a write.  "write DIR"
 * writes DIR/durable.bin (1 MiB, a known pattern) and fsyncs it and its
 * directory, then write()s DIR/big.bin from a 1 GiB buffer it never
 * touched: the kernel must give the buffer pages while it copies from it,
 * and in a small VM runs out of memory inside that write.  "check DIR"
 * verifies the pattern of DIR/durable.bin. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define SIZE (1 << 20)
static unsigned char buf[SIZE];

static void pattern(void)
{
    unsigned x = 4242;
    for (int i = 0; i < SIZE; i++) {
        x = x * 1103515245 + 12345;
        buf[i] = (unsigned char)(x >> 16);
    }
}

static int check(void)
{
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

int main(int argc, char **argv)
{
    if (argc != 3 || chdir(argv[2]) < 0) {
        fprintf(stderr, "usage: oomwrite write|check DIR\n");
        return 2;
    }
    pattern();
    if (!strcmp(argv[1], "check"))
        return check();
    int fd = open("durable.bin", O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd < 0 || write(fd, buf, SIZE) != SIZE || fsync(fd) < 0 || close(fd) < 0) {
        perror("durable.bin");
        return 1;
    }
    int dir = open(".", O_RDONLY | O_DIRECTORY);
    if (dir < 0 || fsync(dir) < 0) {
        perror("fsync .");
        return 1;
    }
    printf("fsync returned\n");
    size_t huge = 1ul << 30;
    char *p = malloc(huge);
    if (!p) {
        printf("malloc refused 1 GiB\n");
        return 3;
    }
    int big = open("big.bin", O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (big < 0) {
        perror("big.bin");
        return 1;
    }
    printf("writing 1 GiB from an untouched buffer\n");
    fflush(stdout);
    ssize_t n = write(big, p, huge);
    printf("write returned %zd: the VM had room for it?\n", n);
    return 4;
}
