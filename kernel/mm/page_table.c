#include "mm/page_table.h"
#include "lib/errno.h"

static struct pt_backend be;
static uint64_t enc_mask;
static bool nx_enabled;

void pt_configure(const struct pt_backend *backend, uint64_t encryption_mask, bool nx)
{
    be = *backend;
    enc_mask = encryption_mask;
    nx_enabled = nx;
}

uint64_t pt_encryption_mask(void)
{
    return enc_mask;
}

pte_t pt_make_leaf(uint64_t phys, unsigned attrs, int level)
{
    pte_t e = (phys & PTE_ADDR_BITS) | PTE_P | PTE_A;
    if (level > 1)
        e |= PTE_PS;
    if (attrs & PT_WRITE)
        e |= PTE_W | PTE_D;
    if (attrs & PT_USER)
        e |= PTE_U;
    if (!(attrs & PT_EXEC) && nx_enabled)
        e |= PTE_NX;
    if (attrs & PT_GLOBAL)
        e |= PTE_G;
    if (attrs & PT_MMIO)
        e |= PTE_PCD | PTE_PWT;
    if (!(attrs & (PT_SHARED | PT_MMIO)))
        e |= enc_mask;
    return e;
}

/* Page-table pages are private memory: they carry the mask too.  Upper
 * levels grant everything; the leaf decides. */
pte_t pt_make_table(uint64_t table_phys, bool user)
{
    return (table_phys & PTE_ADDR_BITS) | PTE_P | PTE_W | (user ? PTE_U : 0) | enc_mask;
}

uint64_t pt_entry_phys(pte_t e, int level)
{
    uint64_t addr = e & PTE_ADDR_BITS & ~enc_mask;
    if (level > 1 && (e & PTE_PS))
        addr &= ~((1ull << (12 + 9 * (level - 1))) - 1);
    return addr;
}

static inline pte_t *table_at(uint64_t phys)
{
    return (pte_t *)be.phys_to_virt(phys);
}

static inline unsigned index_of(uint64_t va, int level)
{
    return (va >> (12 + 9 * (level - 1))) & 511;
}

static inline bool is_user(uint64_t va)
{
    return va < 0x0000800000000000ull;
}

uint64_t pt_new_root(void)
{
    return be.alloc_table();
}

/* Replaces a large leaf at `level` by a table of smaller leaves that map the
 * same memory with the same attributes. */
static int split_large(pte_t *slot, int level)
{
    uint64_t t = be.alloc_table();
    if (t == ~0ull)
        return -ENOMEM;
    pte_t old = *slot;
    pte_t *tbl = table_at(t);
    uint64_t base = pt_entry_phys(old, level);
    uint64_t step = 1ull << (12 + 9 * (level - 2));
    pte_t keep = old & ~(PTE_ADDR_BITS | PTE_PS);
    keep |= old & enc_mask;        /* the mask bit may sit inside the address field */
    for (int i = 0; i < 512; i++) {
        pte_t e = ((base + (uint64_t)i * step) & PTE_ADDR_BITS) | keep;
        if (level - 1 > 1)
            e |= PTE_PS;
        tbl[i] = e;
    }
    *slot = pt_make_table(t, (old & PTE_U) != 0);
    return 0;
}

/* The slot for va at `level`, creating tables on the way when create is set. */
static pte_t *walk(uint64_t root, uint64_t va, int level, bool create)
{
    pte_t *tbl = table_at(root);
    for (int l = 4; l > level; l--) {
        pte_t *slot = &tbl[index_of(va, l)];
        if (!(*slot & PTE_P)) {
            if (!create)
                return 0;
            uint64_t t = be.alloc_table();
            if (t == ~0ull)
                return 0;
            *slot = pt_make_table(t, is_user(va));
        } else if (*slot & PTE_PS) {
            if (!create || split_large(slot, l) < 0)
                return 0;
        }
        tbl = table_at(pt_entry_phys(*slot, l));
    }
    return &tbl[index_of(va, level)];
}

static void flush(uint64_t va)
{
    if (be.flush)
        be.flush(va);
}

int pt_map(uint64_t root, uint64_t va, uint64_t pa, uint64_t size, unsigned attrs, bool allow_large)
{
    /* Count down the remaining size: va + size may wrap to 0 at the top. */
    while (size) {
        bool large = allow_large && !((va | pa) & ((2ull << 20) - 1)) && size >= (2ull << 20);
        int level = large ? 2 : 1;
        pte_t *slot = walk(root, va, level, true);
        if (!slot)
            return -ENOMEM;
        if (large && (*slot & PTE_P) && !(*slot & PTE_PS)) {
            /* A table of small pages is being replaced by one large page. */
            be.free_table(pt_entry_phys(*slot, 2));
        }
        *slot = pt_make_leaf(pa, attrs, level);
        flush(va);
        uint64_t step = large ? (2ull << 20) : 4096;
        if (step >= size)
            break;
        va += step;
        pa += step;
        size -= step;
    }
    return 0;
}

