/* Sizes as people write them on command lines and in configs: a whole
 * number with an optional binary suffix (k, M, G, T, any case, optionally
 * followed by "B" or "iB"): 64M, 1G, 512KiB. */
#ifndef TOOLS_UTIL_SIZE_H
#define TOOLS_UTIL_SIZE_H
#include <stdint.h>

/* A number without a suffix counts in bare_unit bytes (1 for volume
 * sizes, 1 MiB for memory as QEMU's -m).  0 and *bytes, or -1 for text
 * that is not such a size, zero, or more than 64 bits hold. */
int parse_size(const char *s, uint64_t bare_unit, uint64_t *bytes);

#endif
