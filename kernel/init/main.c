/* kmain: bring the machine up layer by layer, then run the program. */
#include "init/boot_info.h"
#include "init/program.h"
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/gdt.h"
#include "arch/x86_64/trap.h"
#include "drivers/device_wait.h"
#include "drivers/serial.h"
#include "drivers/acpi.h"
#include "drivers/clock.h"
#include "drivers/power.h"
#include "drivers/devices.h"
#include "drivers/virtio_pci.h"
#include "drivers/block.h"
#include "arch/x86_64/sev.h"
#include "mm/dma.h"
#include "mm/memory.h"
#include "mm/layout.h"
#include "mm/heap.h"
#include "sched/sched.h"
#include "lib/log.h"
#include "lib/string.h"
#include "unix/console.h"
#include "net/net.h"
#include "init/cmdline.h"
#include "init/smp.h"

/* "com1".."com4" to an I/O port, 0 if not one of them. */
static uint16_t com_port(const char *name)
{
    static const uint16_t ports[] = { 0x3f8, 0x2f8, 0x3e8, 0x2e8 };
    if (strlen(name) == 4 && !memcmp(name, "com", 3) && name[3] >= '1' && name[3] <= '4')
        return ports[name[3] - '1'];
    return 0;
}

/* The SEV-ES/SNP early check (arch/x86_64/sev_early.c) ran before any
 * CPUID or port I/O and stopped the guest if either was active; here it is
 * reported.  A simulated SEV_STATUS (kernel word sev-status-sim=HEX) went
 * through the same decision; where a real one would have stopped the guest
 * by a GHCB termination request, the simulation refuses with 126 instead. */
static void early_sev_report(const struct sev_early_result *e, const char *cmdline)
{
    if (e->status_read)
        klog("SEV_STATUS, read before any CPUID or port I/O: 0x%lx", e->status);
    else
        klog("SEV_STATUS, read before any CPUID or port I/O: not readable (#GP): no SEV here");
    char val[24];
    if (!e->simulated && cmdline_get(cmdline, "sev-status-sim", val, sizeof(val)))
        klog("sev-status-sim=%s: not a hexadecimal SEV_STATUS (1 to 16 digits): ignored", val);
    if (!e->simulated)
        return;
    if (e->sim_action == SEV_EARLY_GO) {
        klog("sev-status-sim: SIMULATED SEV_STATUS 0x%lx (not read from the processor): "
             "no SEV-ES or SEV-SNP, the early check goes on", e->sim_status);
        return;
    }
    const char *mode = e->sim_action == SEV_EARLY_STOP_SNP ? "SEV-SNP" : "SEV-ES";
    klog("sev-status-sim: SIMULATED SEV_STATUS 0x%lx (not read from the processor): %s is "
         "active, which this kernel does not support; on hardware the early check stops the "
         "guest here with a GHCB termination request (MSR 0xc0010130 = 0x%lx: reason set %lu, "
         "code %lu) and VMGEXIT; this simulation refuses with status 126 instead",
         e->sim_status, mode, e->sim_msr, (e->sim_msr >> 12) & 0xf, (e->sim_msr >> 16) & 0xff);
    klog("@@cloak-exit 126 refused");
    power_off(126);
}

/* Decides the memory-encryption mode and says it in one log line; stops on
 * modes this kernel cannot run safely. */
static struct sev_state memory_encryption(bool simulate, const struct sev_early_result *early)
{
    struct sev_facts facts;
    sev_gather(&facts, early);
    struct sev_state s = sev_decide(&facts, simulate);
    switch (s.mode) {
    case SEV_NONE:
        klog("memory encryption: none (%s)", s.why);
        break;
    case SEV_ACTIVE:
        klog("memory encryption: SEV (C-bit %u, physical address reduction %u bits)", s.cbit, s.phys_reduction);
        break;
    case SEV_SIMULATED:
        klog("memory encryption: simulated SEV (C-bit %u, a bit the MMU ignores; bounce buffers on; "
             "NOTHING IS ENCRYPTED)", s.cbit);
        break;
    case SEV_ES_ACTIVE:
    case SEV_SNP_ACTIVE:
        /* Not reached on hardware: the early check stopped the guest. */
        klog("memory encryption: %s is active, but this kernel does not support %s yet: stopping",
             sev_mode_name(s.mode), sev_mode_name(s.mode));
        klog("@@cloak-exit 126 refused");
        power_off(126);
    default:
        klog("memory encryption: SEV is active but %s: stopping", s.why);
        klog("@@cloak-exit 126 refused");
        power_off(126);
    }
    return s;
}

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

