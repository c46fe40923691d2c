/* Inodes: reading and writing them in the inode tables, their sanity
 * checks, and deleting them. */
#include "fs/ext2/ext2_fs.h"
#include "lib/string.h"

/* Large-inode fields after the first 128 bytes. */
#define EXTRA_ISIZE_OFF 128
#define EXTRA_TIMES_OFF 132      /* i_ctime_extra, i_mtime_extra, i_atime_extra */
#define EXTRA_ISIZE_NEW 32

static int locate(struct ext2_fs *fs, uint32_t ino, uint32_t *blk, uint32_t *off)
{
    if (ino == 0 || ino > fs->sb.s_inodes_count)
        return EXT2_CORRUPT(fs, "inode number %u out of range (1..%u)", ino, fs->sb.s_inodes_count);
    uint32_t idx = ino - 1;
    uint32_t g = idx / fs->sb.s_inodes_per_group;
    uint32_t i = idx % fs->sb.s_inodes_per_group;
    *blk = fs->gd[g].bg_inode_table + i / fs->ipb;
    *off = (i % fs->ipb) * fs->inode_size;
    return 0;
}

int ext2_iread(struct ext2_fs *fs, uint32_t ino, struct ext2_inode *in)
{
    uint32_t blk, off;
    int err = locate(fs, ino, &blk, &off);
    if (err < 0)
        return err;
    struct ext2_buf *b = ext2_bread(fs, blk, &err);
    if (!b)
        return err;
    memcpy(in, b->data + off, sizeof(*in));
    ext2_brelse(fs, b);
    return 0;
}

uint64_t ext2_isize(const struct ext2_inode *in)
{
    if (ext2_is_reg(in))
        return in->i_size | (uint64_t)in->i_size_high << 32;
    return in->i_size;
}

void ext2_set_isize(struct ext2_fs *fs, struct ext2_inode *in, uint64_t size)
{
    in->i_size = (uint32_t)size;
    if (ext2_is_reg(in)) {
        in->i_size_high = (uint32_t)(size >> 32);
        if (size > 0x7fffffffu && !(fs->sb.s_feature_ro_compat & EXT2_RO_COMPAT_LARGE_FILE)) {
            if (fs->sb.s_rev_level == 0) {
                /* revision 0 has no feature fields: stay below 2 GiB */
                return;
            }
            fs->sb.s_feature_ro_compat |= EXT2_RO_COMPAT_LARGE_FILE;
            fs->sb_dirty = true;
        }
    }
}

uint32_t ext2_iuid(const struct ext2_inode *in)
{
    return in->i_uid | (uint32_t)in->i_uid_high << 16;
}

uint32_t ext2_igid(const struct ext2_inode *in)
{
    return in->i_gid | (uint32_t)in->i_gid_high << 16;
}

void ext2_set_owner(struct ext2_inode *in, uint32_t uid, uint32_t gid)
{
    in->i_uid = (uint16_t)uid;
    in->i_uid_high = (uint16_t)(uid >> 16);
    in->i_gid = (uint16_t)gid;
    in->i_gid_high = (uint16_t)(gid >> 16);
}

uint8_t ext2_mode_to_ftype(uint16_t mode)
{
    switch (mode & 0170000) {
    case 0100000: return EXT2_FT_REG;
    case 0040000: return EXT2_FT_DIR;
    case 0020000: return EXT2_FT_CHR;
    case 0060000: return EXT2_FT_BLK;
    case 0010000: return EXT2_FT_FIFO;
    case 0140000: return EXT2_FT_SOCK;
    case 0120000: return EXT2_FT_SYMLINK;
    default: return EXT2_FT_UNKNOWN;
    }
}

int ext2_iget(struct ext2_fs *fs, uint32_t ino, struct ext2_inode *in)
{
    int r = ext2_iread(fs, ino, in);
    if (r < 0)
        return r;
    if (in->i_links_count == 0 || in->i_mode == 0) {
        /* A stale number from the caller (not corruption by itself: a
         * directory entry naming it is, see ext2_iget_entry); an open
         * inode without names lives on. */
        struct ext2_open *o = ext2_open_find(fs, ino);
        if (!in->i_mode || !o || !o->orphan)
            return -ENOENT;
    }
    if (ino < fs->first_ino && ino != EXT2_ROOT_INO)
        return EXT2_CORRUPT(fs, "inode %u is reserved", ino);
    uint64_t size = ext2_isize(in);
    uint64_t max = fs->max_blocks << fs->bs_log;
    if (size > max)
        return EXT2_CORRUPT(fs, "inode %u: size %lu is more than its block map can hold", ino,
                            (unsigned long)size);
    /* Directories are scanned whole: bound the work a crafted size can ask for. */
    if (ext2_is_dir(in) && size > EXT2_DIR_MAX_BYTES)
        return EXT2_CORRUPT(fs, "inode %u: directory of %lu bytes (more than %u)", ino, (unsigned long)size,
                            EXT2_DIR_MAX_BYTES);
    if (ext2_is_dir(in) && (size == 0 || (size & (fs->bs - 1))))
        return EXT2_CORRUPT(fs, "inode %u: directory size %lu is not a whole number of blocks", ino,
                            (unsigned long)size);
    if (ext2_is_lnk(in) && size >= fs->bs)
        return EXT2_CORRUPT(fs, "inode %u: symlink of %lu bytes", ino, (unsigned long)size);
    return 0;
}

