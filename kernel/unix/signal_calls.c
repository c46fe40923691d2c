/* The signal system calls: actions, masks, the alternate stack, sending to
 * the program or one of its threads, waiting for signals, rt_sigreturn and
 * restart_syscall.  Delivery is in signal_deliver.c (unix/signal.h). */
#include "unix/syscall.h"
#include "unix/process.h"
#include "unix/signal.h"
#include "unix/signal_thread.h"
#include "unix/sigset.h"
#include "unix/signal_frame.h"
#include "unix/timeout.h"
#include "unix/usercopy.h"
#include "sched/sched.h"
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
 * signal if pending, blocked or not, in the program and in every thread
 * (POSIX; Linux does it too).  Lock held. */
static void discard_if_ignored(int sig)
{
    uint64_t h = proc.actions[sig - 1].handler;
    if (!(h == SIG_IGN || (h == SIG_DFL && sigset_default_action(sig) == SIG_DEFAULT_IGNORE)))
        return;
    proc.sigpending &= ~sigset_bit(sig);
    for (struct list_node *n = signal_threads.next; n != &signal_threads; n = n->next)
        LIST_ENTRY(n, struct thread_signals, node)->pending &= ~sigset_bit(sig);
}

int64_t sys_rt_sigaction(SYSCALL_ARGS)
{
    UNUSED_ARGS;
    int sig = (int)a0;
    if (sig < 1 || sig > NSIG || a3 != SIGSET_SIZE)
        return -EINVAL;
    if (a1 && (sig == SIGKILL || sig == SIGSTOP))
        return -EINVAL;
    struct k_sigaction old = proc.actions[sig - 1], act;
    if (a1) {
        if (copy_from_user(&act, a1, sizeof(act)))
            return -EFAULT;
        act.mask &= ~SIGSET_UNBLOCKABLE;
        signal_attach_main();
        uint64_t flags = spin_lock_irqsave(&signal_lock);
        proc.actions[sig - 1] = act;
        discard_if_ignored(sig);
        spin_unlock_irqrestore(&signal_lock, flags);
    }
    if (a2 && copy_to_user(a2, &old, sizeof(old)))
        return -EFAULT;
    return 0;
}

/* The calling thread's mask.  A signal unblocked here is delivered on
 * this call's way out. */
int64_t sys_rt_sigprocmask(SYSCALL_ARGS)
{
    UNUSED_ARGS;
    if (a3 != SIGSET_SIZE)
        return -EINVAL;
    struct thread_signals *s = signal_self();
    uint64_t set = 0, old = s->mask;
    if (a1) {
        if (copy_from_user(&set, a1, sizeof(set)))
            return -EFAULT;
        if (a0 > SIG_SETMASK)
            return -EINVAL;
        uint64_t flags = spin_lock_irqsave(&signal_lock);
        old = s->mask;
        switch (a0) {
        case SIG_BLOCK: s->mask |= set; break;
        case SIG_UNBLOCK: s->mask &= ~set; break;
        default: s->mask = set; break;
        }
        s->mask &= ~SIGSET_UNBLOCKABLE;
        uint64_t newly_blocked = s->mask & ~old;
        spin_unlock_irqrestore(&signal_lock, flags);
        if (newly_blocked)
            signal_retarget(newly_blocked);
    }
    if (a2 && copy_to_user(a2, &old, sizeof(old)))
        return -EFAULT;
    return 0;
}

/* Pending (for this thread or the program) and blocked (Linux: a size up
 * to 8 bytes is fine). */
int64_t sys_rt_sigpending(SYSCALL_ARGS)
{
    UNUSED_ARGS;
    if (a1 > SIGSET_SIZE)
        return -EINVAL;
    struct thread_signals *s = signal_self();
    uint64_t flags = spin_lock_irqsave(&signal_lock);
    uint64_t set = (s->pending | proc.sigpending) & s->mask;
    spin_unlock_irqrestore(&signal_lock, flags);
    if (copy_to_user(a0, &set, a1))
        return -EFAULT;
    return 0;
}

int64_t sys_sigaltstack(SYSCALL_ARGS)
{
    UNUSED_ARGS;
    struct thread_signals *s = signal_self();
    uint64_t rsp = syscall_frame()->rsp;
    struct signal_altstack cur = { s->altstack_sp, s->altstack_size, (uint32_t)s->altstack_flags };
    int state = signal_altstack_flags(&cur, rsp);
    struct linux_stack old = { s->altstack_sp, state | (int32_t)cur.flags, 0, s->altstack_size };
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
            s->altstack_sp = s->altstack_size = 0;
            s->altstack_flags = 0;
        } else {
            if (ss.ss_size < MINSIGSTKSZ)
                return -ENOMEM;
            s->altstack_sp = ss.ss_sp;
            s->altstack_size = ss.ss_size;
            s->altstack_flags = (int)((uint32_t)ss.ss_flags & SS_AUTODISARM);
        }
    }
    if (a1 && copy_to_user(a1, &old, sizeof(old)))
        return -EFAULT;
    return 0;
}

/* To the program (kill, sigqueue); sig 0 checks that it exists. */
static int64_t send_process(int sig, const struct signal_info *info)
{
    if (sig == 0)
        return 0;
    if (sig < 1 || sig > NSIG)
        return -EINVAL;
    signal_send(info);
    return 0;
}

