/* Guest test: getrandom() gives 64 bytes twice, neither all zero, and the
 * two differ.  Prints "random ok"; exits 1 with "FAIL: ..." otherwise. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>

static int fill(unsigned char *buf, size_t n, unsigned flags)
{
    ssize_t r;

    memset(buf, 0, n);
    r = getrandom(buf, n, flags);
    if (r != (ssize_t)n) {
        printf("FAIL: getrandom(%zu, %#x) returned %zd (%s)\n", n, flags, r,
               r < 0 ? strerror(errno) : "short");
        return -1;
    }
    return 0;
}

static int all_zero(const unsigned char *b, size_t n)
{
    size_t i;

    for (i = 0; i < n; i++)
        if (b[i])
            return 0;
    return 1;
}

int main(void)
{
    unsigned char a[64], b[64], c[16];

    if (fill(a, sizeof a, 0) || fill(b, sizeof b, 0))
        return 1;
    if (all_zero(a, sizeof a) || all_zero(b, sizeof b)) {
        printf("FAIL: getrandom returned all-zero bytes\n");
        return 1;
    }
    if (memcmp(a, b, sizeof a) == 0) {
        printf("FAIL: two getrandom calls returned the same 64 bytes\n");
        return 1;
    }
    if (fill(c, sizeof c, GRND_NONBLOCK))
        return 1;
    if (all_zero(c, sizeof c)) {
        printf("FAIL: getrandom(GRND_NONBLOCK) returned all-zero bytes\n");
        return 1;
    }
    printf("random ok\n");
    return 0;
}
