/* The contract between a boot loader (boot/uefi) and the kernel's 64-bit
 * entry.  The PVH path builds the same structure inside the kernel from
 * QEMU's hvm_start_info, so everything after entry sees one format. */
#ifndef CLOAK_BOOT_HANDOFF_H
#define CLOAK_BOOT_HANDOFF_H

#include <stdint.h>

#define CLOAK_HANDOFF_MAGIC 0x314f48414b4f4c43ULL /* "CLOAKHO1" little-endian */

/* Memory range types in the handoff memory map. */
enum cloak_mem_type {
    CLOAK_MEM_USABLE = 1,      /* free RAM the kernel may allocate */
    CLOAK_MEM_RESERVED = 2,    /* firmware, MMIO holes, anything unknown */
    CLOAK_MEM_ACPI_RECLAIM = 3,/* ACPI tables; kept until parsed */
    CLOAK_MEM_ACPI_NVS = 4,    /* firmware-owned forever */
    CLOAK_MEM_LOADER = 5,      /* kernel image, boot archive, handoff data */
};

struct cloak_mem_range {
    uint64_t base;
    uint64_t length;
    uint32_t type;             /* enum cloak_mem_type */
    uint32_t reserved;
};

/* All addresses are guest-physical.  The loader calls the kernel's ELF
 * entry point (e_entry, identity-mapped, 64-bit) with interrupts off,
 * boot services exited, and RDI = physical address of this structure. */
struct cloak_handoff {
    uint64_t magic;            /* CLOAK_HANDOFF_MAGIC */
    uint64_t rsdp;             /* ACPI RSDP, 0 if the loader found none */
    uint64_t archive_base;     /* boot archive (cpio newc), page aligned */
    uint64_t archive_size;
    uint64_t cmdline;          /* NUL-terminated kernel command line, or 0 */
    uint64_t mem_ranges;       /* array of struct cloak_mem_range */
    uint32_t mem_range_count;
    uint32_t flags;            /* CLOAK_HANDOFF_F_* */
};

#define CLOAK_HANDOFF_F_UEFI 1u /* booted through the UEFI loader */

#endif
