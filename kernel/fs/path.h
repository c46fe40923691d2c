#ifndef FS_PATH_H
#define FS_PATH_H
#include "fs/vnode.h"
#include <stdbool.h>
#include <stddef.h>

#define MAX_SYMLINKS 40

/* Resolves path (absolute, or relative to `cwd`).  follow: follow a
 * symlink in the last component.  0 or -ENOENT/-ENOTDIR/-ELOOP/... */
int path_resolve(struct vnode *cwd, const char *path, bool follow, struct vnode **out);
/* Resolves all but the last component; *dir is the directory, *name/len the
 * last component (not "." or ".." checks: callers decide).  A trailing
 * slash is allowed. */
int path_resolve_parent(struct vnode *cwd, const char *path, struct vnode **dir, const char **name,
                        size_t *len);
/* Writes the absolute path of a directory into buf. */
int path_of_dir(struct vnode *dir, char *buf, size_t size);
/* Creates every missing directory of an absolute path (boot-time helper). */
int path_mkdir_all(const char *path, size_t len, struct vnode **out);

#endif
