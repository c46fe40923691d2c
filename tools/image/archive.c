/* The boot archive, cpio "newc" through libarchive.  Every entry gets its
 * own inode number and nlink 1 (2 for directories), uid/gid 0; files keep
 * their host permission bits and modification time. */
#define _GNU_SOURCE
#include "archive.h"

#include <archive.h>
#include <archive_entry.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define IMAGE_PATH_MAX 4096

/* What is at an image path already: kind + where it came from. */
struct slot {
    char *path;   /* normalised, absolute */
    char *source; /* host path, or "(generated)" */
    char kind;    /* 'f' file, 'd' directory, 'l' link */
};

struct image_archive {
    struct archive *ar;
    char *file;
    struct slot *slots; /* open-addressing hash set */
    size_t nslots, used;
    unsigned long next_ino;
    char **warnings;
    size_t nwarnings;
    FILE *list;         /* image_archive_set_list */
};

/* ---- paths ---- */

int image_path_from(const char *given, char *out, size_t outlen)
{
    size_t len = 0;
    const char *p = given;

    if (outlen < 2)
        return -1;
    out[0] = '\0';
    while (*p) {
        const char *start, *end;
        size_t n;

        while (*p == '/')
            p++;
        start = p;
        while (*p && *p != '/')
            p++;
        end = p;
        n = (size_t)(end - start);
        if (n == 0 || (n == 1 && start[0] == '.'))
            continue;
        if (n == 2 && start[0] == '.' && start[1] == '.') {
            while (len > 0 && out[len - 1] != '/')
                len--;
            if (len > 0)
                len--; /* the '/' before the dropped component */
            out[len] = '\0';
            continue;
        }
        if (len + 1 + n + 1 > outlen)
            return -1;
        out[len++] = '/';
        memcpy(out + len, start, n);
        len += n;
        out[len] = '\0';
    }
    if (len == 0) {
        strcpy(out, "/");
        return -1;
    }
    return 0;
}

/* ---- the set of written paths ---- */

static uint64_t hash(const char *s)
{
    uint64_t h = 1469598103934665603ull;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ull;
    return h;
}

static struct slot *lookup(const struct image_archive *a, const char *path)
{
    size_t i = (size_t)(hash(path) & (a->nslots - 1));
    while (a->slots[i].path) {
        if (strcmp(a->slots[i].path, path) == 0)
            return &a->slots[i];
        i = (i + 1) & (a->nslots - 1);
    }
    return &a->slots[i];
}

static int remember(struct image_archive *a, const char *path, const char *source, char kind)
{
    struct slot *s;

    if ((a->used + 1) * 2 > a->nslots) {
        struct slot *old = a->slots;
        size_t oldn = a->nslots;
        a->nslots = oldn ? oldn * 2 : 256;
        a->slots = calloc(a->nslots, sizeof *a->slots);
        if (!a->slots)
            return -1;
        for (size_t i = 0; i < oldn; i++)
            if (old[i].path)
                *lookup(a, old[i].path) = old[i];
        free(old);
    }
    s = lookup(a, path);
    s->path = strdup(path);
    s->source = strdup(source);
    s->kind = kind;
    if (!s->path || !s->source)
        return -1;
    a->used++;
    return 0;
}

bool image_archive_has(const struct image_archive *a, const char *image_path)
{
    char norm[IMAGE_PATH_MAX];

    if (image_path_from(image_path, norm, sizeof norm) < 0)
        return strcmp(norm, "/") == 0;
    return lookup(a, norm)->path != NULL;
}

static void warn(struct image_archive *a, const char *fmt, ...)
{
    char *s;
    va_list ap;
    char **w;

    va_start(ap, fmt);
    if (vasprintf(&s, fmt, ap) < 0)
        s = NULL;
    va_end(ap);
    if (!s)
        return;
    w = realloc(a->warnings, (a->nwarnings + 1) * sizeof *w);
    if (!w) {
        free(s);
        return;
    }
    a->warnings = w;
    a->warnings[a->nwarnings++] = s;
}

void image_archive_set_list(struct image_archive *a, FILE *f)
{
    a->list = f;
}

static void list_entry(struct image_archive *a, const char *norm, const char *source,
                       const char *link)
{
    if (!a->list)
        return;
    if (link)
        fprintf(a->list, "%s <- %s (symlink to %s)\n", norm, source, link);
    else
        fprintf(a->list, "%s <- %s\n", norm, source);
}

size_t image_archive_warning_count(const struct image_archive *a)
{
    return a->nwarnings;
}

