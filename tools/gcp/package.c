/* The tar.gz of disk.raw (package.h), with libarchive. */
#define _GNU_SOURCE
#include "package.h"

#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#define BLOCK (1u << 20)

/* Copies the image, then zeros up to size. */
static int write_data(struct archive *a, FILE *in, uint64_t size, char *buf, char *err,
                      size_t errlen)
{
    uint64_t done = 0;
    size_t n;

    while ((n = fread(buf, 1, BLOCK, in)) > 0) {
        if (archive_write_data(a, buf, n) != (la_ssize_t)n)
            goto fail;
        done += n;
    }
    if (ferror(in)) {
        snprintf(err, errlen, "reading the disk image: %s", strerror(errno));
        return -1;
    }
    memset(buf, 0, BLOCK);
    while (done < size) {
        n = size - done < BLOCK ? (size_t)(size - done) : BLOCK;
        if (archive_write_data(a, buf, n) != (la_ssize_t)n)
            goto fail;
        done += n;
    }
    return 0;
fail:
    snprintf(err, errlen, "writing the archive: %s", archive_error_string(a));
    return -1;
}

int package_disk(const char *raw, const char *out, uint64_t *member_size, char *err,
                 size_t errlen)
{
    struct stat st;
    FILE *in = fopen(raw, "rb");
    struct archive *a = archive_write_new();
    struct archive_entry *e = archive_entry_new();
    char *buf = malloc(BLOCK);
    int rc = -1;

    if (!in || fstat(fileno(in), &st) < 0) {
        snprintf(err, errlen, "%s: %s", raw, strerror(errno));
        goto out;
    }
    uint64_t size = ((uint64_t)st.st_size + GIB - 1) / GIB * GIB;
    if (size == 0)
        size = GIB;
    *member_size = size;
    archive_entry_set_pathname(e, "disk.raw");
    archive_entry_set_filetype(e, AE_IFREG);
    archive_entry_set_perm(e, 0644);
    archive_entry_set_size(e, (la_int64_t)size);
    archive_entry_set_mtime(e, time(NULL), 0);
    if (!buf || archive_write_add_filter_gzip(a) != ARCHIVE_OK ||
        archive_write_set_format_gnutar(a) != ARCHIVE_OK ||
        archive_write_open_filename(a, out) != ARCHIVE_OK ||
        archive_write_header(a, e) != ARCHIVE_OK) {
        snprintf(err, errlen, "%s: %s", out, buf ? archive_error_string(a) : "out of memory");
        goto out;
    }
    if (write_data(a, in, size, buf, err, errlen) < 0)
        goto out;
    if (archive_write_close(a) != ARCHIVE_OK) {
        snprintf(err, errlen, "%s: %s", out, archive_error_string(a));
        goto out;
    }
    rc = 0;
out:
    if (in)
        fclose(in);
    archive_entry_free(e);
    archive_write_free(a);
    free(buf);
    return rc;
}
