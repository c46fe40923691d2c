/* Directories: blocks of variable-length entries.  Every block is checked
 * entry by entry before use (rec_len at least 8, a multiple of 4, inside
 * the block; the name inside the record; the inode number in range). */
#include "fs/ext2/ext2_fs.h"
#include "lib/string.h"

static uint32_t rec_len_get(const struct ext2_fs *fs, const struct ext2_dirent *d)
{
    uint32_t len = d->rec_len;
    if (fs->bs == 65536 && (len == 0 || len == 65535))
        return 65536;
    return len;
}

static void rec_len_set(const struct ext2_fs *fs, struct ext2_dirent *d, uint32_t len)
{
    (void)fs;
    d->rec_len = len == 65536 ? 65535 : (uint16_t)len;
}

static int check_block(struct ext2_fs *fs, uint32_t dir, uint64_t lblk, uint32_t pblk, const uint8_t *data)
{
    uint32_t off = 0;
    while (off < fs->bs) {
        const char *fault = 0;
        uint32_t rl = 0;
        if (fs->bs - off < EXT2_DIRENT_HEADER) {
            fault = "entry header crosses the block end";
        } else {
            const struct ext2_dirent *d = (const struct ext2_dirent *)(data + off);
            rl = rec_len_get(fs, d);
            if (rl < EXT2_DIRENT_HEADER)
                fault = "rec_len below 8";
            else if (rl & 3)
                fault = "rec_len not a multiple of 4";
            else if (rl > fs->bs - off)
                fault = "rec_len beyond the block";
            else if ((uint32_t)d->name_len + EXT2_DIRENT_HEADER > rl)
                fault = "name_len larger than the record";
            else if (d->inode > fs->sb.s_inodes_count)
                fault = "inode number out of range";
            else if (d->inode && d->name_len == 0)
                fault = "empty name";
        }
        if (fault)
            return EXT2_CORRUPT(fs, "directory inode %u, block %u (logical %lu), offset %u: %s", dir, pblk,
                                (unsigned long)lblk, off, fault);
        off += rl;
    }
    return 0;
}

/* Pinned, checked block lblk of a directory. */
static struct ext2_buf *dir_block(struct ext2_fs *fs, uint32_t dir, struct ext2_inode *din, uint64_t lblk,
                                  uint32_t *pblk, int *err)
{
    int r = ext2_bmap(fs, dir, din, lblk, false, 0, pblk, 0);
    if (r < 0) {
        *err = r;
        return 0;
    }
    if (*pblk == 0) {
        *err = EXT2_CORRUPT(fs, "directory inode %u has a hole at logical block %lu", dir, (unsigned long)lblk);
        return 0;
    }
    struct ext2_buf *b = ext2_bread(fs, *pblk, err);
    if (!b)
        return 0;
    r = check_block(fs, dir, lblk, *pblk, b->data);
    if (r < 0) {
        ext2_brelse(fs, b);
        *err = r;
        return 0;
    }
    return b;
}

static uint64_t dir_blocks(const struct ext2_fs *fs, const struct ext2_inode *din)
{
    return din->i_size >> fs->bs_log;
}

int ext2_dir_find(struct ext2_fs *fs, uint32_t dir, struct ext2_inode *din, const char *name, size_t len,
                  uint32_t *ino, struct ext2_dirpos *pos)
{
    uint64_t n = dir_blocks(fs, din);
    for (uint64_t lblk = 0; lblk < n; lblk++) {
        uint32_t pblk;
        int err;
        struct ext2_buf *b = dir_block(fs, dir, din, lblk, &pblk, &err);
        if (!b)
            return err;
        int32_t prev = -1;
        for (uint32_t off = 0; off < fs->bs;) {
            struct ext2_dirent *d = (struct ext2_dirent *)(b->data + off);
            if (d->inode && d->name_len == len && memcmp(d->name, name, len) == 0) {
                *ino = d->inode;
                if (pos) {
                    pos->lblk = lblk;
                    pos->pblk = pblk;
                    pos->off = off;
                    pos->prev = prev;
                }
                ext2_brelse(fs, b);
                return 0;
            }
            prev = (int32_t)off;
            off += rec_len_get(fs, d);
        }
        ext2_brelse(fs, b);
    }
    return -ENOENT;
}

