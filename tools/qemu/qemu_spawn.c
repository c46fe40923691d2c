/* Starts QEMU tied to cloak's life (qemu.h, qemu_spawn_tied).
 *
 * QEMU may run in a process group of its own (qemu_run), so nothing that
 * kills cloak's group reaches it, and a SIGKILL to cloak (timeout -s KILL,
 * the OOM killer, a CI runner ending the job) gives cloak no chance to
 * stop it.  The kernel does it instead: the child asks for SIGKILL when
 * its parent goes (PR_SET_PDEATHSIG), which survives the exec.  That
 * signal follows the parent *thread*, so the fork must be made by the
 * thread that waits for QEMU (qemu_run's caller, cloak's main thread).
 * An exec that fails is reported back through a close-on-exec pipe: its
 * errno, or nothing when the exec worked. */
#define _GNU_SOURCE
#include "qemu.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

/* fd onto target in the child; an fd already there only loses its
 * close-on-exec flag. */
static int move_fd(int fd, int target)
{
    if (fd < 0)
        return 0;
    if (fd == target) {
        int fl = fcntl(fd, F_GETFD);
        return fl < 0 ? -1 : fcntl(fd, F_SETFD, fl & ~FD_CLOEXEC);
    }
    return dup2(fd, target) < 0 ? -1 : 0;
}

/* The child: async-signal-safe calls only (cloak has threads).  Never
 * returns. */
static void child(const char *bin, char *const argv[], const int fds[3], bool own_group,
                  pid_t parent, int report, const sigset_t *mask)
{
    int err = 0;

    /* cloak's handlers (qemu.c's forward) must not run here */
    for (int s = 1; s < NSIG; s++)
        if (s != SIGKILL && s != SIGSTOP)
            signal(s, SIG_DFL);
    if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0 || getppid() != parent)
        _exit(127);                     /* cloak has already gone */
    if (own_group && setpgid(0, 0) < 0)
        err = errno;
    for (int i = 0; i < 3 && !err; i++)
        if (move_fd(fds[i], i) < 0)
            err = errno;
    if (!err) {
        sigprocmask(SIG_SETMASK, mask, NULL);
        execvp(bin, argv);
        err = errno;
    }
    while (write(report, &err, sizeof err) < 0 && errno == EINTR)
        ;
    _exit(127);
}

int qemu_spawn_tied(const char *bin, char *const argv[], int stdin_fd, int stdout_fd,
                    int stderr_fd, bool own_group, pid_t *pidp)
{
    const int fds[3] = {stdin_fd, stdout_fd, stderr_fd};
    sigset_t all, old;
    int p[2], err = 0;
    pid_t parent = getpid(), pid;
    ssize_t n;

    if (pipe2(p, O_CLOEXEC) < 0)
        return errno;
    /* No handler may run in the child before it resets them. */
    sigfillset(&all);
    pthread_sigmask(SIG_BLOCK, &all, &old);
    pid = fork();
    if (pid == 0)
        child(bin, argv, fds, own_group, parent, p[1], &old);
    int fork_err = errno;
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    close(p[1]);
    if (pid < 0) {
        close(p[0]);
        return fork_err;
    }
    /* Also set here, so the group exists whichever runs first. */
    if (own_group)
        setpgid(pid, pid);
    while ((n = read(p[0], &err, sizeof err)) < 0 && errno == EINTR)
        ;
    close(p[0]);
    if (n != 0) {                       /* the exec failed: err says why */
        while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
            ;
        return n == (ssize_t)sizeof err && err ? err : EIO;
    }
    *pidp = pid;
    return 0;
}
