/* rt_sigreturn: back from a handler to what the signal interrupted, from
 * the frame on the program's stack.  The program may have edited the frame
 * (that is the point of ucontext), so nothing in it is trusted: segment
 * selectors must be the user ones, RIP and RSP canonical, only the flags a
 * program may change are taken, and the FPU image is sanitized before it
 * is loaded.  A bad frame is a SIGSEGV, as on Linux. */
#include "unix/signal.h"
#include "unix/sigset.h"
#include "unix/signal_frame.h"
#include "unix/process.h"
#include "unix/signal_thread.h"
#include "unix/usercopy.h"
#include "unix/syscall.h"
#include "arch/x86_64/trap.h"
#include "arch/x86_64/fpu.h"
#include "arch/x86_64/gdt.h"
#include "lib/string.h"
#include "lib/format.h"
#include "lib/log.h"

/* AC OF DF TF SF ZF AF PF CF RF: what sigreturn may change (Linux's
 * FIX_EFLAGS); IF, IOPL and the rest stay as they are. */
#define SIGRETURN_RFLAGS 0x50dd5ull
#define USER_ADDRESS_END 0x0000800000000000ull

static bool canonical_user(uint64_t a) { return a < USER_ADDRESS_END; }

/* Reads and sanitizes the FPU image at fpstate into img; false when it
 * cannot be read. */
static bool read_fpstate(uint64_t fpstate, uint8_t *img)
{
    bool xsave = fpu_uses_xsave();
    uint32_t size = (uint32_t)fpu_state_size();
    memset(img, 0, size + 4);
    if (copy_from_user(img, fpstate, FPSTATE_LEGACY_SIZE))
        return false;
    /* A frame holding only the legacy area (built by hand) is still good:
     * the extended state then starts from its initial values. */
    bool marked = xsave && !copy_from_user(img + FPSTATE_LEGACY_SIZE, fpstate + FPSTATE_LEGACY_SIZE,
                                           size + 4 - FPSTATE_LEGACY_SIZE) &&
                  fpstate_marked(img, size);
    if (xsave && !marked)
        memset(img + FPSTATE_LEGACY_SIZE, 0, size + 4 - FPSTATE_LEGACY_SIZE);
    fpstate_sanitize(img, xsave, marked, fpu_xfeatures(), fpu_mxcsr_mask());
    return true;
}

/* sigaltstack as the frame says (a handler may change it), unless the
 * restored stack pointer is on the current alternate stack. */
static void restore_altstack(struct thread_signals *s, const struct linux_stack *ss, uint64_t rsp)
{
    struct signal_altstack cur = { s->altstack_sp, s->altstack_size, (uint32_t)s->altstack_flags };
    if (signal_altstack_flags(&cur, rsp) == SS_ONSTACK)
        return;
    if (ss->ss_flags & SS_DISABLE) {
        s->altstack_sp = s->altstack_size = 0;
        s->altstack_flags = 0;
    } else if (ss->ss_size >= 2048 /* MINSIGSTKSZ */) {
        s->altstack_sp = ss->ss_sp;
        s->altstack_size = ss->ss_size;
        s->altstack_flags = (int)((uint32_t)ss->ss_flags & SS_AUTODISARM);
    }
}

static int64_t bad_frame(struct trap_frame *f, uint64_t frame, const char *what)
{
    static char why[120];               /* read only as the program ends */
    snprintf(why, sizeof(why), "bad signal frame at 0x%lx in rt_sigreturn (%s)", frame, what);
    klog("signal: %s", why);
    signal_force(SIGSEGV, why);
    return (int64_t)f->rax;
}

int64_t signal_return(struct trap_frame *f)
{
    struct thread_signals *s = signal_self();
    uint8_t *img = s->fpu_img;          /* per thread: others may return from handlers too */
    uint64_t frame = f->rsp - 8;        /* the handler's RET popped pretcode */
    struct linux_ucontext uc;
    if (copy_from_user(&uc, frame + offsetof(struct linux_rt_sigframe, uc), sizeof(uc)))
        return bad_frame(f, frame, "unreadable");
    const struct linux_sigcontext *sc = &uc.uc_mcontext;
    if ((sc->cs | 3) != USER_CS)
        return bad_frame(f, frame, "code segment is not the 64-bit user one");
    if ((uc.uc_flags & UC_STRICT_RESTORE_SS) && (sc->ss | 3) != USER_DS)
        return bad_frame(f, frame, "stack segment is not the user one");
    if (!canonical_user(sc->rip) || !canonical_user(sc->rsp))
        return bad_frame(f, frame, "RIP or RSP outside user space");
    if (sc->fpstate && !read_fpstate(sc->fpstate, img))
        return bad_frame(f, frame, "unreadable FPU state");

    f->r8 = sc->r8; f->r9 = sc->r9; f->r10 = sc->r10; f->r11 = sc->r11;
    f->r12 = sc->r12; f->r13 = sc->r13; f->r14 = sc->r14; f->r15 = sc->r15;
    f->rdi = sc->rdi; f->rsi = sc->rsi; f->rbp = sc->rbp; f->rbx = sc->rbx;
    f->rdx = sc->rdx; f->rax = sc->rax; f->rcx = sc->rcx; f->rsp = sc->rsp; f->rip = sc->rip;
    f->rflags = (f->rflags & ~SIGRETURN_RFLAGS) | (sc->eflags & SIGRETURN_RFLAGS);
    f->cs = USER_CS;
    f->ss = USER_DS;
    uint64_t flags = spin_lock_irqsave(&signal_lock);
    s->mask = uc.uc_sigmask & ~SIGSET_UNBLOCKABLE;
    spin_unlock_irqrestore(&signal_lock, flags);
    restore_altstack(s, &uc.uc_stack, sc->rsp);
    if (sc->fpstate)
        fpu_restore(img);
    else
        fpu_reset();
    syscall_request_full_restore();     /* RCX and R11 too: SYSRET would clobber them */
    return (int64_t)sc->rax;
}
