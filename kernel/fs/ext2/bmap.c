/* The block map: i_block's 12 direct pointers and the single, double and
 * triple indirect trees; mapping logical blocks (allocating on write) and
 * freeing them from a logical block on (truncate, delete).  Every pointer
 * read from disk is checked: inside the data area, and not one of the
 * indirect blocks on its own path. */
#include "fs/ext2/ext2_fs.h"
#include "lib/string.h"

static int bad_pointer(struct ext2_fs *fs, uint32_t ino, uint32_t blk, const uint32_t *anc, int nanc,
                       uint64_t lblk)
{
    if (!ext2_data_block_ok(fs, blk))
        return EXT2_CORRUPT(fs, "inode %u: block %u (logical %lu) is outside the data area", ino, blk,
                            (unsigned long)lblk);
    for (int i = 0; i < nanc; i++)
        if (anc[i] == blk)
            return EXT2_CORRUPT(fs, "inode %u: indirect block %u points at itself (logical %lu)", ino, blk,
                                (unsigned long)lblk);
    return 0;
}

/* Where lblk lives: depth 0 is a direct block, else the i_block slot of
 * the tree (12..14) and the index at each level. */
static int path_of(struct ext2_fs *fs, uint64_t lblk, uint32_t *slot, uint32_t idx[3])
{
    uint64_t p = fs->ppb;
    if (lblk < EXT2_NDIR) {
        *slot = (uint32_t)lblk;
        return 0;
    }
    lblk -= EXT2_NDIR;
    if (lblk < p) {
        *slot = EXT2_IND;
        idx[0] = (uint32_t)lblk;
        return 1;
    }
    lblk -= p;
    if (lblk < p * p) {
        *slot = EXT2_DIND;
        idx[0] = (uint32_t)(lblk >> fs->ppb_log);
        idx[1] = (uint32_t)(lblk & (p - 1));
        return 2;
    }
    lblk -= p * p;
    *slot = EXT2_TIND;
    idx[0] = (uint32_t)(lblk >> (2 * fs->ppb_log));
    idx[1] = (uint32_t)((lblk >> fs->ppb_log) & (p - 1));
    idx[2] = (uint32_t)(lblk & (p - 1));
    return 3;
}

static int alloc_one(struct ext2_fs *fs, uint32_t ino, struct ext2_inode *in, uint32_t *goal, bool zero,
                     uint32_t *out)
{
    int r = ext2_alloc_block(fs, *goal ? *goal : ext2_inode_goal(fs, ino), out);
    if (r < 0)
        return r;
    *goal = *out + 1;
    in->i_blocks += fs->bs >> 9;
    if (zero) {
        int err;
        struct ext2_buf *b = ext2_bget_new(fs, *out, true, &err);
        if (!b)
            return err;
        ext2_bdirty(fs, b);
        ext2_brelse(fs, b);
    }
    return 0;
}

int ext2_bmap(struct ext2_fs *fs, uint32_t ino, struct ext2_inode *in, uint64_t lblk, bool alloc,
              uint32_t goal, uint32_t *pblk, bool *fresh)
{
    *pblk = 0;
    if (fresh)
        *fresh = false;
    if (lblk >= fs->max_blocks)
        return alloc ? -EFBIG : 0;
    uint32_t slot, idx[3], anc[3];
    int depth = path_of(fs, lblk, &slot, idx);
    uint32_t cur = in->i_block[slot];
    int r;
    if (cur == 0) {
        if (!alloc)
            return 0;
        r = alloc_one(fs, ino, in, &goal, depth > 0, &cur);
        if (r < 0)
            return r;
        in->i_block[slot] = cur;
        if (depth == 0 && fresh)
            *fresh = true;
    } else if ((r = bad_pointer(fs, ino, cur, anc, 0, lblk)) < 0) {
        return r;
    }
    for (int level = 0; level < depth; level++) {
        anc[level] = cur;
        struct ext2_buf *b = ext2_bread(fs, cur, &r);
        if (!b)
            return r;
        uint32_t *ptrs = (uint32_t *)b->data;
        uint32_t next = ptrs[idx[level]];
        if (next == 0) {
            if (!alloc) {
                ext2_brelse(fs, b);
                return 0;
            }
            bool leaf = level == depth - 1;
            r = alloc_one(fs, ino, in, &goal, !leaf, &next);
            if (r < 0) {
                ext2_brelse(fs, b);
                return r;
            }
            ptrs[idx[level]] = next;
            ext2_bdirty(fs, b);
            if (leaf && fresh)
                *fresh = true;
        } else if ((r = bad_pointer(fs, ino, next, anc, level + 1, lblk)) < 0) {
            ext2_brelse(fs, b);
            return r;
        }
        ext2_brelse(fs, b);
        cur = next;
    }
    *pblk = cur;
    return 0;
}

