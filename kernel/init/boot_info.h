/* What the kernel learns from whoever booted it, copied into kernel memory
 * before the boot page tables go away. */
#ifndef INIT_BOOT_INFO_H
#define INIT_BOOT_INFO_H
#include <stdint.h>
#include "cloak/boot_handoff.h"

#define BOOT_KIND_PVH 1
#define BOOT_KIND_UEFI 2
#define BOOT_MAX_RANGES 256

struct boot_info {
    int kind;
    struct cloak_mem_range ranges[BOOT_MAX_RANGES];
    unsigned nranges;
    char cmdline[1024];
    uint64_t archive_phys, archive_size;
    uint64_t rsdp;
    int sev_mode;              /* enum sev_mode, decided in kmain */
};

/* Fills bi from the PVH start info or the UEFI handoff at `phys`; returns
 * NULL or a message saying what is wrong. */
const char *boot_info_parse(struct boot_info *bi, uint64_t phys, int kind);

#endif
