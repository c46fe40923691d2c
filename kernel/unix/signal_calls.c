/* The signal system calls: actions, masks, the alternate stack, sending to
 * the program itself, waiting for signals, rt_sigreturn.  Delivery is in
 * signal_deliver.c (unix/signal.h). */
#include "unix/syscall.h"
#include "unix/process.h"
#include "unix/signal.h"
#include "unix/sigset.h"
#include "unix/signal_frame.h"
#include "unix/timeout.h"
#include "unix/usercopy.h"
#include "arch/x86_64/trap.h"
#include "drivers/clock.h"
#include "lib/string.h"
#include "lib/errno.h"
#include "lib/log.h"

#define SIG_BLOCK 0
#define SIG_UNBLOCK 1
#define SIG_SETMASK 2
#define MINSIGSTKSZ 2048
#define SIGSET_SIZE 8
#define SIGSTOP 19

/* Setting SIG_IGN, or SIG_DFL where the default ignores, discards the
 * signal if pending, blocked or not (POSIX; Linux does it too). */
static void discard_if_ignored(int sig)
{
    uint64_t h = proc.actions[sig - 1].handler;
    if (h == SIG_IGN || (h == SIG_DFL && sigset_default_action(sig) == SIG_DEFAULT_IGNORE))
        proc.sigpending &= ~sigset_bit(sig);
}

int64_t sys_rt_sigaction(SYSCALL_ARGS)
{
    UNUSED_ARGS;
    int sig = (int)a0;
    if (sig < 1 || sig > NSIG || a3 != SIGSET_SIZE)
        return -EINVAL;
    if (a1 && (sig == SIGKILL || sig == SIGSTOP))
        return -EINVAL;
    struct k_sigaction old = proc.actions[sig - 1];
    if (a1) {
        struct k_sigaction act;
        if (copy_from_user(&act, a1, sizeof(act)))
            return -EFAULT;
        act.mask &= ~SIGSET_UNBLOCKABLE;
        proc.actions[sig - 1] = act;
        discard_if_ignored(sig);
    }
    if (a2 && copy_to_user(a2, &old, sizeof(old)))
        return -EFAULT;
    return 0;
}

/* A signal unblocked here is delivered on this call's way out. */
int64_t sys_rt_sigprocmask(SYSCALL_ARGS)
{
    UNUSED_ARGS;
    if (a3 != SIGSET_SIZE)
        return -EINVAL;
    uint64_t old = proc.sigmask;
    if (a1) {
        uint64_t set;
        if (copy_from_user(&set, a1, sizeof(set)))
            return -EFAULT;
        switch (a0) {
        case SIG_BLOCK: proc.sigmask |= set; break;
        case SIG_UNBLOCK: proc.sigmask &= ~set; break;
        case SIG_SETMASK: proc.sigmask = set; break;
        default: return -EINVAL;
        }
        proc.sigmask &= ~SIGSET_UNBLOCKABLE;
    }
    if (a2 && copy_to_user(a2, &old, sizeof(old)))
        return -EFAULT;
    return 0;
}

/* Pending and blocked (Linux: a size up to 8 bytes is fine). */
int64_t sys_rt_sigpending(SYSCALL_ARGS)
{
    UNUSED_ARGS;
    if (a1 > SIGSET_SIZE)
        return -EINVAL;
    uint64_t set = proc.sigpending & proc.sigmask;
    if (copy_to_user(a0, &set, a1))
        return -EFAULT;
    return 0;
}

int64_t sys_sigaltstack(SYSCALL_ARGS)
{
    UNUSED_ARGS;
    uint64_t rsp = syscall_frame()->rsp;
    struct signal_altstack cur = { proc.altstack_sp, proc.altstack_size, (uint32_t)proc.altstack_flags };
    int state = signal_altstack_flags(&cur, rsp);
    struct linux_stack old = { proc.altstack_sp, state | (int32_t)cur.flags, 0, proc.altstack_size };
    if (a0) {
        struct linux_stack ss;
        if (copy_from_user(&ss, a0, sizeof(ss)))
            return -EFAULT;
        if (state == SS_ONSTACK)
            return -EPERM;              /* not while running on it */
        uint32_t mode = (uint32_t)ss.ss_flags & ~SS_AUTODISARM;
        if (mode != 0 && mode != SS_DISABLE && mode != SS_ONSTACK)
            return -EINVAL;
        if (mode == SS_DISABLE) {
            proc.altstack_sp = proc.altstack_size = 0;
            proc.altstack_flags = 0;
        } else {
            if (ss.ss_size < MINSIGSTKSZ)
                return -ENOMEM;
            proc.altstack_sp = ss.ss_sp;
            proc.altstack_size = ss.ss_size;
            proc.altstack_flags = (int)((uint32_t)ss.ss_flags & SS_AUTODISARM);
        }
    }
    if (a1 && copy_to_user(a1, &old, sizeof(old)))
        return -EFAULT;
    return 0;
}

static int64_t send_self(int sig, int code)
{
    if (sig == 0)
        return 0;                       /* the existence check */
    if (sig < 1 || sig > NSIG)
        return -EINVAL;
    signal_send(&(struct signal_info){ .signo = sig, .code = code, .pid = PROCESS_PID, .uid = 0,
                                       .why = "sent by the program to itself" });
    return 0;
}

int64_t sys_kill(SYSCALL_ARGS)
{
    UNUSED_ARGS;
    int64_t pid = (int32_t)a0;
    if (pid != PROCESS_PID && pid != 0 && pid != -1)
        return -ESRCH;
    return send_self((int)a1, SI_USER);
}

