/* The signal frame Linux builds on the program's stack on x86-64, byte for
 * byte (arch/x86/include/uapi/asm/sigcontext.h, asm-generic/ucontext.h,
 * asm-generic/siginfo.h): programs, libcs and runtimes (Go's) read and
 * edit it.  From the handler's stack pointer up:
 *
 *   rsp ->   return address (sa_restorer, which calls rt_sigreturn)
 *            struct ucontext   (uc_mcontext: every register at the signal)
 *            struct siginfo
 *            ...padding...
 *   fpstate: the XSAVE/FXSAVE image, 64-byte aligned (+ FP_XSTATE_MAGIC2)
 *            ...at least 128 bytes of red zone below the interrupted rsp
 *
 * and rsp + 8 is 16-byte aligned, as at any function's entry.  Placement
 * and the FPU image checks are pure (tests/unit/kernel/test_signal_frame.c). */
#ifndef UNIX_SIGNAL_FRAME_H
#define UNIX_SIGNAL_FRAME_H
#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>
#include "unix/signal.h"

struct linux_siginfo {
    int32_t si_signo, si_errno, si_code, pad;
    union {
        struct { int32_t pid; uint32_t uid; uint64_t value; } kill;    /* SI_USER, SI_TKILL, SI_QUEUE */
        uint64_t addr;                                  /* faults */
        uint8_t bytes[112];
    } f;
};

struct linux_stack {                    /* stack_t */
    uint64_t ss_sp;
    int32_t ss_flags, pad;
    uint64_t ss_size;
};

struct linux_sigcontext {               /* struct sigcontext_64 */
    uint64_t r8, r9, r10, r11, r12, r13, r14, r15;
    uint64_t rdi, rsi, rbp, rbx, rdx, rax, rcx, rsp, rip, eflags;
    uint16_t cs, gs, fs, ss;
    uint64_t err, trapno, oldmask, cr2;
    uint64_t fpstate;                   /* 0: no FPU state saved */
    uint64_t reserved1[8];
};

struct linux_ucontext {
    uint64_t uc_flags, uc_link;
    struct linux_stack uc_stack;
    struct linux_sigcontext uc_mcontext;
    uint64_t uc_sigmask;                /* the kernel's 64-bit sigset */
};

struct linux_rt_sigframe {
    uint64_t pretcode;
    struct linux_ucontext uc;
    struct linux_siginfo info;
};

_Static_assert(sizeof(struct linux_siginfo) == 128, "siginfo is 128 bytes");
_Static_assert(sizeof(struct linux_sigcontext) == 256, "sigcontext_64 is 256 bytes");
_Static_assert(offsetof(struct linux_sigcontext, cs) == 144, "sigcontext cs");
_Static_assert(offsetof(struct linux_sigcontext, fpstate) == 184, "sigcontext fpstate");
_Static_assert(sizeof(struct linux_ucontext) == 304, "ucontext is 304 bytes");
_Static_assert(offsetof(struct linux_ucontext, uc_mcontext) == 40, "uc_mcontext");
_Static_assert(sizeof(struct linux_rt_sigframe) == 440, "rt_sigframe is 440 bytes");

#define UC_FP_XSTATE 0x1                /* fpstate is an XSAVE image */
#define UC_SIGCONTEXT_SS 0x2            /* ss is saved */
#define UC_STRICT_RESTORE_SS 0x4        /* and restored as is */

#define SS_ONSTACK 1
#define SS_DISABLE 2
#define SS_AUTODISARM (1u << 31)

struct signal_altstack {
    uint64_t sp, size;                  /* size 0: none */
    uint32_t flags;                     /* SS_AUTODISARM */
};

/* SS_ONSTACK when sp lies on the alternate stack, SS_DISABLE when there is
 * none, else 0 (sigaltstack's ss_flags, Linux's sas_ss_flags). */
int signal_altstack_flags(const struct signal_altstack *alt, uint64_t sp);

struct signal_frame_place {
    uint64_t frame;                     /* struct linux_rt_sigframe; the handler's rsp */
    uint64_t fpstate;                   /* the FPU image */
    bool entered_altstack;              /* switched to the alternate stack */
};

/* Where the frame for a signal interrupting user_sp goes: below the red
 * zone, or at the top of the alternate stack when onstack (SA_ONSTACK) and
 * not on it already; fpstate_size bytes of FPU image.  False when the
 * frame would not fit on the alternate stack (Linux: SIGSEGV). */
bool signal_frame_place(uint64_t user_sp, bool onstack, const struct signal_altstack *alt,
                        uint64_t fpstate_size, struct signal_frame_place *out);

/* The FPU image in a frame.  With XSAVE, Linux marks it: bytes 464..511 of
 * the legacy area hold struct _fpx_sw_bytes (FP_XSTATE_MAGIC1, sizes,
 * features) and FP_XSTATE_MAGIC2 follows the image; the frame then holds
 * xstate_size + 4 bytes. */
#define FP_XSTATE_MAGIC1 0x46505853u
#define FP_XSTATE_MAGIC2 0x46505845u
#define FPSTATE_LEGACY_SIZE 512
#define FPSTATE_XSAVE_MIN 576           /* legacy area + XSAVE header */

/* Bytes of FPU image in a frame for an image of state_size bytes. */
uint64_t fpstate_frame_size(bool xsave, uint64_t state_size);
/* Writes the software bytes and MAGIC2 (img holds state_size + 4 bytes). */
void fpstate_mark(uint8_t *img, uint32_t state_size, uint64_t xfeatures);
/* True when img carries the marks for an image of exactly state_size
 * bytes (img holds state_size + 4 bytes). */
bool fpstate_marked(const uint8_t *img, uint32_t state_size);
/* Makes an image from the program safe to load: MXCSR within mxcsr_mask;
 * with XSAVE a standard-form header whose XSTATE_BV lies within xfeatures
 * (and within the marked features; only x87|SSE when not marked). */
void fpstate_sanitize(uint8_t *img, bool xsave, bool marked, uint64_t xfeatures, uint32_t mxcsr_mask);

/* The program's siginfo for a pending signal: si_pid/si_uid/si_value for
 * one a process sent (si_code <= 0), si_addr for a fault. */
void signal_siginfo_fill(struct linux_siginfo *out, const struct signal_info *in);

#endif
