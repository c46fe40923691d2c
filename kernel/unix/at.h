/* How the file-system calls find their file: a user path copied in, made
 * relative to the directory a *at() call names (or to the cwd). */
#ifndef UNIX_AT_H
#define UNIX_AT_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "fs/vnode.h"

#define AT_FDCWD (-100)
#define AT_SYMLINK_NOFOLLOW 0x100
#define AT_REMOVEDIR 0x200
#define AT_SYMLINK_FOLLOW 0x400
#define AT_NO_AUTOMOUNT 0x800
#define AT_EMPTY_PATH 0x1000

/* Copies a user path (at most PATH_MAX bytes with the NUL) into buf: 0,
 * -EFAULT (also for NULL) or -ENAMETOOLONG. */
int64_t at_get_path(uint64_t upath, char *buf);
/* The directory a *at() call is relative to: the cwd for an absolute path
 * or AT_FDCWD, else the directory open on dirfd (-EBADF, -ENOTDIR). */
int at_dir(int dirfd, const char *path, struct vnode **dir);
/* Resolves a user path relative to dirfd; follow: follow a symlink in the
 * last component.  With AT_EMPTY_PATH in flags, "" means dirfd itself. */
int at_resolve(int dirfd, uint64_t upath, int flags, bool follow, struct vnode **out);
/* Resolves all but the last component of path relative to dirfd. */
int at_parent(int dirfd, const char *path, struct vnode **dir, const char **name, size_t *len);
/* at_get_path into buf (PATH_MAX bytes), then at_parent: the directory and
 * last name that mkdir, unlink and link work on. */
int at_user_parent(int dirfd, uint64_t upath, char *buf, struct vnode **dir, const char **name, size_t *len);
/* "." or "..": names that never denote a directory entry of their own. */
bool at_is_dot_name(const char *name, size_t len);

#endif
