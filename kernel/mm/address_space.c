#include "mm/address_space.h"
#include "mm/tlb.h"
#include "arch/x86_64/cpu.h"
#include "mm/layout.h"
#include "mm/page_table.h"
#include "mm/phys.h"
#include "mm/heap.h"
#include "mm/user_window.h"
#include "lib/log.h"
#include "lib/string.h"
#include "lib/errno.h"

#define USER_MIN 0x10000ull              /* mmap_min_addr, as Linux */
#define MMAP_BASE 0x00007f0000000000ull

int as_init(struct address_space *as, uint64_t kernel_root)
{
    as->root = kernel_root;
    as->regions = 0;
    as->mmap_base = MMAP_BASE;
    return 0;
}

static unsigned attrs_for(unsigned prot)
{
    unsigned a = PT_USER;
    if (prot & PROT_WRITE)
        a |= PT_WRITE;
    if (prot & PROT_EXEC)
        a |= PT_EXEC;
    return a;
}

/* Another CPU may still translate to the frame until the shootdown
 * (mm/tlb.h) that follows each change. */
static void release_frame(uint64_t pa)
{
    tlb_free_frame_later(pa);
}

static struct region *new_region(uint64_t start, uint64_t end, unsigned prot, const char *name, uint64_t off)
{
    struct region *r = kzalloc(sizeof(*r));
    if (!r)
        return 0;
    r->start = start;
    r->end = end;
    r->prot = prot;
    r->file_offset = off;
    if (name)
        strlcpy(r->name, name, sizeof(r->name));
    return r;
}

/* Splits the region containing addr so that a region boundary falls there. */
static int split_at(struct address_space *as, uint64_t addr)
{
    for (struct region *r = as->regions; r; r = r->next) {
        if (r->start < addr && addr < r->end) {
            struct region *tail = new_region(addr, r->end, r->prot, r->name,
                                             r->name[0] ? r->file_offset + (addr - r->start) : 0);
            if (!tail)
                return -ENOMEM;
            tail->backing = r->backing;
            tail->next = r->next;
            r->next = tail;
            r->end = addr;
            return 0;
        }
    }
    return 0;
}

/* Removes regions inside [start, end) (boundaries already split) and frees
 * their pages. */
static void remove_range(struct address_space *as, uint64_t start, uint64_t end)
{
    struct region **pp = &as->regions;
    while (*pp) {
        struct region *r = *pp;
        if (r->start >= start && r->end <= end) {
            *pp = r->next;
            pt_unmap(as->root, r->start, r->end - r->start, release_frame);
            kfree(r);
        } else {
            pp = &r->next;
        }
    }
    tlb_sync_user();
}

/* A device may be writing into a pinned page right now: freeing it would
 * hand the frame to someone else under the device's feet.  Only kernel
 * code runs while a pin is held, so this is a kernel bug. */
static void refuse_if_pinned(uint64_t start, uint64_t len)
{
    if (user_window_pinned(start, len))
        panic("address space: pages of %lx+%lx are pinned for a device", start, len);
}

static bool range_ok(uint64_t start, uint64_t len)
{
    return len && !(start & (PAGE_SIZE - 1)) && start >= USER_MIN && start < USER_TOP &&
           len <= USER_TOP - start;
}

/* Joins neighbouring regions that continue each other (as Linux merges
 * VMAs), so brk growth and mprotect splits do not pile up regions. */
static void coalesce(struct address_space *as)
{
    for (struct region *r = as->regions; r && r->next;) {
        struct region *n = r->next;
        bool file = r->name[0] == '/';
        if (r->end == n->start && r->prot == n->prot && !strcmp(r->name, n->name) && r->backing == n->backing &&
            (!file || r->file_offset + (r->end - r->start) == n->file_offset)) {
            r->end = n->end;
            r->next = n->next;
            kfree(n);
        } else {
            r = n;
        }
    }
}

