/* `cloak dump-check`: boot, wait, dump through QMP, quit, search; see
 * dump_check.h. */
#define _GNU_SOURCE
#include "dump_check.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "../qmp/qmp.h"
#include "memdump.h"

static double now_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static void nap(void)
{
    nanosleep(&(struct timespec){0, 50 * 1000 * 1000}, NULL);
}

/* The whole file, NUL-terminated (NULL and *len = 0 if unreadable). */
static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    char *buf = NULL;
    size_t n = 0, cap = 0, r;

    *len = 0;
    if (!f)
        return NULL;
    do {
        if (cap - n < 4096) {
            char *b = realloc(buf, cap = cap ? cap * 2 : 65536);
            if (!b) {
                free(buf);
                fclose(f);
                return NULL;
            }
            buf = b;
        }
        r = fread(buf + n, 1, cap - n - 1, f);
        n += r;
    } while (r > 0);
    fclose(f);
    buf[n] = '\0';
    *len = n;
    return buf;
}

/* QEMU's exit, if it has exited: true and *status as waitpid gives it. */
static bool qemu_gone(pid_t pid, int *status)
{
    return waitpid(pid, status, WNOHANG) == pid;
}

static void stop_qemu(pid_t pid)
{
    int st;
    double t0 = now_s();

    kill(pid, SIGTERM);
    while (!qemu_gone(pid, &st)) {
        if (now_s() - t0 > 5) {
            kill(pid, SIGKILL);
            waitpid(pid, &st, 0);
            return;
        }
        nap();
    }
}

/* Explains a VM that ended before the dump. */
static void vm_ended(const struct dump_check *d, int st)
{
    struct vm_outcome o;
    size_t n;
    char *out = slurp(d->console_path, &n);

    qemu_outcome_from_file(d->log_path, &o);
    if (o.end == VM_END_NO_STATUS)
        fprintf(stderr, "cloak: dump-check: the VM stopped before its memory could be dumped "
                "(QEMU %s %d)\n", WIFEXITED(st) ? "exited with status" : "was killed by signal",
                WIFEXITED(st) ? WEXITSTATUS(st) : WTERMSIG(st));
    else
        fprintf(stderr, "cloak: dump-check: the program ended (status %d) before its memory "
                "could be dumped; dump-check needs a program that keeps running (luggage: "
                "add a second argument, `stay`)\n", o.status);
    if (o.report) {
        fprintf(stderr, "cloak: the kernel log says:\n");
        fputs(o.report, stderr);
    }
    if (out && n) {
        fprintf(stderr, "cloak: the program's output:\n");
        fputs(out, stderr);
    }
    free(out);
    qemu_outcome_free(&o);
}

static int search_dump(const struct dump_check *d)
{
    char err[512], *log;
    size_t loglen;
    uint64_t dphys = 0, dsize = 0;
    bool have_dma;
    struct memdump_range *r;
    struct memdump_result res;
    size_t n;
    struct stat st;
    int fd, found;
    unsigned char *map;

    log = slurp(d->log_path, &loglen);
    have_dma = log && memdump_dma_from_log(log, loglen, &dphys, &dsize);
    free(log);

    if ((fd = open(d->dump_path, O_RDONLY | O_CLOEXEC)) < 0 || fstat(fd, &st) < 0) {
        fprintf(stderr, "cloak: dump-check: cannot read the dump %s: %s\n", d->dump_path,
                strerror(errno));
        if (fd >= 0)
            close(fd);
        return DUMP_CHECK_ERROR;
    }
    if (st.st_size == 0 ||
        (map = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0)) == MAP_FAILED) {
        fprintf(stderr, "cloak: dump-check: cannot map the dump %s: %s\n", d->dump_path,
                st.st_size ? strerror(errno) : "empty file");
        close(fd);
        return DUMP_CHECK_ERROR;
    }
    close(fd);
    if (memdump_parse_elf(map, (size_t)st.st_size, &r, &n, err, sizeof err) < 0) {
        fprintf(stderr, "cloak: dump-check: %s: %s\n", d->dump_path, err);
        munmap(map, (size_t)st.st_size);
        return DUMP_CHECK_ERROR;
    }
    if (memdump_search(map, r, n, d->secret, strlen(d->secret), have_dma, dphys, dsize,
                       &res) < 0) {
        fprintf(stderr, "cloak: dump-check: out of memory\n");
        free(r);
        munmap(map, (size_t)st.st_size);
        return DUMP_CHECK_ERROR;
    }
    fflush(stderr);
    found = memdump_report(stdout, &res, d->secret, strlen(d->secret), have_dma, dphys, dsize,
                           64);
    fflush(stdout);
    memdump_result_free(&res);
    free(r);
    munmap(map, (size_t)st.st_size);
    return found ? DUMP_CHECK_FOUND : DUMP_CHECK_NOT_FOUND;
}

