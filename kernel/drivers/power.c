#include "drivers/power.h"
#include "drivers/acpi.h"
#include "arch/x86_64/cpu.h"
#include "lib/log.h"

#define DEBUG_EXIT_PORT 0xf4
#define SLP_EN (1u << 13)

void power_off(int status)
{
    irq_disable();
    outl(DEBUG_EXIT_PORT, (uint32_t)status);
    /* Still here: no debug-exit device.  Ask ACPI for S5. */
    if (acpi.s5_valid && acpi.pm1a_control) {
        outw(acpi.pm1a_control, (uint16_t)((acpi.s5_type_a << 10) | SLP_EN));
        if (acpi.pm1b_control)
            outw(acpi.pm1b_control, (uint16_t)((acpi.s5_type_b << 10) | SLP_EN));
    }
    klog("power: could not power off; halting");
    for (;;)
        __asm__ volatile("cli; hlt");
}
