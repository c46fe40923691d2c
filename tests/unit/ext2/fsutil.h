/* ext2 test helpers over the library's API: path walking, comparing a
 * mounted volume with a host directory tree, and mounting a memdev. */
#ifndef TESTS_UNIT_EXT2_FSUTIL_H
#define TESTS_UNIT_EXT2_FSUTIL_H
#include "fs/ext2/ext2.h"
#include "helpers.h"

/* Resolves a relative path ("a/b/c", no symlinks followed); negative errno. */
int fs_resolve(struct ext2_fs *fs, const char *path, uint32_t *ino);
/* Resolves all but the last component: *dir and the last name. */
int fs_parent(struct ext2_fs *fs, const char *path, uint32_t *dir, const char **name);
/* Whole file contents (malloc'd). */
uint8_t *fs_read_all(struct ext2_fs *fs, uint32_t ino, size_t *len);
/* Compares the tree under ino with host directory dir; 0 if equal, else
 * prints the first difference.  skip_lost_found: ignore lost+found at top. */
int fs_compare_tree(struct ext2_fs *fs, uint32_t ino, const char *dir, bool skip_lost_found);
struct ext2_fs *fs_mount(struct memdev *m, bool ro);

#endif
