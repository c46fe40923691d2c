/* Page tables.  This module is the only place that knows the memory
 * encryption mask (the SEV C-bit): private memory is mapped with it, shared
 * memory (the DMA heap) and MMIO without it.  Callers say what a mapping is
 * for; they never see PTE bits. */
#ifndef MM_PAGE_TABLE_H
#define MM_PAGE_TABLE_H
#include <stdint.h>
#include <stdbool.h>

typedef uint64_t pte_t;

/* Mapping attributes. */
#define PT_WRITE   0x01u
#define PT_EXEC    0x02u
#define PT_USER    0x04u
#define PT_SHARED  0x08u   /* visible to the host and devices: no encryption */
#define PT_MMIO    0x10u   /* device registers: shared and uncached */
#define PT_GLOBAL  0x20u

/* Hardware PTE bits (exposed for tests and the fault handler). */
#define PTE_P   (1ull << 0)
#define PTE_W   (1ull << 1)
#define PTE_U   (1ull << 2)
#define PTE_PWT (1ull << 3)
#define PTE_PCD (1ull << 4)
#define PTE_A   (1ull << 5)
#define PTE_D   (1ull << 6)
#define PTE_PS  (1ull << 7)
#define PTE_G   (1ull << 8)
#define PTE_NX  (1ull << 63)
#define PTE_ADDR_BITS 0x000ffffffffff000ull

/* How the module reaches physical memory; the kernel uses the direct map,
 * host tests use a fake. */
struct pt_backend {
    void *(*phys_to_virt)(uint64_t phys);
    uint64_t (*alloc_table)(void);     /* zeroed 4 KiB frame, or ~0 */
    void (*free_table)(uint64_t phys);
    void (*flush)(uint64_t va);        /* TLB shootdown of one page, may be NULL */
};

void pt_configure(const struct pt_backend *backend, uint64_t encryption_mask, bool nx);
uint64_t pt_encryption_mask(void);

/* Entry construction (pure). level 1 = PTE, 2 = PDE, 3 = PDPTE, 4 = PML4E. */
pte_t pt_make_leaf(uint64_t phys, unsigned attrs, int level);
pte_t pt_make_table(uint64_t table_phys, bool user);
uint64_t pt_entry_phys(pte_t e, int level);

/* A fresh, empty top-level table; ~0 when out of memory. */
uint64_t pt_new_root(void);
/* Maps [va, va+size) to [pa, pa+size), using 2 MiB pages where both are
 * aligned and allow_large is set.  Replaces existing mappings.  0 or -ENOMEM. */
int pt_map(uint64_t root, uint64_t va, uint64_t pa, uint64_t size, unsigned attrs, bool allow_large);
/* Removes mappings in [va, va+size) (4 KiB granular, splitting large pages);
 * calls release(pa) for each 4 KiB page that was mapped, if given. */
void pt_unmap(uint64_t root, uint64_t va, uint64_t size, void (*release)(uint64_t pa));
/* Changes the attributes of mapped pages in the range, keeping addresses. */
void pt_protect(uint64_t root, uint64_t va, uint64_t size, unsigned attrs);
/* The physical address va maps to, and its leaf entry; false if unmapped. */
bool pt_lookup(uint64_t root, uint64_t va, uint64_t *pa, pte_t *leaf);
/* Makes dst_root's upper (kernel) half the same as src_root's: the same
 * top-level entries, so both share every kernel table below them. */
void pt_share_kernel_half(uint64_t dst_root, uint64_t src_root);
/* Walks every present entry of the lower (user) half and frees the tables. */
void pt_free_user_tables(uint64_t root);

#endif