static void fill_entry(struct ext2_fs *fs, struct ext2_dirent *d, const char *name, size_t len, uint32_t ino,
                       uint16_t mode)
{
    d->inode = ino;
    d->name_len = (uint8_t)len;
    d->file_type = fs->filetype ? ext2_mode_to_ftype(mode) : 0;
    memcpy(d->name, name, len);
}

/* Entries go anywhere from now on: a hash index would be stale. */
static void drop_index(struct ext2_inode *din)
{
    din->i_flags &= ~EXT2_INDEX_FL;
}

int ext2_dir_add(struct ext2_fs *fs, uint32_t dir, struct ext2_inode *din, const char *name, size_t len,
                 uint32_t ino, uint16_t mode)
{
    uint32_t need = EXT2_DIRENT_LEN(len);
    uint64_t n = dir_blocks(fs, din);
    uint32_t now = ext2_now();
    for (uint64_t lblk = 0; lblk < n; lblk++) {
        uint32_t pblk;
        int err;
        struct ext2_buf *b = dir_block(fs, dir, din, lblk, &pblk, &err);
        if (!b)
            return err;
        for (uint32_t off = 0; off < fs->bs;) {
            struct ext2_dirent *d = (struct ext2_dirent *)(b->data + off);
            uint32_t rl = rec_len_get(fs, d);
            uint32_t used = d->inode ? EXT2_DIRENT_LEN(d->name_len) : 0;
            if (rl - used >= need) {
                if (used) {
                    rec_len_set(fs, d, used);
                    d = (struct ext2_dirent *)(b->data + off + used);
                    rec_len_set(fs, d, rl - used);
                }
                fill_entry(fs, d, name, len, ino, mode);
                ext2_bdirty(fs, b);
                ext2_brelse(fs, b);
                drop_index(din);
                din->i_mtime = din->i_ctime = now;
                return ext2_iwrite(fs, dir, din);
            }
            off += rl;
        }
        ext2_brelse(fs, b);
    }
    /* A new block at the end. */
    if ((n + 1) << fs->bs_log > EXT2_DIR_MAX_BYTES)
        return -ENOSPC;
    uint32_t pblk;
    bool fresh;
    uint32_t goal = 0;
    if (n > 0 && ext2_bmap(fs, dir, din, n - 1, false, 0, &goal, 0) == 0 && goal)
        goal++;
    int r = ext2_bmap(fs, dir, din, n, true, goal, &pblk, &fresh);
    if (r < 0) {
        ext2_iwrite(fs, dir, din);
        return r == -EFBIG ? -ENOSPC : r;
    }
    struct ext2_buf *b = ext2_bget_new(fs, pblk, true, &r);
    if (!b)
        return r;
    struct ext2_dirent *d = (struct ext2_dirent *)b->data;
    rec_len_set(fs, d, fs->bs);
    fill_entry(fs, d, name, len, ino, mode);
    ext2_bdirty(fs, b);
    ext2_brelse(fs, b);
    din->i_size += fs->bs;
    drop_index(din);
    din->i_mtime = din->i_ctime = now;
    return ext2_iwrite(fs, dir, din);
}

int ext2_dir_remove(struct ext2_fs *fs, uint32_t dir, const struct ext2_dirpos *pos)
{
    int err;
    struct ext2_buf *b = ext2_bread(fs, pos->pblk, &err);
    if (!b)
        return err;
    struct ext2_dirent *d = (struct ext2_dirent *)(b->data + pos->off);
    if (pos->prev >= 0) {
        struct ext2_dirent *p = (struct ext2_dirent *)(b->data + pos->prev);
        rec_len_set(fs, p, rec_len_get(fs, p) + rec_len_get(fs, d));
    } else {
        d->inode = 0;
    }
    ext2_bdirty(fs, b);
    ext2_brelse(fs, b);
    struct ext2_inode din;
    int r = ext2_iread(fs, dir, &din);
    if (r < 0)
        return r;
    din.i_mtime = din.i_ctime = ext2_now();
    return ext2_iwrite(fs, dir, &din);
}

