#include "unix/signal_trap.h"

#define SIGILL 4
#define SIGTRAP 5
#define SIGBUS 7
#define SIGFPE 8
#define SIGSEGV 11
#define RFLAGS_TF 0x100ull

int signal_fpe_code(uint64_t vector, uint16_t fsw, uint16_t fcw, uint32_t mxcsr)
{
    uint32_t err;
    if (vector == 19)                   /* #XM: flags 0-5, masks 7-12 */
        err = mxcsr & ~(mxcsr >> 7) & 0x3f;
    else                                /* #MF */
        err = fsw & ~fcw & 0x3f;
    if (err & 0x001)
        return FPE_FLTINV;
    if (err & 0x004)
        return FPE_FLTDIV;
    if (err & 0x008)
        return FPE_FLTOVF;
    if (err & 0x012)                    /* denormal, underflow */
        return FPE_FLTUND;
    if (err & 0x020)
        return FPE_FLTRES;
    /* Linux sends nothing then; a handler-less retry could fault forever. */
    return FPE_FLTUNK;
}

static struct signal_info fault(int sig, int code, uint64_t addr)
{
    return (struct signal_info){ .signo = sig, .code = code, .addr = addr };
}

struct signal_info signal_from_trap(const struct trap_fault *t)
{
    struct signal_info i;
    switch (t->vector) {
    case 0: i = fault(SIGFPE, FPE_INTDIV, t->rip); break;
    case 1: i = fault(SIGTRAP, (t->rflags & RFLAGS_TF) ? TRAP_TRACE : TRAP_BRKPT, t->rip); break;
    case 3: i = fault(SIGTRAP, SI_KERNEL, 0); break;
    case 6: i = fault(SIGILL, ILL_ILLOPN, t->rip); break;
    case 11: case 12: i = fault(SIGBUS, SI_KERNEL, 0); break;       /* #NP, #SS */
    case 14: i = fault(SIGSEGV, t->mapped ? SEGV_ACCERR : SEGV_MAPERR, t->cr2); break;
    case 16: case 19: i = fault(SIGFPE, signal_fpe_code(t->vector, t->fsw, t->fcw, t->mxcsr), t->rip); break;
    case 17: i = fault(SIGBUS, BUS_ADRALN, 0); break;
    default: i = fault(SIGSEGV, SI_KERNEL, 0); break;                /* #GP, #OF, #BR, #TS... */
    }
    i.trapno = t->vector;
    i.error = t->error;
    i.cr2 = t->vector == 14 ? t->cr2 : 0;
    return i;
}
