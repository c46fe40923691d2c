/* The program's address space: a sorted list of regions (what Linux calls
 * VMAs) over the lower half of the page tables.  Pages appear on first
 * touch (demand paging), zero-filled. */
#ifndef MM_ADDRESS_SPACE_H
#define MM_ADDRESS_SPACE_H
#include <stdint.h>
#include <stdbool.h>
#include <stddef.h>

#define PROT_NONE  0
#define PROT_READ  1
#define PROT_WRITE 2
#define PROT_EXEC  4

#define REGION_NAME_MAX 128

struct region {
    uint64_t start, end;       /* page aligned, end exclusive */
    unsigned prot;
    char name[REGION_NAME_MAX]; /* "[heap]", "[stack]", a file path, or "" */
    uint64_t file_offset;      /* for named file mappings, shown in maps */
    /* What a private file mapping was copied from, opaque here: the layer
     * above refills discarded pages from it (MADV_DONTNEED).  NULL for
     * anonymous memory. */
    const void *backing;
    struct region *next;
};

struct address_space {
    uint64_t root;             /* page-table root (kernel half shared) */
    struct region *regions;
    uint64_t mmap_base;        /* where searches for free space start */
};

int as_init(struct address_space *as, uint64_t kernel_root);
/* Adds a region over [start, start+len), replacing whatever was there. */
int as_map(struct address_space *as, uint64_t start, uint64_t len, unsigned prot, const char *name,
           uint64_t file_offset);
int as_unmap(struct address_space *as, uint64_t start, uint64_t len);
int as_protect(struct address_space *as, uint64_t start, uint64_t len, unsigned prot);
/* Records what the regions inside [start, start+len) were copied from. */
void as_set_backing(struct address_space *as, uint64_t start, uint64_t len, const void *backing);
/* Drops the pages of [start, start+len) but keeps the regions (next touch
 * gives zeroes; the caller refills file-backed ones): MADV_DONTNEED. */
void as_discard(struct address_space *as, uint64_t start, uint64_t len);
/* A free, page-aligned range of len bytes; prefers `hint` if free.  0 if none. */
uint64_t as_find_free(struct address_space *as, uint64_t len, uint64_t hint);
struct region *as_find(struct address_space *as, uint64_t addr);
bool as_range_free(struct address_space *as, uint64_t start, uint64_t len);
/* True if every byte of [addr, addr+len) lies in regions allowing `prot`. */
bool as_check(struct address_space *as, uint64_t addr, uint64_t len, unsigned prot);
/* Resolves a fault at addr: 0, -EFAULT for a real access violation, or
 * -ENOMEM when no frame is left. */
int as_fault(struct address_space *as, uint64_t addr, bool write, bool fetch);
/* Makes the page holding addr present (as a fault would): 0, -EFAULT when
 * the region does not allow the access, or -ENOMEM. */
int as_ensure(struct address_space *as, uint64_t addr, bool write);
/* Writes into the address space regardless of protection (program loading). */
int as_write(struct address_space *as, uint64_t va, const void *src, size_t len);
/* Copies one page out if it was ever touched: 1, or 0 (never touched). */
int as_read_page(struct address_space *as, uint64_t va, void *dst);

#endif
