/* Shared inside the boot archive writer (archive.c, archive_tree.c,
 * archive_entry.c, archive_index.c); not part of archive.h's interface. */
#ifndef CLOAK_TOOLS_ARCHIVE_INTERNAL_H
#define CLOAK_TOOLS_ARCHIVE_INTERNAL_H

#include <stddef.h>
#include <stdio.h>
#include <sys/stat.h>
#include <time.h>

#include "archive.h"

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

/* ---- the set of written paths (archive_index.c) ---- */

/* The slot of path: its entry, or the free slot where it would go. */
struct slot *paths_lookup(const struct image_archive *a, const char *path);
/* Records path as written (grows the set); -1 when out of memory. */
int paths_remember(struct image_archive *a, const char *path, const char *source, char kind);

/* ---- single entries (archive_entry.c) ---- */

/* Each writes one entry at the normalised path norm unless norm is taken
 * (then a warning when the sources differ, and 0); parents get directory
 * entries first.  source is what messages and the listing name. */
int entry_write_dir(struct image_archive *a, const char *norm, const char *source,
                    const struct stat *st, char *err, size_t errlen);
int entry_write_file(struct image_archive *a, const char *norm, const char *host,
                     const struct stat *st, char *err, size_t errlen);
int entry_write_symlink(struct image_archive *a, const char *norm, const char *source,
                        const char *target, time_t mtime, char *err, size_t errlen);
int entry_write_data(struct image_archive *a, const char *norm, const char *source,
                     const void *data, size_t len, unsigned mode, char *err, size_t errlen);

/* ---- the archive (archive.c) ---- */

/* Keeps a warning for the caller to print. */
void note_warning(struct image_archive *a, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* image_path_from with a message: -1 if the path does not fit. */
int normalise_image_path(const char *image_path, char *norm, size_t len, char *err,
                         size_t errlen);

#endif
