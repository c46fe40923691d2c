/* Volume images; see volume.h.  mke2fs writes into a temporary file in the
 * volumes directory that is renamed into place only when it succeeded, so
 * a failed create leaves nothing behind. */
#define _GNU_SOURCE
#include "volume.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include "../util/size.h"

int volume_dir(const char *config_dir, char *out, size_t len, char *err, size_t errlen)
{
    const char *d = config_dir && *config_dir ? config_dir : getenv("CLOAK_VOLUMES");
    int n;

    if (!d || !*d)
        d = VOLUME_DEFAULT_DIR;
    if (d[0] == '~' && (d[1] == '/' || d[1] == '\0')) {
        const char *home = getenv("HOME");
        if (!home || !*home) {
            snprintf(err, errlen, "the volumes directory %s needs $HOME, which is not set "
                     "(set CLOAK_VOLUMES or VolumesDir)", d);
            return -1;
        }
        n = snprintf(out, len, "%s%s", home, d + 1);
    } else {
        n = snprintf(out, len, "%s", d);
    }
    if (n < 0 || (size_t)n >= len) {
        snprintf(err, errlen, "the volumes directory path is too long");
        return -1;
    }
    return 0;
}

int volume_check_name(const char *name, char *err, size_t errlen)
{
    size_t n = strlen(name);

    if (n == 0) {
        snprintf(err, errlen, "a volume needs a name");
        return -1;
    }
    if (n > VOLUME_NAME_MAX) {
        snprintf(err, errlen, "volume name \"%s\" is too long: %zu characters (an ext2 label "
                 "holds at most %d)", name, n, VOLUME_NAME_MAX);
        return -1;
    }
    if (name[0] == '.' || name[0] == '-') {
        snprintf(err, errlen, "volume name \"%s\" may not start with '%c'", name, name[0]);
        return -1;
    }
    for (const char *p = name; *p; p++) {
        char ch = *p;
        if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
              ch == '_' || ch == '.' || ch == '-')) {
            snprintf(err, errlen, "volume name \"%s\" has the character '%c'; use letters, "
                     "digits, '_', '.' and '-'", name, ch);
            return -1;
        }
    }
    return 0;
}

int volume_parse_size(const char *s, uint64_t *bytes)
{
    return parse_size(s, 1, bytes);
}

int volume_path(const char *dir, const char *name, char *out, size_t len, char *err,
                size_t errlen)
{
    if (volume_check_name(name, err, errlen) < 0)
        return -1;
    if ((size_t)snprintf(out, len, "%s/%s" VOLUME_SUFFIX, dir, name) >= len) {
        snprintf(err, errlen, "path too long: %s/%s" VOLUME_SUFFIX, dir, name);
        return -1;
    }
    return 0;
}

/* mkdir -p */
static int make_dirs(const char *dir, char *err, size_t errlen)
{
    char buf[PATH_MAX];
    size_t n = strlen(dir);

    if (n >= sizeof buf) {
        snprintf(err, errlen, "path too long: %s", dir);
        return -1;
    }
    memcpy(buf, dir, n + 1);
    for (size_t i = 1; i <= n; i++) {
        if (buf[i] != '/' && buf[i] != '\0')
            continue;
        char c = buf[i];
        buf[i] = '\0';
        if (mkdir(buf, 0755) < 0 && errno != EEXIST) {
            snprintf(err, errlen, "cannot create the volumes directory %s: %s", buf,
                     strerror(errno));
            return -1;
        }
        buf[i] = c;
    }
    struct stat st;
    if (stat(dir, &st) < 0 || !S_ISDIR(st.st_mode)) {
        snprintf(err, errlen, "the volumes directory %s is not a directory", dir);
        return -1;
    }
    return 0;
}

static uint64_t data_bytes;

static int add_size(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)path;
    (void)flag;
    (void)ftw;
    data_bytes += (uint64_t)st->st_blocks * 512 + 4096; /* plus an inode's worth */
    return 0;
}

/* The mke2fs to run: $CLOAK_MKE2FS, else the first in $PATH, /usr/sbin, /sbin
 * (a user's PATH often lacks the sbin directories). */