int ext2_iget_entry(struct ext2_fs *fs, uint32_t dir, uint32_t ino, struct ext2_inode *in)
{
    int r = ext2_iget(fs, ino, in);
    if (r == -ENOENT)
        return EXT2_CORRUPT(fs, "directory inode %u names inode %u, which is not in use", dir, ino);
    return r;
}

static int write_inode(struct ext2_fs *fs, uint32_t ino, const struct ext2_inode *in, bool fresh)
{
    if (fs->ro)
        return -EROFS;
    uint32_t blk, off;
    int err = locate(fs, ino, &blk, &off);
    if (err < 0)
        return err;
    struct ext2_buf *b = ext2_bread(fs, blk, &err);
    if (!b)
        return err;
    uint8_t *raw = b->data + off;
    if (fresh) {
        memset(raw, 0, fs->inode_size);
        if (fs->inode_size >= EXTRA_ISIZE_OFF + EXTRA_ISIZE_NEW) {
            uint16_t extra = EXTRA_ISIZE_NEW;
            memcpy(raw + EXTRA_ISIZE_OFF, &extra, 2);
        }
    } else if (fs->inode_size > EXTRA_ISIZE_OFF) {
        /* Sub-second and epoch bits of the times we set would be stale. */
        uint16_t extra;
        memcpy(&extra, raw + EXTRA_ISIZE_OFF, 2);
        if (extra >= EXTRA_TIMES_OFF + 12 - EXTRA_ISIZE_OFF && EXTRA_ISIZE_OFF + (uint32_t)extra <= fs->inode_size)
            memset(raw + EXTRA_TIMES_OFF, 0, 12);
    }
    memcpy(raw, in, sizeof(*in));
    ext2_bdirty(fs, b);
    ext2_brelse(fs, b);
    return 0;
}

int ext2_iwrite(struct ext2_fs *fs, uint32_t ino, const struct ext2_inode *in)
{
    return write_inode(fs, ino, in, false);
}

int ext2_iwrite_new(struct ext2_fs *fs, uint32_t ino, const struct ext2_inode *in)
{
    return write_inode(fs, ino, in, true);
}

/* Drops one reference to an extended attribute block. */
static int release_xattr(struct ext2_fs *fs, uint32_t ino, struct ext2_inode *in)
{
    uint32_t blk = in->i_file_acl;
    if (!blk)
        return 0;
    if (!ext2_data_block_ok(fs, blk))
        return EXT2_CORRUPT(fs, "inode %u: attribute block %u is outside the data area", ino, blk);
    int err;
    struct ext2_buf *b = ext2_bread(fs, blk, &err);
    if (!b)
        return err;
    uint32_t magic, refs;
    memcpy(&magic, b->data, 4);
    memcpy(&refs, b->data + 4, 4);
    if (magic != EXT2_XATTR_MAGIC || refs == 0) {
        ext2_brelse(fs, b);
        return EXT2_CORRUPT(fs, "inode %u: block %u is not an attribute block", ino, blk);
    }
    refs--;
    memcpy(b->data + 4, &refs, 4);
    ext2_bdirty(fs, b);
    ext2_brelse(fs, b);
    in->i_file_acl = 0;
    uint32_t units = fs->bs >> 9;
    in->i_blocks = in->i_blocks > units ? in->i_blocks - units : 0;
    return refs ? 0 : ext2_free_block(fs, blk);
}

int ext2_idelete(struct ext2_fs *fs, uint32_t ino, struct ext2_inode *in)
{
    bool dir = ext2_is_dir(in);
    int r = 0;
    /* Fast symlinks keep their target in i_block: nothing to free. */
    bool fast_link = ext2_is_lnk(in) && in->i_blocks == (in->i_file_acl ? fs->bs >> 9 : 0);
    if (!fast_link && (ext2_is_reg(in) || ext2_is_dir(in) || ext2_is_lnk(in)))
        r = ext2_bmap_truncate(fs, ino, in, 0);
    if (r == 0)
        r = release_xattr(fs, ino, in);
    if (r < 0) {
        /* Keep the inode (links 0) rather than free blocks twice later. */
        in->i_links_count = 0;
        in->i_dtime = ext2_now() ? ext2_now() : 1;
        ext2_iwrite(fs, ino, in);
        return r;
    }
    struct ext2_inode dead;
    memset(&dead, 0, sizeof(dead));
    dead.i_dtime = ext2_now() ? ext2_now() : 1;
    r = ext2_iwrite(fs, ino, &dead);
    if (r < 0)
        return r;
    return ext2_free_inode(fs, ino, dir);
}
