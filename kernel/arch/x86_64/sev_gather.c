/* The hardware half of SEV detection. */
#include "arch/x86_64/sev.h"
#include "arch/x86_64/cpu.h"

void sev_gather(struct sev_facts *f, const struct sev_early_result *early)
{
    f->max_ext_leaf = cpuid(0x80000000, 0).eax;
    f->leaf_eax = f->leaf_ebx = 0;
    /* SEV_STATUS was read once already, before any CPUID (sev_early.c). */
    f->status_read = early->status_read;
    f->status = early->status;
    if (f->max_ext_leaf < 0x8000001f)
        return;
    struct cpuid_regs r = cpuid(0x8000001f, 0);
    f->leaf_eax = r.eax;
    f->leaf_ebx = r.ebx;
}
