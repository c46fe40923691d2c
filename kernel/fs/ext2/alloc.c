/* Allocation bitmaps: blocks near a goal (files stay contiguous), inodes
 * near their directory (new directories spread over the groups). */
#include "fs/ext2/ext2_fs.h"
#include "lib/string.h"

static bool bit_test(const uint8_t *map, uint32_t i) { return map[i >> 3] & (1u << (i & 7)); }
static void bit_set(uint8_t *map, uint32_t i) { map[i >> 3] |= (uint8_t)(1u << (i & 7)); }
static void bit_clear(uint8_t *map, uint32_t i) { map[i >> 3] &= (uint8_t)~(1u << (i & 7)); }

/* First clear bit in [from, n), or n. */
static uint32_t find_zero(const uint8_t *map, uint32_t from, uint32_t n)
{
    uint32_t i = from;
    while (i < n && (i & 63)) {
        if (!bit_test(map, i))
            return i;
        i++;
    }
    while (i + 64 <= n) {
        uint64_t w;
        memcpy(&w, map + (i >> 3), 8);
        if (w != ~0ull)
            break;
        i += 64;
    }
    for (; i < n; i++)
        if (!bit_test(map, i))
            return i;
    return n;
}

static uint32_t group_blocks(const struct ext2_fs *fs, uint32_t g)
{
    uint32_t first = fs->sb.s_first_data_block + g * fs->sb.s_blocks_per_group;
    uint32_t left = fs->sb.s_blocks_count - first;
    return left < fs->sb.s_blocks_per_group ? left : fs->sb.s_blocks_per_group;
}

uint32_t ext2_inode_goal(const struct ext2_fs *fs, uint32_t ino)
{
    uint32_t g = (ino - 1) / fs->sb.s_inodes_per_group;
    if (g >= fs->ngroups)
        g = 0;
    /* After the group's inode table. */
    return fs->gd[g].bg_inode_table + fs->itb;
}

/* Takes a clear bit at or after start in group g's block bitmap. */
static int take_in_group(struct ext2_fs *fs, uint32_t g, uint32_t start, uint32_t *out)
{
    int err;
    struct ext2_buf *b = ext2_bread(fs, fs->gd[g].bg_block_bitmap, &err);
    if (!b)
        return err;
    uint32_t n = group_blocks(fs, g);
    uint32_t base = fs->sb.s_first_data_block + g * fs->sb.s_blocks_per_group;
    for (;;) {
        uint32_t i = find_zero(b->data, start, n);
        if (i == n) {
            ext2_brelse(fs, b);
            return -ENOSPC;
        }
        uint32_t blk = base + i;
        if (!ext2_data_block_ok(fs, blk)) {
            ext2_brelse(fs, b);
            return EXT2_CORRUPT(fs, "group %u: block bitmap %u marks metadata block %u free", g,
                                fs->gd[g].bg_block_bitmap, blk);
        }
        bit_set(b->data, i);
        ext2_bdirty(fs, b);
        ext2_brelse(fs, b);
        *out = blk;
        return 0;
    }
}

int ext2_alloc_block(struct ext2_fs *fs, uint32_t goal, uint32_t *out)
{
    if (fs->ro)
        return -EROFS;
    const struct ext2_super *sb = &fs->sb;
    if (goal < sb->s_first_data_block || goal >= sb->s_blocks_count)
        goal = sb->s_first_data_block;
    uint32_t g0 = (goal - sb->s_first_data_block) / sb->s_blocks_per_group;
    uint32_t start = (goal - sb->s_first_data_block) % sb->s_blocks_per_group;
    for (uint32_t k = 0; k <= fs->ngroups; k++) {
        uint32_t g = (g0 + k) % fs->ngroups;
        if (fs->gd[g].bg_free_blocks_count == 0)
            continue;
        int r = take_in_group(fs, g, k == 0 ? start : 0, out);
        if (r == -ENOSPC) {
            if (k == 0 && start == 0) {
                /* Counted free, none in the bitmap. */
                return EXT2_CORRUPT(fs, "group %u: free block count %u but a full bitmap", g,
                                    fs->gd[g].bg_free_blocks_count);
            }
            continue;
        }
        if (r < 0)
            return r;
        fs->gd[g].bg_free_blocks_count--;
        if (fs->sb.s_free_blocks_count)
            fs->sb.s_free_blocks_count--;
        fs->gd_dirty = fs->sb_dirty = true;
        fs->last_group = g;
        return 0;
    }
    return -ENOSPC;
}