/* The static addresses (docs/boot-protocol.md) for net/. */
static void net_words(const char *cmdline)
{
    static char v[4][64];
    const char *keys[4] = {"net-ip", "net-netmask", "net-gateway", "net-ip6"};
    const char *p[4];
    for (int i = 0; i < 4; i++)
        p[i] = cmdline_get(cmdline, keys[i], v[i], sizeof(v[i])) ? v[i] : 0;
    net_set_static(p[0], p[1], p[2], p[3]);
}

void kmain(uint64_t info_phys, int kind)
{
    /* Copied now: it lies in identity-mapped memory that mm_init unmaps. */
    struct sev_early_result early = *sev_early_result();
    serial_init(COM1);
    serial_init(COM2);
    panic_set_hooks(panic_backtrace, panic_power_off);
    const char *err = boot_info_parse(&boot, info_phys, kind);
    /* Under UEFI the firmware writes its screen to COM1 and COM2; cloak
     * then puts the program on COM3 (console=com3) and the log on COM1. */
    char val[16];
    uint16_t port;
    if (cmdline_get(boot.cmdline, "console", val, sizeof(val)) && (port = com_port(val))) {
        serial_init(port);
        console_set_port(port);
    }
    if (cmdline_get(boot.cmdline, "klog", val, sizeof(val)) && (port = com_port(val))) {
        serial_init(port);
        serial_set_log_port(port);
    }
    log_set_sink(serial_log_sink);
    if (err)
        panic("boot: %s", err);
    klog("cloak kernel booting (%s), command line \"%s\"", kind == BOOT_KIND_PVH ? "PVH" : "UEFI", boot.cmdline);
    early_sev_report(&early, boot.cmdline);

    gdt_init();
    trap_init();
    cpu_init();
    struct sev_state sev = memory_encryption(cmdline_has(boot.cmdline, "sev-sim"), &early);
    boot.sev_mode = sev.mode;
    acpi_init(boot.rsdp, 4ull << 30);

    struct phys_range keep[2];
    unsigned nkeep = 0;
    if (boot.archive_size)
        keep[nkeep++] = (struct phys_range){ boot.archive_phys, boot.archive_size };
    mm_init(boot.ranges, boot.nranges, keep, nkeep, sev.mask);
    if (sev.mask) {
        /* Devices see only the shared DMA heap, and only devices that
         * promise to go through the platform's DMA path are used. */
        dma_set_bounce(true);
        virtio_set_require_access_platform(true);
    }

    /* The program's first thread, with its own kernel stack (a guard page
     * below), and the idle thread. */
    sched_init();

    clock_init();
    smp_init(boot.cmdline);
    devices_set_selftest(cmdline_has(boot.cmdline, "blk-selftest"));
    device_wait_set_polled(cmdline_has(boot.cmdline, "dev-poll"));
    uint64_t disk_ms;
    if (cmdline_get_u64(boot.cmdline, "disk-timeout", 3600000, &disk_ms) && disk_ms)
        block_set_timeout_ms(disk_ms);
    devices_init();
    net_words(boot.cmdline);
    if (cmdline_has(boot.cmdline, "net-selftest"))
        net_selftest();
    char where[64];
    if (cmdline_get(boot.cmdline, "net-connect-test", where, sizeof(where)))
        net_connect_test(where);
    if (cmdline_get(boot.cmdline, "net-listen-test", where, sizeof(where)))
        net_listen_test(where);
    net_boot();
    program_start(&boot);
}
