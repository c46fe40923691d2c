/* AMD SEV detection (docs: the project's sev.md, section 1): CPUID
 * 0x8000001F says what the hardware supports and where the C-bit is; only
 * the SEV_STATUS MSR says what is really active for this guest. */
#ifndef ARCH_SEV_H
#define ARCH_SEV_H
#include <stdint.h>
#include <stdbool.h>

#define MSR_SEV_STATUS 0xc0010131

enum sev_mode {
    SEV_NONE,          /* no memory encryption */
    SEV_ACTIVE,        /* SEV: private memory encrypted */
    SEV_ES_ACTIVE,     /* SEV-ES: not supported yet */
    SEV_SNP_ACTIVE,    /* SEV-SNP: not supported yet */
    SEV_SIMULATED,     /* sev-sim: a software-available PTE bit stands in */
    SEV_INVALID,       /* active, but the C-bit position makes no sense */
};

struct sev_facts {
    uint32_t max_ext_leaf;     /* CPUID 0x80000000 EAX */
    uint32_t leaf_eax, leaf_ebx; /* CPUID 0x8000001F, when max_ext_leaf allows */
    bool status_read;          /* SEV_STATUS could be read */
    uint64_t status;           /* SEV_STATUS MSR */
};

struct sev_state {
    enum sev_mode mode;
    unsigned cbit;             /* C-bit position */
    unsigned phys_reduction;   /* physical address bits lost */
    uint64_t mask;             /* the page-table encryption mask */
    const char *why;           /* for NONE and INVALID: the reason, for the log */
};

/* The software-available PTE bit simulation mode uses as the C-bit. */
#define SEV_SIM_CBIT 52

/* Pure: the decision from gathered facts (host unit tests call this). */
struct sev_state sev_decide(const struct sev_facts *f, bool simulate);
/* Reads CPUID and, only when CPUID allows, the MSR. */
void sev_gather(struct sev_facts *f);
/* One line for the log: "none (reason)", "SEV (C-bit 51)", ... */
const char *sev_mode_name(enum sev_mode m);

#endif
