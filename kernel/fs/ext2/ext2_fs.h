/* ext2 internals shared by the files of fs/ext2: the mounted volume, the
 * block cache, and each part's functions.  Nothing outside fs/ext2 includes
 * this; the interface is ext2.h. */
#ifndef FS_EXT2_EXT2_FS_H
#define FS_EXT2_EXT2_FS_H
#include <stdint.h>
#include <stdbool.h>
#include "fs/ext2/ext2.h"
#include "fs/ext2/format.h"
#include "lib/errno.h"
#include "lib/log.h"

/* ---- block cache (cache.c) ---- */

struct ext2_buf {
    uint32_t blk;
    uint32_t pins;
    bool dirty;
    uint8_t *data;
    struct ext2_buf *hnext;             /* hash chain */
    struct ext2_buf *lprev, *lnext;     /* LRU list, most recent first */
};

struct ext2_cache {
    struct ext2_buf **hash;
    uint32_t hmask;
    struct ext2_buf lru;                /* sentinel */
    uint64_t nbufs, maxbufs;
};

/* Largest directory (bytes): directories are scanned whole, so this bounds
 * the work a crafted size can ask for. */
#define EXT2_DIR_MAX_BYTES (256u << 20)

/* Largest single device transfer (bytes). */
#define EXT2_IO_MAX (256 * 1024)

struct ext2_fs {
    struct block_device *dev;
    bool ro;
    bool errors;                        /* corruption seen: leave the volume marked */
    bool was_clean;                     /* s_state had EXT2_VALID_FS at mount */
    struct ext2_super sb;
    struct ext2_group_desc *gd;
    uint32_t ngroups;
    uint32_t gdt_blocks;
    uint32_t bs, bs_log, spb;           /* block size, log2, sectors per block */
    uint32_t ppb, ppb_log;              /* block pointers per block */
    uint32_t inode_size, ipb, itb;      /* inodes per block, inode table blocks per group */
    uint32_t first_ino;
    uint64_t max_blocks;                /* logical blocks a file may have */
    bool filetype;
    bool sb_dirty, gd_dirty;
    char label[17];
    struct ext2_cache cache;
    uint8_t *rstage;                    /* read staging (EXT2_IO_MAX bytes) */
    uint8_t *wstage;                    /* write-back staging */
    uint32_t stage_blocks;
    uint32_t last_group;                /* where the last block allocation ended */
    /* Streaming writes (stream.c): whole blocks copied straight into a
     * device staging buffer, blocks st_first.. st_first + st_n - 1. */
    uint8_t *st_buf;
    uint32_t st_cap, st_first, st_n;    /* capacity and fill in blocks */
    int st_err;                         /* first posting error, for the next sync */
    struct ext2_open *opens;            /* inodes the caller holds open */
    uint32_t nopens, capopens;
};

struct ext2_open {
    uint32_t ino;
    uint32_t refs;
    bool orphan;                        /* no name left: freed on the last release */
};

int ext2_cache_init(struct ext2_fs *fs, uint64_t limit_bytes);
void ext2_cache_destroy(struct ext2_fs *fs);
/* Pinned buffer holding blk read from the device (or cached), or NULL with *err. */
struct ext2_buf *ext2_bread(struct ext2_fs *fs, uint32_t blk, int *err);
/* Pinned buffer for blk without reading it: the caller overwrites all of
 * it (zero: the buffer is zeroed). */
struct ext2_buf *ext2_bget_new(struct ext2_fs *fs, uint32_t blk, bool zero, int *err);
/* Pinned cached buffer or NULL. */
struct ext2_buf *ext2_bpeek(struct ext2_fs *fs, uint32_t blk);
void ext2_brelse(struct ext2_fs *fs, struct ext2_buf *b);
void ext2_bdirty(struct ext2_fs *fs, struct ext2_buf *b);
/* Cache a block just read from the device (clean), unless cached already. */
void ext2_bfill(struct ext2_fs *fs, uint32_t blk, const void *data);
/* Drop a freed block from the cache without writing it. */
void ext2_bforget(struct ext2_fs *fs, uint32_t blk);
/* Write every dirty block, contiguous runs in single transfers. */
int ext2_cache_sync(struct ext2_fs *fs);
/* Raw device transfers of n blocks. */
int ext2_dev_read(struct ext2_fs *fs, uint32_t blk, uint32_t n, void *buf);
int ext2_dev_write(struct ext2_fs *fs, uint32_t blk, uint32_t n, const void *buf);

/* ---- streaming writes (stream.c) ---- */

/* Runs at least this long (blocks) go through the device's staging
 * buffers instead of the cache. */
#define EXT2_STREAM_BLOCKS 8
/* Copies one whole block of data for pblk into the open staging buffer
 * (posting it and taking a new one when pblk does not follow on): 0, 1
 * when the device has no staging (use the cache), or a negative errno. */
int ext2_stream_block(struct ext2_fs *fs, uint32_t pblk, const void *src);
/* Write-back of a dirty cached block through staging: 0 (clean now; a
 * failure comes from the next drain), or 1 when the device has none. */
int ext2_stream_buf(struct ext2_fs *fs, struct ext2_buf *b);
/* Sends the open staging buffer to the device (before any other I/O, so
 * that the device sees writes in order and reads find the data). */
void ext2_stream_post(struct ext2_fs *fs);
/* Posts, waits for every staged write: 0 or the first error since the last. */
int ext2_stream_drain(struct ext2_fs *fs);

/* ---- volume (super.c) ---- */

