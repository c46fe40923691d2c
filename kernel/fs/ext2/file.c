/* File data: read, write (sparse files allowed) and truncate.  Runs of
 * contiguous blocks that are not cached are read with one device call each
 * (up to EXT2_IO_MAX bytes).  A short run goes through a staging buffer and
 * the cache; a long run of whole blocks goes straight into the caller's
 * buffer, which may be program memory: the block layer pins it first
 * (mm/user_window.h), and the driver reaches it only through the DMA
 * interface, so under SEV the device writes a bounce buffer, never it. */
#include "fs/ext2/ext2_fs.h"
#include "lib/string.h"

static int get_file(struct ext2_fs *fs, uint32_t ino, struct ext2_inode *in)
{
    int r = ext2_iget(fs, ino, in);
    if (r < 0)
        return r;
    if (ext2_is_dir(in))
        return -EISDIR;
    if (!ext2_is_reg(in))
        return -EINVAL;
    return 0;
}

/* Runs at least this long bypass the block cache on reads. */
#define STREAM_BLOCKS 8

int64_t ext2_read(struct ext2_fs *fs, uint32_t ino, uint64_t off, void *buf, uint64_t len)
{
    struct ext2_inode in;
    int r = get_file(fs, ino, &in);
    if (r < 0)
        return r;
    uint64_t size = ext2_isize(&in);
    if (off >= size || len == 0)
        return 0;
    if (len > size - off)
        len = size - off;
    if (len > INT64_MAX)
        len = INT64_MAX;
    uint8_t *out = buf;
    uint64_t done = 0;
    while (done < len) {
        uint64_t pos = off + done;
        uint64_t lblk = pos >> fs->bs_log;
        uint32_t boff = (uint32_t)(pos & (fs->bs - 1));
        uint64_t left = len - done;
        uint32_t pblk;
        r = ext2_bmap(fs, ino, &in, lblk, false, 0, &pblk, 0);
        if (r < 0)
            break;
        if (pblk == 0) {
            uint64_t n = fs->bs - boff < left ? fs->bs - boff : left;
            memset(out + done, 0, n);
            done += n;
            continue;
        }
        struct ext2_buf *b = ext2_bpeek(fs, pblk);
        if (b) {
            uint64_t n = fs->bs - boff < left ? fs->bs - boff : left;
            memcpy(out + done, b->data + boff, n);
            ext2_brelse(fs, b);
            done += n;
            continue;
        }
        /* A run of uncached blocks contiguous on disk. */
        uint64_t want = (boff + left + fs->bs - 1) >> fs->bs_log;
        uint32_t run = 1;
        while (run < fs->stage_blocks && run < want) {
            uint32_t next;
            if (ext2_bmap(fs, ino, &in, lblk + run, false, 0, &next, 0) < 0 || next != pblk + run)
                break;
            struct ext2_buf *c = ext2_bpeek(fs, next);
            if (c) {
                ext2_brelse(fs, c);
                break;
            }
            run++;
        }
        /* A long run of whole blocks goes straight into the caller's buffer
         * and skips the cache: streaming reads would only evict what is
         * worth keeping, and each copy costs. */
        uint64_t run_bytes = (uint64_t)run << fs->bs_log;
        if (boff == 0 && run >= STREAM_BLOCKS && left >= run_bytes) {
            r = ext2_dev_read(fs, pblk, run, out + done);
            if (r < 0)
                break;
            done += run_bytes;
            continue;
        }
        r = ext2_dev_read(fs, pblk, run, fs->rstage);
        if (r < 0)
            break;
        uint64_t n = ((uint64_t)run << fs->bs_log) - boff;
        if (n > left)
            n = left;
        memcpy(out + done, fs->rstage + boff, n);
        done += n;
        for (uint32_t i = 0; i < run; i++)
            ext2_bfill(fs, pblk + i, fs->rstage + ((uint64_t)i << fs->bs_log));
    }
    return done ? (int64_t)done : r;
}

