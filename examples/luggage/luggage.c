/* The luggage-password program: the first thing a new cloak user runs.
 *
 *   luggage N          print "My luggage password is N" and exit 0
 *   luggage N stay     print it, then keep running (sleeping) with the
 *                      secret still in a stack buffer, until the VM is
 *                      stopped; used to look for the secret in guest memory.
 *
 * A missing or non-numeric N is a usage error (exit status 2). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static int parse_number(const char *s, unsigned long long *out)
{
    char *end;

    if (s[0] < '0' || s[0] > '9')
        return -1;
    errno = 0;
    *out = strtoull(s, &end, 10);
    if (errno != 0 || *end != '\0')
        return -1;
    return 0;
}

int main(int argc, char **argv)
{
    char secret[64];
    unsigned long long n;

    if (argc < 2 || argc > 3 || parse_number(argv[1], &n) != 0) {
        fprintf(stderr, "usage: %s NUMBER [stay]\n",
                argc > 0 ? argv[0] : "luggage");
        return 2;
    }
    sprintf(secret, "My luggage password is %llu", n);
    puts(secret);
    if (argc == 3) {
        fflush(stdout);
        for (;;) {
            sleep(1);
            /* Keep the buffer live so the compiler cannot drop it. */
            __asm__ volatile("" : : "r"(secret) : "memory");
        }
    }
    return 0;
}