/* To one thread of the program (tkill, tgkill, rt_tgsigqueueinfo). */
static int64_t send_thread(int64_t tgid, int64_t tid, int sig, const struct signal_info *info)
{
    if (tid <= 0 || tgid == 0 || tgid < -1)
        return -EINVAL;
    if (sig < 0 || sig > NSIG)
        return -EINVAL;
    struct thread *t = tgid == -1 || tgid == PROCESS_PID ? sched_thread_by_tid((int)tid) : 0;
    if (!t || !signal_of(t))
        return -ESRCH;
    if (sig == 0)
        return 0;
    return signal_send_thread(t, info);
}

static struct signal_info from_program(int sig, int code)
{
    return (struct signal_info){ .signo = sig, .code = code, .pid = PROCESS_PID, .uid = 0,
                                 .why = "sent by the program to itself" };
}

int64_t sys_kill(SYSCALL_ARGS)
{
    UNUSED_ARGS;
    int64_t pid = (int32_t)a0;
    if (pid != PROCESS_PID && pid != 0 && pid != -1)
        return -ESRCH;
    struct signal_info info = from_program((int)a1, SI_USER);
    return send_process((int)a1, &info);
}

int64_t sys_tkill(SYSCALL_ARGS)
{
    UNUSED_ARGS;
    struct signal_info info = from_program((int)a1, SI_TKILL);
    return send_thread(-1, (int32_t)a0, (int)a1, &info);
}

int64_t sys_tgkill(SYSCALL_ARGS)
{
    UNUSED_ARGS;
    if ((int32_t)a0 <= 0)
        return -EINVAL;
    if ((int32_t)a0 != PROCESS_PID)
        return -ESRCH;
    struct signal_info info = from_program((int)a2, SI_TKILL);
    return send_thread((int32_t)a0, (int32_t)a1, (int)a2, &info);
}

/* sigqueue: a signal with the sender's siginfo (si_code, si_pid, si_uid,
 * si_value).  Within one process any si_code goes (Linux refuses
 * si_code >= 0 and SI_TKILL only towards other processes). */
static int queued_info(uint64_t uinfo, int sig, struct signal_info *info)
{
    struct linux_siginfo si;
    if (copy_from_user(&si, uinfo, sizeof(si)))
        return -EFAULT;
    *info = (struct signal_info){ .signo = sig, .code = si.si_code, .pid = si.f.kill.pid,
                                  .uid = si.f.kill.uid, .value = si.f.kill.value,
                                  .why = "sent by the program to itself" };
    return 0;
}

int64_t sys_rt_sigqueueinfo(SYSCALL_ARGS)
{
    UNUSED_ARGS;
    struct signal_info info;
    int err = queued_info(a2, (int)a1, &info);
    if (err)
        return err;
    if ((int32_t)a0 != PROCESS_PID)
        return -ESRCH;
    return send_process((int)a1, &info);
}

int64_t sys_rt_tgsigqueueinfo(SYSCALL_ARGS)
{
    UNUSED_ARGS;
    struct signal_info info;
    if ((int32_t)a0 <= 0 || (int32_t)a1 <= 0)
        return -EINVAL;
    int err = queued_info(a3, (int)a2, &info);
    if (err)
        return err;
    if ((int32_t)a0 != PROCESS_PID)
        return -ESRCH;
    return send_thread((int32_t)a0, (int32_t)a1, (int)a2, &info);
}

/* Waits until a signal runs a handler or ends the program.  With one
 * thread and no timer armed nothing inside can send one: the program then
 * waits until the VM is stopped (Ctrl-C: 130, SIGTERM: 143), as it would
 * wait on Linux until someone kills it. */
static void wait_for_signal(void)
{
    while (signal_sleep_until(SCHED_FOREVER) == 0)
        ;
}

int64_t sys_pause(SYSCALL_ARGS)
{
    UNUSED_ARGS;
    wait_for_signal();
    return -ERESTARTNOHAND;
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
    signal_mask_push(set);
    wait_for_signal();
    return -ERESTARTNOHAND;
}

/* Waits (until deadline) for a signal of set: its number, or 0 at the
 * deadline, -EINTR when another signal interrupts.  The set is unblocked
 * meanwhile so that one of its signals wakes the thread, as Linux does. */
static int wait_in_set(uint64_t set, uint64_t deadline, struct signal_info *info)
{
    struct thread_signals *s = signal_self();
    uint64_t flags = spin_lock_irqsave(&signal_lock);
    s->real_mask = s->mask;
    s->wait_set = set;
    s->mask &= ~set;
    spin_unlock_irqrestore(&signal_lock, flags);
    int slept = signal_sleep_until(deadline);
    flags = spin_lock_irqsave(&signal_lock);
    s->mask = s->real_mask;
    s->wait_set = 0;
    spin_unlock_irqrestore(&signal_lock, flags);
    int sig = signal_take(set, info);
    return sig ? sig : slept;
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
    struct signal_info info;
    int sig = signal_take(set, &info);
    if (!sig && ns) {
        sig = wait_in_set(set, timeout_deadline_after(clock_monotonic_ns(), ns), &info);
        if (sig < 0)
            return sig;                 /* -EINTR: a handler runs (never restarted) */
    }
    if (!sig)
        return -EAGAIN;
    if (a1) {
        struct linux_siginfo si;
        signal_siginfo_fill(&si, &info);
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

/* Continues a sleep a signal interrupted without running a handler (the
 * program never calls it itself; Linux answers EINTR then). */
int64_t sys_restart_syscall(SYSCALL_ARGS)
{
    UNUSED_ARGS;
    struct signal_restart *r = &signal_self()->restart;
    int64_t (*fn)(struct signal_restart *) = r->fn;
    r->fn = 0;
    return fn ? fn(r) : -EINTR;
}
