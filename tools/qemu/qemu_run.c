/* Runs QEMU: spawns it (qemu_spawn.c), relays its stderr and the kernel
 * log, passes the signals cloak gets to the program or stops the VM, and
 * waits for its end.  qemu.c builds the command line it runs. */
#define _GNU_SOURCE
#include "qemu.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <poll.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

static void spawn_error(const char *bin, int rc, char *err, size_t errlen);

static volatile sig_atomic_t child_pid;
static volatile sig_atomic_t got_signal;

/* How long QEMU may take to go after it was told to stop (flushing its
 * disks) before it is killed. */
#define QEMU_STOP_GRACE_MS 5000

/* Signals go to the program through the virtio console's input
 * (qemu_stdin_signal) when qemu_run has that input. */
static volatile sig_atomic_t signals_to_program;
/* When the last signal was passed on (CLOCK_MONOTONIC ms), 0: none. */
static volatile long long last_passed_ms;

/* A second SIGINT or SIGTERM within this long of the one passed to the
 * program stops the VM; one within SAME_SIGNAL_MS is the same signal
 * arriving twice (timeout(1) sends it to its child, then to its whole
 * process group) and is dropped: no one presses Ctrl-C twice that fast. */
#define STOP_AFTER_SECOND_MS 2000
#define SAME_SIGNAL_MS 100

/* The one place that decides what a SIGINT, SIGTERM or SIGHUP sent to
 * cloak (a Ctrl-C at the terminal included) does to the VM.  SIGINT and
 * SIGTERM go to the program, as a terminal's Ctrl-C or a kill would reach
 * it on Linux, and its exit decides cloak's; a second one within
 * STOP_AFTER_SECOND_MS, a SIGHUP (the terminal is gone), or any of them
 * without the virtio console's input stops the VM: QEMU gets the same
 * signal and shuts down, qemu_run kills it if it is still there after
 * QEMU_STOP_GRACE_MS, and cloak exits 128+sig like a shell's child.  Runs
 * in the signal handler: async-signal-safe calls only. */
static void vm_interrupt(pid_t qemu, int sig)
{
    kill(qemu, sig);
}

/* True when the signal is handled here: passed to the program, or
 * dropped as a duplicate. */