const char *image_archive_warning(const struct image_archive *a, size_t i)
{
    return i < a->nwarnings ? a->warnings[i] : NULL;
}

/* ---- writing entries ---- */

static int ar_fail(struct image_archive *a, const char *what, char *err, size_t errlen)
{
    snprintf(err, errlen, "writing %s to %s: %s", what, a->file, archive_error_string(a->ar));
    return -1;
}

static struct archive_entry *new_entry(struct image_archive *a, const char *norm,
                                       unsigned type, unsigned perm, time_t mtime)
{
    struct archive_entry *e = archive_entry_new();

    if (!e)
        return NULL;
    archive_entry_set_pathname(e, norm + 1); /* without the leading '/' */
    archive_entry_set_filetype(e, type);
    archive_entry_set_perm(e, perm & 07777);
    archive_entry_set_uid(e, 0);
    archive_entry_set_gid(e, 0);
    archive_entry_set_nlink(e, type == AE_IFDIR ? 2 : 1);
    archive_entry_set_ino(e, (la_int64_t)a->next_ino++);
    archive_entry_set_mtime(e, mtime, 0);
    archive_entry_set_size(e, 0);
    return e;
}

/* Checks norm's parents: each must be a directory, and gets an entry if it
 * has none yet. */
static int ensure_parents(struct image_archive *a, const char *norm, char *err, size_t errlen)
{
    char buf[IMAGE_PATH_MAX];
    size_t len = strlen(norm);

    memcpy(buf, norm, len + 1);
    for (size_t i = 1; i < len; i++) {
        if (buf[i] != '/')
            continue;
        buf[i] = '\0';
        struct slot *s = lookup(a, buf);
        if (s->path && s->kind != 'd') {
            snprintf(err, errlen, "cannot put %s in the image: %s is already there as a %s "
                     "(from %s)", norm, buf, s->kind == 'l' ? "symlink" : "file", s->source);
            return -1;
        }
        if (!s->path) {
            struct archive_entry *e = new_entry(a, buf, AE_IFDIR, 0755, 0);
            if (!e || archive_write_header(a->ar, e) != ARCHIVE_OK) {
                archive_entry_free(e);
                return ar_fail(a, buf, err, errlen);
            }
            archive_entry_free(e);
            if (remember(a, buf, "(parent directory)", 'd') < 0)
                goto oom;
        }
        buf[i] = '/';
    }
    return 0;
oom:
    snprintf(err, errlen, "out of memory");
    return -1;
}

/* Returns 1 if norm is taken (after a warning when the sources differ), 0 if
 * it is free, -1 on error. */
static int check_free(struct image_archive *a, const char *norm, const char *source,
                      char kind, char *err, size_t errlen)
{
    struct slot *s;

    if (strcmp(norm, "/") == 0)
        return kind == 'd' ? 1 : (snprintf(err, errlen, "%s cannot be put at / in the image",
                                           source), -1);
    s = lookup(a, norm);
    if (!s->path)
        return ensure_parents(a, norm, err, errlen);
    if (kind == 'd' && s->kind == 'd')
        return 1; /* directories merge */
    if (strcmp(s->source, source) != 0)
        warn(a, "%s is in the image twice (from %s and from %s); keeping the first", norm,
             s->source, source);
    return 1;
}

static int add_dir_entry(struct image_archive *a, const char *norm, const char *source,
                         const struct stat *st, char *err, size_t errlen)
{
    struct archive_entry *e;
    int r = check_free(a, norm, source, 'd', err, errlen);

    if (r != 0)
        return r < 0 ? -1 : 0;
    e = new_entry(a, norm, AE_IFDIR, st ? st->st_mode : 0755, st ? st->st_mtime : 0);
    if (!e || archive_write_header(a->ar, e) != ARCHIVE_OK) {
        archive_entry_free(e);
        return ar_fail(a, norm, err, errlen);
    }
    archive_entry_free(e);
    if (remember(a, norm, source, 'd') < 0) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    return 0;
}