/* Step 1: waits until the program has printed its first line (or
 * output_timeout_s passed without one), then settle_s more, so that the
 * secret is in memory when it is dumped.  false if the VM ended first
 * (after saying why). */
static bool wait_for_output(const struct dump_check *d, int pid)
{
    double t0 = now_s(), first = -1;
    int st;

    fprintf(stderr, "cloak: dump-check: booting; waiting for the program's first line of "
            "output\n");
    for (;;) {
        if (qemu_gone(pid, &st)) {
            vm_ended(d, st);
            return false;
        }
        double t = now_s();
        if (first < 0) {
            size_t n;
            char *out = slurp(d->console_path, &n);
            char *nl = out ? memchr(out, '\n', n) : NULL;
            if (nl) {
                first = t;
                fprintf(stderr, "cloak: dump-check: after %.1f s the program printed: %.*s\n",
                        t - t0, (int)(nl - out), out);
                fprintf(stderr, "cloak: dump-check: dumping guest memory in %.1f s\n",
                        d->settle_s);
            } else if (t - t0 > d->output_timeout_s) {
                first = t;
                fprintf(stderr, "cloak: dump-check: warning: no output line after %.0f s; "
                        "dumping anyway\n", d->output_timeout_s);
            }
            free(out);
        } else if (t - first >= d->settle_s) {
            return true;
        }
        nap();
    }
}

/* Step 2: stops the VM and has QEMU write its memory to dump_path (an ELF
 * core with guest-physical addresses: paging=false).  -1 after a message. */
static int dump_memory(const struct dump_check *d, struct qmp *q)
{
    char err[1024], protocol[4200];
    json_t *args;

    if (qmp_connect(q, d->qmp_path, 10000, err, sizeof err) < 0) {
        fprintf(stderr, "cloak: dump-check: %s\n", err);
        return -1;
    }
    if (qmp_execute(q, "stop", NULL, 10000, NULL, err, sizeof err) < 0) {
        fprintf(stderr, "cloak: dump-check: %s\n", err);
        return -1;
    }
    snprintf(protocol, sizeof protocol, "file:%s", d->dump_path);
    args = json_pack("{s:b,s:s}", "paging", 0, "protocol", protocol);
    if (qmp_execute(q, "dump-guest-memory", args, 600000, NULL, err, sizeof err) < 0) {
        fprintf(stderr, "cloak: dump-check: %s\n", err);
        return -1;
    }
    return 0;
}

/* Step 3: QMP quit, then up to 10 s for QEMU to exit before it is
 * stopped.  QEMU may close the socket before it answers the quit. */
static void quit_qemu(struct qmp *q, int pid)
{
    char err[1024];
    int st;

    if (qmp_execute(q, "quit", NULL, 10000, NULL, err, sizeof err) < 0 &&
        !strstr(err, "closed")) {
        fprintf(stderr, "cloak: dump-check: warning: %s\n", err);
    }
    qmp_close(q);
    for (double tq = now_s(); !qemu_gone(pid, &st);) {
        if (now_s() - tq > 10) {
            stop_qemu(pid);
            break;
        }
        nap();
    }
}

/* -v: the kernel log, once the VM is gone. */
static void echo_kernel_log(const struct dump_check *d)
{
    size_t n;
    char *log = slurp(d->log_path, &n);

    if (log)
        fputs(log, stderr);
    free(log);
}

int dump_check_run(const struct dump_check *d)
{
    char err[1024];
    int pid, rc = DUMP_CHECK_ERROR;
    struct qmp q = {.fd = -1};

    if (!*d->secret) {
        fprintf(stderr, "cloak: dump-check: the secret is empty\n");
        return DUMP_CHECK_ERROR;
    }
    if (qemu_spawn(d->qemu, &pid, err, sizeof err) < 0) {
        fprintf(stderr, "cloak: %s\n", err);
        return DUMP_CHECK_ERROR;
    }
    if (!wait_for_output(d, pid))
        return DUMP_CHECK_ERROR; /* QEMU is gone; the dump was never written */
    if (dump_memory(d, &q) == 0) {
        quit_qemu(&q, pid);
        pid = -1;
        if (d->verbose)
            echo_kernel_log(d);
        /* step 4: the search */
        rc = search_dump(d);
        if (d->keep_dump)
            fprintf(stderr, "cloak: dump-check: the dump is kept in %s\n", d->dump_path);
    }
    qmp_close(&q);
    if (pid > 0)
        stop_qemu(pid);
    if (!d->keep_dump)
        unlink(d->dump_path);
    return rc;
}
