/* kmain: bring the machine up layer by layer, then run the program. */
#include "init/boot_info.h"
#include "init/program.h"
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/gdt.h"
#include "arch/x86_64/trap.h"
#include "drivers/serial.h"
#include "drivers/acpi.h"
#include "drivers/clock.h"
#include "drivers/power.h"
#include "mm/memory.h"
#include "mm/layout.h"
#include "mm/heap.h"
#include "lib/log.h"
#include "lib/string.h"
#include "unix/console.h"

/* True if the space-separated command line contains the word. */
static bool cmdline_has(const char *cmdline, const char *word)
{
    size_t n = strlen(word);
    for (const char *p = cmdline; *p;) {
        while (*p == ' ')
            p++;
        const char *e = p;
        while (*e && *e != ' ')
            e++;
        if ((size_t)(e - p) == n && !memcmp(p, word, n))
            return true;
        p = e;
    }
    return false;
}

#define STACK_PAGES 8
__attribute__((aligned(16))) static uint8_t fault_stack[8192];

static struct boot_info boot;

static void panic_backtrace(void)
{
    backtrace_here();
}

static void panic_power_off(void)
{
    klog("@@cloak-exit 70 panic");
    power_off(70);
}

void kmain(uint64_t info_phys, int kind)
{
    serial_init(COM1);
    serial_init(COM2);
    panic_set_hooks(panic_backtrace, panic_power_off);
    const char *err = boot_info_parse(&boot, info_phys, kind);
    /* Under UEFI the firmware owns COM1's screen; cloak then asks for the
     * program on COM2 and the kernel log on COM1. */
    if (cmdline_has(boot.cmdline, "console=com2")) {
        console_set_port(COM2);
        serial_set_log_port(COM1);
    }
    log_set_sink(serial_log_sink);
    if (err)
        panic("boot: %s", err);
    klog("cloak kernel booting (%s), command line \"%s\"", kind == BOOT_KIND_PVH ? "PVH" : "UEFI", boot.cmdline);

    gdt_init();
    gdt_set_ist(1, (uint64_t)fault_stack + sizeof(fault_stack));
    gdt_set_ist(2, (uint64_t)fault_stack + sizeof(fault_stack));
    trap_init();
    cpu_init();
    acpi_init(boot.rsdp, 4ull << 30);

    struct phys_range keep[2];
    unsigned nkeep = 0;
    if (boot.archive_size)
        keep[nkeep++] = (struct phys_range){ boot.archive_phys, boot.archive_size };
    mm_init(boot.ranges, boot.nranges, keep, nkeep);

    /* The program gets its own kernel stack, with a guard page below. */
    uint8_t *kstack = heap_alloc_pages(STACK_PAGES, 1);
    if (!kstack)
        panic("out of memory for the kernel stack");
    gdt_set_kernel_stack((uint64_t)kstack + STACK_PAGES * 4096);

    clock_init();
    program_start(&boot);
}