/* Finds the leaf mapping va, whatever its size, without changing anything.
 * NULL if none; *level_out is then the level of the absent entry. */
static pte_t *find_leaf(uint64_t root, uint64_t va, int *level_out)
{
    pte_t *tbl = table_at(root);
    for (int l = 4; l >= 1; l--) {
        pte_t *slot = &tbl[index_of(va, l)];
        if (!(*slot & PTE_P)) {
            *level_out = l;
            return 0;
        }
        if (l == 1 || (*slot & PTE_PS)) {
            *level_out = l;
            return slot;
        }
        tbl = table_at(pt_entry_phys(*slot, l));
    }
    return 0;
}

/* Bytes from va to the end of the range an absent entry at level covers:
 * nothing is mapped there, so a walk over a range may skip them. */
static uint64_t absent_span(uint64_t va, int level)
{
    uint64_t span = 1ull << (12 + 9 * (level - 1));
    return span - (va & (span - 1));
}

/* Unmaps the 4 KiB entries from slot (va's) to the end of its table or of
 * left bytes, whichever comes first; returns the bytes covered. */
static uint64_t unmap_in_table(pte_t *slot, uint64_t va, uint64_t left, void (*release)(uint64_t pa))
{
    uint64_t done = 0;
    do {
        if (*slot & PTE_P) {
            uint64_t pa = pt_entry_phys(*slot, 1);
            *slot = 0;
            flush(va + done);
            if (release)
                release(pa);
        }
        slot++;
        done += 4096;
    } while (left - done >= 4096 && index_of(va + done, 1) != 0);
    return done;
}

/* Walks each page table once, not once per page, and skips what has no
 * table at all: glibc's thread exit discards the unused part of an 8 MiB
 * stack on every exit. */
void pt_unmap(uint64_t root, uint64_t va, uint64_t size, void (*release)(uint64_t pa))
{
    for (uint64_t left = size, step; left >= 4096; left -= step, va += step) {
        int level;
        pte_t *slot = find_leaf(root, va, &level);
        if (!slot && level > 1) {
            step = absent_span(va, level);
        } else {
            /* A large page is split down to 4 KiB; an absent 4 KiB entry
             * has its table. */
            slot = level > 1 || !slot ? walk(root, va, 1, level > 1) : slot;
            step = slot ? unmap_in_table(slot, va, left, release) : 4096;
        }
        if (step >= left)
            break;
    }
}

void pt_protect(uint64_t root, uint64_t va, uint64_t size, unsigned attrs)
{
    for (uint64_t left = size; left >= 4096; left -= 4096, va += 4096) {
        int level;
        pte_t *slot = find_leaf(root, va, &level);
        if (!slot)
            continue;
        if (level > 1) {
            slot = walk(root, va, 1, true);
            if (!slot)
                continue;
        }
        /* A protection change never changes whether memory is shared. */
        bool shared = enc_mask && !(*slot & enc_mask);
        *slot = pt_make_leaf(pt_entry_phys(*slot, 1), attrs | (shared ? PT_SHARED : 0), 1);
        flush(va);
    }
}

bool pt_lookup(uint64_t root, uint64_t va, uint64_t *pa, pte_t *leaf)
{
    int level;
    pte_t *slot = find_leaf(root, va, &level);
    if (!slot)
        return false;
    uint64_t offset_mask = (1ull << (12 + 9 * (level - 1))) - 1;
    if (pa)
        *pa = pt_entry_phys(*slot, level) | (va & offset_mask);
    if (leaf)
        *leaf = *slot;
    return true;
}

void pt_share_kernel_half(uint64_t dst_root, uint64_t src_root)
{
    pte_t *dst = table_at(dst_root), *src = table_at(src_root);
    for (int i = 256; i < 512; i++)
        dst[i] = src[i];
}

static void free_level(uint64_t table, int level)
{
    pte_t *tbl = table_at(table);
    for (int i = 0; i < 512; i++) {
        if ((tbl[i] & PTE_P) && !(tbl[i] & PTE_PS) && level > 1)
            free_level(pt_entry_phys(tbl[i], level), level - 1);
    }
    be.free_table(table);
}

void pt_free_user_tables(uint64_t root)
{
    pte_t *tbl = table_at(root);
    for (int i = 0; i < 256; i++) {
        if (tbl[i] & PTE_P) {
            free_level(pt_entry_phys(tbl[i], 4), 3);
            tbl[i] = 0;
        }
    }
}
