#include "mm/memory.h"
#include "mm/layout.h"
#include "mm/phys.h"
#include "mm/page_table.h"
#include "mm/heap.h"
#include "mm/dma.h"
#include "arch/x86_64/cpu.h"
#include "lib/string.h"
#include "lib/log.h"

extern char __kernel_start[], __text_start[], __text_end[], __rodata_start[], __rodata_end[];
extern char __data_start[], __kernel_end[];

#define KERNEL_PBASE 0x100000ull
#define LOW_MEMORY (1ull << 20)     /* BIOS data, EBDA, option ROMs: never ours */

static uint64_t kernel_root;
static uint64_t total_ram;
static uint64_t low_page = PHYS_NONE;

static bool overlaps(uint64_t a, uint64_t alen, uint64_t b, uint64_t blen)
{
    return a < b + blen && b < a + alen;
}

static bool is_ram(uint32_t type)
{
    return type == CLOAK_MEM_USABLE || type == CLOAK_MEM_LOADER ||
           type == CLOAK_MEM_ACPI_RECLAIM || type == CLOAK_MEM_ACPI_NVS;
}

/* A spot for the allocator's bitmap: usable, clear of everything in use,
 * and inside the boot direct map (first 4 GiB). */
static uint64_t place_bitmap(const struct cloak_mem_range *r, unsigned n, uint64_t bytes,
                             const struct phys_range *busy, unsigned nbusy)
{
    bytes = PAGE_ROUND_UP(bytes);
    for (unsigned i = 0; i < n; i++) {
        if (r[i].type != CLOAK_MEM_USABLE)
            continue;
        uint64_t start = PAGE_ROUND_UP(r[i].base < LOW_MEMORY ? LOW_MEMORY : r[i].base);
        uint64_t end = PAGE_ROUND_DOWN(r[i].base + r[i].length);
        while (start + bytes <= end && start + bytes <= (4ull << 30)) {
            bool clash = false;
            for (unsigned k = 0; k < nbusy; k++) {
                if (overlaps(start, bytes, busy[k].base, busy[k].length)) {
                    start = PAGE_ROUND_UP(busy[k].base + busy[k].length);
                    clash = true;
                    break;
                }
            }
            if (!clash)
                return start;
        }
    }
    return PHYS_NONE;
}

/* The highest page below 640 KiB that the map calls usable RAM and that
 * nothing kept lies on (page 0 holds the real-mode interrupt table). */
static uint64_t pick_low_page(const struct cloak_mem_range *r, unsigned n,
                              const struct phys_range *keep, unsigned nkeep)
{
    for (uint64_t p = 0xa0000 - PAGE_SIZE; p >= PAGE_SIZE; p -= PAGE_SIZE) {
        bool usable = false;
        for (unsigned i = 0; i < n && !usable; i++)
            usable = r[i].type == CLOAK_MEM_USABLE && r[i].base <= p && p + PAGE_SIZE <= r[i].base + r[i].length;
        for (unsigned k = 0; k < nkeep && usable; k++)
            usable = !overlaps(p, PAGE_SIZE, keep[k].base, keep[k].length);
        if (usable)
            return p;
    }
    return PHYS_NONE;
}

static void *boot_p2v(uint64_t p) { return phys_to_virt(p); }
static uint64_t boot_alloc_table(void)
{
    uint64_t p = phys_alloc_zeroed_page();
    return p == PHYS_NONE ? ~0ull : p;
}
static void boot_free_table(uint64_t p) { phys_free_page(p); }
static void boot_flush(uint64_t va)
{
    if ((read_cr3() & PTE_ADDR_BITS) == kernel_root)
        invlpg(va);
}

static void map_or_die(uint64_t va, uint64_t pa, uint64_t size, unsigned attrs)
{
    if (pt_map(kernel_root, va, pa, size, attrs, true) < 0)
        panic("mm: out of memory while building the kernel page tables");
}

static void map_kernel_image(void)
{
    uint64_t text = (uint64_t)__text_start, rodata = (uint64_t)__rodata_start;
    uint64_t data = (uint64_t)__data_start, end = PAGE_ROUND_UP((uint64_t)__kernel_end);
    map_or_die(text, text - KERNEL_VBASE, PAGE_ROUND_UP((uint64_t)__text_end) - text, PT_EXEC | PT_GLOBAL);
    map_or_die(rodata, rodata - KERNEL_VBASE, PAGE_ROUND_UP((uint64_t)__rodata_end) - rodata, PT_GLOBAL);
    map_or_die(data, data - KERNEL_VBASE, end - data, PT_WRITE | PT_GLOBAL);
}

/* RAM at the direct map, private; the DMA heap is left out so no page is
 * ever mapped both private and shared. */
static void map_direct(const struct cloak_mem_range *r, unsigned n, uint64_t dma, uint64_t dma_size)
{
    for (unsigned i = 0; i < n; i++) {
        if (!is_ram(r[i].type))
            continue;
        uint64_t start = PAGE_ROUND_DOWN(r[i].base), end = PAGE_ROUND_UP(r[i].base + r[i].length);
        if (overlaps(start, end - start, dma, dma_size)) {
            if (start < dma)
                map_or_die(DIRECT_MAP_BASE + start, start, dma - start, PT_WRITE | PT_GLOBAL);
            if (end > dma + dma_size)
                map_or_die(DIRECT_MAP_BASE + dma + dma_size, dma + dma_size, end - dma - dma_size,
                           PT_WRITE | PT_GLOBAL);
        } else {
            map_or_die(DIRECT_MAP_BASE + start, start, end - start, PT_WRITE | PT_GLOBAL);
        }
    }
}

