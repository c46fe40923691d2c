/* The hardware half of SEV detection. */
#include "arch/x86_64/sev.h"
#include "arch/x86_64/cpu.h"

void sev_gather(struct sev_facts *f)
{
    f->max_ext_leaf = cpuid(0x80000000, 0).eax;
    f->leaf_eax = f->leaf_ebx = 0;
    f->status_read = false;
    f->status = 0;
    if (f->max_ext_leaf < 0x8000001f)
        return;
    struct cpuid_regs r = cpuid(0x8000001f, 0);
    f->leaf_eax = r.eax;
    f->leaf_ebx = r.ebx;
    /* Read the MSR only on AMD with SEV advertised; a #GP is survived. */
    if ((r.eax & 2) && cpu_features.vendor[0] == 'A')
        f->status_read = rdmsr_safe(MSR_SEV_STATUS, &f->status);
}
