/* Pending signals and their delivery on the way back to user mode
 * (unix/signal.h); rt_sigreturn's restore is in signal_return.c. */
#include "unix/signal.h"
#include "unix/sigset.h"
#include "unix/signal_frame.h"
#include "unix/process.h"
#include "unix/usercopy.h"
#include "arch/x86_64/trap.h"
#include "arch/x86_64/fpu.h"
#include "arch/x86_64/gdt.h"
#include "lib/format.h"
#include "lib/string.h"
#include "lib/log.h"

#define SYSCALL_RT_SIGRETURN 15
#define RFLAGS_TF (1ull << 8)
#define RFLAGS_DF (1ull << 10)
#define RFLAGS_RF (1ull << 16)

static bool valid(int sig) { return sig >= 1 && sig <= NSIG; }

/* Ignored where it is sent: SIG_IGN, or SIG_DFL whose default is to
 * ignore.  A blocked signal is kept (the action may change before it is
 * unblocked), as Linux does. */
static bool dropped_at_send(int sig)
{
    if (sig == SIGKILL || (proc.sigmask & sigset_bit(sig)))
        return false;
    uint64_t h = proc.actions[sig - 1].handler;
    return h == SIG_IGN || (h == SIG_DFL && sigset_default_action(sig) == SIG_DEFAULT_IGNORE);
}

void signal_send(const struct signal_info *info)
{
    int sig = info->signo;
    if (!valid(sig) || dropped_at_send(sig))
        return;
    /* One instance per signal: a second of the same kind merges into the
     * first (real-time signals queue on Linux; not yet here). */
    if (proc.sigpending & sigset_bit(sig))
        return;
    proc.sigpending |= sigset_bit(sig);
    proc.siginfo[sig - 1] = *info;
}

bool signal_send_fault(const struct signal_info *info)
{
    int sig = info->signo;
    uint64_t h = proc.actions[sig - 1].handler;
    if ((proc.sigmask & sigset_bit(sig)) || h == SIG_IGN || h == SIG_DFL)
        return false;
    proc.sigpending |= sigset_bit(sig);
    proc.siginfo[sig - 1] = *info;      /* the fault's details win */
    return true;
}

void signal_force(int sig, const char *why)
{
    struct k_sigaction *ka = &proc.actions[sig - 1];
    if (ka->handler == SIG_IGN || (proc.sigmask & sigset_bit(sig)))
        ka->handler = SIG_DFL;
    proc.sigmask &= ~sigset_bit(sig);
    proc.sigpending |= sigset_bit(sig);
    proc.siginfo[sig - 1] = (struct signal_info){ .signo = sig, .code = SI_KERNEL, .why = why };
}

bool signal_pending_interrupts(void)
{
    uint64_t ready = proc.sigpending & ~(proc.sigmask & ~SIGSET_UNBLOCKABLE);
    for (int sig = 1; sig <= NSIG; sig++) {
        if (!(ready & sigset_bit(sig)))
            continue;
        uint64_t h = proc.actions[sig - 1].handler;
        if (sig == SIGKILL || (h != SIG_IGN && (h != SIG_DFL || sigset_default_action(sig) == SIG_DEFAULT_TERMINATE)))
            return true;
    }
    return false;
}

static void fill_sigcontext(struct linux_sigcontext *sc, const struct trap_frame *f,
                            const struct signal_info *info, uint64_t oldmask, uint64_t fpstate)
{
    *sc = (struct linux_sigcontext){
        .r8 = f->r8, .r9 = f->r9, .r10 = f->r10, .r11 = f->r11, .r12 = f->r12, .r13 = f->r13,
        .r14 = f->r14, .r15 = f->r15, .rdi = f->rdi, .rsi = f->rsi, .rbp = f->rbp, .rbx = f->rbx,
        .rdx = f->rdx, .rax = f->rax, .rcx = f->rcx, .rsp = f->rsp, .rip = f->rip,
        .eflags = f->rflags, .cs = (uint16_t)f->cs, .ss = (uint16_t)f->ss,
        .err = info->error, .trapno = info->trapno, .oldmask = oldmask, .cr2 = info->cr2,
        .fpstate = fpstate,
    };
}

static char frame_why[160];

/* Writes the frame and points the registers at the handler; false (and
 * frame_why says why) when the frame cannot be written. */
