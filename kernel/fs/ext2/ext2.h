/* ext2 (revision 1, and revision 0) as a library over a block device.
 *
 * The caller (the VFS glue) serializes calls per mounted volume: nothing
 * here takes locks.  Inode numbers are ext2's own; errors are negative Linux
 * errno values.  Buffers given to ext2_read/ext2_write may be user memory:
 * they are only ever the source or destination of memcpy.
 *
 * Supported on-disk features: incompat "filetype"; ro_compat "sparse_super"
 * and "large_file"; any compat feature (dir_index directories are read
 * linearly and lose their index flag when modified; extended attribute
 * blocks are released with their inode).  Any other incompat feature
 * refuses the mount; any other ro_compat feature mounts read-only. */
#ifndef FS_EXT2_EXT2_H
#define FS_EXT2_EXT2_H
#include <stdint.h>
#include <stdbool.h>
#include <stddef.h>
#include "drivers/block.h"

struct ext2_fs;

struct ext2_stat {
    uint32_t ino;
    uint16_t mode;
    uint16_t links;
    uint32_t uid, gid;
    uint64_t size;
    uint32_t atime, mtime, ctime;
    uint64_t blocks512;
};

/* readdir's dtype: Linux DT_* values (the getdents64 d_type). */
#define EXT2_DT_UNKNOWN 0
#define EXT2_DT_FIFO 1
#define EXT2_DT_CHR 2
#define EXT2_DT_DIR 4
#define EXT2_DT_BLK 6
#define EXT2_DT_REG 8
#define EXT2_DT_LNK 10
#define EXT2_DT_SOCK 12

/* Validates the superblock and group descriptors against each other and the
 * device; -EINVAL (not ext2, unsupported feature, block size the device
 * cannot address) or -EUCLEAN (inconsistent metadata), with a one-line
 * reason in err.  A read-write mount marks the volume "not clean" on disk
 * until ext2_unmount. */
int ext2_mount(struct block_device *dev, bool read_only, struct ext2_fs **out, char *err, size_t errlen);
/* Open files.  An inode the caller holds a reference on outlives its last
 * name: unlink, rmdir and rename leave it (links 0, readable and writable)
 * until the last ext2_irelease, or until unmount.  Without references an
 * inode is freed as soon as its last name goes. */
int ext2_iref(struct ext2_fs *fs, uint32_t ino);
int ext2_irelease(struct ext2_fs *fs, uint32_t ino);

/* Writes everything back, marks the volume clean and frees fs (also when
 * writing failed; the error is returned). */
int ext2_unmount(struct ext2_fs *fs);
/* For a caller that was interrupted inside an operation (the program died
 * in a system call): writes everything back but leaves the volume marked
 * not clean, as after a crash, and frees fs. */
int ext2_unmount_unclean(struct ext2_fs *fs);
const char *ext2_label(const struct ext2_fs *fs);
uint32_t ext2_root(const struct ext2_fs *fs);
bool ext2_read_only(const struct ext2_fs *fs);

int ext2_stat(struct ext2_fs *fs, uint32_t ino, struct ext2_stat *st);
int ext2_lookup(struct ext2_fs *fs, uint32_t dir, const char *name, size_t len, uint32_t *ino);
/* *cookie starts at 0 and is opaque (a byte offset in the directory).
 * Returns 1 with one entry, 0 at the end. */
int ext2_readdir(struct ext2_fs *fs, uint32_t dir, uint64_t *cookie, char name[256], size_t *len,
                 uint32_t *ino, uint8_t *dtype);
int64_t ext2_read(struct ext2_fs *fs, uint32_t ino, uint64_t off, void *buf, uint64_t len);
int64_t ext2_write(struct ext2_fs *fs, uint32_t ino, uint64_t off, const void *buf, uint64_t len);
int ext2_truncate(struct ext2_fs *fs, uint32_t ino, uint64_t size);
int ext2_create(struct ext2_fs *fs, uint32_t dir, const char *name, size_t len, uint16_t mode, uint32_t *ino);
int ext2_mkdir(struct ext2_fs *fs, uint32_t dir, const char *name, size_t len, uint16_t mode, uint32_t *ino);
int ext2_symlink(struct ext2_fs *fs, uint32_t dir, const char *name, size_t len, const char *target,
                 uint32_t *ino);
/* Copies at most size bytes (no NUL) and returns the number copied. */
int ext2_readlink(struct ext2_fs *fs, uint32_t ino, char *buf, size_t size);
int ext2_link(struct ext2_fs *fs, uint32_t dir, const char *name, size_t len, uint32_t ino);
int ext2_unlink(struct ext2_fs *fs, uint32_t dir, const char *name, size_t len);
int ext2_rmdir(struct ext2_fs *fs, uint32_t dir, const char *name, size_t len);
int ext2_rename(struct ext2_fs *fs, uint32_t odir, const char *oname, size_t olen, uint32_t ndir,
                const char *nname, size_t nlen);
/* Permission bits only (07777); the file type stays. */
int ext2_chmod(struct ext2_fs *fs, uint32_t ino, uint16_t mode);
int ext2_chown(struct ext2_fs *fs, uint32_t ino, uint32_t uid, uint32_t gid);
int ext2_set_times(struct ext2_fs *fs, uint32_t ino, uint32_t atime, uint32_t mtime);
/* Writes every dirty block (this file's among them) and flushes the device. */
int ext2_fsync(struct ext2_fs *fs, uint32_t ino);
int ext2_sync(struct ext2_fs *fs);

/* Free space, for statfs. */
struct ext2_statfs {
    uint32_t block_size;
    uint64_t blocks, free_blocks, avail_blocks;
    uint64_t inodes, free_inodes;
};
int ext2_statfs(struct ext2_fs *fs, struct ext2_statfs *st);

/* Seconds since the epoch for timestamps (default: always 0). */
void ext2_set_clock(uint32_t (*now)(void));
/* Block cache size per mounted volume, in bytes, for volumes mounted
 * afterwards (default 8 MiB; at least 64 blocks are always allowed). */
void ext2_set_cache_limit(uint64_t bytes);

#endif
