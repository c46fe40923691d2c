/* What every cloak command uses: die(), growing arrays, the temporary
 * directory and finding the installed kernel and loader. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <signal.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "cli.h"

void die(const char *fmt, ...)
{
    va_list ap;

    fflush(stdout);
    fputs("cloak: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    exit(EXIT_CLOAK_ERROR);
}

/* ---- the temporary directory ---- */

static char tmp_dir[PATH_MAX];
static bool keep_tmp;

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)ftw;
    if (flag == FTW_DP)
        rmdir(path);
    else
        unlink(path);
    return 0;
}

static void remove_tmp(void)
{
    if (tmp_dir[0] && !keep_tmp)
        nftw(tmp_dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

/* A signal that ends cloak before QEMU runs (Ctrl-C while the image is
 * built: qemu_run has handlers of its own) must not leave the directory
 * behind.  A handler may only make async-signal-safe calls, so it lists
 * the directory with getdents64 on a descriptor opened beforehand and
 * removes each entry with unlinkat, then ends cloak by the same signal. */
static int tmp_fd = -1;

static void remove_tmp_on_signal(int sig)
{
    char buf[4096];
    long n;

    if (tmp_fd >= 0 && !keep_tmp) {
        while (lseek(tmp_fd, 0, SEEK_SET) == 0 &&
               (n = syscall(SYS_getdents64, tmp_fd, buf, sizeof buf)) > 0) {
            int removed = 0;
            for (long off = 0; off < n;) {
                struct dirent64 *d = (struct dirent64 *)(buf + off);
                const char *name = d->d_name;
                off += d->d_reclen;
                if (strcmp(name, ".") && strcmp(name, "..") && unlinkat(tmp_fd, name, 0) == 0)
                    removed++;
            }
            if (!removed)
                break;        /* what is left cannot go (a directory, say) */
        }
        rmdir(tmp_dir);
    }
    signal(sig, SIG_DFL);
    raise(sig);
}

static void catch_signals_while_tmp(void)
{
    static const int sigs[] = {SIGINT, SIGTERM, SIGHUP};
    struct sigaction sa, old;

    tmp_fd = open(tmp_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = remove_tmp_on_signal;
    sigemptyset(&sa.sa_mask);
    for (size_t i = 0; i < sizeof sigs / sizeof sigs[0]; i++) {
        /* An ignored signal (nohup) stays ignored. */
        if (sigaction(sigs[i], NULL, &old) == 0 && old.sa_handler == SIG_IGN)
            continue;
        sigaction(sigs[i], &sa, NULL);
    }
}

const char *tmp_dir_get(void)
{
    const char *base = getenv("TMPDIR");

    if (tmp_dir[0])
        return tmp_dir;
    if (!base || !*base)
        base = "/tmp";
    if ((size_t)snprintf(tmp_dir, sizeof tmp_dir, "%s/cloak-XXXXXX", base) >= sizeof tmp_dir)
        die("TMPDIR is too long");
    if (!mkdtemp(tmp_dir)) {
        int e = errno;
        tmp_dir[0] = '\0';
        die("cannot create a temporary directory in %s: %s", base, strerror(e));
    }
    atexit(remove_tmp);
    catch_signals_while_tmp();
    return tmp_dir;
}

const char *tmp_keep(void)
{
    keep_tmp = true;
    return tmp_dir;
}

void tmp_path(char *out, size_t len, const char *name)
{
    if ((size_t)snprintf(out, len, "%s/%s", tmp_dir_get(), name) >= len)
        die("temporary path too long");
}

/* ---- finding the kernel and loader ---- */

void share_file(char *out, size_t len, const char *env, const char *name, const char *what)
{
    const char *v = getenv(env);
    char exe[PATH_MAX];
    ssize_t n;

    if (v && *v) {
        if ((size_t)snprintf(out, len, "%s", v) >= len)
            die("%s is too long", env);
    } else {
        n = readlink("/proc/self/exe", exe, sizeof exe - 1);
        if (n < 0)
            die("cannot find my own executable (/proc/self/exe): %s", strerror(errno));
        exe[n] = '\0';
        *strrchr(exe, '/') = '\0';
        if ((size_t)snprintf(out, len, "%s/../share/cloak/%s", exe, name) >= len)
            die("path of the %s is too long", what);
    }
    if (access(out, R_OK) != 0)
        die("the %s %s is missing (%s); build it with `make`, or point %s at one",
            what, out, strerror(errno), env);
}

void list_append(char ***list, size_t *n, char *s)
{
    char **l = realloc(*list, (*n + 1) * sizeof *l);
    if (!l)
        die("out of memory");
    l[(*n)++] = s;
    *list = l;
}

