/* read() into a 1 GiB buffer in a small VM: only the pages the data lands
 * in may be allocated (Linux semantics), not the whole buffer. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int main(void)
{
    size_t n = 1ul << 30;
    char *b = malloc(n);
    if (!b) {
        printf("malloc refused 1 GiB\n");
        return 3;
    }
    int fd = open("/etc/passwd", O_RDONLY);
    ssize_t r = fd < 0 ? -1 : read(fd, b, n);
    if (r <= 0 || strncmp(b, "root:", 5)) {
        printf("FAIL: read returned %zd\n", r);
        return 1;
    }
    printf("read %zd bytes into a 1 GiB buffer\n", r);
    return 0;
}
