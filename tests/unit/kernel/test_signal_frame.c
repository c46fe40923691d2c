/* unix/signal_frame.c and unix/signal_trap.c: the signal frame's layout
 * against the C library's own ucontext_t and siginfo_t (the definitions
 * programs compile against), where a frame goes on the stack or the
 * alternate stack, the FPU image's marks and sanitizing, and the signal
 * each fault raises. */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>
#include <string.h>
#include <setjmp.h>
#include <sys/ucontext.h>
#include <bits/types/siginfo_t.h>
#include <cmocka.h>

#include "unix/signal_frame.h"
#include "unix/signal_trap.h"

#define MC(field) offsetof(struct linux_ucontext, uc_mcontext.field)
#define GREG(r) (offsetof(ucontext_t, uc_mcontext.gregs) + (r) * 8)

static void test_layout_matches_libc(void **state)
{
    (void)state;
    assert_int_equal(offsetof(struct linux_ucontext, uc_flags), offsetof(ucontext_t, uc_flags));
    assert_int_equal(offsetof(struct linux_ucontext, uc_link), offsetof(ucontext_t, uc_link));
    assert_int_equal(offsetof(struct linux_ucontext, uc_stack.ss_sp), offsetof(ucontext_t, uc_stack.ss_sp));
    assert_int_equal(offsetof(struct linux_ucontext, uc_stack.ss_flags), offsetof(ucontext_t, uc_stack.ss_flags));
    assert_int_equal(offsetof(struct linux_ucontext, uc_stack.ss_size), offsetof(ucontext_t, uc_stack.ss_size));
    assert_int_equal(MC(r8), GREG(REG_R8));
    assert_int_equal(MC(r15), GREG(REG_R15));
    assert_int_equal(MC(rdi), GREG(REG_RDI));
    assert_int_equal(MC(rsi), GREG(REG_RSI));
    assert_int_equal(MC(rbp), GREG(REG_RBP));
    assert_int_equal(MC(rbx), GREG(REG_RBX));
    assert_int_equal(MC(rdx), GREG(REG_RDX));
    assert_int_equal(MC(rax), GREG(REG_RAX));
    assert_int_equal(MC(rcx), GREG(REG_RCX));
    assert_int_equal(MC(rsp), GREG(REG_RSP));
    assert_int_equal(MC(rip), GREG(REG_RIP));
    assert_int_equal(MC(eflags), GREG(REG_EFL));
    assert_int_equal(MC(cs), GREG(REG_CSGSFS));
    assert_int_equal(MC(err), GREG(REG_ERR));
    assert_int_equal(MC(trapno), GREG(REG_TRAPNO));
    assert_int_equal(MC(oldmask), GREG(REG_OLDMASK));
    assert_int_equal(MC(cr2), GREG(REG_CR2));
    assert_int_equal(MC(fpstate), offsetof(ucontext_t, uc_mcontext.fpregs));
    assert_int_equal(offsetof(struct linux_ucontext, uc_sigmask), offsetof(ucontext_t, uc_sigmask));
    assert_int_equal(offsetof(struct linux_siginfo, si_signo), offsetof(siginfo_t, si_signo));
    assert_int_equal(offsetof(struct linux_siginfo, si_errno), offsetof(siginfo_t, si_errno));
    assert_int_equal(offsetof(struct linux_siginfo, si_code), offsetof(siginfo_t, si_code));
    assert_int_equal(offsetof(struct linux_siginfo, f.kill.pid), offsetof(siginfo_t, si_pid));
    assert_int_equal(offsetof(struct linux_siginfo, f.kill.uid), offsetof(siginfo_t, si_uid));
    assert_int_equal(offsetof(struct linux_siginfo, f.kill.value), offsetof(siginfo_t, si_value));
    assert_int_equal(offsetof(struct linux_siginfo, f.addr), offsetof(siginfo_t, si_addr));
    assert_int_equal(sizeof(struct linux_siginfo), sizeof(siginfo_t));
}

static const struct signal_altstack no_alt = { 0, 0, 0 };

static void check_normal(uint64_t sp, uint64_t fp_size)
{
    struct signal_frame_place at;
    assert_true(signal_frame_place(sp, false, &no_alt, fp_size, &at));
    assert_false(at.entered_altstack);
    assert_int_equal((at.frame + 8) % 16, 0);           /* as at a function's entry */
    assert_int_equal(at.fpstate % 64, 0);
    assert_true(at.frame + sizeof(struct linux_rt_sigframe) <= at.fpstate);
    assert_true(at.fpstate + fp_size <= sp - 128);      /* the red zone is left alone */
    assert_true(sp - at.frame < 128 + fp_size + sizeof(struct linux_rt_sigframe) + 64 + 16 + 8);
}

static void test_place_on_stack(void **state)
{
    (void)state;
    for (uint64_t off = 0; off < 128; off++) {
        check_normal(0x7ffffffde000ull - off, 836);     /* XSAVE x87+SSE+AVX + MAGIC2 */
        check_normal(0x7ffffffde000ull - off, 512);     /* FXSAVE */
    }
}

