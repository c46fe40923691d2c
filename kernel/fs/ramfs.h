/* The root file system: everything in memory (tmpfs behaviour), filled at
 * boot from the boot archive. */
#ifndef FS_RAMFS_H
#define FS_RAMFS_H
#include "fs/vnode.h"
#include <stddef.h>

extern struct vnode *vfs_root;
extern const struct vnode_ops ramfs_ops;

void ramfs_init(void);
/* A new ramfs node (not linked anywhere yet). */
struct vnode *ramfs_new(uint32_t mode);
/* Boot-time helpers on ramfs directories. */
struct vnode *ramfs_lookup(struct vnode *dir, const char *name, size_t len);
int ramfs_link(struct vnode *dir, const char *name, size_t len, struct vnode *vn);
void vn_touch(struct vnode *vn, bool modify);

#endif
