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
    /* Staged writes (drivers/block_stage.h), when memdev_stage is on:
     * posted writes reach data only at a drain, another transfer, or when
     * their buffer is needed again (in post order), as late as a device
     * may write them; so a missing post or drain shows up as stale data. */
    uint8_t *stage_buf[3];
    bool stage_busy[3];
    uint32_t stage_bytes;
    struct { int slot; uint64_t lba; uint32_t count; } pending[3];
    unsigned npending;
    unsigned stage_posts;           /* writes posted */
    int fail_stage_posts;           /* -1: never; else posts that succeed first */
    bool stage_failed;              /* a post failed in flight, for the drain */
};

/* Loads path into memory; sector_size 512 unless given. */
void memdev_load(struct memdev *m, const char *path, uint32_t sector_size);
void memdev_save(const struct memdev *m, const char *path);
void memdev_free(struct memdev *m);
/* Turns staged writes on, buffers of `bytes`. */
void memdev_stage(struct memdev *m, uint32_t bytes);
/* Staged writes for every memdev loaded from now on (0: off). */
extern uint32_t memdev_stage_default;

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
