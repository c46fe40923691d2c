#ifndef DRIVERS_POWER_H
#define DRIVERS_POWER_H

/* Stops the VM with `status` for the host: QEMU's isa-debug-exit port
 * first, then ACPI S5.  Never returns. */
void power_off(int status) __attribute__((noreturn));

#endif
