/* Host helpers for the ext2 tests: a memory-backed block device over an
 * image file, and running e2fsprogs (mke2fs, e2fsck, debugfs) as judges. */
#ifndef TESTS_UNIT_EXT2_HELPERS_H
#define TESTS_UNIT_EXT2_HELPERS_H
#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>
#include "drivers/block.h"

struct memdev {
    struct block_device dev;
    uint8_t *data;
    size_t size;
    unsigned reads, writes, flushes;
    uint32_t max_write_sectors, max_read_sectors;
    uint64_t write_sectors;
    int fail_after_writes;          /* -1: never fail */
};

/* Loads path into memory; sector_size 512 unless given. */
void memdev_load(struct memdev *m, const char *path, uint32_t sector_size);
void memdev_save(const struct memdev *m, const char *path);
void memdev_free(struct memdev *m);

/* A fresh temporary directory (removed by tmp_cleanup). */
const char *tmp_dir(void);
void tmp_cleanup(void);
/* tmp_dir()/name */
char *tmp_path(const char *name);

/* Runs a shell command; returns its exit status. */
int run(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Runs a command and returns its standard output (malloc'd), length in *len. */
char *run_capture(size_t *len, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* mke2fs -t ext2 -r 1 -b bs -L label [-d dir] img blocks (extra: more options). */
void make_image(const char *img, unsigned bs, unsigned blocks, const char *label, const char *dir,
                const char *extra);
/* e2fsck -fn exit status (0: clean); prints its output when not clean. */
int fsck_clean(const char *img);

/* Writes a file of n pseudo-random bytes (seeded) on the host. */
void host_write_random(const char *path, size_t n, unsigned seed);
uint8_t *host_read(const char *path, size_t *len);
void fill_random(void *buf, size_t n, unsigned seed);

#endif
