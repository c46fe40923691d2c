/* ext2 volumes in the VFS: finds the block device carrying a label and
 * mounts it on a directory. */
#ifndef FS_EXT2_VFS_H
#define FS_EXT2_VFS_H
#include <stdbool.h>
#include <stddef.h>

/* Mounts the ext2 volume labelled `label` at `path` (a ramfs path, created
 * if missing).  0, or a negative errno with a message in err. */
int ext2_vfs_mount(const char *label, const char *path, bool read_only, char *err, size_t errlen);

#endif