static int find_mke2fs(char *out, size_t len)
{
    const char *env = getenv("CLOAK_MKE2FS"), *path = getenv("PATH");
    char *dirs, *p, *d;

    if (env && *env) {
        snprintf(out, len, "%s", env);
        return access(out, X_OK);
    }
    if (asprintf(&dirs, "%s:/usr/sbin:/sbin", path ? path : "/usr/bin:/bin") < 0)
        return -1;
    for (p = dirs; (d = strsep(&p, ":")) != NULL;) {
        if (!*d)
            continue;
        if ((size_t)snprintf(out, len, "%s/mke2fs", d) < len && access(out, X_OK) == 0) {
            free(dirs);
            return 0;
        }
    }
    free(dirs);
    return -1;
}

/* Runs argv, its stdout and stderr into out (truncated).  Returns the exit
 * status, or -1 if it could not be run (errno). */
static int run_capture(char *const argv[], char *out, size_t outlen)
{
    int pfd[2], st;
    size_t used = 0;
    pid_t pid;
    ssize_t n;
    char buf[1024];

    out[0] = '\0';
    if (pipe2(pfd, O_CLOEXEC) < 0)
        return -1;
    pid = fork();
    if (pid < 0) {
        close(pfd[0]);
        close(pfd[1]);
        return -1;
    }
    if (pid == 0) {
        dup2(pfd[1], 1);
        dup2(pfd[1], 2);
        execv(argv[0], argv);
        dprintf(2, "cannot run %s: %s\n", argv[0], strerror(errno));
        _exit(127);
    }
    close(pfd[1]);
    while ((n = read(pfd[0], buf, sizeof buf)) != 0) {
        if (n < 0) {
            if (errno == EINTR)
                continue;
            break;
        }
        size_t k = (size_t)n < outlen - 1 - used ? (size_t)n : outlen - 1 - used;
        memcpy(out + used, buf, k);
        used += k;
        out[used] = '\0';
    }
    close(pfd[0]);
    while (waitpid(pid, &st, 0) < 0)
        if (errno != EINTR)
            return -1;
    return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

/* -s SIZE, checked against what ext2 and the kernel can use. */
static int parse_size_arg(const char *size, uint64_t *bytes, char *err, size_t errlen)
{
    if (volume_parse_size(size, bytes) < 0) {
        snprintf(err, errlen, "-s \"%s\": not a size (use a number with k, M, G or T, like "
                 "64M or 1G)", size);
        return -1;
    }
    if (*bytes < VOLUME_MIN_SIZE) {
        snprintf(err, errlen, "-s \"%s\": a volume needs at least 1M", size);
        return -1;
    }
    if (*bytes > VOLUME_MAX_SIZE) {
        snprintf(err, errlen, "-s \"%s\": too large (ext2 holds at most 16T)", size);
        return -1;
    }
    return 0;
}

/* Without -s: what the data directory holds, a quarter more and 8 MiB of
 * room for the file system's own blocks and the program's writes. */
static int size_for_data(const char *data_dir, uint64_t *bytes, char *err, size_t errlen)
{
    data_bytes = 0;
    if (data_dir && nftw(data_dir, add_size, 16, FTW_PHYS) < 0) {
        snprintf(err, errlen, "-d %s: cannot read it: %s", data_dir, strerror(errno));
        return -1;
    }
    *bytes = data_bytes + data_bytes / 4 + (8ull << 20);
    return 0;
}

static int check_data_dir(const char *data_dir, char *err, size_t errlen)
{
    struct stat st;
    if (!data_dir)
        return 0;
    if (stat(data_dir, &st) < 0) {
        snprintf(err, errlen, "-d %s: %s", data_dir,
                 errno == ENOENT ? "no such directory" : strerror(errno));
        return -1;
    }
    if (!S_ISDIR(st.st_mode)) {
        snprintf(err, errlen, "-d %s: not a directory", data_dir);
        return -1;
    }
    return 0;
}

static void already_exists(const char *name, const char *path, char *err, size_t errlen)
{
    snprintf(err, errlen, "volume %s already exists (%s); delete it first with `cloak "
             "volume delete %s`", name, path, name);
}

/* Runs mke2fs into the file tmp: ext2 revision 1, labelled with the
 * volume's name, root-owned, filled from data_dir if given. */
static int run_mke2fs(const char *mke2fs, const char *tmp, uint64_t bytes, const char *name,
                      const char *data_dir, char *err, size_t errlen)
{
    char sizearg[32], label[VOLUME_NAME_MAX + 1], output[2048];
    snprintf(label, sizeof label, "%s", name);
    snprintf(sizearg, sizeof sizearg, "%lluk", (unsigned long long)(bytes >> 10));
    char *argv[16];
    int a = 0;
    argv[a++] = (char *)mke2fs;
    argv[a++] = "-q";
    argv[a++] = "-t";
    argv[a++] = "ext2";
    argv[a++] = "-r";
    argv[a++] = "1";
    /* 4 KiB blocks whatever the size (mke2fs picks 1 KiB for small
     * volumes): a quarter of the blocks to map, cache and allocate. */
    argv[a++] = "-b";
    argv[a++] = "4096";
    argv[a++] = "-L";
    argv[a++] = label;
    argv[a++] = "-E";
    argv[a++] = "root_owner=0:0";
    if (data_dir) {
        argv[a++] = "-d";
        argv[a++] = (char *)data_dir;
    }
    argv[a++] = (char *)tmp;
    argv[a++] = sizearg;
    argv[a] = NULL;
    int rc = run_capture(argv, output, sizeof output);
    if (rc == 0)
        return 0;
    int e = errno;
    size_t l = strlen(output);
    while (l && (output[l - 1] == '\n' || output[l - 1] == ' '))
        output[--l] = '\0';
    if (rc < 0)
        snprintf(err, errlen, "cannot run %s: %s", mke2fs, strerror(e));
    else
        snprintf(err, errlen, "%s failed (status %d) making volume %s%s%s:\n%s", mke2fs,
                 rc, name, data_dir ? " from " : "", data_dir ? data_dir : "", output);
    return -1;
}

int volume_create(const char *dir, const char *name, const char *data_dir, const char *size,
                  char *path, size_t pathlen, char *err, size_t errlen)
{
    char tmp[PATH_MAX], mke2fs[PATH_MAX];
    uint64_t bytes;
    struct stat st;

    if (volume_path(dir, name, path, pathlen, err, errlen) < 0)
        return -1;
    if (size && parse_size_arg(size, &bytes, err, errlen) < 0)
        return -1;
    if (check_data_dir(data_dir, err, errlen) < 0)
        return -1;
    if (!size && size_for_data(data_dir, &bytes, err, errlen) < 0)
        return -1;
    bytes = (bytes + 1023) & ~1023ull; /* mke2fs takes whole KiB */
    if (lstat(path, &st) == 0) {
        already_exists(name, path, err, errlen);
        return -1;
    }
    if (find_mke2fs(mke2fs, sizeof mke2fs) < 0) {
        const char *env = getenv("CLOAK_MKE2FS");
        snprintf(err, errlen, "cannot find mke2fs%s%s; install the Debian package %s",
                 env && *env ? " at " : "", env && *env ? env : "", MKE2FS_PACKAGE);
        return -1;
    }
    if (make_dirs(dir, err, errlen) < 0)
        return -1;
    if ((size_t)snprintf(tmp, sizeof tmp, "%s/.%s" VOLUME_SUFFIX ".tmp-%ld", dir, name,
                         (long)getpid()) >= sizeof tmp) {
        snprintf(err, errlen, "path too long: %s", dir);
        return -1;
    }
    unlink(tmp);
    if (run_mke2fs(mke2fs, tmp, bytes, name, data_dir, err, errlen) < 0) {
        unlink(tmp);
        return -1;
    }
    if (link(tmp, path) < 0) { /* not rename: never replace a volume made meanwhile */
        int e = errno;
        unlink(tmp);
        if (e == EEXIST)
            already_exists(name, path, err, errlen);
        else
            snprintf(err, errlen, "cannot create %s: %s", path, strerror(e));
        return -1;
    }
    unlink(tmp);
    return 0;
}

int volume_find(const char *dir, const char *name, char *path, size_t pathlen, char *err,
                size_t errlen)
{
    struct stat st;

    if (volume_path(dir, name, path, pathlen, err, errlen) < 0)
        return -1;
    if (stat(path, &st) < 0) {
        snprintf(err, errlen, "volume %s not found (no %s); create it with `cloak volume create "
                 "%s -d DIR -s SIZE`", name, path, name);
        return -1;
    }
    if (!S_ISREG(st.st_mode)) {
        snprintf(err, errlen, "volume %s: %s is not a regular file", name, path);
        return -1;
    }
    return 0;
}

int volume_delete(const char *dir, const char *name, char *path, size_t pathlen, char *err,
                  size_t errlen)
{
    if (volume_path(dir, name, path, pathlen, err, errlen) < 0)
        return -1;
    if (unlink(path) < 0) {
        if (errno == ENOENT)
            snprintf(err, errlen, "volume %s not found (no %s); `cloak volume list` shows the "
                     "volumes", name, path);
        else
            snprintf(err, errlen, "cannot delete %s: %s", path, strerror(errno));
        return -1;
    }
    return 0;
}

static int by_name(const void *a, const void *b)
{
    return strcmp(((const struct volume_info *)a)->name, ((const struct volume_info *)b)->name);
}

int volume_read_super(const char *path, struct volume_info *info)
{
    /* The superblock at 1024: s_magic at 56, s_state at 58, s_volume_name
     * at 120 (little-endian). */
    unsigned char sb[136];
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    ssize_t got = pread(fd, sb, sizeof sb, 1024);
    int saved = errno;
    close(fd);
    info->ext2 = false;
    info->state = VOLUME_NOT_EXT2;
    info->label[0] = '\0';
    if (got < 0) {
        errno = saved;
        return -1;
    }
    if (got != (ssize_t)sizeof sb || sb[56] != 0x53 || sb[57] != 0xef)
        return 0;
    unsigned state = sb[58] | (unsigned)sb[59] << 8;
    info->ext2 = true;
    info->state = (state & 2) ? VOLUME_ERRORS : (state & 1) ? VOLUME_CLEAN : VOLUME_NOT_CLEAN;
    memcpy(info->label, sb + 120, 16);
    info->label[16] = '\0';
    return 0;
}

const char *volume_state_name(enum volume_state s)
{
    switch (s) {
    case VOLUME_CLEAN: return "clean";
    case VOLUME_NOT_CLEAN: return "not clean";
    case VOLUME_ERRORS: return "has errors";
    default: return "not ext2";
    }
}

int volume_list(const char *dir, struct volume_info **out, size_t *n, char *err, size_t errlen)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    struct volume_info *v = NULL;
    size_t count = 0;

    *out = NULL;
    *n = 0;
    if (!d) {
        if (errno == ENOENT)
            return 0;
        snprintf(err, errlen, "cannot read the volumes directory %s: %s", dir, strerror(errno));
        return -1;
    }
    while ((e = readdir(d)) != NULL) {
        size_t len = strlen(e->d_name), sl = sizeof VOLUME_SUFFIX - 1;
        char p[PATH_MAX];
        struct stat st;

        if (e->d_name[0] == '.' || len <= sl || strcmp(e->d_name + len - sl, VOLUME_SUFFIX) ||
            len - sl >= sizeof v->name)
            continue;
        if ((size_t)snprintf(p, sizeof p, "%s/%s", dir, e->d_name) >= sizeof p ||
            stat(p, &st) < 0 || !S_ISREG(st.st_mode))
            continue;
        struct volume_info *nv = realloc(v, (count + 1) * sizeof *v);
        if (!nv) {
            free(v);
            closedir(d);
            snprintf(err, errlen, "out of memory");
            return -1;
        }
        v = nv;
        memset(&v[count], 0, sizeof v[count]);
        memcpy(v[count].name, e->d_name, len - sl);
        v[count].size = (uint64_t)st.st_size;
        volume_read_super(p, &v[count]);
        count++;
    }
    closedir(d);
    if (count)
        qsort(v, count, sizeof *v, by_name);
    *out = v;
    *n = count;
    return 0;
}