static void test_place_bogus_stack(void **state)
{
    (void)state;
    struct signal_frame_place at;
    /* A stack pointer too low for any frame: refused, not wrapped. */
    assert_false(signal_frame_place(100, false, &no_alt, 836, &at));
}

static void test_place_altstack(void **state)
{
    (void)state;
    struct signal_altstack alt = { 0x10000, 65536, 0 };
    struct signal_frame_place at;
    /* SA_ONSTACK, not on it: the frame goes at its top. */
    assert_true(signal_frame_place(0x7ffffffde000ull, true, &alt, 836, &at));
    assert_true(at.entered_altstack);
    assert_true(at.frame > alt.sp && at.fpstate + 836 <= alt.sp + alt.size);
    assert_int_equal((at.frame + 8) % 16, 0);
    /* Without SA_ONSTACK the alternate stack is not used. */
    assert_true(signal_frame_place(0x7ffffffde000ull, false, &alt, 836, &at));
    assert_false(at.entered_altstack);
    assert_true(at.frame > 0x7ff000000000ull);
    /* Already on it (a nested signal): below the current sp, on it. */
    uint64_t sp = alt.sp + 40000;
    assert_true(signal_frame_place(sp, true, &alt, 836, &at));
    assert_false(at.entered_altstack);
    assert_true(at.frame < sp - 128 && at.frame > alt.sp);
    /* Nested, and no room left on it: refused (Linux: SIGSEGV). */
    assert_false(signal_frame_place(alt.sp + 600, true, &alt, 836, &at));
    /* An alternate stack too small for the frame. */
    struct signal_altstack tiny = { 0x10000, 1024, 0 };
    assert_false(signal_frame_place(0x7ffffffde000ull, true, &tiny, 836, &at));
}

static void test_altstack_flags(void **state)
{
    (void)state;
    struct signal_altstack alt = { 0x10000, 8192, 0 };
    assert_int_equal(signal_altstack_flags(&no_alt, 0x10100), SS_DISABLE);
    assert_int_equal(signal_altstack_flags(&alt, 0x10100), SS_ONSTACK);
    assert_int_equal(signal_altstack_flags(&alt, 0x12000), SS_ONSTACK);     /* its top: empty, on it */
    assert_int_equal(signal_altstack_flags(&alt, 0x10000), 0);
    assert_int_equal(signal_altstack_flags(&alt, 0x7ffffffde000ull), 0);
    alt.flags = SS_AUTODISARM;
    assert_int_equal(signal_altstack_flags(&alt, 0x10100), 0);
}

static uint8_t img[1024 + 64] __attribute__((aligned(64)));

static void put32(size_t off, uint32_t v) { memcpy(img + off, &v, 4); }
static void put64(size_t off, uint64_t v) { memcpy(img + off, &v, 8); }
static uint32_t get32(size_t off) { uint32_t v; memcpy(&v, img + off, 4); return v; }
static uint64_t get64(size_t off) { uint64_t v; memcpy(&v, img + off, 8); return v; }

static void test_fpstate_marks(void **state)
{
    (void)state;
    memset(img, 0, sizeof(img));
    assert_false(fpstate_marked(img, 832));
    fpstate_mark(img, 832, 0x7);
    assert_int_equal(get32(464), FP_XSTATE_MAGIC1);
    assert_int_equal(get32(468), 836);                  /* extended_size */
    assert_true(get64(472) == 0x7);                     /* xfeatures */
    assert_int_equal(get32(480), 832);                  /* xstate_size */
    assert_int_equal(get32(832), FP_XSTATE_MAGIC2);
    assert_true(fpstate_marked(img, 832));
    assert_false(fpstate_marked(img, 576));             /* another size */
    put32(832, 0);
    assert_false(fpstate_marked(img, 832));             /* MAGIC2 gone */
    assert_int_equal(fpstate_frame_size(true, 832), 836);
    assert_int_equal(fpstate_frame_size(false, 512), 512);
}

static void test_fpstate_sanitize(void **state)
{
    (void)state;
    memset(img, 0, sizeof(img));
    fpstate_mark(img, 832, 0x7);
    put32(24, 0xffffffff);                              /* MXCSR: every bit */
    put64(512, ~0ull);                                  /* XSTATE_BV */
    put64(520, ~0ull);                                  /* XCOMP_BV (compacted) */
    memset(img + 528, 0xaa, 48);                        /* reserved */
    fpstate_sanitize(img, true, true, 0x7, 0xffbf);
    assert_int_equal(get32(24), 0xffbf);
    assert_true(get64(512) == 0x7);
    for (size_t i = 520; i < 576; i++)
        assert_int_equal(img[i], 0);
    /* Features the frame says it lacks are not loaded from it. */
    memset(img, 0, sizeof(img));
    fpstate_mark(img, 832, 0x3);
    put64(512, 0x7);
    fpstate_sanitize(img, true, true, 0x7, 0xffff);
    assert_true(get64(512) == 0x3);
    /* An unmarked image is a plain FXSAVE one: x87 and SSE only. */
    memset(img, 0, sizeof(img));
    put64(512, 0x4);
    fpstate_sanitize(img, true, false, 0x7, 0xffff);
    assert_true(get64(512) == 0x3);
    /* FXSAVE only: MXCSR masked, nothing else touched. */
    memset(img, 0x55, sizeof(img));
    fpstate_sanitize(img, false, false, 0x3, 0xffbf);
    assert_int_equal(get32(24), 0x55555555 & 0xffbf);
    assert_int_equal(img[512], 0x55);
}

