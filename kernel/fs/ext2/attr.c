/* Attributes: stat, mode, owner, times, and reading symlinks. */
#include "fs/ext2/ext2_fs.h"
#include "lib/string.h"

int ext2_stat(struct ext2_fs *fs, uint32_t ino, struct ext2_stat *st)
{
    struct ext2_inode in;
    int r = ext2_iget(fs, ino, &in);
    if (r < 0)
        return r;
    st->ino = ino;
    st->mode = in.i_mode;
    st->links = in.i_links_count;
    st->uid = ext2_iuid(&in);
    st->gid = ext2_igid(&in);
    st->size = ext2_isize(&in);
    st->atime = in.i_atime;
    st->mtime = in.i_mtime;
    st->ctime = in.i_ctime;
    st->blocks512 = in.i_blocks;
    return 0;
}

static int change(struct ext2_fs *fs, uint32_t ino, struct ext2_inode *in)
{
    if (fs->ro)
        return -EROFS;
    return ext2_iget(fs, ino, in);
}

int ext2_chmod(struct ext2_fs *fs, uint32_t ino, uint16_t mode)
{
    struct ext2_inode in;
    int r = change(fs, ino, &in);
    if (r < 0)
        return r;
    in.i_mode = (uint16_t)((in.i_mode & 0170000) | (mode & 07777));
    in.i_ctime = ext2_now();
    return ext2_iwrite(fs, ino, &in);
}

int ext2_chown(struct ext2_fs *fs, uint32_t ino, uint32_t uid, uint32_t gid)
{
    struct ext2_inode in;
    int r = change(fs, ino, &in);
    if (r < 0)
        return r;
    ext2_set_owner(&in, uid, gid);
    in.i_ctime = ext2_now();
    return ext2_iwrite(fs, ino, &in);
}

int ext2_set_times(struct ext2_fs *fs, uint32_t ino, uint32_t atime, uint32_t mtime)
{
    struct ext2_inode in;
    int r = change(fs, ino, &in);
    if (r < 0)
        return r;
    in.i_atime = atime;
    in.i_mtime = mtime;
    in.i_ctime = ext2_now();
    return ext2_iwrite(fs, ino, &in);
}

int ext2_readlink(struct ext2_fs *fs, uint32_t ino, char *buf, size_t size)
{
    struct ext2_inode in;
    int r = ext2_iget(fs, ino, &in);
    if (r < 0)
        return r;
    if (!ext2_is_lnk(&in))
        return -EINVAL;
    uint32_t len = in.i_size;
    uint32_t n = size < len ? (uint32_t)size : len;
    uint32_t acl = in.i_file_acl ? fs->bs >> 9 : 0;
    if (in.i_blocks == acl) {
        if (len >= EXT2_FAST_LINK_MAX)
            return EXT2_CORRUPT(fs, "inode %u: fast symlink of %u bytes", ino, len);
        memcpy(buf, in.i_block, n);
        return (int)n;
    }
    uint32_t pblk;
    r = ext2_bmap(fs, ino, &in, 0, false, 0, &pblk, 0);
    if (r < 0)
        return r;
    if (pblk == 0)
        return EXT2_CORRUPT(fs, "inode %u: symlink without a block", ino);
    struct ext2_buf *b = ext2_bread(fs, pblk, &r);
    if (!b)
        return r;
    memcpy(buf, b->data, n);
    ext2_brelse(fs, b);
    return (int)n;
}
