/* Signal sets and the choices made from them, as Linux makes them: which
 * pending signal is delivered next, what a signal's default action is, the
 * mask a handler runs with, and what becomes of an interrupted system call.
 * Pure functions (host unit tests: tests/unit/kernel/test_sigset.c). */
#ifndef UNIX_SIGSET_H
#define UNIX_SIGSET_H
#include <stdint.h>
#include <stdbool.h>

#define SIG_COUNT 64                    /* signals 1..64; bit sig-1 of a set */

static inline uint64_t sigset_bit(int sig) { return 1ull << (sig - 1); }

/* SIGKILL and SIGSTOP: never caught, blocked or ignored. */
#define SIGSET_UNBLOCKABLE (sigset_bit(9) | sigset_bit(19))
/* Raised by the instruction the program was running (SIGSEGV, SIGBUS,
 * SIGILL, SIGTRAP, SIGFPE, SIGSYS): delivered before any other. */
#define SIGSET_SYNCHRONOUS (sigset_bit(11) | sigset_bit(7) | sigset_bit(4) | sigset_bit(5) | \
                            sigset_bit(8) | sigset_bit(31))

enum sig_default {
    SIG_DEFAULT_TERMINATE,              /* the program ends with 128+N */
    SIG_DEFAULT_IGNORE,                 /* SIGCHLD, SIGURG, SIGWINCH, SIGCONT */
    SIG_DEFAULT_STOP,                   /* SIGSTOP, SIGTSTP, SIGTTIN, SIGTTOU */
};

enum sig_default sigset_default_action(int sig);
/* The signal to deliver next of pending & ~blocked (0: none): a
 * synchronous one first, then the lowest number. */
int sigset_next(uint64_t pending, uint64_t blocked);
/* The mask a handler runs with: the old one, the action's sa_mask and,
 * unless SA_NODEFER, the signal itself; never SIGKILL/SIGSTOP. */
uint64_t sigset_handler_mask(uint64_t blocked, uint64_t sa_mask, int sig, bool nodefer);

/* Kernel-internal results a blocking call returns when a signal
 * interrupts it (never seen by the program), as in Linux. */
#define ERESTARTSYS 512                 /* restart if the handler has SA_RESTART */
#define ERESTARTNOINTR 513              /* always restart */
#define ERESTARTNOHAND 514              /* restart only if no handler ran */
#define ERESTART_RESTARTBLOCK 516       /* EINTR if a handler ran, else restart_syscall */

enum sig_restart { SIG_RESTART_NONE, SIG_RESTART_EINTR, SIG_RESTART_AGAIN, SIG_RESTART_BLOCK };
/* What becomes of a system call that returned ret: left alone, turned
 * into -EINTR, restarted (RIP back over SYSCALL, RAX = its number), or
 * continued by restart_syscall (RAX = 219: the sleep goes on to its
 * deadline). */
enum sig_restart sigset_restart(int64_t ret, bool handler_runs, bool sa_restart);

#endif