int ext2_dir_retarget(struct ext2_fs *fs, uint32_t dir, const struct ext2_dirpos *pos, uint32_t ino, uint16_t mode)
{
    int err;
    struct ext2_buf *b = ext2_bread(fs, pos->pblk, &err);
    if (!b)
        return err;
    struct ext2_dirent *d = (struct ext2_dirent *)(b->data + pos->off);
    d->inode = ino;
    d->file_type = fs->filetype ? ext2_mode_to_ftype(mode) : 0;
    ext2_bdirty(fs, b);
    ext2_brelse(fs, b);
    struct ext2_inode din;
    int r = ext2_iread(fs, dir, &din);
    if (r < 0)
        return r;
    din.i_mtime = din.i_ctime = ext2_now();
    return ext2_iwrite(fs, dir, &din);
}

static bool is_dot(const struct ext2_dirent *d)
{
    return (d->name_len == 1 && d->name[0] == '.') || (d->name_len == 2 && d->name[0] == '.' && d->name[1] == '.');
}

int ext2_dir_empty(struct ext2_fs *fs, uint32_t dir, struct ext2_inode *din)
{
    uint64_t n = dir_blocks(fs, din);
    for (uint64_t lblk = 0; lblk < n; lblk++) {
        uint32_t pblk;
        int err;
        struct ext2_buf *b = dir_block(fs, dir, din, lblk, &pblk, &err);
        if (!b)
            return err;
        for (uint32_t off = 0; off < fs->bs;) {
            struct ext2_dirent *d = (struct ext2_dirent *)(b->data + off);
            if (d->inode && !is_dot(d)) {
                ext2_brelse(fs, b);
                return 0;
            }
            off += rec_len_get(fs, d);
        }
        ext2_brelse(fs, b);
    }
    return 1;
}

int ext2_dir_init(struct ext2_fs *fs, uint32_t dir, struct ext2_inode *din, uint32_t parent)
{
    uint32_t pblk;
    bool fresh;
    int r = ext2_bmap(fs, dir, din, 0, true, 0, &pblk, &fresh);
    if (r < 0)
        return r;
    struct ext2_buf *b = ext2_bget_new(fs, pblk, true, &r);
    if (!b)
        return r;
    struct ext2_dirent *d = (struct ext2_dirent *)b->data;
    rec_len_set(fs, d, 12);
    fill_entry(fs, d, ".", 1, dir, 0040000);
    d = (struct ext2_dirent *)(b->data + 12);
    rec_len_set(fs, d, fs->bs - 12);
    fill_entry(fs, d, "..", 2, parent, 0040000);
    ext2_bdirty(fs, b);
    ext2_brelse(fs, b);
    din->i_size = fs->bs;
    return 0;
}

/* The ".." entry: the second entry of the first block. */
static struct ext2_buf *dotdot(struct ext2_fs *fs, uint32_t dir, struct ext2_inode *din,
                               struct ext2_dirent **out, int *err)
{
    uint32_t pblk;
    struct ext2_buf *b = dir_block(fs, dir, din, 0, &pblk, err);
    if (!b)
        return 0;
    struct ext2_dirent *d = (struct ext2_dirent *)b->data;
    uint32_t rl = rec_len_get(fs, d);
    struct ext2_dirent *dd = rl < fs->bs ? (struct ext2_dirent *)(b->data + rl) : 0;
    if (!(d->name_len == 1 && d->name[0] == '.') || !dd || !(dd->name_len == 2 && dd->name[0] == '.' && dd->name[1] == '.')) {
        ext2_brelse(fs, b);
        *err = EXT2_CORRUPT(fs, "directory inode %u, block %u: no '.' and '..' at its start", dir, pblk);
        return 0;
    }
    *out = dd;
    return b;
}

int ext2_dir_set_parent(struct ext2_fs *fs, uint32_t dir, struct ext2_inode *din, uint32_t parent)
{
    int err;
    struct ext2_dirent *dd;
    struct ext2_buf *b = dotdot(fs, dir, din, &dd, &err);
    if (!b)
        return err;
    dd->inode = parent;
    ext2_bdirty(fs, b);
    ext2_brelse(fs, b);
    return 0;
}

