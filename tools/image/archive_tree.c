/* What the boot archive takes from the host: single files (Files), whole
 * trees (Dirs) and glob matches below a directory (MapDirs).  Trees are
 * walked without following symlinks (a link goes in as a link) and in name
 * order, so that archives are reproducible. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "archive_internal.h"

/* A host symlink, as a link (its target as stored); a dangling one is
 * skipped with a warning. */
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
        note_warning(a, "%s is a dangling symlink (to %s); skipped", host, target);
        return 0;
    }
    return entry_write_symlink(a, norm, host, target, lst->st_mtime, err, errlen);
}

/* a/b into out; -1 with a message if it does not fit. */
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
        return entry_write_file(a, norm, host, &st, err, errlen);
    if (!S_ISDIR(st.st_mode)) {
        note_warning(a, "%s is not a regular file, directory or symlink; skipped", host);
        return 0;
    }
    if (entry_write_dir(a, norm, host, &st, err, errlen) < 0)
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

int image_archive_add_file(struct image_archive *a, const char *image_path,
                           const char *host_path, char *err, size_t errlen)
{
    char norm[IMAGE_PATH_MAX];
    struct stat st;

    if (normalise_image_path(image_path, norm, sizeof norm, err, errlen) < 0)
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
    return entry_write_file(a, norm, host_path, &st, err, errlen);
}

int image_archive_add_tree(struct image_archive *a, const char *image_dir,
                           const char *host_dir, char *err, size_t errlen)
{
    char norm[IMAGE_PATH_MAX];
    struct stat st;

    if (normalise_image_path(image_dir, norm, sizeof norm, err, errlen) < 0)
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

/* MapDirs below host_dir: a name that matches goes whole (to the same
 * relative place below image_dir); a directory that does not is searched
 * further. */
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

    if (normalise_image_path(image_dir, norm, sizeof norm, err, errlen) < 0)
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
        note_warning(a, "MapDirs \"%s\" matches nothing", host_pattern);
    return 0;
}