static bool setup_frame(struct trap_frame *f, int sig, const struct signal_info *info,
                        struct k_sigaction *ka, uint64_t oldmask)
{
    static uint8_t img[FPU_STATE_MAX + 64] __attribute__((aligned(64)));
    if (!(ka->flags & SA_RESTORER)) {   /* x86-64 Linux requires it too */
        snprintf(frame_why, sizeof(frame_why), "its %s handler has no sa_restorer", signal_name(sig));
        return false;
    }
    struct signal_altstack alt = { proc.altstack_sp, proc.altstack_size, (uint32_t)proc.altstack_flags };
    bool xsave = fpu_uses_xsave();
    uint32_t state_size = (uint32_t)fpu_state_size();
    uint64_t fp_bytes = fpstate_frame_size(xsave, state_size);
    struct signal_frame_place at;
    bool placed = signal_frame_place(f->rsp, ka->flags & SA_ONSTACK, &alt, fp_bytes, &at);
    fpu_save(img);
    if (xsave)
        fpstate_mark(img, state_size, fpu_xfeatures());
    struct linux_rt_sigframe fr;
    memset(&fr, 0, sizeof(fr));
    fr.pretcode = ka->restorer;
    fr.uc.uc_flags = UC_SIGCONTEXT_SS | UC_STRICT_RESTORE_SS | (xsave ? UC_FP_XSTATE : 0);
    fr.uc.uc_stack = (struct linux_stack){ alt.sp, signal_altstack_flags(&alt, f->rsp), 0, alt.size };
    fill_sigcontext(&fr.uc.uc_mcontext, f, info, oldmask, at.fpstate);
    fr.uc.uc_sigmask = oldmask;
    signal_siginfo_fill(&fr.info, info);
    if (!placed || copy_to_user(at.fpstate, img, fp_bytes) || copy_to_user(at.frame, &fr, sizeof(fr))) {
        snprintf(frame_why, sizeof(frame_why), "cannot write the %s signal frame (stack pointer 0x%lx%s)",
                 signal_name(sig), f->rsp, at.entered_altstack ? ", alternate stack" : "");
        return false;
    }
    f->rdi = (uint64_t)sig;
    f->rsi = at.frame + offsetof(struct linux_rt_sigframe, info);
    f->rdx = at.frame + offsetof(struct linux_rt_sigframe, uc);
    f->rax = 0;                         /* for handlers declared without a prototype */
    f->rip = ka->handler;
    f->rsp = at.frame;
    f->cs = USER_CS;
    f->ss = USER_DS;
    f->rflags &= ~(RFLAGS_TF | RFLAGS_DF | RFLAGS_RF);
    if (at.entered_altstack && (alt.flags & SS_AUTODISARM)) {
        proc.altstack_sp = proc.altstack_size = 0;
        proc.altstack_flags = 0;
    }
    fpu_reset();                        /* the handler starts with a clean FPU, as on Linux */
    return true;
}

/* An interrupted system call: -EINTR, restarted, or left alone. */
static void settle_syscall(struct trap_frame *f, uint64_t nr, bool handler_runs, bool sa_restart)
{
    switch (sigset_restart((int64_t)f->rax, handler_runs, sa_restart)) {
    case SIG_RESTART_EINTR:
        f->rax = (uint64_t)-4;          /* -EINTR */
        break;
    case SIG_RESTART_AGAIN:
        f->rax = nr;
        f->rip -= 2;                    /* back over SYSCALL */
        break;
    case SIG_RESTART_NONE:
        break;
    }
}

/* The default action of a dequeued signal: returns if it is ignored. */
static void default_action(int sig, const struct signal_info *info)
{
    enum sig_default d = sig == SIGKILL ? SIG_DEFAULT_TERMINATE : sigset_default_action(sig);
    if (d == SIG_DEFAULT_IGNORE)
        return;
    if (d == SIG_DEFAULT_STOP) {
        klog_once(default_action, "signal: %d would stop the program; there is no one to continue it, "
                                  "so it is ignored", sig);
        return;
    }
    process_kill(sig, info->why ? info->why : "sent to the program");
}

bool signal_exit_to_user(struct trap_frame *f, bool from_syscall, uint64_t syscall_nr)
{
    bool handled = false;
    int sig;
    /* RAX after rt_sigreturn is the interrupted context's, not a result
     * (Linux sets orig_ax to -1 there for the same reason). */
    if (syscall_nr == SYSCALL_RT_SIGRETURN)
        from_syscall = false;
    /* Each handler gets a frame; several pending signals nest, the last
     * one set up running first, as on Linux.  Ends: each pass clears a bit. */
    while ((sig = sigset_next(proc.sigpending, proc.sigmask)) != 0) {
        struct signal_info info = proc.siginfo[sig - 1];
        proc.sigpending &= ~sigset_bit(sig);
        struct k_sigaction *ka = &proc.actions[sig - 1];
        if (sig != SIGKILL && ka->handler == SIG_IGN)
            continue;
        if (sig == SIGKILL || ka->handler == SIG_DFL) {
            default_action(sig, &info);
            continue;
        }
        if (from_syscall && !handled)
            settle_syscall(f, syscall_nr, true, ka->flags & SA_RESTART);
        uint64_t oldmask = proc.restore_sigmask ? proc.saved_sigmask : proc.sigmask;
        if (!setup_frame(f, sig, &info, ka, oldmask)) {
            /* Linux's force_sigsegv: by its default action if SIGSEGV
             * itself could not be delivered. */
            klog("signal: %s", frame_why);
            if (sig == SIGSEGV)
                ka->handler = SIG_DFL;
            signal_force(SIGSEGV, frame_why);
            continue;
        }
        proc.restore_sigmask = false;
        proc.sigmask = sigset_handler_mask(oldmask, ka->mask, sig, ka->flags & SA_NODEFER);
        if (ka->flags & SA_RESETHAND)
            ka->handler = SIG_DFL;
        handled = true;
    }
    if (from_syscall && !handled)
        settle_syscall(f, syscall_nr, false, false);
    if (proc.restore_sigmask) {
        proc.sigmask = proc.saved_sigmask;
        proc.restore_sigmask = false;
    }
    return handled;
}
