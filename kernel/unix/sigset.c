#include "unix/sigset.h"

enum sig_default sigset_default_action(int sig)
{
    switch (sig) {
    case 17: case 18: case 23: case 28:     /* SIGCHLD SIGCONT SIGURG SIGWINCH */
        return SIG_DEFAULT_IGNORE;
    case 19: case 20: case 21: case 22:     /* SIGSTOP SIGTSTP SIGTTIN SIGTTOU */
        return SIG_DEFAULT_STOP;
    default:
        return SIG_DEFAULT_TERMINATE;
    }
}

int sigset_next(uint64_t pending, uint64_t blocked)
{
    uint64_t ready = pending & ~(blocked & ~SIGSET_UNBLOCKABLE);
    if (!ready)
        return 0;
    if (ready & SIGSET_SYNCHRONOUS)
        ready &= SIGSET_SYNCHRONOUS;
    return __builtin_ctzll(ready) + 1;
}

uint64_t sigset_handler_mask(uint64_t blocked, uint64_t sa_mask, int sig, bool nodefer)
{
    uint64_t m = blocked | sa_mask;
    if (!nodefer)
        m |= sigset_bit(sig);
    return m & ~SIGSET_UNBLOCKABLE;
}

enum sig_restart sigset_restart(int64_t ret, bool handler_runs, bool sa_restart)
{
    switch (ret) {
    case -ERESTARTNOINTR:
        return SIG_RESTART_AGAIN;
    case -ERESTARTSYS:
        return !handler_runs || sa_restart ? SIG_RESTART_AGAIN : SIG_RESTART_EINTR;
    case -ERESTARTNOHAND:
        return handler_runs ? SIG_RESTART_EINTR : SIG_RESTART_AGAIN;
    case -ERESTART_RESTARTBLOCK:
        return handler_runs ? SIG_RESTART_EINTR : SIG_RESTART_BLOCK;
    default:
        return SIG_RESTART_NONE;
    }
}
