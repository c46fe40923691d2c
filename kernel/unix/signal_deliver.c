/* Pending signals and their delivery on the way back to user mode
 * (unix/signal.h); rt_sigreturn's restore is in signal_return.c. */
#include "unix/signal.h"
#include "unix/sigset.h"
#include "unix/signal_frame.h"
#include "unix/process.h"
#include "unix/signal_thread.h"
#include "unix/usercopy.h"
#include "arch/x86_64/trap.h"
#include "arch/x86_64/fpu.h"
#include "arch/x86_64/gdt.h"
#include "lib/format.h"
#include "lib/string.h"
#include "lib/log.h"

#define SYSCALL_RT_SIGRETURN 15
#define SYSCALL_RESTART_SYSCALL 219
#define RFLAGS_TF (1ull << 8)
#define RFLAGS_DF (1ull << 10)
#define RFLAGS_RF (1ull << 16)

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

/* Why the last frame could not be written; only read before the program
 * ends by SIGSEGV, by the thread that failed. */
static char frame_why[160];

/* Writes the frame and points the registers at the handler; false (and
 * frame_why says why) when the frame cannot be written.  The FPU image is
 * built in the thread's own buffer: another thread may be delivering too. */
static bool setup_frame(struct thread_signals *s, struct trap_frame *f, int sig,
                        const struct signal_info *info, struct k_sigaction *ka, uint64_t oldmask)
{
    uint8_t *img = s->fpu_img;
    if (!(ka->flags & SA_RESTORER)) {   /* x86-64 Linux requires it too */
        snprintf(frame_why, sizeof(frame_why), "its %s handler has no sa_restorer", signal_name(sig));
        return false;
    }
    struct signal_altstack alt = { s->altstack_sp, s->altstack_size, (uint32_t)s->altstack_flags };
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
        s->altstack_sp = s->altstack_size = 0;
        s->altstack_flags = 0;
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
    case SIG_RESTART_BLOCK:
        f->rax = SYSCALL_RESTART_SYSCALL;
        f->rip -= 2;
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

/* Restores the mask saved by rt_sigsuspend or pselect & co. when no
 * handler's frame took it. */
static void restore_saved_mask(struct thread_signals *s)
{
    if (!s->restore_mask)
        return;
    uint64_t flags = spin_lock_irqsave(&signal_lock);
    s->mask = s->saved_mask;
    s->restore_mask = false;
    spin_unlock_irqrestore(&signal_lock, flags);
}

/* The handler's mask takes over once its frame is written. */
static void enter_handler(struct thread_signals *s, struct k_sigaction *ka, int sig, uint64_t oldmask)
{
    uint64_t flags = spin_lock_irqsave(&signal_lock);
    s->restore_mask = false;
    s->mask = sigset_handler_mask(oldmask, ka->mask, sig, ka->flags & SA_NODEFER);
    if (ka->flags & SA_RESETHAND)
        ka->handler = SIG_DFL;
    spin_unlock_irqrestore(&signal_lock, flags);
}

bool signal_exit_to_user(struct trap_frame *f, bool from_syscall, uint64_t syscall_nr)
{
    struct thread_signals *s = signal_self();
    if (!s)
        return false;
    bool handled = false;
    int sig;
    struct signal_info info;
    /* RAX after rt_sigreturn is the interrupted context's, not a result
     * (Linux sets orig_ax to -1 there for the same reason). */
    if (syscall_nr == SYSCALL_RT_SIGRETURN)
        from_syscall = false;
    /* Each handler gets a frame; several pending signals nest, the last
     * one set up running first, as on Linux.  Ends: each pass takes one. */
    while ((sig = signal_take(~s->mask | SIGSET_UNBLOCKABLE, &info)) != 0) {
        struct k_sigaction *ka = &proc.actions[sig - 1];
        if (sig != SIGKILL && ka->handler == SIG_IGN)
            continue;
        if (sig == SIGKILL || ka->handler == SIG_DFL) {
            default_action(sig, &info);
            continue;
        }
        if (from_syscall && !handled)
            settle_syscall(f, syscall_nr, true, ka->flags & SA_RESTART);
        uint64_t oldmask = s->restore_mask ? s->saved_mask : s->mask;
        if (!setup_frame(s, f, sig, &info, ka, oldmask)) {
            /* Linux's force_sigsegv: by its default action if SIGSEGV
             * itself could not be delivered. */
            klog("signal: %s", frame_why);
            if (sig == SIGSEGV)
                ka->handler = SIG_DFL;
            signal_force(SIGSEGV, frame_why);
            continue;
        }
        enter_handler(s, ka, sig, oldmask);
        handled = true;
    }
    if (from_syscall && !handled)
        settle_syscall(f, syscall_nr, false, false);
    restore_saved_mask(s);
    return handled;
}
