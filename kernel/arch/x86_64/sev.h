/* AMD SEV detection (docs/sev.md): CPUID 0x8000001F says what the
 * hardware supports and where the C-bit is; only the SEV_STATUS MSR says
 * what is really active for this guest.  SEV_STATUS is read once, before
 * any CPUID or port I/O, by the early check (sev_early.c), which stops the
 * guest under SEV-ES and SEV-SNP; the decision here uses that reading. */
#ifndef ARCH_SEV_H
#define ARCH_SEV_H
#include <stdint.h>
#include <stdbool.h>
#include "cloak/sev_early.h"

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

/* What the early check (sev_early.c) found, kept in .boot.data. */
struct sev_early_result {
    uint8_t status_read;       /* SEV_STATUS could be read (no #GP) */
    uint8_t simulated;         /* the command line had SEV_STATUS_SIM_WORD */
    uint8_t sim_action;        /* enum sev_early_action for sim_status */
    uint64_t status;           /* SEV_STATUS as read (0 if not readable) */
    uint64_t sim_status;       /* the simulated value */
    uint64_t sim_msr;          /* the GHCB MSR value a real stop would write */
};

/* Pure: the decision from gathered facts (host unit tests call this). */
struct sev_state sev_decide(const struct sev_facts *f, bool simulate);
/* Reads CPUID; SEV_STATUS comes from the early check. */
void sev_gather(struct sev_facts *f, const struct sev_early_result *early);
/* The early check's result; readable until mm_init (identity-mapped). */
const struct sev_early_result *sev_early_result(void);
/* One line for the log: "none (reason)", "SEV (C-bit 51)", ... */
const char *sev_mode_name(enum sev_mode m);

#endif
