/* The signal a fault in the program raises, with si_code and si_addr as
 * Linux sets them (arch/x86/kernel/traps.c, arch/x86/mm/fault.c).  Pure
 * (tests/unit/kernel/test_signal_frame.c). */
#ifndef UNIX_SIGNAL_TRAP_H
#define UNIX_SIGNAL_TRAP_H
#include <stdint.h>
#include <stdbool.h>
#include "unix/signal.h"

struct trap_fault {
    uint64_t vector, error, rip, rflags, cr2;
    bool mapped;                        /* #PF: cr2 lies in a region of the program */
    uint16_t fsw, fcw;                  /* #MF: x87 status and control words */
    uint32_t mxcsr;                     /* #XM */
};

struct signal_info signal_from_trap(const struct trap_fault *t);
/* si_code of a floating-point exception (#MF or #XM): the first unmasked
 * exception flagged, FPE_FLTUNK when none is. */
int signal_fpe_code(uint64_t vector, uint16_t fsw, uint16_t fcw, uint32_t mxcsr);

#endif