int64_t sys_tkill(SYSCALL_ARGS)
{
    UNUSED_ARGS;
    if ((int32_t)a0 <= 0)
        return -EINVAL;
    if ((int32_t)a0 != PROCESS_PID)
        return -ESRCH;
    return send_self((int)a1, SI_TKILL);
}

int64_t sys_tgkill(SYSCALL_ARGS)
{
    UNUSED_ARGS;
    if ((int32_t)a0 <= 0 || (int32_t)a1 <= 0)
        return -EINVAL;
    if ((int32_t)a0 != PROCESS_PID || (int32_t)a1 != PROCESS_PID)
        return -ESRCH;
    return send_self((int)a2, SI_TKILL);
}

/* sigqueue: a signal with the sender's siginfo (si_code, si_pid, si_uid,
 * si_value).  To itself a process may claim any si_code but SI_TKILL's
 * meaning stays the kernel's (Linux refuses si_code >= 0 and SI_TKILL only
 * towards other processes). */
static int64_t queue_self(int sig, uint64_t uinfo)
{
    struct linux_siginfo si;
    if (copy_from_user(&si, uinfo, sizeof(si)))
        return -EFAULT;
    if (sig == 0)
        return 0;
    if (sig < 1 || sig > NSIG)
        return -EINVAL;
    signal_send(&(struct signal_info){ .signo = sig, .code = si.si_code, .pid = si.f.kill.pid,
                                       .uid = si.f.kill.uid, .value = si.f.kill.value,
                                       .why = "sent by the program to itself" });
    return 0;
}

int64_t sys_rt_sigqueueinfo(SYSCALL_ARGS)
{
    UNUSED_ARGS;
    if ((int32_t)a0 != PROCESS_PID)
        return -ESRCH;
    return queue_self((int)a1, a2);
}

int64_t sys_rt_tgsigqueueinfo(SYSCALL_ARGS)
{
    UNUSED_ARGS;
    if ((int32_t)a0 <= 0 || (int32_t)a1 <= 0)
        return -EINVAL;
    if ((int32_t)a0 != PROCESS_PID || (int32_t)a1 != PROCESS_PID)
        return -ESRCH;
    return queue_self((int)a2, a3);
}

/* Waiting for a signal when none can come: one thread, and nothing yet
 * (no timers, no host Ctrl-C) sends one from outside.  Linux would wait
 * until someone kills the process, and so does cloak: the program waits
 * until the VM is stopped (Ctrl-C: 130, SIGTERM: 143, as a shell's child
 * killed by that signal).  Returning EINTR without a signal would turn
 * `while (!done) pause();` into a busy loop, and ending the program would
 * take a decision that belongs to whoever stops it. */
static void wait_forever(const char *call)
{
    klog_once(wait_forever, "signal: %s waits for a signal, but nothing can send one yet (one thread, no "
                            "timers): waiting until the VM is stopped", call);
    clock_sleep_until(TIMEOUT_FOREVER);
}

int64_t sys_pause(SYSCALL_ARGS)
{
    UNUSED_ARGS;
    if (!signal_pending_interrupts())
        wait_forever("pause");
    return -EINTR;
}

/* The mask in force until a signal comes; the old one is restored on the
 * way out (after the handler's frame has recorded it). */
int64_t sys_rt_sigsuspend(SYSCALL_ARGS)
{
    UNUSED_ARGS;
    uint64_t set;
    if (a1 != SIGSET_SIZE)
        return -EINVAL;
    if (copy_from_user(&set, a0, sizeof(set)))
        return -EFAULT;
    proc.saved_sigmask = proc.sigmask;
    proc.restore_sigmask = true;
    proc.sigmask = set & ~SIGSET_UNBLOCKABLE;
    if (!signal_pending_interrupts())
        wait_forever("rt_sigsuspend");
    return -EINTR;
}

/* Takes a pending signal of the set (blocked ones included: that is how
 * sigwait is used) and returns its number, its siginfo in a1. */
int64_t sys_rt_sigtimedwait(SYSCALL_ARGS)
{
    UNUSED_ARGS;
    uint64_t set, ns = TIMEOUT_FOREVER;
    if (a3 != SIGSET_SIZE)
        return -EINVAL;
    if (copy_from_user(&set, a0, sizeof(set)))
        return -EFAULT;
    set &= ~SIGSET_UNBLOCKABLE;
    if (a2) {
        int err = timeout_from_user(a2, &ns);
        if (err)
            return err;
    }
    int sig = sigset_next(proc.sigpending & set, 0);
    if (!sig) {
        if (!a2)
            wait_forever("rt_sigtimedwait");
        else if (ns)
            clock_sleep_until(timeout_deadline_after(clock_monotonic_ns(), ns));
        /* Nothing could have arrived meanwhile (see wait_forever). */
        sig = sigset_next(proc.sigpending & set, 0);
        if (!sig)
            return -EAGAIN;
    }
    proc.sigpending &= ~sigset_bit(sig);
    if (a1) {
        struct linux_siginfo si;
        signal_siginfo_fill(&si, &proc.siginfo[sig - 1]);
        if (copy_to_user(a1, &si, sizeof(si)))
            return -EFAULT;
    }
    return sig;
}

int64_t sys_rt_sigreturn(SYSCALL_ARGS)
{
    UNUSED_ARGS;
    return signal_return(syscall_frame());
}
