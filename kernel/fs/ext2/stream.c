/* Streaming writes: long runs of whole blocks skip the block cache.  Each
 * block is copied once, from the caller's buffer straight into a staging
 * buffer of the device (device-visible memory), and contiguous blocks
 * leave together, without waiting: the device writes one buffer while the
 * next is filled.  A cached copy of such a block is brought up to date
 * (and is clean: the staged write carries it).  Every other transfer posts
 * the open buffer first (cache.c), and the device orders posted writes
 * before later reads and writes, so a read always finds the newest data;
 * a sync waits for all of them.  Long runs of dirty cached blocks leave
 * the same way at a sync or an eviction (ext2_stream_buf). */
#include "fs/ext2/ext2_fs.h"
#include "drivers/block_stage.h"
#include "lib/string.h"

void ext2_stream_post(struct ext2_fs *fs)
{
    if (!fs->st_buf)
        return;
    uint8_t *buf = fs->st_buf;
    fs->st_buf = 0;
    if (!fs->st_n) {
        block_stage_put(fs->dev, buf);
        return;
    }
    int r = block_stage_post(fs->dev, buf, (uint64_t)fs->st_first * fs->spb, fs->st_n * fs->spb);
    if (r < 0) {
        klog("ext2: %s: writing blocks %u..%u failed (%d)", fs->dev->name, fs->st_first,
             fs->st_first + fs->st_n - 1, r);
        if (!fs->st_err)
            fs->st_err = -EIO;
        fs->errors = true;         /* lost writes: e2fsck should look */
    }
    fs->st_n = 0;
}

int ext2_stream_drain(struct ext2_fs *fs)
{
    ext2_stream_post(fs);
    int r = block_stage_drain(fs->dev);
    if (r < 0) {
        klog("ext2: %s: a staged write failed (%d)", fs->dev->name, r);
        fs->errors = true;         /* lost writes: e2fsck should look */
    }
    int e = fs->st_err;
    fs->st_err = 0;
    return e < 0 ? e : (r < 0 ? -EIO : 0);
}

/* Copies one block for pblk into the open staging buffer (a new one when
 * pblk does not follow on): where it went, or NULL without staging. */
static uint8_t *append(struct ext2_fs *fs, uint32_t pblk, const void *src)
{
    if (fs->st_buf && (fs->st_n == fs->st_cap || pblk != fs->st_first + fs->st_n))
        ext2_stream_post(fs);
    if (!fs->st_buf) {
        uint32_t bytes = 0;
        uint8_t *buf = block_stage_get(fs->dev, &bytes);
        if (!buf)
            return 0;
        if (bytes < fs->bs) {
            block_stage_put(fs->dev, buf);
            return 0;
        }
        fs->st_buf = buf;
        fs->st_cap = bytes >> fs->bs_log;
        fs->st_first = pblk;
        fs->st_n = 0;
    }
    uint8_t *dst = fs->st_buf + ((uint64_t)fs->st_n << fs->bs_log);
    memcpy(dst, src, fs->bs);
    fs->st_n++;
    return dst;
}

int ext2_stream_block(struct ext2_fs *fs, uint32_t pblk, const void *src)
{
    if (!append(fs, pblk, src))
        return 1;
    /* A cached copy is older: it gets the new data, clean (the staged
     * write carries it to the disk).  From src, never read back from the
     * staging buffer: that is shared with the host. */
    struct ext2_buf *b = ext2_bpeek(fs, pblk);
    if (b) {
        memcpy(b->data, src, fs->bs);
        b->dirty = false;
        ext2_brelse(fs, b);
    }
    return 0;
}

int ext2_stream_buf(struct ext2_fs *fs, struct ext2_buf *b)
{
    if (!append(fs, b->blk, b->data))
        return 1;
    b->dirty = false;
    return 0;
}