int ext2_free_block(struct ext2_fs *fs, uint32_t blk)
{
    if (!ext2_data_block_ok(fs, blk))
        return EXT2_CORRUPT(fs, "freeing block %u outside the data area", blk);
    uint32_t g = (blk - fs->sb.s_first_data_block) / fs->sb.s_blocks_per_group;
    uint32_t i = (blk - fs->sb.s_first_data_block) % fs->sb.s_blocks_per_group;
    int err;
    struct ext2_buf *b = ext2_bread(fs, fs->gd[g].bg_block_bitmap, &err);
    if (!b)
        return err;
    if (!bit_test(b->data, i)) {
        ext2_brelse(fs, b);
        return EXT2_CORRUPT(fs, "freeing block %u, which is already free", blk);
    }
    bit_clear(b->data, i);
    ext2_bdirty(fs, b);
    ext2_brelse(fs, b);
    ext2_bforget(fs, blk);
    fs->gd[g].bg_free_blocks_count++;
    fs->sb.s_free_blocks_count++;
    fs->gd_dirty = fs->sb_dirty = true;
    return 0;
}

static int take_inode(struct ext2_fs *fs, uint32_t g, uint32_t *out)
{
    int err;
    struct ext2_buf *b = ext2_bread(fs, fs->gd[g].bg_inode_bitmap, &err);
    if (!b)
        return err;
    uint32_t ipg = fs->sb.s_inodes_per_group;
    uint32_t start = g == 0 ? fs->first_ino - 1 : 0;
    uint32_t i = find_zero(b->data, start, ipg);
    if (i == ipg) {
        ext2_brelse(fs, b);
        return EXT2_CORRUPT(fs, "group %u: free inode count %u but a full inode bitmap", g,
                            fs->gd[g].bg_free_inodes_count);
    }
    bit_set(b->data, i);
    ext2_bdirty(fs, b);
    ext2_brelse(fs, b);
    *out = g * ipg + i + 1;
    return 0;
}

int ext2_alloc_inode(struct ext2_fs *fs, uint32_t dir, bool is_dir, uint32_t *out)
{
    if (fs->ro)
        return -EROFS;
    uint32_t ng = fs->ngroups;
    uint32_t parent = (dir - 1) / fs->sb.s_inodes_per_group;
    if (parent >= ng)
        parent = 0;
    uint32_t best = ng;
    if (is_dir) {
        /* A group with at least average free inodes and the fewest directories. */
        uint32_t avg = fs->sb.s_free_inodes_count / ng;
        for (uint32_t k = 0; k < ng; k++) {
            uint32_t g = (parent + k) % ng;
            const struct ext2_group_desc *gd = &fs->gd[g];
            if (!gd->bg_free_inodes_count || gd->bg_free_inodes_count < avg || !gd->bg_free_blocks_count)
                continue;
            if (best == ng || gd->bg_used_dirs_count < fs->gd[best].bg_used_dirs_count)
                best = g;
        }
    } else if (fs->gd[parent].bg_free_inodes_count && fs->gd[parent].bg_free_blocks_count) {
        best = parent;
    }
    for (uint32_t k = 0; best == ng && k < ng; k++)
        if (fs->gd[(parent + k) % ng].bg_free_inodes_count)
            best = (parent + k) % ng;
    if (best == ng)
        return -ENOSPC;
    int r = take_inode(fs, best, out);
    if (r < 0)
        return r;
    fs->gd[best].bg_free_inodes_count--;
    if (is_dir)
        fs->gd[best].bg_used_dirs_count++;
    if (fs->sb.s_free_inodes_count)
        fs->sb.s_free_inodes_count--;
    fs->gd_dirty = fs->sb_dirty = true;
    return 0;
}

int ext2_free_inode(struct ext2_fs *fs, uint32_t ino, bool is_dir)
{
    if (ino < fs->first_ino || ino > fs->sb.s_inodes_count)
        return EXT2_CORRUPT(fs, "freeing reserved or out of range inode %u", ino);
    uint32_t g = (ino - 1) / fs->sb.s_inodes_per_group;
    uint32_t i = (ino - 1) % fs->sb.s_inodes_per_group;
    int err;
    struct ext2_buf *b = ext2_bread(fs, fs->gd[g].bg_inode_bitmap, &err);
    if (!b)
        return err;
    if (!bit_test(b->data, i)) {
        ext2_brelse(fs, b);
        return EXT2_CORRUPT(fs, "freeing inode %u, which is already free", ino);
    }
    bit_clear(b->data, i);
    ext2_bdirty(fs, b);
    ext2_brelse(fs, b);
    fs->gd[g].bg_free_inodes_count++;
    if (is_dir && fs->gd[g].bg_used_dirs_count)
        fs->gd[g].bg_used_dirs_count--;
    fs->sb.s_free_inodes_count++;
    fs->gd_dirty = fs->sb_dirty = true;
    return 0;
}