static int add_regular(struct image_archive *a, const char *norm, const char *host,
                       const struct stat *st, char *err, size_t errlen)
{
    struct archive_entry *e;
    char buf[65536];
    ssize_t n;
    off_t left = st->st_size;
    int fd, r;

    r = check_free(a, norm, host, 'f', err, errlen);
    if (r != 0)
        return r < 0 ? -1 : 0;
    fd = open(host, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        snprintf(err, errlen, "cannot read %s: %s", host, strerror(errno));
        return -1;
    }
    e = new_entry(a, norm, AE_IFREG, st->st_mode, st->st_mtime);
    if (!e) {
        close(fd);
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    archive_entry_set_size(e, st->st_size);
    if (archive_write_header(a->ar, e) != ARCHIVE_OK) {
        archive_entry_free(e);
        close(fd);
        return ar_fail(a, norm, err, errlen);
    }
    archive_entry_free(e);
    while (left > 0 && (n = read(fd, buf, sizeof buf)) != 0) {
        if (n < 0) {
            if (errno == EINTR)
                continue;
            snprintf(err, errlen, "cannot read %s: %s", host, strerror(errno));
            close(fd);
            return -1;
        }
        if (n > left)
            n = (ssize_t)left; /* the file grew while we copied it */
        if (archive_write_data(a->ar, buf, (size_t)n) != n) {
            close(fd);
            return ar_fail(a, norm, err, errlen);
        }
        left -= n;
    }
    close(fd);
    if (left > 0) {
        snprintf(err, errlen, "%s shrank while it was being copied", host);
        return -1;
    }
    if (remember(a, norm, host, 'f') < 0) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    list_entry(a, norm, host, NULL);
    return 0;
}

/* The symlink entry norm -> target, unless norm is already taken; source
 * is what the listing shows it came from. */
static int write_symlink(struct image_archive *a, const char *norm, const char *source, const char *target,
                         time_t mtime, char *err, size_t errlen)
{
    struct archive_entry *e;
    int r = check_free(a, norm, source, 'l', err, errlen);
    if (r != 0)
        return r < 0 ? -1 : 0;
    e = new_entry(a, norm, AE_IFLNK, 0777, mtime);
    if (!e) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    archive_entry_set_symlink(e, target);
    if (archive_write_header(a->ar, e) != ARCHIVE_OK) {
        archive_entry_free(e);
        return ar_fail(a, norm, err, errlen);
    }
    archive_entry_free(e);
    if (remember(a, norm, source, 'l') < 0) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    list_entry(a, norm, source, target);
    return 0;
}

static int add_symlink(struct image_archive *a, const char *norm, const char *host,
                       const struct stat *lst, char *err, size_t errlen)
{
    char target[IMAGE_PATH_MAX];
    struct stat st;
    ssize_t n;

    n = readlink(host, target, sizeof target - 1);
    if (n < 0) {
        snprintf(err, errlen, "cannot read the link %s: %s", host, strerror(errno));
        return -1;
    }
    target[n] = '\0';
    if (stat(host, &st) < 0) { /* what ops does with a dangling link */
        warn(a, "%s is a dangling symlink (to %s); skipped", host, target);
        return 0;
    }
    return write_symlink(a, norm, host, target, lst->st_mtime, err, errlen);
}

static int join(char *out, size_t outlen, const char *a, const char *b, char *err, size_t errlen)
{
    if ((size_t)snprintf(out, outlen, "%s/%s", a, b) >= outlen) {
        snprintf(err, errlen, "path too long: %s/%s", a, b);
        return -1;
    }
    return 0;
}

/* One host object (not following a final symlink) at norm; directories
 * recursively, in name order so that archives are reproducible. */
static int add_any(struct image_archive *a, const char *norm, const char *host,
                   char *err, size_t errlen)
{
    struct stat st;
    struct dirent **names;
    int n, rc = 0;

    if (lstat(host, &st) < 0) {
        snprintf(err, errlen, "%s: %s", host, strerror(errno));
        return -1;
    }
    if (S_ISLNK(st.st_mode))
        return add_symlink(a, norm, host, &st, err, errlen);
    if (S_ISREG(st.st_mode))
        return add_regular(a, norm, host, &st, err, errlen);
    if (!S_ISDIR(st.st_mode)) {
        warn(a, "%s is not a regular file, directory or symlink; skipped", host);
        return 0;
    }
    if (add_dir_entry(a, norm, host, &st, err, errlen) < 0)
        return -1;
    n = scandir(host, &names, NULL, alphasort);
    if (n < 0) {
        snprintf(err, errlen, "cannot read the directory %s: %s", host, strerror(errno));
        return -1;
    }
    for (int i = 0; i < n; i++) {
        const char *nm = names[i]->d_name;
        char hchild[IMAGE_PATH_MAX], ichild[IMAGE_PATH_MAX];

        if (rc == 0 && strcmp(nm, ".") != 0 && strcmp(nm, "..") != 0) {
            if (join(hchild, sizeof hchild, host, nm, err, errlen) < 0 ||
                join(ichild, sizeof ichild, strcmp(norm, "/") ? norm : "", nm, err, errlen) < 0 ||
                add_any(a, ichild, hchild, err, errlen) < 0)
                rc = -1;
        }
        free(names[i]);
    }
    free(names);
    return rc;
}

static int normalise(const char *image_path, char *norm, size_t len, char *err, size_t errlen)
{
    if (image_path_from(image_path, norm, len) < 0 && strcmp(norm, "/") != 0) {
        snprintf(err, errlen, "image path too long: %s", image_path);
        return -1;
    }
    return 0;
}

/* ---- the interface ---- */

struct image_archive *image_archive_open(const char *path, char *err, size_t errlen)
{
    struct image_archive *a = calloc(1, sizeof *a);

    if (!a || !(a->file = strdup(path)) || !(a->ar = archive_write_new())) {
        snprintf(err, errlen, "out of memory");
        goto fail;
    }
    a->next_ino = 1;
    a->nslots = 256;
    if (!(a->slots = calloc(a->nslots, sizeof *a->slots))) {
        snprintf(err, errlen, "out of memory");
        goto fail;
    }
    if (archive_write_set_format_cpio_newc(a->ar) != ARCHIVE_OK ||
        archive_write_add_filter_none(a->ar) != ARCHIVE_OK ||
        archive_write_set_bytes_in_last_block(a->ar, 1) != ARCHIVE_OK) {
        snprintf(err, errlen, "libarchive: %s", archive_error_string(a->ar));
        goto fail;
    }
    if (archive_write_open_filename(a->ar, path) != ARCHIVE_OK) {
        snprintf(err, errlen, "cannot create %s: %s", path, archive_error_string(a->ar));
        goto fail;
    }
    return a;
fail:
    if (a) {
        if (a->ar)
            archive_write_free(a->ar);
        free(a->slots);
        free(a->file);
        free(a);
    }
    return NULL;
}

int image_archive_add_file(struct image_archive *a, const char *image_path,
                           const char *host_path, char *err, size_t errlen)
{
    char norm[IMAGE_PATH_MAX];
    struct stat st;

    if (normalise(image_path, norm, sizeof norm, err, errlen) < 0)
        return -1;
    if (stat(host_path, &st) < 0) {
        snprintf(err, errlen, "%s: %s", host_path,
                 errno == ENOENT ? "no such file" : strerror(errno));
        return -1;
    }
    if (S_ISDIR(st.st_mode)) {
        snprintf(err, errlen, "%s is a directory (list directories in Dirs, not Files)",
                 host_path);
        return -1;
    }
    if (!S_ISREG(st.st_mode)) {
        snprintf(err, errlen, "%s is not a regular file", host_path);
        return -1;
    }
    return add_regular(a, norm, host_path, &st, err, errlen);
}

int image_archive_add_tree(struct image_archive *a, const char *image_dir,
                           const char *host_dir, char *err, size_t errlen)
{
    char norm[IMAGE_PATH_MAX];
    struct stat st;

    if (normalise(image_dir, norm, sizeof norm, err, errlen) < 0)
        return -1;
    if (stat(host_dir, &st) < 0) {
        snprintf(err, errlen, "%s: %s", host_dir,
                 errno == ENOENT ? "no such directory" : strerror(errno));
        return -1;
    }
    if (!S_ISDIR(st.st_mode)) {
        snprintf(err, errlen, "%s is not a directory (list single files in Files)", host_dir);
        return -1;
    }
    return add_any(a, norm, host_dir, err, errlen);
}

static int walk_mapped(struct image_archive *a, const char *host_dir, const char *image_dir,
                       const char *pattern, size_t *matches, char *err, size_t errlen)
{
    struct dirent **names;
    int n, rc = 0;

    n = scandir(host_dir, &names, NULL, alphasort);
    if (n < 0) {
        snprintf(err, errlen, "cannot read the directory %s: %s", host_dir, strerror(errno));
        return -1;
    }
    for (int i = 0; i < n; i++) {
        const char *nm = names[i]->d_name;
        char hchild[IMAGE_PATH_MAX], ichild[IMAGE_PATH_MAX];
        struct stat st;

        if (rc != 0 || strcmp(nm, ".") == 0 || strcmp(nm, "..") == 0)
            goto next;
        if (join(hchild, sizeof hchild, host_dir, nm, err, errlen) < 0 ||
            join(ichild, sizeof ichild, image_dir, nm, err, errlen) < 0) {
            rc = -1;
            goto next;
        }
        if (fnmatch(pattern, nm, 0) == 0) {
            (*matches)++;
            rc = add_any(a, ichild, hchild, err, errlen);
        } else if (lstat(hchild, &st) == 0 && S_ISDIR(st.st_mode)) {
            rc = walk_mapped(a, hchild, ichild, pattern, matches, err, errlen);
        }
next:
        free(names[i]);
    }
    free(names);
    return rc;
}

int image_archive_add_mapped(struct image_archive *a, const char *host_pattern,
                             const char *image_dir, char *err, size_t errlen)
{
    char norm[IMAGE_PATH_MAX], dir[IMAGE_PATH_MAX];
    const char *slash = strrchr(host_pattern, '/');
    const char *pattern;
    struct stat st;
    size_t matches = 0;

    if (normalise(image_dir, norm, sizeof norm, err, errlen) < 0)
        return -1;
    if (slash) {
        size_t n = (size_t)(slash - host_pattern);
        if (n >= sizeof dir) {
            snprintf(err, errlen, "path too long: %s", host_pattern);
            return -1;
        }
        memcpy(dir, host_pattern, n);
        dir[n] = '\0';
        if (n == 0)
            strcpy(dir, "/");
        pattern = slash + 1;
    } else {
        strcpy(dir, ".");
        pattern = host_pattern;
    }
    if (*pattern == '\0')
        pattern = "*"; /* "dir/" maps the directory's contents */
    if (stat(dir, &st) < 0 || !S_ISDIR(st.st_mode)) {
        snprintf(err, errlen, "MapDirs \"%s\": %s is not a directory", host_pattern, dir);
        return -1;
    }
    if (walk_mapped(a, strcmp(dir, "/") ? dir : "", strcmp(norm, "/") ? norm : "", pattern,
                    &matches, err, errlen) < 0)
        return -1;
    if (matches == 0)
        warn(a, "MapDirs \"%s\" matches nothing", host_pattern);
    return 0;
}

int image_archive_add_data(struct image_archive *a, const char *image_path, const void *data,
                           size_t len, unsigned mode, char *err, size_t errlen)
{
    char norm[IMAGE_PATH_MAX];
    struct archive_entry *e;
    int r;

    if (normalise(image_path, norm, sizeof norm, err, errlen) < 0)
        return -1;
    r = check_free(a, norm, "(generated by cloak)", 'f', err, errlen);
    if (r != 0)
        return r < 0 ? -1 : 0;
    e = new_entry(a, norm, AE_IFREG, mode, 0);
    if (!e) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    archive_entry_set_size(e, (la_int64_t)len);
    if (archive_write_header(a->ar, e) != ARCHIVE_OK) {
        archive_entry_free(e);
        return ar_fail(a, norm, err, errlen);
    }
    archive_entry_free(e);
    if (len && archive_write_data(a->ar, data, len) != (la_ssize_t)len)
        return ar_fail(a, norm, err, errlen);
    if (remember(a, norm, "(generated by cloak)", 'f') < 0) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    list_entry(a, norm, "(generated by cloak)", NULL);
    return 0;
}

int image_archive_add_symlink(struct image_archive *a, const char *image_path,
                              const char *target, const char *source, char *err, size_t errlen)
{
    char norm[IMAGE_PATH_MAX];

    if (normalise(image_path, norm, sizeof norm, err, errlen) < 0)
        return -1;
    if (!*target) {
        snprintf(err, errlen, "%s: a symlink needs a target", norm);
        return -1;
    }
    return write_symlink(a, norm, source, target, 0, err, errlen);
}

static void destroy(struct image_archive *a)
{
    for (size_t i = 0; i < a->nslots; i++) {
        free(a->slots[i].path);
        free(a->slots[i].source);
    }
    free(a->slots);
    for (size_t i = 0; i < a->nwarnings; i++)
        free(a->warnings[i]);
    free(a->warnings);
    free(a->file);
    free(a);
}

int image_archive_close(struct image_archive *a, char *err, size_t errlen)
{
    int rc = 0;

    if (archive_write_close(a->ar) != ARCHIVE_OK) {
        snprintf(err, errlen, "writing %s: %s", a->file, archive_error_string(a->ar));
        rc = -1;
    }
    archive_write_free(a->ar);
    destroy(a);
    return rc;
}

void image_archive_abort(struct image_archive *a)
{
    archive_write_close(a->ar);
    archive_write_free(a->ar);
    unlink(a->file);
    destroy(a);
}
