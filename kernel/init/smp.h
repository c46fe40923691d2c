/* Bringing up the other CPUs at boot (arch/x86_64/smp.h does the work). */
#ifndef INIT_SMP_H
#define INIT_SMP_H

/* Starts every enabled processor of the ACPI MADT besides the boot CPU and
 * logs "smp: N CPUs online (APIC ids ...)".  A bad or missing MADT, or no
 * page for the trampoline, leaves the boot CPU alone, with a log line.
 * Kernel words: smp-timeout=MS, how long to wait for the APs (default
 * 1000); smp-phantom=ID, a test of that timeout: also start APIC id ID,
 * which the MADT does not list (no CPU answers). */
void smp_init(const char *cmdline);

#endif
