/* Guest memory dumps, for `cloak dump-check`: the ELF core file QEMU's
 * dump-guest-memory writes (paging=false: one PT_LOAD segment per block of
 * guest RAM, p_paddr its guest-physical address), searching it for a
 * secret, and telling private memory from the shared DMA range the kernel
 * announces in its log ("dma-heap: phys=0xADDR size=0xSIZE").
 *
 * Everything here is pure (buffers in, results out), so it is unit-tested
 * without a VM. */
#ifndef CLOAK_TOOLS_MEMDUMP_H
#define CLOAK_TOOLS_MEMDUMP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* One block of guest RAM inside the dump file. */
struct memdump_range {
    uint64_t gpa;             /* guest-physical address of its first byte */
    uint64_t offset;          /* where its bytes are in the file */
    uint64_t size;            /* bytes present in the file (p_filesz) */
};

/* Reads the PT_LOAD segments of an ELF64 little-endian x86-64 core file.
 * Returns 0 and a malloc'd array (*r, *n; empty segments skipped), or -1
 * with a message in err (not ELF, not a core, headers or data past the end
 * of the file). */
int memdump_parse_elf(const unsigned char *buf, size_t len, struct memdump_range **r,
                      size_t *n, char *err, size_t errlen);

/* The DMA heap from the kernel log: the first line containing
 * "dma-heap: phys=0xADDR size=0xSIZE".  Returns true if found. */
bool memdump_dma_from_log(const char *log, size_t len, uint64_t *phys, uint64_t *size);

enum memdump_where { MEMDUMP_UNKNOWN, MEMDUMP_PRIVATE, MEMDUMP_SHARED };

struct memdump_hit {
    uint64_t gpa;
    bool utf16;               /* found as UTF-16LE */
    enum memdump_where where;
};

struct memdump_result {
    struct memdump_hit *hits; /* malloc'd, in file order, bytes first then UTF-16LE */
    size_t n;
    size_t bytes_private, bytes_shared, bytes_unknown; /* the secret as given */
    size_t utf16_private, utf16_shared, utf16_unknown; /* as UTF-16LE */
    uint64_t ram_bytes;       /* how much guest memory was searched */
    size_t nranges;
};

/* Searches every range for the secret (and its UTF-16LE form: each byte
 * followed by a zero byte) and classifies each hit: shared if any of its
 * bytes lies in [dma_phys, dma_phys + dma_size), private otherwise; unknown
 * when have_dma is false.  A copy split across two ranges is not found.
 * Returns 0, or -1 when out of memory. */
int memdump_search(const unsigned char *buf, const struct memdump_range *r, size_t n,
                   const char *secret, size_t secret_len, bool have_dma, uint64_t dma_phys,
                   uint64_t dma_size, struct memdump_result *res);
void memdump_result_free(struct memdump_result *res);

/* Prints the report: where the DMA range is, each hit's address and kind
 * (at most max_listed of them), and the verdict line, which is either
 *   SECRET FOUND: N copies (P in private memory, S in shared memory)
 * or
 *   secret not found: ...
 * Returns 1 if the secret was found (in either form), else 0. */
int memdump_report(FILE *out, const struct memdump_result *res, const char *secret,
                   size_t secret_len, bool have_dma, uint64_t dma_phys, uint64_t dma_size,
                   size_t max_listed);

#endif
