/* The boot archive: a cpio "newc" stream (written with libarchive) holding
 * the program, the user's files and the manifest.  Entry names are written
 * without the leading '/' (the usual newc/initramfs form: "etc/passwd");
 * the archive describes the root file system, so "etc/passwd" is /etc/passwd.
 * Parent directories get their own entries, before their contents. */
#ifndef CLOAK_TOOLS_ARCHIVE_H
#define CLOAK_TOOLS_ARCHIVE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

struct image_archive;

/* The image path ops gives a host path: leading "./" removed and rooted at
 * "/"; absolute paths stay.  Also folds "//", "." and ".." (a ".." that
 * would climb above the root is dropped: "../x/prog" -> "/x/prog").
 * Returns 0, or -1 if the result is "/" itself or does not fit. */
int image_path_from(const char *given, char *out, size_t outlen);

/* Creates (truncates) the archive file. NULL with a message on failure. */
struct image_archive *image_archive_open(const char *path, char *err, size_t errlen);

/* A regular file at image_path with the contents of host_path (symlinks
 * followed), keeping its permission bits. */
int image_archive_add_file(struct image_archive *a, const char *image_path,
                           const char *host_path, char *err, size_t errlen);

/* A directory tree, recursively, at image_dir: regular files, directories
 * and symlinks (kept as links; dangling ones are skipped with a warning). */
int image_archive_add_tree(struct image_archive *a, const char *image_dir,
                           const char *host_dir, char *err, size_t errlen);

/* ops MapDirs: host_pattern is a host path whose last component may be a
 * glob (fnmatch, e.g. "certs/<star>.pem").  Everything below the pattern's
 * directory whose name matches goes to image_dir/<path relative to that
 * directory> (a matching directory goes whole).  A pattern that matches
 * nothing gets a warning. */
int image_archive_add_mapped(struct image_archive *a, const char *host_pattern,
                             const char *image_dir, char *err, size_t errlen);

/* A file made from memory. */
int image_archive_add_data(struct image_archive *a, const char *image_path, const void *data,
                           size_t len, unsigned mode, char *err, size_t errlen);

/* A symlink at image_path pointing to target (stored as given); source
 * names where it comes from in messages and listings. */
int image_archive_add_symlink(struct image_archive *a, const char *image_path,
                              const char *target, const char *source, char *err, size_t errlen);

/* From now on, print one line per file or symlink written to f:
 * "IMAGE <- SOURCE" or "IMAGE <- SOURCE (symlink to TARGET)" (directories
 * are not listed).  NULL stops it. */
void image_archive_set_list(struct image_archive *a, FILE *f);

/* Whether image_path was written already (file, link or directory). */
bool image_archive_has(const struct image_archive *a, const char *image_path);

/* Warnings collected so far (skipped links, paths given twice, ...); the
 * caller prints them.  Valid until image_archive_close/abort. */
size_t image_archive_warning_count(const struct image_archive *a);
const char *image_archive_warning(const struct image_archive *a, size_t i);

/* Writes the trailer and closes. Frees a in every case. */
int image_archive_close(struct image_archive *a, char *err, size_t errlen);
/* Gives up: closes and removes the file. */
void image_archive_abort(struct image_archive *a);

#endif
