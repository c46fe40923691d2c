#include "lib/ksyms.h"

extern const char __ksyms_start[], __ksyms_end[];

/* Layout: uint64_t count; struct ksym entries[count]; names. */
const char *ksyms_lookup(uint64_t addr, uint64_t *offset)
{
    if (__ksyms_end - __ksyms_start < 8)
        return 0;
    uint64_t count = *(const uint64_t *)__ksyms_start;
    const struct ksym *syms = (const struct ksym *)(__ksyms_start + 8);
    if (count == 0 || addr < syms[0].addr)
        return 0;
    uint64_t lo = 0, hi = count;
    while (hi - lo > 1) {
        uint64_t mid = (lo + hi) / 2;
        if (syms[mid].addr <= addr)
            lo = mid;
        else
            hi = mid;
    }
    *offset = addr - syms[lo].addr;
    return __ksyms_start + syms[lo].name;
}