/* What the kernel keeps (the boot archive) may lie partly outside RAM as
 * the memory map names it: SeaBIOS reserves what its own NVMe driver took
 * at the top of RAM after QEMU chose where the initrd goes.  Those pages
 * are mapped too, one at a time. */
static void map_kept(const struct cloak_mem_range *r, unsigned n, const struct phys_range *keep, unsigned nkeep)
{
    for (unsigned k = 0; k < nkeep; k++) {
        uint64_t end = PAGE_ROUND_UP(keep[k].base + keep[k].length);
        for (uint64_t p = PAGE_ROUND_DOWN(keep[k].base); p < end; p += PAGE_SIZE) {
            bool ram = false;
            for (unsigned i = 0; i < n && !ram; i++)
                ram = is_ram(r[i].type) && overlaps(p, PAGE_SIZE, r[i].base, r[i].length);
            if (!ram)
                map_or_die(DIRECT_MAP_BASE + p, p, PAGE_SIZE, PT_WRITE | PT_GLOBAL);
        }
    }
}

static uint64_t dma_heap_size(void)
{
    uint64_t s = total_ram / 32;
    if (s < (512ull << 10))
        s = 512ull << 10;
    if (s > (16ull << 20))
        s = 16ull << 20;
    return PAGE_ROUND_UP(s);
}

uint64_t mm_init(const struct cloak_mem_range *r, unsigned n, const struct phys_range *keep, unsigned nkeep,
                 uint64_t encryption_mask)
{
    uint64_t top = 0;
    for (unsigned i = 0; i < n; i++) {
        if (r[i].type == CLOAK_MEM_USABLE) {
            total_ram += r[i].length;
            if (r[i].base + r[i].length > top)
                top = r[i].base + r[i].length;
        }
    }
    if (!top)
        panic("mm: the memory map has no usable RAM");

    struct phys_range busy[16];
    unsigned nbusy = 0;
    busy[nbusy++] = (struct phys_range){ 0, LOW_MEMORY };
    busy[nbusy++] = (struct phys_range){ KERNEL_PBASE, (uint64_t)__kernel_end - KERNEL_VBASE - KERNEL_PBASE };
    for (unsigned k = 0; k < nkeep && nbusy < 15; k++)
        busy[nbusy++] = keep[k];

    size_t bm_bytes = phys_bitmap_bytes(top);
    uint64_t bm = place_bitmap(r, n, bm_bytes, busy, nbusy);
    if (bm == PHYS_NONE)
        panic("mm: no room for the page-frame bitmap (%zu bytes)", bm_bytes);
    busy[nbusy++] = (struct phys_range){ bm, PAGE_ROUND_UP(bm_bytes) };

    phys_allocator_init(&phys_mem, phys_to_virt(bm), top);
    for (unsigned i = 0; i < n; i++)
        if (r[i].type == CLOAK_MEM_USABLE)
            phys_allocator_add(&phys_mem, r[i].base, r[i].length);
    for (unsigned k = 0; k < nbusy; k++)
        phys_allocator_reserve(&phys_mem, busy[k].base, busy[k].length);
    /* Inside the low megabyte, which is reserved already; said again so
     * that the page stays out of the allocator whatever becomes of that. */
    low_page = pick_low_page(r, n, keep, nkeep);
    if (low_page != PHYS_NONE)
        phys_allocator_reserve(&phys_mem, low_page, PAGE_SIZE);

    uint64_t dma_size = dma_heap_size();
    uint64_t dma = phys_allocator_alloc(&phys_mem, dma_size / PAGE_SIZE, 1);
    if (dma == PHYS_NONE)
        panic("mm: no room for the DMA heap (%lu KiB)", dma_size >> 10);

    struct pt_backend be = { boot_p2v, boot_alloc_table, boot_free_table, boot_flush };
    pt_configure(&be, encryption_mask, cpu_features.nx);
    if (encryption_mask) {
        /* The DMA heap turns shared: no cache line may keep a private copy. */
        cpu_flush_cache_range((uint64_t)phys_to_virt(dma), dma_size);
    }
    kernel_root = pt_new_root();
    if (kernel_root == ~0ull)
        panic("mm: out of memory for the page-table root");
    map_kernel_image();
    map_direct(r, n, dma, dma_size);
    map_kept(r, n, keep, nkeep);
    map_or_die(DMA_MAP_BASE + dma, dma, dma_size, PT_WRITE | PT_SHARED | PT_GLOBAL);
    write_cr3(kernel_root);
    write_cr4(read_cr4() | (1u << 7));        /* PGE: global kernel pages */

    heap_init(kernel_root);
    dma_init(dma, dma_size);
    klog("mm: %lu MiB RAM, %lu KiB free, DMA heap %lu KiB at %lx, frame bitmap %zu bytes",
         total_ram >> 20, phys_mem.free_pages * 4, dma_size >> 10, dma, bm_bytes);
    klog("dma-heap: phys=0x%lx size=0x%lx", dma, dma_size);
    return kernel_root;
}

uint64_t mm_kernel_root(void)
{
    return kernel_root;
}

uint64_t mm_low_page(void)
{
    return low_page;
}

uint64_t mm_ap_boot_root(uint64_t page)
{
    uint64_t root = pt_new_root();
    if (root == ~0ull)
        return ~0ull;
    if (pt_map(root, page, page, PAGE_SIZE, PT_WRITE | PT_EXEC, false) < 0) {
        mm_ap_boot_root_free(root);
        return ~0ull;
    }
    pt_share_kernel_half(root, kernel_root);
    return root;
}

void mm_ap_boot_root_free(uint64_t root)
{
    pt_free_user_tables(root);
    phys_free_page(root);
}

uint64_t mm_total_ram(void)
{
    return total_ram;
}