static void sub_blocks(struct ext2_fs *fs, struct ext2_inode *in)
{
    uint32_t units = fs->bs >> 9;
    in->i_blocks = in->i_blocks > units ? in->i_blocks - units : 0;
}

/* Frees what *slot's tree (depth levels, covering logical blocks from base)
 * maps at or after first; frees the tree's blocks that end up empty. */
static int trunc_tree(struct ext2_fs *fs, uint32_t ino, struct ext2_inode *in, uint32_t *slot, int depth,
                      uint64_t base, uint64_t first, uint32_t *anc, int nanc)
{
    uint32_t blk = *slot;
    if (!blk)
        return 0;
    uint64_t child_span = 1;
    for (int i = 1; i < depth; i++)
        child_span <<= fs->ppb_log;
    uint64_t span = child_span << fs->ppb_log;
    if (base + span <= first)
        return 0;
    int r = bad_pointer(fs, ino, blk, anc, nanc, base);
    if (r < 0)
        return r;
    struct ext2_buf *b = ext2_bread(fs, blk, &r);
    if (!b)
        return r;
    anc[nanc] = blk;
    uint32_t *ptrs = (uint32_t *)b->data;
    uint32_t start = first > base ? (uint32_t)((first - base) / child_span) : 0;
    r = 0;
    for (uint32_t i = start; i < fs->ppb && r == 0; i++) {
        if (!ptrs[i])
            continue;
        if (depth == 1) {
            r = bad_pointer(fs, ino, ptrs[i], anc, nanc + 1, base + i);
            if (r == 0)
                r = ext2_free_block(fs, ptrs[i]);
            if (r == 0) {
                ptrs[i] = 0;
                sub_blocks(fs, in);
            }
        } else {
            r = trunc_tree(fs, ino, in, &ptrs[i], depth - 1, base + i * child_span, first, anc, nanc + 1);
        }
        ext2_bdirty(fs, b);
    }
    bool empty = true;
    for (uint32_t i = 0; i < fs->ppb && empty; i++)
        empty = ptrs[i] == 0;
    ext2_brelse(fs, b);
    if (r == 0 && empty) {
        r = ext2_free_block(fs, blk);
        if (r == 0) {
            *slot = 0;
            sub_blocks(fs, in);
        }
    }
    return r;
}

int ext2_bmap_truncate(struct ext2_fs *fs, uint32_t ino, struct ext2_inode *in, uint64_t first)
{
    uint32_t anc[3];
    for (uint64_t i = first; i < EXT2_NDIR; i++) {
        uint32_t blk = in->i_block[i];
        if (!blk)
            continue;
        int r = bad_pointer(fs, ino, blk, anc, 0, i);
        if (r == 0)
            r = ext2_free_block(fs, blk);
        if (r < 0)
            return r;
        in->i_block[i] = 0;
        sub_blocks(fs, in);
    }
    uint64_t p = fs->ppb;
    uint64_t base = EXT2_NDIR;
    int r = trunc_tree(fs, ino, in, &in->i_block[EXT2_IND], 1, base, first, anc, 0);
    base += p;
    if (r == 0)
        r = trunc_tree(fs, ino, in, &in->i_block[EXT2_DIND], 2, base, first, anc, 0);
    base += p * p;
    if (r == 0)
        r = trunc_tree(fs, ino, in, &in->i_block[EXT2_TIND], 3, base, first, anc, 0);
    return r;
}
