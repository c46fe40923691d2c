/* `cloak sev check`: can this machine run AMD SEV guests, and if not, why.
 *
 * Two halves: sev_gather() looks at the machine (CPUID, kvm_amd's module
 * parameters, /dev/kvm, /dev/sev, QEMU, OVMF) and fills struct sev_facts;
 * sev_verdict() is a pure function from those facts to one line per check
 * and a summary.  Only the second half is unit-tested; the first is a
 * thin layer of reads.  Facts about SEV: CPUID Fn8000_001F (EAX bit 1 SEV,
 * bit 3 SEV-ES, bit 4 SEV-SNP; EBX[5:0] the C-bit position, EBX[11:6] the
 * physical-address-bit reduction). */
#ifndef CLOAK_TOOLS_SEV_CHECK_H
#define CLOAK_TOOLS_SEV_CHECK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define SEV_CPUID_LEAF 0x8000001Fu
#define SEV_CPUID_SME (1u << 0)
#define SEV_CPUID_SEV (1u << 1)
#define SEV_CPUID_SEV_ES (1u << 3)
#define SEV_CPUID_SEV_SNP (1u << 4)

/* A yes/no fact that may also be unknown (file missing, unreadable). */
enum sev_tri { SEV_UNKNOWN = -1, SEV_NO = 0, SEV_YES = 1 };

struct sev_facts {
    /* CPUID */
    bool cpuid_read;                 /* the values below are real */
    char cpuid_source[64];           /* "/dev/cpu/0/cpuid" or "the cpuid instruction" */
    char vendor[13];                 /* "AuthenticAMD", "GenuineIntel", ... */
    bool hypervisor_bit;             /* CPUID 1 ECX[31]: this machine is itself a VM */
    uint32_t max_ext_leaf;           /* CPUID 0x80000000 EAX */
    uint32_t eax, ebx, ecx, edx;     /* CPUID 0x8000001F, if max_ext_leaf reaches it */
    /* KVM */
    bool kvm_amd_loaded;             /* /sys/module/kvm_amd exists */
    enum sev_tri param_sev, param_sev_es, param_sev_snp; /* its parameters */
    int kvm_errno;                   /* 0: /dev/kvm opened read-write; else errno */
    int sev_dev_errno;               /* 0: /dev/sev opened read-write; else errno */
    /* QEMU and firmware */
    char qemu[256];                  /* the binary asked */
    bool qemu_found;                 /* it ran */
    char qemu_version[64];           /* "7.2.22", or "" */
    bool qemu_sev_guest;             /* `-object help` lists sev-guest */
    bool qemu_cgs;                   /* `-machine q35,help` has confidential-guest-support */
    bool qemu_memory_encryption;     /* ... or at least the older memory-encryption */
    char ovmf[256];                  /* the OVMF code file found, or "" */
};

#define SEV_LINE_MAX 320

struct sev_line {
    const char *name;                /* what was checked, e.g. "/dev/sev" */
    bool ok;
    bool required;                   /* a missing one means SEV cannot run */
    char reason[SEV_LINE_MAX];
};

#define SEV_MAX_LINES 16

struct sev_verdict {
    struct sev_line lines[SEV_MAX_LINES];
    size_t n;
    bool works;                      /* every required line is ok */
    unsigned cbitpos;                /* EBX[5:0], for -object sev-guest */
    unsigned reduced_phys_bits;      /* EBX[11:6] */
    char summary[1100];              /* one line, no newline */
    char why_not[1024];              /* the reasons SEV cannot run, joined by "; " ("" if it can) */
};

/* Fills v from f.  Pure. */
void sev_verdict(const struct sev_facts *f, struct sev_verdict *v);

/* Writes the verdict as text: one line per check ("ok      NAME  REASON" or
 * "missing NAME  REASON"), then "summary: ...". */
void sev_verdict_print(const struct sev_verdict *v, FILE *out);

/* Looks at this machine.  qemu: the binary to ask (NULL: the default).
 * ovmf_code: the firmware file to report, or NULL to look in the usual
 * place.  Never fails: what cannot be read is recorded as missing. */
void sev_gather(struct sev_facts *f, const char *qemu, const char *ovmf_code);

/* Parses a kvm_amd parameter file's text: "Y", "1" -> yes; "N", "0" -> no. */
enum sev_tri sev_parse_param(const char *text);

#endif