/* Zeroes bytes [from, block end) of the block holding from, if mapped. */
static int zero_tail(struct ext2_fs *fs, uint32_t ino, struct ext2_inode *in, uint64_t from)
{
    uint32_t boff = (uint32_t)(from & (fs->bs - 1));
    if (boff == 0)
        return 0;
    uint32_t pblk;
    int r = ext2_bmap(fs, ino, in, from >> fs->bs_log, false, 0, &pblk, 0);
    if (r < 0 || pblk == 0)
        return r;
    struct ext2_buf *b = ext2_bread(fs, pblk, &r);
    if (!b)
        return r;
    memset(b->data + boff, 0, fs->bs - boff);
    ext2_bdirty(fs, b);
    ext2_brelse(fs, b);
    return 0;
}

int64_t ext2_write(struct ext2_fs *fs, uint32_t ino, uint64_t off, const void *buf, uint64_t len)
{
    if (fs->ro)
        return -EROFS;
    struct ext2_inode in;
    int r = get_file(fs, ino, &in);
    if (r < 0)
        return r;
    if (len == 0)
        return 0;
    uint64_t max = fs->max_blocks << fs->bs_log;
    if (!(fs->sb.s_feature_ro_compat & EXT2_RO_COMPAT_LARGE_FILE) && fs->sb.s_rev_level == 0)
        max = 0x7fffffff;
    if (off >= max)
        return -EFBIG;
    if (len > max - off)
        len = max - off;
    if (len > INT64_MAX)
        len = INT64_MAX;
    uint64_t size = ext2_isize(&in);
    if (off > size) {
        r = zero_tail(fs, ino, &in, size);
        if (r < 0)
            return r;
    }
    const uint8_t *src = buf;
    uint64_t done = 0;
    uint32_t goal = 0;
    if (off >> fs->bs_log) {
        uint32_t prev;
        if (ext2_bmap(fs, ino, &in, (off >> fs->bs_log) - 1, false, 0, &prev, 0) == 0 && prev)
            goal = prev + 1;
    }
    r = 0;
    while (done < len) {
        uint64_t pos = off + done;
        uint32_t boff = (uint32_t)(pos & (fs->bs - 1));
        uint64_t n = fs->bs - boff < len - done ? fs->bs - boff : len - done;
        uint32_t pblk;
        bool fresh;
        r = ext2_bmap(fs, ino, &in, pos >> fs->bs_log, true, goal, &pblk, &fresh);
        if (r < 0)
            break;
        goal = pblk + 1;
        bool whole = n == fs->bs;
        if (whole && (len - done >= (uint64_t)EXT2_STREAM_BLOCKS << fs->bs_log ||
                      (fs->st_buf && pblk == fs->st_first + fs->st_n))) {
            r = ext2_stream_block(fs, pblk, src + done);
            if (r < 0)
                break;
            if (r == 0) {
                done += n;
                continue;
            }
            r = 0;         /* no staging on this device: through the cache */
        }
        struct ext2_buf *b = fresh || whole ? ext2_bget_new(fs, pblk, fresh && !whole, &r)
                                            : ext2_bread(fs, pblk, &r);
        if (!b)
            break;
        memcpy(b->data + boff, src + done, n);
        ext2_bdirty(fs, b);
        ext2_brelse(fs, b);
        done += n;
    }
    if (off + done > size)
        ext2_set_isize(fs, &in, off + done);
    if (done)
        in.i_mtime = in.i_ctime = ext2_now();
    int w = ext2_iwrite(fs, ino, &in);
    if (done)
        return (int64_t)done;
    return r < 0 ? r : w;
}

int ext2_truncate(struct ext2_fs *fs, uint32_t ino, uint64_t size)
{
    if (fs->ro)
        return -EROFS;
    struct ext2_inode in;
    int r = get_file(fs, ino, &in);
    if (r < 0)
        return r;
    if (size > (fs->max_blocks << fs->bs_log))
        return -EFBIG;
    uint64_t old = ext2_isize(&in);
    if (size < old) {
        r = ext2_bmap_truncate(fs, ino, &in, (size + fs->bs - 1) >> fs->bs_log);
        if (r == 0)
            r = zero_tail(fs, ino, &in, size);
    } else if (size > old) {
        r = zero_tail(fs, ino, &in, old);
    }
    if (r < 0) {
        ext2_iwrite(fs, ino, &in);
        return r;
    }
    ext2_set_isize(fs, &in, size);
    in.i_mtime = in.i_ctime = ext2_now();
    return ext2_iwrite(fs, ino, &in);
}
