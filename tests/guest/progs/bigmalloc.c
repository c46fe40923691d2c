/* Guest test: a large allocation really gets distinct, zeroed, writable
 * pages.  calloc()s 256 MiB (both libcs take fresh anonymous mmap memory
 * for this, which the kernel must hand out zero-filled), checks it reads
 * as zero, writes a per-page pattern into every page, then verifies every
 * page (so two pages aliasing one frame are caught), frees it and prints
 * "touched N pages".  Exits 1 with "FAIL: ..." on any mismatch. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#define SIZE (256UL << 20)
#define PAGE 4096UL

static uint64_t pattern(size_t page, unsigned slot)
{
    return 0x9e3779b97f4a7c15ULL * (page + 1) ^ ((uint64_t)slot << 56);
}

int main(void)
{
    size_t pages = SIZE / PAGE, p;
    /* Offsets (in 64-bit words) written in each page: start, middle, end. */
    static const size_t slots[] = {0, PAGE / 16, PAGE / 8 - 1};
    volatile uint64_t *m = calloc(1, SIZE);
    unsigned s;

    if (!m) {
        printf("FAIL: calloc(256 MiB) returned NULL\n");
        return 1;
    }
    for (p = 0; p < pages; p++)
        for (s = 0; s < 3; s++)
            if (m[p * (PAGE / 8) + slots[s]] != 0) {
                printf("FAIL: page %zu word %zu not zero after calloc\n", p,
                       slots[s]);
                return 1;
            }
    for (p = 0; p < pages; p++)
        for (s = 0; s < 3; s++)
            m[p * (PAGE / 8) + slots[s]] = pattern(p, s);
    for (p = 0; p < pages; p++)
        for (s = 0; s < 3; s++) {
            uint64_t got = m[p * (PAGE / 8) + slots[s]];
            if (got != pattern(p, s)) {
                printf("FAIL: page %zu word %zu reads %#llx, wrote %#llx\n",
                       p, slots[s], (unsigned long long)got,
                       (unsigned long long)pattern(p, s));
                return 1;
            }
        }
    free((void *)m);
    /* The freed range is reusable: a second big block works too. */
    m = malloc(SIZE / 2);
    if (!m) {
        printf("FAIL: malloc(128 MiB) after free returned NULL\n");
        return 1;
    }
    for (p = 0; p < pages / 2; p++)
        m[p * (PAGE / 8)] = p;
    for (p = 0; p < pages / 2; p++)
        if (m[p * (PAGE / 8)] != p) {
            printf("FAIL: second block page %zu lost its value\n", p);
            return 1;
        }
    free((void *)m);
    printf("touched %zu pages\n", pages);
    return 0;
}
