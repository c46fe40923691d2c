/* File operations for the system-call layer, on any file system: checks
 * that hold for every file system (read-only mounts, types) live here. */
#ifndef FS_VFS_H
#define FS_VFS_H
#include "fs/vnode.h"

int64_t vfs_read(struct vnode *vn, void *buf, uint64_t len, uint64_t off);
int64_t vfs_write(struct vnode *vn, const void *buf, uint64_t len, uint64_t off);
int vfs_truncate(struct vnode *vn, uint64_t size);
int vfs_fsync(struct vnode *vn);
int vfs_readdir(struct vnode *dir, uint64_t *cookie, char name[NAME_MAX + 1], uint64_t *ino, uint8_t *dtype);
int vfs_create(struct vnode *dir, const char *name, size_t len, uint32_t mode, struct vnode **out);
int vfs_symlink(struct vnode *dir, const char *name, size_t len, const char *target);
int vfs_link(struct vnode *dir, const char *name, size_t len, struct vnode *vn);
int vfs_unlink(struct vnode *dir, const char *name, size_t len, bool is_dir);
int vfs_rename(struct vnode *odir, const char *oname, size_t olen, struct vnode *ndir, const char *nname, size_t nlen);
int vfs_readlink(struct vnode *vn, char *buf, size_t size);
int vfs_chmod(struct vnode *vn, uint32_t mode);
int vfs_set_times(struct vnode *vn, const struct timespec64 *atime, const struct timespec64 *mtime);
bool vfs_read_only(const struct vnode *vn);
/* Mounts m (m->root set) on directory `on`. */
int vfs_mount(struct vnode *on, struct mount *m);
/* sync(2): every mounted file system writes back. */
void mounts_sync(void);
/* At exit: sync and mark every file system clean. */
void mounts_unmount_all(void);

#endif
