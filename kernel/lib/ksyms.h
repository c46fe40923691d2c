#ifndef LIB_KSYMS_H
#define LIB_KSYMS_H
#include <stdint.h>

/* The kernel's text symbols, generated at link time (scripts/ksyms.sh) into
 * section .ksyms: a sorted array of entries followed by the names. */
struct ksym {
    uint64_t addr;
    uint32_t name;        /* offset of the name from the start of the table */
    uint32_t reserved;
};

/* Name of the function containing addr, or NULL. */
const char *ksyms_lookup(uint64_t addr, uint64_t *offset);

#endif
