#include "init/boot_info.h"
#include "mm/layout.h"
#include "lib/string.h"

#define HVM_START_MAGIC 0x336ec578u

struct hvm_start_info {
    uint32_t magic, version, flags, nr_modules;
    uint64_t modlist_paddr, cmdline_paddr, rsdp_paddr, memmap_paddr;
    uint32_t memmap_entries, reserved;
};
struct hvm_modlist_entry { uint64_t paddr, size, cmdline_paddr, reserved; };
struct hvm_memmap_entry { uint64_t addr, size; uint32_t type, reserved; };

/* The boot page tables map the first 4 GiB at the direct map; anything the
 * boot protocol hands us must lie there. */
#define BOOT_MAPPED_LIMIT (4ull << 30)

static int in_boot_map(uint64_t phys, uint64_t len)
{
    return phys < BOOT_MAPPED_LIMIT && len <= BOOT_MAPPED_LIMIT - phys;
}

static void copy_cmdline(struct boot_info *bi, uint64_t phys)
{
    bi->cmdline[0] = 0;
    if (!phys || !in_boot_map(phys, sizeof(bi->cmdline)))
        return;
    const char *s = phys_to_virt(phys);
    size_t n = strnlen(s, sizeof(bi->cmdline) - 1);
    memcpy(bi->cmdline, s, n);
    bi->cmdline[n] = 0;
}

static uint32_t e820_to_cloak(uint32_t t)
{
    switch (t) {
    case 1: return CLOAK_MEM_USABLE;
    case 3: return CLOAK_MEM_ACPI_RECLAIM;
    case 4: return CLOAK_MEM_ACPI_NVS;
    default: return CLOAK_MEM_RESERVED;
    }
}

static const char *parse_pvh(struct boot_info *bi, uint64_t phys)
{
    if (!in_boot_map(phys, sizeof(struct hvm_start_info)))
        return "PVH start info outside the first 4 GiB";
    const struct hvm_start_info *si = phys_to_virt(phys);
    if (si->magic != HVM_START_MAGIC)
        return "PVH start info has a bad magic number";
    if (si->version < 1 || !si->memmap_paddr || !si->memmap_entries)
        return "PVH start info carries no memory map (version 0?)";
    if (si->memmap_entries > BOOT_MAX_RANGES ||
        !in_boot_map(si->memmap_paddr, si->memmap_entries * sizeof(struct hvm_memmap_entry)))
        return "PVH memory map is too large or out of reach";
    const struct hvm_memmap_entry *mm = phys_to_virt(si->memmap_paddr);
    for (uint32_t i = 0; i < si->memmap_entries; i++) {
        bi->ranges[i].base = mm[i].addr;
        bi->ranges[i].length = mm[i].size;
        bi->ranges[i].type = e820_to_cloak(mm[i].type);
    }
    bi->nranges = si->memmap_entries;
    copy_cmdline(bi, si->cmdline_paddr);
    bi->rsdp = si->rsdp_paddr;
    if (si->nr_modules >= 1 && in_boot_map(si->modlist_paddr, sizeof(struct hvm_modlist_entry))) {
        const struct hvm_modlist_entry *mod = phys_to_virt(si->modlist_paddr);
        bi->archive_phys = mod->paddr;
        bi->archive_size = mod->size;
    }
    return 0;
}

static const char *parse_uefi(struct boot_info *bi, uint64_t phys)
{
    if (!in_boot_map(phys, sizeof(struct cloak_handoff)))
        return "UEFI handoff outside the first 4 GiB";
    const struct cloak_handoff *h = phys_to_virt(phys);
    if (h->magic != CLOAK_HANDOFF_MAGIC)
        return "UEFI handoff has a bad magic number (loader and kernel do not match)";
    if (h->mem_range_count == 0 || h->mem_range_count > BOOT_MAX_RANGES ||
        !in_boot_map(h->mem_ranges, h->mem_range_count * sizeof(struct cloak_mem_range)))
        return "UEFI handoff memory map is empty, too large or out of reach";
    memcpy(bi->ranges, phys_to_virt(h->mem_ranges), h->mem_range_count * sizeof(struct cloak_mem_range));
    bi->nranges = h->mem_range_count;
    copy_cmdline(bi, h->cmdline);
    bi->rsdp = h->rsdp;
    bi->archive_phys = h->archive_base;
    bi->archive_size = h->archive_size;
    return 0;
}

const char *boot_info_parse(struct boot_info *bi, uint64_t phys, int kind)
{
    memset(bi, 0, sizeof(*bi));
    bi->kind = kind;
    const char *err = kind == BOOT_KIND_PVH ? parse_pvh(bi, phys)
                    : kind == BOOT_KIND_UEFI ? parse_uefi(bi, phys)
                    : "unknown boot protocol";
    if (err)
        return err;
    if (bi->archive_size && !in_boot_map(bi->archive_phys, bi->archive_size))
        return "boot archive lies outside the first 4 GiB";
    return 0;
}
