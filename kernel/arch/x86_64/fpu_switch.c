/* A thread's registers across switches (fpu.h).  FXSAVE and register-only
 * AVX moves, not XSAVE: the upper halves of
 * YMM0-15 are swapped into the XMM halves in registers and saved with a
 * second FXSAVE.  Under PVM (KVM without VMX: the guest kernel runs in
 * hardware ring 3) KVM emulates these instructions, and its emulator knows
 * FXSAVE/FXRSTOR but no XSAVE and no VEX instruction (the VM dies with an
 * emulation failure): there only FXSAVE is used, and the upper halves of
 * the YMM registers are not kept across thread switches (said in the log). */
#include "arch/x86_64/fpu.h"
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/trap.h"
#include "lib/log.h"

static bool has_avx;
static bool program_called;

void fpu_init(void)
{
    has_avx = cpu_features.xsave && cpu_features.avx;
}

void fpu_program_called(void)
{
    program_called = true;
}

/* PVM shows itself at the program's first system call (trap.c).  Kernel
 * threads (the network thread) can be switched with the program's first
 * thread before that: no AVX moves until then, which loses nothing, since
 * until its first system call (clone) the program has no second thread and
 * the kernel's threads never touch the vector registers (FXRSTOR leaves
 * the upper halves as they are). */
static bool avx_moves_work(void)
{
    if (!has_avx || !program_called)
        return false;
    if (trap_kernel_deprivileged()) {
        has_avx = false;
        klog("fpu: the kernel runs deprivileged (PVM): threads keep their x87 and SSE state across "
             "switches, but not the upper halves of the AVX registers");
        return false;
    }
    return true;
}

#define EACH_YMM(op) \
    op(0) op(1) op(2) op(3) op(4) op(5) op(6) op(7) \
    op(8) op(9) op(10) op(11) op(12) op(13) op(14) op(15)
#define SWAP_HALVES(n) "vperm2f128 $1, %%ymm" #n ", %%ymm" #n ", %%ymm" #n "\n"
#define HIGH_FROM_LOW(n) "vinsertf128 $1, %%xmm" #n ", %%ymm" #n ", %%ymm" #n "\n"

void fpu_switch_save(struct fpu_state *s)
{
    __asm__ volatile("fxsave64 %0" : "=m"(s->fxsave));
    if (avx_moves_work()) {
        __asm__ volatile(EACH_YMM(SWAP_HALVES) ::: "memory");
        __asm__ volatile("fxsave64 %0" : "=m"(s->ymm_high));
        __asm__ volatile(EACH_YMM(SWAP_HALVES) ::: "memory");    /* the caller may go on running */
    }
}

/* The upper halves first (FXRSTOR into the XMM halves, then moved up),
 * then the lower ones: FXRSTOR leaves the upper halves as they are. */
void fpu_switch_restore(const struct fpu_state *s)
{
    if (avx_moves_work()) {
        __asm__ volatile("fxrstor64 %0" : : "m"(s->ymm_high));
        __asm__ volatile(EACH_YMM(HIGH_FROM_LOW) ::: "memory");
    }
    __asm__ volatile("fxrstor64 %0" : : "m"(s->fxsave));
}
