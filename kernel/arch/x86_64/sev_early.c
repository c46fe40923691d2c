/* The kernel's first decision: stop under SEV-ES and SEV-SNP, before any
 * CPUID or port I/O (both raise #VC there, and this kernel has no #VC
 * handler yet).  boot.asm calls sev_early_check() from both entries.
 *
 * Decision order (the same on the PVH and the UEFI entry):
 *  1. Reach 64-bit mode without CPUID and without port I/O (PVH: the boot
 *     tables; UEFI: still the firmware's tables), load the boot GDT and the
 *     early IDT (boot.asm): #GP at the one RDMSR below is recovered, #VC
 *     terminates the guest (only an SEV-ES guest gets #VC), anything else
 *     stops the CPU without a triple fault.
 *  2. Read SEV_STATUS (MSR 0xC0010131) unconditionally.  Not CPUID first:
 *     under SEV-ES CPUID itself traps.  The MSR exists on every processor
 *     that can run an SEV guest, so its read is safe exactly where SEV-ES
 *     could be active; elsewhere (Intel, some hypervisors) it raises #GP,
 *     which the early IDT turns into "not readable" (= no SEV).  TCG
 *     answers 0.  The read itself does not raise #VC under SEV-ES (Linux
 *     makes it while its first #VC handler accepts only CPUID); should a
 *     hypervisor make it trap, the early #VC stub stops the guest.
 *  3. ES or SNP set: GHCB MSR protocol termination request (MSR 0xC0010130,
 *     then VMGEXIT), then halt forever if the hypervisor resumes us.
 *  4. Otherwise CPUID and port I/O are safe; boot goes on.  Only then is
 *     the simulation word (SEV_STATUS_SIM_WORD) looked at: its status runs
 *     through the same decision, and kmain reports the outcome and stops
 *     with the ordinary refusal (status 126) instead of terminating.
 *
 * Everything here runs at physical addresses, under the firmware's page
 * tables on the UEFI path, where the kernel window (.text, .rodata, .bss)
 * is not mapped: the functions are in .boot.text, their data in .boot.data,
 * and nothing may reference other sections (tests/checks/boot-early.test
 * checks the object's relocations). */
#include "arch/x86_64/sev.h"
#include "cloak/boot_handoff.h"

#define BOOT_TEXT __attribute__((section(".boot.text")))
#define BOOT_DATA __attribute__((section(".boot.data")))

#define HVM_START_MAGIC 0x336ec578u
#define BOOT_KIND_PVH 1
#define BOOT_KIND_UEFI 2
#define EARLY_MAPPED_LIMIT (4ull << 30) /* what the boot tables map */
#define EARLY_CMDLINE_MAX 1024

struct early_hvm_start_info {
    uint32_t magic, version, flags, nr_modules;
    uint64_t modlist_paddr, cmdline_paddr;
};

struct sev_early_result sev_early BOOT_DATA = { 0 };
/* Set once SEV-ES is ruled out: boot.asm's early exception stub may then
 * use the debug-exit port. */
uint8_t sev_early_ports_ok BOOT_DATA = 0;
static char sim_word[] BOOT_DATA = SEV_STATUS_SIM_WORD;
static char crash_word[] BOOT_DATA = "early-crash-test";

/* boot.asm */
bool sev_early_rdmsr(uint32_t msr, uint64_t *value);
__attribute__((noreturn)) void sev_early_terminate(uint64_t ghcb_msr);

BOOT_TEXT static bool early_mapped(uint64_t phys, uint64_t len)
{
    return phys != 0 && phys < EARLY_MAPPED_LIMIT && len <= EARLY_MAPPED_LIMIT - phys;
}

/* The command line as the boot protocol gives it, or NULL. */
BOOT_TEXT static const char *early_cmdline(uint64_t info, int kind)
{
    uint64_t cmdline = 0;
    if (kind == BOOT_KIND_PVH && early_mapped(info, sizeof(struct early_hvm_start_info))) {
        const struct early_hvm_start_info *si = (const void *)info;
        if (si->magic == HVM_START_MAGIC)
            cmdline = si->cmdline_paddr;
    } else if (kind == BOOT_KIND_UEFI && early_mapped(info, sizeof(struct cloak_handoff))) {
        const struct cloak_handoff *h = (const void *)info;
        if (h->magic == CLOAK_HANDOFF_MAGIC)
            cmdline = h->cmdline;
    }
    return early_mapped(cmdline, EARLY_CMDLINE_MAX) ? (const char *)cmdline : 0;
}

/* True if the space-separated word stands alone on the command line. */
BOOT_TEXT static bool early_word(const char *cmdline, const char *word)
{
    for (size_t i = 0; i < EARLY_CMDLINE_MAX && cmdline[i]; i++) {
        if (i > 0 && cmdline[i - 1] != ' ')
            continue;
        size_t k = 0;
        while (word[k] && i + k < EARLY_CMDLINE_MAX && cmdline[i + k] == word[k])
            k++;
        if (!word[k] && (i + k == EARLY_CMDLINE_MAX || cmdline[i + k] == ' ' || !cmdline[i + k]))
            return true;
    }
    return false;
}

BOOT_TEXT void sev_early_check(uint64_t info, int kind)
{
    uint64_t status = 0;
    bool readable = sev_early_rdmsr(MSR_SEV_STATUS, &status);
    enum sev_early_action a = sev_early_decide(readable, status);
    if (a != SEV_EARLY_GO)
        sev_early_terminate(sev_early_stop_msr(a));
    sev_early.status_read = readable;
    sev_early.status = status;
    sev_early_ports_ok = 1;

    const char *cmdline = early_cmdline(info, kind);
    uint64_t sim;
    if (cmdline && cmdline_word_hex(cmdline, EARLY_CMDLINE_MAX, sim_word, &sim)) {
        sev_early.simulated = 1;
        sev_early.sim_status = sim;
        sev_early.sim_action = sev_early_decide(true, sim);
        sev_early.sim_msr = sev_early_stop_msr(sev_early.sim_action);
    }
    /* Test hook: an exception before the kernel's IDT, which the early IDT
     * must end without a triple fault (boot.asm, early_dead). */
    if (cmdline && early_word(cmdline, crash_word))
        __asm__ volatile("ud2");
}

/* boot.asm's #VC stub: only an SEV-ES (or SNP) guest receives #VC. */
BOOT_TEXT __attribute__((noreturn)) void sev_early_vc(void)
{
    sev_early_terminate(sev_early_stop_msr(SEV_EARLY_STOP_ES));
}

/* For the kernel proper, which runs in the top 2 GiB and cannot reach a
 * low symbol RIP-relative: the result's address as an absolute value.  It
 * is identity-mapped by the boot tables, i.e. readable until mm_init. */
const struct sev_early_result *sev_early_result(void)
{
    const struct sev_early_result *p;
    __asm__("movabs $sev_early, %0" : "=r"(p));
    return p;
}
