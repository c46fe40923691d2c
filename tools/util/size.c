#include "size.h"
#include <string.h>

int parse_size(const char *s, uint64_t bare_unit, uint64_t *bytes)
{
    uint64_t n = 0, mul = bare_unit;
    const char *p = s;

    if (!s || *s < '0' || *s > '9')
        return -1;
    for (; *p >= '0' && *p <= '9'; p++) {
        if (n > (UINT64_MAX - 9) / 10)
            return -1;
        n = n * 10 + (uint64_t)(*p - '0');
    }
    switch (*p) {
    case 'k': case 'K': mul = 1ull << 10; p++; break;
    case 'm': case 'M': mul = 1ull << 20; p++; break;
    case 'g': case 'G': mul = 1ull << 30; p++; break;
    case 't': case 'T': mul = 1ull << 40; p++; break;
    default: break;
    }
    /* After a suffix, "B" or "iB" may follow ("64MB", "1GiB"). */
    if (p > s && p[-1] > '9' && (strcmp(p, "B") == 0 || strcmp(p, "b") == 0 || strcmp(p, "iB") == 0))
        p += strlen(p);
    if (*p != '\0' || n == 0 || n > UINT64_MAX / mul)
        return -1;
    *bytes = n * mul;
    return 0;
}