/* Logs one line about corruption, remembers it for the superblock, -EIO. */
#define EXT2_CORRUPT(fs, fmt, ...) \
    (klog("ext2: %s: " fmt, (fs)->dev->name, ##__VA_ARGS__), (fs)->errors = true, -EIO)
uint32_t ext2_now(void);
bool ext2_group_has_super(const struct ext2_fs *fs, uint32_t g);
/* A block a file may own: inside the volume and not metadata. */
bool ext2_data_block_ok(const struct ext2_fs *fs, uint32_t blk);
int ext2_write_super(struct ext2_fs *fs);

/* ---- inodes (inode.c) ---- */

/* Raw inode (range-checked number). */
int ext2_iread(struct ext2_fs *fs, uint32_t ino, struct ext2_inode *in);
/* An inode in use, its size consistent with its type. */
int ext2_iget(struct ext2_fs *fs, uint32_t ino, struct ext2_inode *in);
int ext2_iwrite(struct ext2_fs *fs, uint32_t ino, const struct ext2_inode *in);
/* A fresh inode on disk: all of inode_size zeroed, then in written. */
int ext2_iwrite_new(struct ext2_fs *fs, uint32_t ino, const struct ext2_inode *in);
uint64_t ext2_isize(const struct ext2_inode *in);
void ext2_set_isize(struct ext2_fs *fs, struct ext2_inode *in, uint64_t size);
uint32_t ext2_iuid(const struct ext2_inode *in);
uint32_t ext2_igid(const struct ext2_inode *in);
void ext2_set_owner(struct ext2_inode *in, uint32_t uid, uint32_t gid);
/* Frees blocks, the attribute block and the inode itself (links are 0). */
int ext2_idelete(struct ext2_fs *fs, uint32_t ino, struct ext2_inode *in);
static inline bool ext2_is_dir(const struct ext2_inode *in) { return (in->i_mode & 0170000) == 0040000; }
static inline bool ext2_is_reg(const struct ext2_inode *in) { return (in->i_mode & 0170000) == 0100000; }
static inline bool ext2_is_lnk(const struct ext2_inode *in) { return (in->i_mode & 0170000) == 0120000; }
uint8_t ext2_mode_to_ftype(uint16_t mode);

/* The inode a directory entry names: in use, else corruption (-EIO). */
int ext2_iget_entry(struct ext2_fs *fs, uint32_t dir, uint32_t ino, struct ext2_inode *in);

/* ---- open inodes (open.c) ---- */

struct ext2_open *ext2_open_find(struct ext2_fs *fs, uint32_t ino);
/* Last name gone: free now, or on the last release if open. */
int ext2_orphan_or_delete(struct ext2_fs *fs, uint32_t ino, struct ext2_inode *in);
/* At unmount: frees what is still orphaned. */
void ext2_open_cleanup(struct ext2_fs *fs);

/* ---- block map (bmap.c) ---- */

/* Physical block of logical block lblk, 0 for a hole.  With alloc, holes
 * are filled (near goal) and *fresh says the data block is new; in is
 * updated (i_block, i_blocks) and the caller writes it. */
int ext2_bmap(struct ext2_fs *fs, uint32_t ino, struct ext2_inode *in, uint64_t lblk, bool alloc,
              uint32_t goal, uint32_t *pblk, bool *fresh);
/* Frees every block from logical block first on (in updated, not written). */
int ext2_bmap_truncate(struct ext2_fs *fs, uint32_t ino, struct ext2_inode *in, uint64_t first);

/* ---- allocation (alloc.c) ---- */

int ext2_alloc_block(struct ext2_fs *fs, uint32_t goal, uint32_t *out);
int ext2_free_block(struct ext2_fs *fs, uint32_t blk);
int ext2_alloc_inode(struct ext2_fs *fs, uint32_t dir, bool is_dir, uint32_t *out);
int ext2_free_inode(struct ext2_fs *fs, uint32_t ino, bool is_dir);
/* Group of an inode and a good first block for its data. */
uint32_t ext2_inode_goal(const struct ext2_fs *fs, uint32_t ino);

/* ---- directories (dir.c) ---- */

struct ext2_dirpos {
    uint64_t lblk;
    uint32_t pblk;
    uint32_t off;          /* of the entry in the block */
    int32_t prev;          /* of the entry before it, -1 if first */
};

int ext2_dir_find(struct ext2_fs *fs, uint32_t dir, struct ext2_inode *din, const char *name, size_t len,
                  uint32_t *ino, struct ext2_dirpos *pos);
int ext2_dir_add(struct ext2_fs *fs, uint32_t dir, struct ext2_inode *din, const char *name, size_t len,
                 uint32_t ino, uint16_t mode);
int ext2_dir_remove(struct ext2_fs *fs, uint32_t dir, const struct ext2_dirpos *pos);
int ext2_dir_retarget(struct ext2_fs *fs, uint32_t dir, const struct ext2_dirpos *pos, uint32_t ino,
                      uint16_t mode);
/* 1 empty (only . and ..), 0 not, negative error. */
int ext2_dir_empty(struct ext2_fs *fs, uint32_t dir, struct ext2_inode *din);
/* First block of a new directory (din updated, not written). */
int ext2_dir_init(struct ext2_fs *fs, uint32_t dir, struct ext2_inode *din, uint32_t parent);
int ext2_dir_set_parent(struct ext2_fs *fs, uint32_t dir, struct ext2_inode *din, uint32_t parent);
int ext2_dir_parent(struct ext2_fs *fs, uint32_t dir, uint32_t *parent);

#endif
