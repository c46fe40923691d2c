#include "arch/x86_64/sev.h"

#define CPUID_SEV_LEAF 0x8000001fu
#define CPUID_SEV (1u << 1)
#define STATUS_SEV (1ull << 0)
#define STATUS_SEV_ES (1ull << 1)
#define STATUS_SEV_SNP (1ull << 2)

struct sev_state sev_decide(const struct sev_facts *f, bool simulate)
{
    struct sev_state s = { SEV_NONE, 0, 0, 0, 0 };
    if (simulate) {
        s.mode = SEV_SIMULATED;
        s.cbit = SEV_SIM_CBIT;
        s.mask = 1ull << SEV_SIM_CBIT;
        return s;
    }
    if (f->max_ext_leaf < CPUID_SEV_LEAF) {
        s.why = "CPUID has no memory-encryption leaf";
        return s;
    }
    if (!(f->leaf_eax & CPUID_SEV)) {
        s.why = "CPUID reports no SEV";
        return s;
    }
    /* CPUID comes from the hypervisor; only SEV_STATUS says what runs. */
    if (!f->status_read) {
        s.why = "CPUID reports SEV but the SEV_STATUS MSR cannot be read";
        return s;
    }
    if (!(f->status & STATUS_SEV)) {
        s.why = "CPUID reports SEV but SEV_STATUS says memory encryption is not active";
        return s;
    }
    s.cbit = f->leaf_ebx & 0x3f;
    s.phys_reduction = (f->leaf_ebx >> 6) & 0x3f;
    if (f->status & STATUS_SEV_SNP)
        s.mode = SEV_SNP_ACTIVE;
    else if (f->status & STATUS_SEV_ES)
        s.mode = SEV_ES_ACTIVE;
    else
        s.mode = SEV_ACTIVE;
    /* The C-bit is an address bit above the 4 GiB line and below 52. */
    if (s.cbit < 32 || s.cbit > 51) {
        s.why = "the C-bit position from CPUID is outside 32..51";
        s.mode = SEV_INVALID;
        return s;
    }
    s.mask = 1ull << s.cbit;
    return s;
}

const char *sev_mode_name(enum sev_mode m)
{
    switch (m) {
    case SEV_NONE: return "none";
    case SEV_ACTIVE: return "SEV";
    case SEV_ES_ACTIVE: return "SEV-ES";
    case SEV_SNP_ACTIVE: return "SEV-SNP";
    case SEV_SIMULATED: return "simulated SEV";
    default: return "invalid";
    }
}
