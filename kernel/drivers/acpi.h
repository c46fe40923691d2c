/* The few ACPI facts the kernel needs, read once at boot from the firmware's
 * tables (checksums verified, lengths bounded). */
#ifndef DRIVERS_ACPI_H
#define DRIVERS_ACPI_H
#include <stdint.h>
#include <stdbool.h>
#include "drivers/madt.h"

struct acpi_info {
    bool found;
    uint16_t pm_timer_port;     /* 0 if none */
    bool pm_timer_32bit;
    uint16_t pm1a_control, pm1b_control;
    bool s5_valid;
    uint8_t s5_type_a, s5_type_b;
    uint64_t mcfg_base;         /* PCIe ECAM of segment 0, 0 if none */
    uint8_t mcfg_bus_start, mcfg_bus_end;
    bool madt_seen;             /* an APIC table was found (valid or not) */
    struct madt_info madt;      /* the processors (madt.h) */
};
extern struct acpi_info acpi;

/* rsdp: physical address from the boot protocol, or 0 to search the BIOS
 * areas.  `readable_below` is the limit of physical memory that can be read
 * through the direct map right now. */
void acpi_init(uint64_t rsdp, uint64_t readable_below);

/* Pure helper, exposed for tests: finds \_S5 in AML and its sleep types. */
bool acpi_find_s5(const uint8_t *aml, uint64_t len, uint8_t *type_a, uint8_t *type_b);

#endif
