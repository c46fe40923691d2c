/* Path names: resolution across mounted file systems and symlinks. */
#ifndef FS_PATH_H
#define FS_PATH_H
#include "fs/vnode.h"
#include <stdbool.h>
#include <stddef.h>

#define MAX_SYMLINKS 40

/* One name in a directory, crossing mount points both ways. */
int vfs_lookup(struct vnode *dir, const char *name, size_t len, struct vnode **out);
/* Resolves path (absolute, or relative to `cwd`).  follow: follow a
 * symlink in the last component.  0 or -ENOENT/-ENOTDIR/-ELOOP/... */
int path_resolve(struct vnode *cwd, const char *path, bool follow, struct vnode **out);
/* Resolves all but the last component: *dir is the directory, name/len the
 * last component ("." for "/").  A trailing slash is allowed. */
int path_resolve_parent(struct vnode *cwd, const char *path, struct vnode **dir, const char **name,
                        size_t *len);
/* The absolute path of a directory (getcwd): its length with the NUL. */
int path_of_dir(struct vnode *dir, char *buf, size_t size);
/* Creates every missing ramfs directory of an absolute path (boot time). */
int path_mkdir_all(const char *path, size_t len, struct vnode **out);

#endif
