/* Reads FILE whole with one read() into fresh, never-touched memory (at
 * buffer offset OFFSET, default 0) and prints its length and FNV-1a hash:
 * long reads from a volume go from the device straight into such a buffer,
 * which the kernel must first pin. */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: readsum FILE [OFFSET]\n");
        return 2;
    }
    size_t off = argc > 2 ? strtoul(argv[2], 0, 0) : 0;
    int fd = open(argv[1], O_RDONLY);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) < 0) {
        perror(argv[1]);
        return 1;
    }
    size_t len = (size_t)st.st_size;
    uint8_t *m = mmap(0, len + off + 1, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (m == MAP_FAILED) {
        perror("mmap");
        return 1;
    }
    ssize_t got = read(fd, m + off, len);
    if (got != (ssize_t)len) {
        printf("short read: %zd of %zu\n", got, len);
        return 1;
    }
    uint64_t h = 0xcbf29ce484222325ull;
    for (size_t i = 0; i < len; i++)
        h = (h ^ m[off + i]) * 0x100000001b3ull;
    printf("read %zu bytes fnv1a64 %016llx\n", len, (unsigned long long)h);
    return 0;
}