int ext2_dir_parent(struct ext2_fs *fs, uint32_t dir, uint32_t *parent)
{
    struct ext2_inode din;
    int err = ext2_iget_entry(fs, dir, dir, &din);
    if (err < 0)
        return err;
    if (!ext2_is_dir(&din))
        return EXT2_CORRUPT(fs, "inode %u is reached as a directory but is not one", dir);
    struct ext2_dirent *dd;
    struct ext2_buf *b = dotdot(fs, dir, &din, &dd, &err);
    if (!b)
        return err;
    *parent = dd->inode;
    ext2_brelse(fs, b);
    return 0;
}

/* ---- the public directory reading calls ---- */

static uint8_t ftype_to_dt(uint8_t ft)
{
    static const uint8_t map[8] = {EXT2_DT_UNKNOWN, EXT2_DT_REG, EXT2_DT_DIR, EXT2_DT_CHR,
                                   EXT2_DT_BLK, EXT2_DT_FIFO, EXT2_DT_SOCK, EXT2_DT_LNK};
    return ft < 8 ? map[ft] : EXT2_DT_UNKNOWN;
}

static int get_dir(struct ext2_fs *fs, uint32_t dir, struct ext2_inode *din)
{
    int r = ext2_iget(fs, dir, din);
    if (r < 0)
        return r;
    return ext2_is_dir(din) ? 0 : -ENOTDIR;
}

int ext2_lookup(struct ext2_fs *fs, uint32_t dir, const char *name, size_t len, uint32_t *ino)
{
    struct ext2_inode din;
    int r = get_dir(fs, dir, &din);
    if (r < 0)
        return r;
    if (len == 0)
        return -ENOENT;
    if (len > EXT2_NAME_LEN)
        return -ENAMETOOLONG;
    r = ext2_dir_find(fs, dir, &din, name, len, ino, 0);
    if (r < 0)
        return r;
    bool dot = len == 1 && name[0] == '.';
    bool dotdot_ = len == 2 && name[0] == '.' && name[1] == '.';
    if (dot && *ino != dir)
        return EXT2_CORRUPT(fs, "directory inode %u: '.' names inode %u", dir, *ino);
    if (!dot && !dotdot_ && *ino == dir)
        return EXT2_CORRUPT(fs, "directory inode %u: entry '%.*s' names the directory itself", dir, (int)len, name);
    if (dotdot_ && dir == EXT2_ROOT_INO && *ino != dir)
        return EXT2_CORRUPT(fs, "root directory: '..' names inode %u", *ino);
    if (!dot && !dotdot_ && *ino == EXT2_ROOT_INO)
        return EXT2_CORRUPT(fs, "directory inode %u: entry '%.*s' names the root", dir, (int)len, name);
    struct ext2_inode in;
    return ext2_iget_entry(fs, dir, *ino, &in);
}

int ext2_readdir(struct ext2_fs *fs, uint32_t dir, uint64_t *cookie, char name[256], size_t *len,
                 uint32_t *ino, uint8_t *dtype)
{
    struct ext2_inode din;
    int r = get_dir(fs, dir, &din);
    if (r < 0)
        return r;
    uint64_t size = din.i_size;
    while (*cookie < size) {
        uint64_t lblk = *cookie >> fs->bs_log;
        uint32_t want = (uint32_t)(*cookie & (fs->bs - 1));
        uint32_t pblk;
        struct ext2_buf *b = dir_block(fs, dir, &din, lblk, &pblk, &r);
        if (!b)
            return r;
        for (uint32_t off = 0; off < fs->bs;) {
            struct ext2_dirent *d = (struct ext2_dirent *)(b->data + off);
            uint32_t rl = rec_len_get(fs, d);
            if (off >= want && d->inode) {
                *cookie = (lblk << fs->bs_log) + off + rl;
                memcpy(name, d->name, d->name_len);
                name[d->name_len] = 0;
                *len = d->name_len;
                *ino = d->inode;
                uint8_t dt = fs->filetype ? ftype_to_dt(d->file_type) : EXT2_DT_UNKNOWN;
                ext2_brelse(fs, b);
                if (dt == EXT2_DT_UNKNOWN) {
                    struct ext2_inode in;
                    if (ext2_iread(fs, *ino, &in) == 0)
                        dt = ftype_to_dt(ext2_mode_to_ftype(in.i_mode));
                }
                *dtype = dt;
                return 1;
            }
            off += rl;
        }
        ext2_brelse(fs, b);
        *cookie = (lblk + 1) << fs->bs_log;
    }
    return 0;
}