int as_map(struct address_space *as, uint64_t start, uint64_t len, unsigned prot, const char *name,
           uint64_t file_offset)
{
    len = PAGE_ROUND_UP(len);
    if (!range_ok(start, len))
        return -EINVAL;
    uint64_t end = start + len;
    struct region *r = new_region(start, end, prot, name, file_offset);
    if (!r)
        return -ENOMEM;
    if (split_at(as, start) < 0 || split_at(as, end) < 0) {
        kfree(r);
        return -ENOMEM;
    }
    refuse_if_pinned(start, len);
    remove_range(as, start, end);
    struct region **pp = &as->regions;
    while (*pp && (*pp)->start < start)
        pp = &(*pp)->next;
    r->next = *pp;
    *pp = r;
    coalesce(as);
    return 0;
}

int as_unmap(struct address_space *as, uint64_t start, uint64_t len)
{
    len = PAGE_ROUND_UP(len);
    if (!range_ok(start, len))
        return -EINVAL;
    if (split_at(as, start) < 0 || split_at(as, start + len) < 0)
        return -ENOMEM;
    refuse_if_pinned(start, len);
    remove_range(as, start, start + len);
    return 0;
}

int as_protect(struct address_space *as, uint64_t start, uint64_t len, unsigned prot)
{
    len = PAGE_ROUND_UP(len);
    if (!range_ok(start, len))
        return -EINVAL;
    uint64_t end = start + len;
    /* Linux fails with ENOMEM if part of the range is unmapped. */
    uint64_t at = start;
    for (struct region *r = as->regions; r && at < end; r = r->next) {
        if (r->end <= at)
            continue;
        if (r->start > at)
            return -ENOMEM;
        at = r->end;
    }
    if (at < end)
        return -ENOMEM;
    if (split_at(as, start) < 0 || split_at(as, end) < 0)
        return -ENOMEM;
    for (struct region *r = as->regions; r; r = r->next) {
        if (r->start >= start && r->end <= end) {
            r->prot = prot;
            /* PROT_NONE pages stay present but supervisor-only. */
            pt_protect(as->root, r->start, r->end - r->start, prot == PROT_NONE ? 0 : attrs_for(prot));
        }
    }
    tlb_sync_user_protect();
    coalesce(as);
    return 0;
}

void as_set_backing(struct address_space *as, uint64_t start, uint64_t len, const void *backing)
{
    for (struct region *r = as->regions; r; r = r->next)
        if (r->start >= start && r->end <= start + len)
            r->backing = backing;
}

void as_discard(struct address_space *as, uint64_t start, uint64_t len)
{
    refuse_if_pinned(PAGE_ROUND_DOWN(start), PAGE_ROUND_UP(len));
    pt_unmap(as->root, PAGE_ROUND_DOWN(start), PAGE_ROUND_UP(len), release_frame);
    tlb_sync_user();
}

struct region *as_find(struct address_space *as, uint64_t addr)
{
    for (struct region *r = as->regions; r; r = r->next)
        if (addr >= r->start && addr < r->end)
            return r;
    return 0;
}

bool as_range_free(struct address_space *as, uint64_t start, uint64_t len)
{
    if (!range_ok(start, len))
        return false;
    for (struct region *r = as->regions; r; r = r->next)
        if (r->start < start + len && start < r->end)
            return false;
    return true;
}

uint64_t as_find_free(struct address_space *as, uint64_t len, uint64_t hint)
{
    len = PAGE_ROUND_UP(len);
    if (hint && as_range_free(as, PAGE_ROUND_DOWN(hint), len))
        return PAGE_ROUND_DOWN(hint);
    /* Top-down from mmap_base, like Linux: the highest gap that fits. */
    uint64_t limit = as->mmap_base;
    uint64_t best = 0;
    uint64_t prev_end = USER_MIN;
    for (struct region *r = as->regions;; r = r->next) {
        uint64_t gap_start = prev_end;
        uint64_t gap_end = r ? r->start : USER_TOP;
        if (gap_end > limit)
            gap_end = limit;
        if (gap_end > gap_start && gap_end - gap_start >= len)
            best = gap_end - len;
        if (!r)
            break;
        if (r->end > prev_end)
            prev_end = r->end;
    }
    return best;
}