static bool pass_to_program(int sig)
{
    struct timespec ts;
    long long now;

    if (!signals_to_program || sig == SIGHUP || got_signal)
        return false;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    now = (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
    if (last_passed_ms && now - last_passed_ms < SAME_SIGNAL_MS)
        return true;
    if (last_passed_ms && now - last_passed_ms < STOP_AFTER_SECOND_MS)
        return false;
    if (qemu_stdin_signal(sig) < 0)
        return false;
    last_passed_ms = now ? now : 1;
    return true;
}

static void forward(int sig)
{
    if (pass_to_program(sig))
        return;
    got_signal = sig;
    if (child_pid > 0)
        vm_interrupt((pid_t)child_pid, sig);
}

/* QEMU's stderr, relayed line by line to cloak's.  When cloak stopped the
 * VM (a signal, or its stdout's reader gone), QEMU's own "terminating on signal N" is dropped. */
struct err_relay {
    int fd;                   /* read end of QEMU's stderr, or -1 */
    int wfd;                  /* its write end, until QEMU is started */
    char buf[4096];
    size_t len;
};

static void write_all(int fd, const char *p, size_t n)
{
    while (n > 0) {
        ssize_t w = write(fd, p, n);
        if (w <= 0)
            return;
        p += w;
        n -= (size_t)w;
    }
}

static void relay_line(const char *p, size_t n)
{
    if ((got_signal || qemu_stdout_broken()) && memmem(p, n, ": terminating on signal ", 24))
        return;
    write_all(2, p, n);
}

/* Reads what is there (the fd is non-blocking); at_end: flush the rest. */
static void relay_err(struct err_relay *r, bool at_end)
{
    ssize_t n;

    while (r->fd >= 0 && (n = read(r->fd, r->buf + r->len, sizeof r->buf - r->len)) > 0) {
        r->len += (size_t)n;
        char *nl;
        while ((nl = memchr(r->buf, '\n', r->len))) {
            size_t l = (size_t)(nl - r->buf) + 1;
            relay_line(r->buf, l);
            memmove(r->buf, r->buf + l, r->len - l);
            r->len -= l;
        }
        if (r->len == sizeof r->buf) { /* a very long line: pass it on as is */
            relay_line(r->buf, r->len);
            r->len = 0;
        }
    }
    if (at_end && r->len) {
        relay_line(r->buf, r->len);
        r->len = 0;
    }
}

static void pump_log(int fd)
{
    char buf[4096];
    ssize_t n;

    if (fd < 0)
        return;
    while ((n = read(fd, buf, sizeof buf)) > 0) {
        ssize_t off = 0;
        while (off < n) {
            ssize_t w = write(2, buf + off, (size_t)(n - off));
            if (w <= 0)
                return;
            off += w;
        }
    }
}

/* QEMU's stderr goes to a pipe (relay_err reads it): r->wfd, its write
 * end, becomes QEMU's fd 2 (-1: cloak's stderr). */
static void relay_open(struct err_relay *r)
{
    int p[2];

    r->fd = r->wfd = -1;
    r->len = 0;
    if (pipe2(p, O_CLOEXEC) == 0) {
        r->fd = p[0];
        r->wfd = p[1];
    }
}

/* After the spawn: cloak keeps only the read end. */
static void relay_spawned(struct err_relay *r, bool spawned)
{
    if (r->wfd >= 0)
        close(r->wfd);
    r->wfd = -1;
    if (r->fd >= 0 && !spawned) {
        close(r->fd);
        r->fd = -1;
    }
    if (r->fd >= 0)
        fcntl(r->fd, F_SETFL, O_NONBLOCK);
}

/* Waits for QEMU, relaying its stderr and (echo_log) the kernel log, and
 * killing it if it outlives a stop by QEMU_STOP_GRACE_MS. */
static int wait_qemu(pid_t pid, struct err_relay *r, const char *log_path, bool echo_log,
                     int *logfd, char *err, size_t errlen)
{
    int st = 0, stop_ms = 0;
    bool stopping_for_pipe = false;

    for (;;) {
        pid_t w = waitpid(pid, &st, WNOHANG);
        if (w == pid)
            break;
        if (w < 0 && errno != EINTR) {
            snprintf(err, errlen, "waiting for QEMU: %s", strerror(errno));
            return 0;
        }
        if (echo_log) {
            if (*logfd < 0)
                *logfd = open(log_path, O_RDONLY | O_CLOEXEC);
            pump_log(*logfd);
        }
        relay_err(r, false);
        struct pollfd pfd = {r->fd, POLLIN, 0};
        poll(&pfd, r->fd >= 0 ? 1 : 0, 20);
        if (qemu_stdout_broken() && !stopping_for_pipe) {
            stopping_for_pipe = true;
            kill(pid, SIGTERM);
        }
        if ((got_signal || stopping_for_pipe) && (stop_ms += 20) > QEMU_STOP_GRACE_MS)
            kill(pid, SIGKILL);
    }
    relay_err(r, true);
    return st;
}

int qemu_run(const struct qemu_argv *a, const char *log_path, bool echo_log,
             struct qemu_result *res, char *err, size_t errlen)
{
    static const int sigs[] = {SIGINT, SIGTERM, SIGHUP};
    struct sigaction sa, old[3];
    pid_t pid;
    int rc, st, logfd = -1;

    struct err_relay relay;
    struct termios tio;
    /* QEMU restores the terminal when it exits; if it had to be killed,
     * cloak does (only from the foreground, which a tcsetattr needs). */
    bool tty = tcgetattr(0, &tio) == 0;

    memset(res, 0, sizeof *res);
    got_signal = 0;
    child_pid = 0;
    last_passed_ms = 0;
    signals_to_program = a->stdin_fd > 0;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = forward;
    sigemptyset(&sa.sa_mask);
    for (int i = 0; i < 3; i++)
        sigaddset(&sa.sa_mask, sigs[i]);    /* one handler at a time */
    for (int i = 0; i < 3; i++)
        sigaction(sigs[i], &sa, &old[i]);

    relay_open(&relay);
    /* With signals passed to the program, QEMU has a process group of its
     * own: a Ctrl-C at the terminal then reaches cloak alone (QEMU never
     * reads the terminal: its stdin is the console's socket).  Either way
     * it dies with cloak, even a cloak killed by SIGKILL (qemu_spawn.c). */
    rc = qemu_spawn_tied(a->argv[0], a->argv, a->stdin_fd > 0 ? a->stdin_fd : -1,
                         a->stdout_fd > 0 ? a->stdout_fd : -1, relay.wfd, signals_to_program,
                         &pid);
    /* QEMU's now (or nobody's): the pumps see its end when it exits. */
    if (a->stdin_fd > 0)
        close(a->stdin_fd);
    if (a->stdout_fd > 0)
        close(a->stdout_fd);
    relay_spawned(&relay, rc == 0);
    if (rc != 0) {
        for (int i = 0; i < 3; i++)
            sigaction(sigs[i], &old[i], NULL);
        spawn_error(a->argv[0], rc, err, errlen);
        return -1;
    }
    child_pid = pid;
    if (got_signal) /* arrived between spawn and child_pid being set */
        kill(pid, got_signal);

    st = wait_qemu(pid, &relay, log_path, echo_log, &logfd, err, errlen);
    if (relay.fd >= 0)
        close(relay.fd);
    if (tty && tcgetpgrp(0) == getpgrp())
        tcsetattr(0, TCSANOW, &tio);
    if (echo_log) {
        if (logfd < 0)
            logfd = open(log_path, O_RDONLY | O_CLOEXEC);
        pump_log(logfd);
        if (logfd >= 0)
            close(logfd);
    }
    child_pid = 0;
    signals_to_program = 0;
    for (int i = 0; i < 3; i++)
        sigaction(sigs[i], &old[i], NULL);
    res->forwarded_signal = got_signal;
    res->stdout_broken = qemu_stdout_broken();
    if (WIFEXITED(st)) {
        res->exited = true;
        res->status = WEXITSTATUS(st);
    } else if (WIFSIGNALED(st)) {
        res->status = WTERMSIG(st);
    }
    return 0;
}

static void spawn_error(const char *bin, int rc, char *err, size_t errlen)
{
    if (rc == ENOENT)
        snprintf(err, errlen, "cannot start %s: not found; install the Debian package %s "
                 "(make deps does it)", bin, QEMU_PACKAGE);
    else
        snprintf(err, errlen, "cannot start %s: %s (is the Debian package %s installed?)",
                 bin, strerror(rc), QEMU_PACKAGE);
}

int qemu_spawn(const struct qemu_argv *a, int *pidp, char *err, size_t errlen)
{
    pid_t pid;
    int rc, null = open("/dev/null", O_RDONLY | O_CLOEXEC);

    if (null < 0) {
        snprintf(err, errlen, "cannot open /dev/null: %s", strerror(errno));
        return -1;
    }
    /* tied to cloak as qemu_run's QEMU: gone if cloak is killed */
    rc = qemu_spawn_tied(a->argv[0], a->argv, null, -1, -1, false, &pid);
    close(null);
    if (rc != 0) {
        spawn_error(a->argv[0], rc, err, errlen);
        return -1;
    }
    *pidp = pid;
    return 0;
}
