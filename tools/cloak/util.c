/* What every cloak command uses: die(), growing arrays, the temporary
 * directory and finding the installed kernel and loader. */
#define _GNU_SOURCE
#include <errno.h>
#include <ftw.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
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