bool as_check(struct address_space *as, uint64_t addr, uint64_t len, unsigned prot)
{
    if (len == 0)
        return true;
    if (addr >= USER_TOP || len > USER_TOP - addr)
        return false;
    uint64_t end = addr + len;
    for (struct region *r = as->regions; r && addr < end; r = r->next) {
        if (r->end <= addr)
            continue;
        if (r->start > addr || (r->prot & prot) != prot)
            return false;
        addr = r->end;
    }
    return addr >= end;
}

static uint64_t ensure_page(struct address_space *as, struct region *r, uint64_t va)
{
    uint64_t pa;
    if (pt_lookup(as->root, va, &pa, 0))
        return PAGE_ROUND_DOWN(pa);
    pa = phys_alloc_zeroed_page();
    if (pa == PHYS_NONE)
        return PHYS_NONE;
    if (pt_map(as->root, va, pa, PAGE_SIZE, r->prot == PROT_NONE ? 0 : attrs_for(r->prot), false) < 0) {
        phys_free_page(pa);
        return PHYS_NONE;
    }
    if (r->prot == PROT_NONE)
        pt_protect(as->root, va, PAGE_SIZE, 0);
    return pa;
}

int as_fault(struct address_space *as, uint64_t addr, bool write, bool fetch)
{
    struct region *r = as_find(as, addr);
    if (!r || r->prot == PROT_NONE)
        return -EFAULT;
    if ((write && !(r->prot & PROT_WRITE)) || (fetch && !(r->prot & PROT_EXEC)))
        return -EFAULT;
    uint64_t va = PAGE_ROUND_DOWN(addr);
    pte_t e;
    if (pt_lookup(as->root, va, 0, &e)) {
        /* Present.  If the entry allows the access, the fault is spurious:
         * another CPU mapped the page between this CPU's fault and its turn
         * at the kernel lock, or this CPU's TLB held an older, narrower
         * entry.  Drop that entry and let the access run again. */
        bool allows = (e & PTE_U) && (!write || (e & PTE_W)) && (!fetch || !(e & PTE_NX));
        if (!allows)
            return -EFAULT;       /* a real protection fault */
        invlpg(va);
        return 0;
    }
    return ensure_page(as, r, va) == PHYS_NONE ? -ENOMEM : 0;
}

int as_ensure(struct address_space *as, uint64_t addr, bool write)
{
    struct region *r = as_find(as, addr);
    if (!r || r->prot == PROT_NONE || (write && !(r->prot & PROT_WRITE)))
        return -EFAULT;
    return ensure_page(as, r, PAGE_ROUND_DOWN(addr)) == PHYS_NONE ? -ENOMEM : 0;
}

int as_write(struct address_space *as, uint64_t va, const void *src, size_t len)
{
    const uint8_t *s = src;
    while (len) {
        struct region *r = as_find(as, va);
        if (!r)
            return -EFAULT;
        uint64_t pa = ensure_page(as, r, PAGE_ROUND_DOWN(va));
        if (pa == PHYS_NONE)
            return -ENOMEM;
        uint64_t off = va & (PAGE_SIZE - 1);
        size_t n = PAGE_SIZE - off < len ? PAGE_SIZE - off : len;
        memcpy((uint8_t *)phys_to_virt(pa) + off, s, n);
        s += n;
        va += n;
        len -= n;
    }
    return 0;
}

int as_read_page(struct address_space *as, uint64_t va, void *dst)
{
    uint64_t pa;
    if (!pt_lookup(as->root, va, &pa, 0))
        return 0;               /* never touched: reads as zero, nothing to copy */
    memcpy(dst, phys_to_virt(PAGE_ROUND_DOWN(pa)), PAGE_SIZE);
    return 1;
}
