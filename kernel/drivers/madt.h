/* The ACPI MADT ("APIC" table): which processors the platform has and
 * their local APIC ids.  The table comes from the host and is not trusted:
 * madt_parse checks its length, checksum and every entry's length, and a
 * table that fails any check is reported as invalid (the kernel then runs
 * on the boot CPU alone). */
#ifndef DRIVERS_MADT_H
#define DRIVERS_MADT_H
#include <stdint.h>
#include <stdbool.h>

#define MADT_MAX_CPUS 64

struct madt_cpu {
    uint32_t apic_id;
    uint32_t uid;               /* ACPI processor UID */
    bool x2apic;                /* from a Processor Local x2APIC entry (type 9) */
};

struct madt_info {
    bool valid;
    const char *error;          /* why not valid (for the log) */
    uint64_t lapic_phys;        /* local APIC registers (override applied) */
    unsigned ncpus;             /* enabled processors kept in cpus[] */
    struct madt_cpu cpus[MADT_MAX_CPUS];
    unsigned online_capable;    /* not enabled, but could be brought online later */
    unsigned disabled;          /* neither enabled nor online capable */
    unsigned duplicates;        /* entries repeating an APIC id already seen */
    unsigned over_limit;        /* enabled processors past MADT_MAX_CPUS */
};

/* Parses a whole MADT of `avail` readable bytes (the header's length must
 * fit in them).  Pure: no log, no memory but *out. */
bool madt_parse(const void *table, uint64_t avail, struct madt_info *out);
/* The index in info->cpus of apic_id, or -1. */
int madt_find(const struct madt_info *info, uint32_t apic_id);

#endif
