/* Guest test: exactly 4 MiB on stdout, byte for byte.  The stream is lines
 * "line NNNNNNN <pattern>\n" (the last one cut so the total is exactly
 * 4194304 bytes), emitted through a deterministic mix of printf, fwrite,
 * fputs, single write() calls and large batched write() calls of up to
 * 64 KiB.  The test compares the sha256 of what comes out of the VM with
 * the same program's native output.  Errors go to stderr (which under
 * cloak shares the console with stdout, so success writes nothing there),
 * status 1. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#define TOTAL (4UL << 20)

static uint32_t rng = 12345;

static uint32_t next(void)
{
    rng = rng * 1103515245u + 12345u;
    return rng >> 8;
}

static int write_all(const char *p, size_t n)
{
    while (n) {
        ssize_t w = write(1, p, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0) {
            fprintf(stderr, "bigwrite: write: %s\n",
                    w < 0 ? strerror(errno) : "wrote 0 bytes");
            return -1;
        }
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

/* One line into buf; returns its length. */
static size_t make_line(char *buf, unsigned long i)
{
    static const char alphabet[] =
        "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.:";
    size_t n = (size_t)sprintf(buf, "line %07lu ", i);
    unsigned len = next() % 200, k;

    for (k = 0; k < len; k++)
        buf[n++] = alphabet[next() % (sizeof alphabet - 1)];
    buf[n++] = '\n';
    return n;
}

int main(void)
{
    static char batch[65536 + 512];
    char line[256];
    unsigned long total = 0, i = 0;

    while (total < TOTAL) {
        unsigned method = next() % 6;
        size_t n;

        if (method == 5) {
            /* Many lines in one big write(). */
            size_t b = 0, want = 1 + next() % 65536;

            while (b < want && total + b < TOTAL) {
                n = make_line(batch + b, i++);
                if (total + b + n > TOTAL)
                    n = TOTAL - total - b;
                b += n;
            }
            if (fflush(stdout) != 0 || write_all(batch, b) != 0)
                return 1;
            total += b;
            continue;
        }
        n = make_line(line, i++);
        if (total + n > TOTAL)
            n = TOTAL - total;
        switch (method) {
        case 0:
            printf("%.*s", (int)n, line);
            break;
        case 1:
            fwrite(line, 1, n, stdout);
            break;
        case 2:
            line[n] = '\0';
            fputs(line, stdout);
            break;
        case 3: {
            size_t k;
            for (k = 0; k < n; k++)
                putchar(line[k]);
            break;
        }
        default:
            if (fflush(stdout) != 0 || write_all(line, n) != 0)
                return 1;
            break;
        }
        total += n;
    }
    if (fflush(stdout) != 0 || ferror(stdout)) {
        fprintf(stderr, "bigwrite: stdio error: %s\n", strerror(errno));
        return 1;
    }
    return 0;
}
