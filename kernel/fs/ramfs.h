#ifndef FS_RAMFS_H
#define FS_RAMFS_H
#include "fs/vnode.h"
#include <stddef.h>

extern struct vnode *vfs_root;

void ramfs_init(void);
struct vnode *ramfs_new(uint32_t mode);
/* Looks up one name in a directory ("." and ".." included). */
struct vnode *ramfs_lookup(struct vnode *dir, const char *name, size_t len);
/* Links vn into dir under name; -EEXIST, -ENOMEM, -ENAMETOOLONG. */
int ramfs_link(struct vnode *dir, const char *name, size_t len, struct vnode *vn);
int ramfs_unlink(struct vnode *dir, const char *name, size_t len);
/* Resizes a regular file, zero-filling growth. */
int ramfs_truncate(struct vnode *vn, uint64_t size);
int64_t ramfs_read(struct vnode *vn, void *buf, uint64_t len, uint64_t off);
int64_t ramfs_write(struct vnode *vn, const void *buf, uint64_t len, uint64_t off);
/* The n-th entry of a directory, counting "." and ".." first; NULL at end. */
bool ramfs_dir_entry(struct vnode *dir, uint64_t n, const char **name, struct vnode **vn);
void vn_touch(struct vnode *vn, bool modify);

#endif
