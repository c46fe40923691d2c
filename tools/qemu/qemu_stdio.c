/* The program's stdin and stdout through the virtio console (qemu.h).
 *
 * Input: cloak's stdin, framed (u32 little-endian length, the bytes; length
 * 0 = end of input; 0x80000000 | S = signal S for the program, sent by
 * qemu_stdin_signal), into a socket that is QEMU's stdin.  The frames are
 * what lets the guest tell the end of input from a pause: QEMU's virtio
 * console has no way to pass on that the host side reached its end without
 * also closing the port.  cloak keeps its end open until it exits.
 *
 * Output: QEMU's stdout is a pipe that cloak copies to its own stdout, so
 * the bytes land at stdout's offset, shared with whoever else writes there
 * (QEMU's console appends through a file of its own, which would land
 * behind the shell's back on a regular file).  When cloak's stdout is a
 * pipe whose reader has gone (`cloak run prog | head -1`), qemu_run stops
 * the VM, as SIGPIPE would end the program on Linux, and the output is
 * read and dropped meanwhile so that QEMU is never blocked on it.  (When
 * the kernel delivers signals, the program could get EPIPE and SIGPIPE
 * itself.)
 *
 * Threads do the copying so that a program that never reads its stdin
 * blocks nobody: the input thread waits in send(), cloak goes on waiting
 * for QEMU, and exits when QEMU does. */
#define _GNU_SOURCE
#include "qemu.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define FRAME_DATA 65536      /* the kernel accepts frames up to 1 MiB */

static int send_all(int fd, const uint8_t *p, size_t n)
{
    while (n) {
        ssize_t w = send(fd, p, n, MSG_NOSIGNAL);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return -1;        /* QEMU is gone: nobody to tell */
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

/* Signals for the program, one byte each: written by qemu_stdin_signal
 * (in a signal handler), read by pump_in. */
static int signal_pipe[2] = {-1, -1};

int qemu_stdin_signal(int sig)
{
    unsigned char b = (unsigned char)sig;

    if (signal_pipe[1] < 0 || sig < 1 || sig > 64)
        return -1;
    return write(signal_pipe[1], &b, 1) == 1 ? 0 : -1;
}

static int send_signals(int fd)
{
    unsigned char sigs[16];
    ssize_t n = read(signal_pipe[0], sigs, sizeof sigs);

    for (ssize_t i = 0; i < n; i++) {
        uint8_t hdr[4] = {sigs[i], 0, 0, 0x80};
        if (send_all(fd, hdr, 4) < 0)
            return -1;
    }
    return 0;
}

/* Copies stdin in frames until its end, and signals for as long as QEMU
 * runs.  (A signal waits behind a data frame the guest is not taking.) */
static void *pump_in(void *arg)
{
    static uint8_t buf[4 + FRAME_DATA];
    int fd = (int)(intptr_t)arg;
    bool at_end = false;

    for (;;) {
        struct pollfd p[2] = {{signal_pipe[0], POLLIN, 0}, {0, POLLIN, 0}};
        if (poll(p, at_end ? 1 : 2, -1) < 0) {
            if (errno == EINTR)
                continue;
            return NULL;
        }
        if ((p[0].revents & POLLIN) && send_signals(fd) < 0)
            return NULL;
        if (at_end || !p[1].revents)
            continue;
        ssize_t n = read(0, buf + 4, FRAME_DATA);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            n = 0;            /* unreadable (closed, a directory): the end */
        buf[0] = (uint8_t)n;
        buf[1] = (uint8_t)(n >> 8);
        buf[2] = (uint8_t)(n >> 16);
        buf[3] = (uint8_t)(n >> 24);
        if (send_all(fd, buf, 4 + (size_t)n) < 0)
            return NULL;
        at_end = n == 0;
    }
}

static volatile sig_atomic_t stdout_broken;

bool qemu_stdout_broken(void)
{
    return stdout_broken != 0;
}

static void *pump_out(void *arg)
{
    static char buf[65536];
    int fd = (int)(intptr_t)arg;
    bool dropping = false;
    sigset_t set;

    sigemptyset(&set);
    sigaddset(&set, SIGPIPE);           /* a closed stdout is EPIPE here */
    pthread_sigmask(SIG_BLOCK, &set, NULL);
    for (;;) {
        ssize_t n = read(fd, buf, sizeof buf);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;            /* QEMU exited: everything has been copied */
        for (ssize_t off = 0; off < n && !dropping;) {
            ssize_t w = write(1, buf + off, (size_t)(n - off));
            if (w < 0 && errno == EINTR)
                continue;
            if (w <= 0) {
                dropping = true;
                if (w < 0 && errno == EPIPE)
                    stdout_broken = 1;
            } else
                off += w;
        }
    }
    close(fd);
    return NULL;
}

static pthread_t out_thread;
static bool out_running;

static int start(void *(*fn)(void *), int fd, bool detached, pthread_t *t, char *err,
                 size_t errlen)
{
    pthread_attr_t attr;
    int rc;

    pthread_attr_init(&attr);
    pthread_attr_setdetachstate(&attr, detached ? PTHREAD_CREATE_DETACHED
                                                : PTHREAD_CREATE_JOINABLE);
    rc = pthread_create(t, &attr, fn, (void *)(intptr_t)fd);
    pthread_attr_destroy(&attr);
    if (rc != 0)
        snprintf(err, errlen, "cannot start a console thread: %s", strerror(rc));
    return rc ? -1 : 0;
}

int qemu_stdin_start(char *err, size_t errlen)
{
    int sv[2], size = 1 << 20;
    pthread_t t;

    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0) {
        snprintf(err, errlen, "cannot make the console's socket: %s", strerror(errno));
        return -1;
    }
    setsockopt(sv[0], SOL_SOCKET, SO_SNDBUF, &size, sizeof size); /* a hint */
    if (signal_pipe[0] < 0 && pipe2(signal_pipe, O_CLOEXEC | O_NONBLOCK) < 0) {
        snprintf(err, errlen, "cannot make the console's signal pipe: %s", strerror(errno));
        close(sv[0]);
        close(sv[1]);
        return -1;
    }
    if (start(pump_in, sv[0], true, &t, err, errlen) < 0) {
        close(sv[0]);
        close(sv[1]);
        return -1;
    }
    return sv[1];
}

int qemu_stdout_start(char *err, size_t errlen)
{
    int p[2];

    if (pipe2(p, O_CLOEXEC) < 0) {
        snprintf(err, errlen, "cannot make the console's pipe: %s", strerror(errno));
        return -1;
    }
    fcntl(p[0], F_SETPIPE_SZ, 1 << 20); /* a hint: fewer wake-ups */
    if (start(pump_out, p[0], false, &out_thread, err, errlen) < 0) {
        close(p[0]);
        close(p[1]);
        return -1;
    }
    out_running = true;
    return p[1];
}

void qemu_stdout_finish(void)
{
    if (out_running)
        pthread_join(out_thread, NULL);
    out_running = false;
}
