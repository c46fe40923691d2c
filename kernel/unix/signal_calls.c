/* Signals: actions and masks are recorded; nothing is delivered yet.  A
 * signal sent to the program takes its default action when that is fatal. */
#include "unix/syscall.h"
#include "unix/process.h"
#include "unix/usercopy.h"
#include "lib/string.h"
#include "lib/errno.h"

#define SIG_DFL 0
#define SIG_IGN 1
#define SIG_BLOCK 0
#define SIG_UNBLOCK 1
#define SIG_SETMASK 2
#define SS_ONSTACK 1
#define SS_DISABLE 2
#define MINSIGSTKSZ 2048
#define SIGSTOP 19
#define SIGCHLD 17
#define SIGCONT 18
#define SIGURG 23
#define SIGWINCH 28

static uint64_t sig_bit(int sig) { return 1ull << (sig - 1); }
#define UNBLOCKABLE (sig_bit(SIGKILL) | sig_bit(SIGSTOP))

int64_t sys_rt_sigaction(SYSCALL_ARGS)
{
    UNUSED_ARGS;
    int sig = (int)a0;
    if (sig < 1 || sig > NSIG || a3 != 8)
        return -EINVAL;
    if (a1 && (sig == SIGKILL || sig == SIGSTOP))
        return -EINVAL;
    struct k_sigaction old = proc.actions[sig - 1];
    if (a1) {
        struct k_sigaction act;
        if (copy_from_user(&act, a1, sizeof(act)))
            return -EFAULT;
        act.mask &= ~UNBLOCKABLE;
        proc.actions[sig - 1] = act;
    }
    if (a2 && copy_to_user(a2, &old, sizeof(old)))
        return -EFAULT;
    return 0;
}

int64_t sys_rt_sigprocmask(SYSCALL_ARGS)
{
    UNUSED_ARGS;
    if (a3 != 8)
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
        proc.sigmask &= ~UNBLOCKABLE;
    }
    if (a2 && copy_to_user(a2, &old, sizeof(old)))
        return -EFAULT;
    return 0;
}

struct stack_k { uint64_t sp; int32_t flags; int32_t pad; uint64_t size; };

int64_t sys_sigaltstack(SYSCALL_ARGS)
{
    UNUSED_ARGS;
    struct stack_k old = { proc.altstack_sp, proc.altstack_size ? 0 : SS_DISABLE, 0, proc.altstack_size };
    if (a0) {
        struct stack_k ss;
        if (copy_from_user(&ss, a0, sizeof(ss)))
            return -EFAULT;
        if (ss.flags & ~(SS_DISABLE | (int32_t)0x80000000 /* SS_AUTODISARM */))
            return -EINVAL;
        if (ss.flags & SS_DISABLE) {
            proc.altstack_sp = proc.altstack_size = 0;
        } else {
            if (ss.size < MINSIGSTKSZ)
                return -ENOMEM;
            proc.altstack_sp = ss.sp;
            proc.altstack_size = ss.size;
        }
    }
    if (a1 && copy_to_user(a1, &old, sizeof(old)))
        return -EFAULT;
    return 0;
}

/* Default action of a signal sent to ourselves. */
static int64_t deliver_self(int sig)
{
    if (sig == 0)
        return 0;
    if (sig < 1 || sig > NSIG)
        return -EINVAL;
    uint64_t handler = proc.actions[sig - 1].handler;
    bool ignored_by_default = sig == SIGCHLD || sig == SIGCONT || sig == SIGURG || sig == SIGWINCH;
    if (sig != SIGKILL && ((proc.sigmask & sig_bit(sig)) || handler == SIG_IGN))
        return 0;                  /* blocked or ignored: stays pending forever */
    if (sig != SIGKILL && handler != SIG_DFL) {
        process_kill(sig, "a handler was installed, but signal delivery is not supported yet");
    }
    if (ignored_by_default)
        return 0;
    process_kill(sig, "sent by the program to itself");
}

int64_t sys_kill(SYSCALL_ARGS)
{
    UNUSED_ARGS;
    int64_t pid = (int32_t)a0;
    if (pid != PROCESS_PID && pid != 0 && pid != -1)
        return -ESRCH;
    return deliver_self((int)a1);
}

int64_t sys_tkill(SYSCALL_ARGS)
{
    UNUSED_ARGS;
    if ((int32_t)a0 != PROCESS_PID)
        return -ESRCH;
    return deliver_self((int)a1);
}

int64_t sys_tgkill(SYSCALL_ARGS)
{
    UNUSED_ARGS;
    if ((int32_t)a0 != PROCESS_PID || (int32_t)a1 != PROCESS_PID)
        return -ESRCH;
    return deliver_self((int)a2);
}
