/* SEV-ES and SEV-SNP: the early stop, shared by the UEFI loader and the
 * kernel's first instructions (kernel/arch/x86_64/sev_early.c).
 *
 * Under SEV-ES and SEV-SNP every CPUID and every port I/O raises #VC, and
 * cloak has no #VC handler yet: the guest must stop before its first CPUID
 * or port I/O, and it does so by asking the hypervisor to terminate it
 * through the GHCB MSR protocol.  These are the pure parts: what SEV_STATUS
 * means for us, and the value written to the GHCB MSR.  Everything here is
 * static inline so that the kernel's early code, which runs before the
 * kernel window is mapped, gets its own copy (and no reference to .rodata).
 *
 * Sources: AMD64 APM vol. 2 (SEV_STATUS MSR); AMD "SEV-ES Guest-Hypervisor
 * Communication Block Standardization" #56421, "GHCB MSR Protocol",
 * Termination Request. */
#ifndef CLOAK_SEV_EARLY_H
#define CLOAK_SEV_EARLY_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>

#define MSR_SEV_STATUS 0xc0010131u    /* read-only, guest view */
#define MSR_GHCB 0xc0010130u          /* GHCB address or MSR-protocol request */
#define SEV_STATUS_SEV (1ull << 0)
#define SEV_STATUS_ES (1ull << 1)
#define SEV_STATUS_SNP (1ull << 2)

/* GHCB MSR protocol: GHCBInfo in bits 11:0; the termination request
 * carries a reason code set in bits 15:12 and a reason code in 23:16. */
#define GHCB_INFO_TERMINATE 0x100u
#define GHCB_TERM_SET_GHCB 0u         /* reason code set 0: the GHCB spec's own */
#define GHCB_TERM_GENERAL 0u          /* general termination request */
#define GHCB_TERM_PROTOCOL 1u         /* SEV-ES / GHCB protocol range not supported */
#define GHCB_TERM_SNP_FEATURES 2u     /* SEV-SNP features not supported */

/* The kernel command-line word that feeds a simulated SEV_STATUS (hex)
 * into the early decision, for tests on machines without SEV-ES. */
#define SEV_STATUS_SIM_WORD "sev-status-sim="

enum sev_early_action {
    SEV_EARLY_GO,         /* no SEV-ES: CPUID and port I/O are safe */
    SEV_EARLY_STOP_ES,    /* SEV-ES active: stop */
    SEV_EARLY_STOP_SNP,   /* SEV-SNP active: stop */
};

/* status_read is false when reading SEV_STATUS raised #GP (or was not
 * attempted because CPUID says there is no SEV): the MSR exists on every
 * processor that can run an SEV-ES guest, so no SEV-ES guest gets here
 * with status_read false.  ES and SNP are decided on their own bits, with
 * or without bit 0: if the bit is set, CPUID and port I/O would trap. */
static inline enum sev_early_action sev_early_decide(bool status_read, uint64_t status)
{
    if (!status_read)
        return SEV_EARLY_GO;
    if (status & SEV_STATUS_SNP)
        return SEV_EARLY_STOP_SNP;
    if (status & SEV_STATUS_ES)
        return SEV_EARLY_STOP_ES;
    return SEV_EARLY_GO;
}

/* The GHCB MSR value of a termination request. */
static inline uint64_t ghcb_msr_terminate(unsigned reason_set, unsigned reason_code)
{
    return GHCB_INFO_TERMINATE | ((uint64_t)(reason_set & 0xf) << 12) |
           ((uint64_t)(reason_code & 0xff) << 16);
}

/* What the guest asks for when it stops: SEV-ES, "no GHCB protocol version
 * of ours is in the hypervisor's range" (we implement none); SEV-SNP, "SNP
 * features not supported".  0 for SEV_EARLY_GO (nothing to send). */
static inline uint64_t sev_early_stop_msr(enum sev_early_action a)
{
    if (a == SEV_EARLY_STOP_ES)
        return ghcb_msr_terminate(GHCB_TERM_SET_GHCB, GHCB_TERM_PROTOCOL);
    if (a == SEV_EARLY_STOP_SNP)
        return ghcb_msr_terminate(GHCB_TERM_SET_GHCB, GHCB_TERM_SNP_FEATURES);
    return 0;
}

/* Finds the word WORD (e.g. "sev-status-sim=") at the start of a
 * space-separated word of the command line (at most max bytes, NUL ends it
 * earlier) and reads the hexadecimal value after it (optional 0x, 1 to 16
 * digits, then a space or the end).  False if the word is absent or its
 * value malformed.  The word is a parameter, not a literal here, so that the
 * kernel's early code can keep it in its own section. */
static inline bool cmdline_word_hex(const char *cmdline, size_t max, const char *word,
                                    uint64_t *value)
{
    size_t wlen = 0;
    while (word[wlen])
        wlen++;
    for (size_t i = 0; i < max && cmdline[i]; i++) {
        if (i > 0 && cmdline[i - 1] != ' ')
            continue;
        size_t k = 0;
        while (k < wlen && i + k < max && cmdline[i + k] == word[k])
            k++;
        if (k < wlen)
            continue;
        size_t p = i + wlen;
        if (p + 1 < max && cmdline[p] == '0' && (cmdline[p + 1] == 'x' || cmdline[p + 1] == 'X'))
            p += 2;
        uint64_t v = 0;
        unsigned digits = 0;
        for (; p < max && cmdline[p] && cmdline[p] != ' '; p++, digits++) {
            char c = cmdline[p];
            unsigned d;
            if (c >= '0' && c <= '9')
                d = (unsigned)(c - '0');
            else if (c >= 'a' && c <= 'f')
                d = (unsigned)(c - 'a' + 10);
            else if (c >= 'A' && c <= 'F')
                d = (unsigned)(c - 'A' + 10);
            else
                return false;
            if (digits == 16)
                return false;
            v = (v << 4) | d;
        }
        if (digits == 0)
            return false;
        *value = v;
        return true;
    }
    return false;
}

#endif
