/* Writing single entries of the boot archive: a directory, a file copied
 * from the host, a symlink, a file made from memory.  Each checks its path
 * against what is written already and gives it parent directories first,
 * so the archive never holds a path twice or a child before its parent. */
#define _GNU_SOURCE
#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "archive_internal.h"

/* One line of image_archive_set_list's listing (directories are not listed). */
static void list_line(struct image_archive *a, const char *norm, const char *source,
                      const char *link)
{
    if (!a->list)
        return;
    if (link)
        fprintf(a->list, "%s <- %s (symlink to %s)\n", norm, source, link);
    else
        fprintf(a->list, "%s <- %s\n", norm, source);
}

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
        struct slot *s = paths_lookup(a, buf);
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
            if (paths_remember(a, buf, "(parent directory)", 'd') < 0)
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
    s = paths_lookup(a, norm);
    if (!s->path)
        return ensure_parents(a, norm, err, errlen);
    if (kind == 'd' && s->kind == 'd')
        return 1; /* directories merge */
    if (strcmp(s->source, source) != 0)
        note_warning(a, "%s is in the image twice (from %s and from %s); keeping the first", norm,
             s->source, source);
    return 1;
}

int entry_write_dir(struct image_archive *a, const char *norm, const char *source,
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
    if (paths_remember(a, norm, source, 'd') < 0) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    return 0;
}

/* Copies st_size bytes of fd into the entry just written.  A file that
 * grew meanwhile is cut at its size then; one that shrank is an error
 * (the header promised the size). */
static int copy_contents(struct image_archive *a, const char *norm, const char *host, int fd,
                         off_t size, char *err, size_t errlen)
{
    char buf[65536];
    ssize_t n;
    off_t left = size;

    while (left > 0 && (n = read(fd, buf, sizeof buf)) != 0) {
        if (n < 0) {
            if (errno == EINTR)
                continue;
            snprintf(err, errlen, "cannot read %s: %s", host, strerror(errno));
            return -1;
        }
        if (n > left)
            n = (ssize_t)left; /* the file grew while we copied it */
        if (archive_write_data(a->ar, buf, (size_t)n) != n)
            return ar_fail(a, norm, err, errlen);
        left -= n;
    }
    if (left > 0) {
        snprintf(err, errlen, "%s shrank while it was being copied", host);
        return -1;
    }
    return 0;
}

int entry_write_file(struct image_archive *a, const char *norm, const char *host,
                     const struct stat *st, char *err, size_t errlen)
{
    struct archive_entry *e;
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
    r = copy_contents(a, norm, host, fd, st->st_size, err, errlen);
    close(fd);
    if (r < 0)
        return -1;
    if (paths_remember(a, norm, host, 'f') < 0) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    list_line(a, norm, host, NULL);
    return 0;
}

int entry_write_symlink(struct image_archive *a, const char *norm, const char *source,
                        const char *target, time_t mtime, char *err, size_t errlen)
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
    if (paths_remember(a, norm, source, 'l') < 0) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    list_line(a, norm, source, target);
    return 0;
}

int entry_write_data(struct image_archive *a, const char *norm, const char *source,
                     const void *data, size_t len, unsigned mode, char *err, size_t errlen)
{
    struct archive_entry *e;
    int r = check_free(a, norm, source, 'f', err, errlen);

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
    if (paths_remember(a, norm, source, 'f') < 0) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    list_line(a, norm, source, NULL);
    return 0;
}
