#include "unix/process.h"
#include "net/net.h"
#include "sched/sched.h"
#include "drivers/power.h"
#include "lib/log.h"
#include "fs/vfs.h"

struct process proc;

static const char *const names[] = {
    [1] = "SIGHUP", [2] = "SIGINT", [3] = "SIGQUIT", [4] = "SIGILL", [5] = "SIGTRAP",
    [6] = "SIGABRT", [7] = "SIGBUS", [8] = "SIGFPE", [9] = "SIGKILL", [10] = "SIGUSR1",
    [11] = "SIGSEGV", [12] = "SIGUSR2", [13] = "SIGPIPE", [14] = "SIGALRM", [15] = "SIGTERM",
    [16] = "SIGSTKFLT", [17] = "SIGCHLD", [18] = "SIGCONT", [19] = "SIGSTOP", [20] = "SIGTSTP",
    [21] = "SIGTTIN", [22] = "SIGTTOU", [23] = "SIGURG", [24] = "SIGXCPU", [25] = "SIGXFSZ",
    [26] = "SIGVTALRM", [27] = "SIGPROF", [28] = "SIGWINCH", [29] = "SIGIO", [30] = "SIGPWR",
    [31] = "SIGSYS",
};

const char *signal_name(int sig)
{
    if (sig > 0 && sig < (int)(sizeof(names) / sizeof(names[0])) && names[sig])
        return names[sig];
    return "signal";
}

static void (*exit_hook)(void);

void process_set_exit_hook(void (*hook)(void))
{
    exit_hook = hook;
}

void process_exit(int status, const char *reason)
{
    sched_freeze_others();             /* no other thread runs while the volumes are written back */
    if (exit_hook)
        exit_hook();
    net_flush(NET_FLUSH_NS);           /* what the program wrote reaches its peers */
    /* Volumes are written back and marked clean before the VM stops. */
    mounts_unmount_all();
    klog("@@cloak-exit %d %s", status & 0xff, reason);
    power_off(status & 0xff);
}

void process_kill(int sig, const char *why)
{
    klog("program killed by %s (%d): %s", signal_name(sig), sig, why);
    /* The one line cloak prints without -v (docs/boot-protocol.md). */
    klog("@@cloak-why program killed by %s: %s", signal_name(sig), why);
    process_exit(128 + sig, "program");
}