static struct signal_info trap(uint64_t vector, uint64_t rip, uint64_t cr2, bool mapped)
{
    struct trap_fault t = { .vector = vector, .error = 6, .rip = rip, .cr2 = cr2, .mapped = mapped };
    return signal_from_trap(&t);
}

static void test_faults(void **state)
{
    (void)state;
    struct signal_info i = trap(14, 0x401000, 0x10, false);
    assert_int_equal(i.signo, 11);
    assert_int_equal(i.code, SEGV_MAPERR);
    assert_true(i.addr == 0x10 && i.cr2 == 0x10 && i.trapno == 14 && i.error == 6);
    i = trap(14, 0x401000, 0x500000, true);
    assert_int_equal(i.code, SEGV_ACCERR);
    assert_true(i.addr == 0x500000);
    i = trap(0, 0x401234, 0, false);
    assert_int_equal(i.signo, 8);
    assert_int_equal(i.code, FPE_INTDIV);
    assert_true(i.addr == 0x401234 && i.cr2 == 0);
    i = trap(6, 0x401234, 0, false);
    assert_int_equal(i.signo, 4);
    assert_int_equal(i.code, ILL_ILLOPN);
    assert_true(i.addr == 0x401234);
    i = trap(13, 0x401234, 0, false);
    assert_int_equal(i.signo, 11);
    assert_int_equal(i.code, SI_KERNEL);
    assert_true(i.addr == 0);
    i = trap(3, 0x401234, 0, false);
    assert_int_equal(i.signo, 5);
    assert_int_equal(i.code, SI_KERNEL);
    i = trap(17, 0x401234, 0, false);
    assert_int_equal(i.signo, 7);
    assert_int_equal(i.code, BUS_ADRALN);
    assert_int_equal(trap(12, 0, 0, false).signo, 7);  /* #SS: SIGBUS */
    struct trap_fault step = { .vector = 1, .rip = 0x401000, .rflags = 0x302 };
    assert_int_equal(signal_from_trap(&step).code, TRAP_TRACE);
}

/* MXCSR with exception `flag` raised and unmasked (flags 0-5, masks 7-12). */
static uint32_t unmasked(unsigned flag) { return (0x1f80u & ~(1u << (flag + 7))) | (1u << flag); }

static void test_fpe_codes(void **state)
{
    (void)state;
    assert_int_equal(signal_fpe_code(19, 0, 0, unmasked(2)), FPE_FLTDIV);
    assert_int_equal(signal_fpe_code(19, 0, 0, unmasked(0)), FPE_FLTINV);
    assert_int_equal(signal_fpe_code(19, 0, 0, unmasked(3)), FPE_FLTOVF);
    assert_int_equal(signal_fpe_code(19, 0, 0, unmasked(4)), FPE_FLTUND);
    assert_int_equal(signal_fpe_code(19, 0, 0, unmasked(5)), FPE_FLTRES);
    assert_int_equal(signal_fpe_code(19, 0, 0, 0x1f80 | (1u << 2)), FPE_FLTUNK);     /* masked */
    /* #MF: status word against the control word's masks. */
    assert_int_equal(signal_fpe_code(16, 0x0004, 0x037b, 0), FPE_FLTDIV);
    assert_int_equal(signal_fpe_code(16, 0x0004, 0x037f, 0), FPE_FLTUNK);
    assert_int_equal(signal_fpe_code(16, 0x0001 | 0x0004, 0x0370, 0), FPE_FLTINV);   /* invalid first */
}

static void test_siginfo_fill(void **state)
{
    (void)state;
    struct linux_siginfo si;
    struct signal_info kill = { .signo = 10, .code = SI_QUEUE, .pid = 1, .uid = 0, .value = 42, .addr = 0xdead };
    signal_siginfo_fill(&si, &kill);
    assert_int_equal(si.si_signo, 10);
    assert_int_equal(si.si_code, SI_QUEUE);
    assert_int_equal(si.si_errno, 0);
    assert_int_equal(si.f.kill.pid, 1);
    assert_true(si.f.kill.value == 42);
    struct signal_info fault = { .signo = 11, .code = SEGV_MAPERR, .addr = 0x10 };
    signal_siginfo_fill(&si, &fault);
    assert_true(si.f.addr == 0x10);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_layout_matches_libc),
        cmocka_unit_test(test_place_on_stack),
        cmocka_unit_test(test_place_bogus_stack),
        cmocka_unit_test(test_place_altstack),
        cmocka_unit_test(test_altstack_flags),
        cmocka_unit_test(test_fpstate_marks),
        cmocka_unit_test(test_fpstate_sanitize),
        cmocka_unit_test(test_faults),
        cmocka_unit_test(test_fpe_codes),
        cmocka_unit_test(test_siginfo_fill),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
