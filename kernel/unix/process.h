/* The one process cloak runs (its threads: sched/sched.h). */
#ifndef UNIX_PROCESS_H
#define UNIX_PROCESS_H
#include <stdint.h>
#include <stdbool.h>
#include "mm/address_space.h"
#include "fs/vnode.h"
#include "unix/signal.h"

#define PROCESS_PID 1
#define NSIG 64
#define SIGILL 4
#define SIGTRAP 5
#define SIGABRT 6
#define SIGBUS 7
#define SIGFPE 8
#define SIGKILL 9
#define SIGSEGV 11
#define SIGPIPE 13
#define SIGTERM 15

/* Exit statuses of the VM (docs/boot-protocol.md). */
#define EXIT_REFUSED 126
#define EXIT_NOT_FOUND 127

struct k_sigaction {
    uint64_t handler;
    uint64_t flags;
    uint64_t restorer;
    uint64_t mask;
};

struct process {
    struct address_space as;
    struct vnode *cwd;
    uint64_t brk_start, brk;
    struct k_sigaction actions[NSIG];
    /* Signals sent to the whole program (unix/signal.h; guarded by
     * signal_lock); each thread's own state: unix/signal_thread.h. */
    uint64_t sigpending;                /* bit sig-1 */
    struct signal_info siginfo[NSIG];   /* of each pending signal (one per signal, rt ones too) */
    uint32_t umask;
    char exe_path[256];
    uint64_t exe_bias;          /* where the program's ELF was loaded (0 unless PIE) */
    bool trace_syscalls;
};

extern struct process proc;

/* Ends the program and the VM with `status` (reason: "program" or "refused"). */
void process_exit(int status, const char *reason) __attribute__((noreturn));
/* Called first thing in process_exit (the profiler's report). */
void process_set_exit_hook(void (*hook)(void));
/* Kills the program by a signal with the default action; `why` becomes
 * cloak's one-line summary ("@@cloak-why program killed by SIG...: why"). */
void process_kill(int sig, const char *why) __attribute__((noreturn));
const char *signal_name(int sig);

#endif
