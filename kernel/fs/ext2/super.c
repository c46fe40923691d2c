/* The volume: mount-time validation of the superblock and the group
 * descriptors, writing them back, sync and unmount. */
#include "fs/ext2/ext2_fs.h"
#include "lib/string.h"
#include "mm/heap.h"

static uint32_t (*clock_fn)(void);
static uint64_t cache_limit = 8u << 20;

void ext2_set_clock(uint32_t (*now)(void))
{
    clock_fn = now;
}

void ext2_set_cache_limit(uint64_t bytes)
{
    cache_limit = bytes;
}

uint32_t ext2_now(void)
{
    return clock_fn ? clock_fn() : 0;
}

static bool is_power_of(uint32_t n, uint32_t base)
{
    while (n > 1 && n % base == 0)
        n /= base;
    return n == 1;
}

bool ext2_group_has_super(const struct ext2_fs *fs, uint32_t g)
{
    if (!(fs->sb.s_feature_ro_compat & EXT2_RO_COMPAT_SPARSE_SUPER) || g <= 1)
        return true;
    return is_power_of(g, 3) || is_power_of(g, 5) || is_power_of(g, 7);
}

bool ext2_data_block_ok(const struct ext2_fs *fs, uint32_t blk)
{
    const struct ext2_super *sb = &fs->sb;
    if (blk < sb->s_first_data_block || blk >= sb->s_blocks_count)
        return false;
    uint32_t g = (blk - sb->s_first_data_block) / sb->s_blocks_per_group;
    uint32_t base = sb->s_first_data_block + g * sb->s_blocks_per_group;
    if (ext2_group_has_super(fs, g) && blk - base < 1 + fs->gdt_blocks + (uint32_t)sb->s_reserved_gdt_blocks)
        return false;
    const struct ext2_group_desc *gd = &fs->gd[g];
    if (blk == gd->bg_block_bitmap || blk == gd->bg_inode_bitmap)
        return false;
    if (blk >= gd->bg_inode_table && blk - gd->bg_inode_table < fs->itb)
        return false;
    return true;
}

static int fail(char *err, size_t errlen, int code, const char *dev, const char *msg)
{
    klog("ext2: %s: %s", dev, msg);
    if (err && errlen) {
        /* (not strlcpy: the host libc of the unit tests may lack it) */
        size_t n = strnlen(msg, errlen - 1);
        memcpy(err, msg, n);
        err[n] = 0;
    }
    return code;
}

/* Superblock checks that need only the superblock and the device size. */
static int check_super(struct ext2_fs *fs, char *err, size_t errlen)
{
    struct ext2_super *sb = &fs->sb;
    const char *dn = fs->dev->name;
    if (sb->s_magic != EXT2_MAGIC)
        return fail(err, errlen, -EINVAL, dn, "not an ext2 volume (bad magic)");
    if (sb->s_rev_level > 1)
        return fail(err, errlen, -EINVAL, dn, "unsupported ext2 revision");
    if (sb->s_log_block_size > 6)
        return fail(err, errlen, -EINVAL, dn, "absurd block size");
    fs->bs_log = 10 + sb->s_log_block_size;
    fs->bs = 1u << fs->bs_log;
    if (fs->bs < fs->dev->sector_size)
        return fail(err, errlen, -EINVAL, dn, "block size smaller than the device's sector");
    fs->spb = fs->bs / fs->dev->sector_size;
    fs->ppb = fs->bs / 4;
    fs->ppb_log = fs->bs_log - 2;
    if (sb->s_rev_level == 0) {
        fs->inode_size = EXT2_GOOD_OLD_INODE_SIZE;
        fs->first_ino = EXT2_GOOD_OLD_FIRST_INO;
        sb->s_feature_compat = sb->s_feature_incompat = sb->s_feature_ro_compat = 0;
        sb->s_reserved_gdt_blocks = 0;
    } else {
        fs->inode_size = sb->s_inode_size;
        fs->first_ino = sb->s_first_ino;
        uint32_t incompat = sb->s_feature_incompat & ~EXT2_INCOMPAT_SUPPORTED;
        if (incompat) {
            klog("ext2: %s: incompatible features 0x%x", dn, incompat);
            return fail(err, errlen, -EINVAL, dn, "unsupported incompatible features");
        }
        uint32_t rocompat = sb->s_feature_ro_compat & ~EXT2_RO_COMPAT_SUPPORTED;
        if (rocompat && !fs->ro) {
            klog("ext2: %s: unsupported read-only-compatible features 0x%x: mounting read-only", dn, rocompat);
            fs->ro = true;
        }
    }
    fs->filetype = sb->s_feature_incompat & EXT2_INCOMPAT_FILETYPE;
    if (fs->inode_size < EXT2_GOOD_OLD_INODE_SIZE || fs->inode_size > fs->bs ||
        (fs->inode_size & (fs->inode_size - 1)))
        return fail(err, errlen, -EUCLEAN, dn, "bad inode size");
    fs->ipb = fs->bs / fs->inode_size;
    if (sb->s_first_data_block != (fs->bs == 1024 ? 1u : 0u))
        return fail(err, errlen, -EUCLEAN, dn, "bad first data block");
    if (sb->s_blocks_per_group == 0 || sb->s_blocks_per_group > 8 * fs->bs || sb->s_blocks_per_group % 8)
        return fail(err, errlen, -EUCLEAN, dn, "bad blocks per group");
    if (sb->s_inodes_per_group == 0 || sb->s_inodes_per_group > 8 * fs->bs ||
        sb->s_inodes_per_group % fs->ipb)
        return fail(err, errlen, -EUCLEAN, dn, "bad inodes per group");
    fs->itb = sb->s_inodes_per_group / fs->ipb;
    if (sb->s_blocks_count <= sb->s_first_data_block + 1)
        return fail(err, errlen, -EUCLEAN, dn, "bad block count");
    uint64_t dev_bytes = fs->dev->sectors * (uint64_t)fs->dev->sector_size;
    if ((uint64_t)sb->s_blocks_count << fs->bs_log > dev_bytes) {
        klog("ext2: %s: %u blocks of %u bytes do not fit the device (%lu bytes)", dn, sb->s_blocks_count,
             fs->bs, (unsigned long)dev_bytes);
        return fail(err, errlen, -EUCLEAN, dn, "volume larger than the device");
    }
    uint64_t groups = ((uint64_t)sb->s_blocks_count - sb->s_first_data_block + sb->s_blocks_per_group - 1) /
                      sb->s_blocks_per_group;
    fs->ngroups = (uint32_t)groups;
    if ((uint64_t)sb->s_inodes_per_group * groups != sb->s_inodes_count)
        return fail(err, errlen, -EUCLEAN, dn, "inode count inconsistent with the groups");
    if (fs->first_ino < EXT2_GOOD_OLD_FIRST_INO || fs->first_ino > sb->s_inodes_count)
        return fail(err, errlen, -EUCLEAN, dn, "bad first inode");
    fs->gdt_blocks = (uint32_t)((groups * sizeof(struct ext2_group_desc) + fs->bs - 1) >> fs->bs_log);
    if ((uint64_t)1 + fs->gdt_blocks + sb->s_reserved_gdt_blocks >= sb->s_blocks_per_group ||
        (uint64_t)sb->s_first_data_block + 1 + fs->gdt_blocks > sb->s_blocks_count)
        return fail(err, errlen, -EUCLEAN, dn, "group descriptor table does not fit");
    /* Logical blocks a file can map, also bounded by i_blocks (32 bits of
     * 512-byte units, indirect blocks included). */
    uint64_t p = fs->ppb;
    uint64_t mapped = EXT2_NDIR + p + p * p + p * p * p;
    uint64_t by_iblocks = (0xffffffffull >> (fs->bs_log - 9)) - (3 + 2 * p + p * p);
    fs->max_blocks = mapped < by_iblocks ? mapped : by_iblocks;
    return 0;
}

static int check_groups(struct ext2_fs *fs, char *err, size_t errlen)
{
    const struct ext2_super *sb = &fs->sb;
    for (uint32_t g = 0; g < fs->ngroups; g++) {
        const struct ext2_group_desc *gd = &fs->gd[g];
        uint32_t first = sb->s_first_data_block + g * sb->s_blocks_per_group;
        uint32_t last = g == fs->ngroups - 1 ? sb->s_blocks_count - 1 : first + sb->s_blocks_per_group - 1;
        uint32_t meta = ext2_group_has_super(fs, g) ? 1 + fs->gdt_blocks + sb->s_reserved_gdt_blocks : 0;
        const char *what = 0;
        if (gd->bg_block_bitmap < first + meta || gd->bg_block_bitmap > last)
            what = "block bitmap outside its group";
        else if (gd->bg_inode_bitmap < first + meta || gd->bg_inode_bitmap > last)
            what = "inode bitmap outside its group";
        else if (gd->bg_inode_table < first + meta || gd->bg_inode_table > last ||
                 fs->itb > last - gd->bg_inode_table + 1)
            what = "inode table outside its group";
        else if (gd->bg_block_bitmap == gd->bg_inode_bitmap ||
                 (gd->bg_block_bitmap >= gd->bg_inode_table && gd->bg_block_bitmap - gd->bg_inode_table < fs->itb) ||
                 (gd->bg_inode_bitmap >= gd->bg_inode_table && gd->bg_inode_bitmap - gd->bg_inode_table < fs->itb))
            what = "bitmaps overlap the inode table";
        else if (gd->bg_free_blocks_count > last - first + 1 || gd->bg_free_inodes_count > sb->s_inodes_per_group ||
                 gd->bg_used_dirs_count > sb->s_inodes_per_group)
            what = "free counts larger than the group";
        if (what) {
            klog("ext2: %s: group %u: %s", fs->dev->name, g, what);
            return fail(err, errlen, -EUCLEAN, fs->dev->name, "bad group descriptor");
        }
    }
    return 0;
}

/* Puts the in-memory superblock and group descriptors into the cache. */
int ext2_write_super(struct ext2_fs *fs)
{
    int err;
    if (fs->gd_dirty) {
        for (uint32_t i = 0; i < fs->gdt_blocks; i++) {
            struct ext2_buf *b = ext2_bread(fs, fs->sb.s_first_data_block + 1 + i, &err);
            if (!b)
                return err;
            uint64_t off = (uint64_t)i * fs->bs;
            uint64_t total = (uint64_t)fs->ngroups * sizeof(struct ext2_group_desc);
            uint64_t n = total - off < fs->bs ? total - off : fs->bs;
            memcpy(b->data, (uint8_t *)fs->gd + off, n);
            ext2_bdirty(fs, b);
            ext2_brelse(fs, b);
        }
        fs->gd_dirty = false;
    }
    if (fs->sb_dirty) {
        uint32_t blk = EXT2_SUPER_OFFSET >> fs->bs_log;
        struct ext2_buf *b = ext2_bread(fs, blk, &err);
        if (!b)
            return err;
        fs->sb.s_wtime = ext2_now();
        memcpy(b->data + (EXT2_SUPER_OFFSET & (fs->bs - 1)), &fs->sb, sizeof(fs->sb));
        ext2_bdirty(fs, b);
        ext2_brelse(fs, b);
        fs->sb_dirty = false;
    }
    return 0;
}

int ext2_sync(struct ext2_fs *fs)
{
    if (fs->ro)
        return 0;
    int r = ext2_write_super(fs);
    if (r == 0)
        r = ext2_cache_sync(fs);
    int f = block_flush(fs->dev);
    return r < 0 ? r : (f < 0 ? -EIO : 0);
}

int ext2_fsync(struct ext2_fs *fs, uint32_t ino)
{
    struct ext2_inode in;
    int r = ext2_iread(fs, ino, &in);
    if (r < 0)
        return r;
    return ext2_sync(fs);
}

static void free_fs(struct ext2_fs *fs)
{
    ext2_cache_destroy(fs);
    kfree(fs->opens);
    kfree(fs->gd);
    kfree(fs->rstage);
    kfree(fs->wstage);
    kfree(fs);
}

/* A new ext2_fs holding the superblock as the device has it: 1 KiB at
 * byte 1024, read in whole sectors. */
static int read_super(struct block_device *dev, bool read_only, struct ext2_fs **out, char *err, size_t errlen)
{
    uint32_t ss = dev->sector_size;
    if (ss < 512 || ss > 65536 || (ss & (ss - 1)))
        return fail(err, errlen, -EINVAL, dev->name, "unsupported sector size");
    uint64_t first = EXT2_SUPER_OFFSET / ss, last = (EXT2_SUPER_OFFSET + 1023) / ss;
    if (dev->sectors <= last)
        return fail(err, errlen, -EINVAL, dev->name, "device too small for ext2");
    struct ext2_fs *fs = kzalloc(sizeof(*fs));
    uint8_t *tmp = kmalloc((last - first + 1) * ss);
    if (!fs || !tmp) {
        kfree(fs);
        kfree(tmp);
        return fail(err, errlen, -ENOMEM, dev->name, "out of memory");
    }
    fs->dev = dev;
    fs->ro = read_only || dev->read_only;
    int r = block_read(dev, first, (uint32_t)(last - first + 1), tmp);
    if (r < 0) {
        kfree(tmp);
        kfree(fs);
        return fail(err, errlen, -EIO, dev->name, "cannot read the superblock");
    }
    memcpy(&fs->sb, tmp + (EXT2_SUPER_OFFSET - first * ss), sizeof(fs->sb));
    kfree(tmp);
    *out = fs;
    return 0;
}

/* What a checked superblock makes room for: the group descriptors (read
 * in and checked), the staging buffers of long transfers, the block
 * cache.  On error the caller frees fs with free_fs. */
static int load_groups(struct ext2_fs *fs, char *err, size_t errlen)
{
    const char *dn = fs->dev->name;
    fs->gd = kmalloc((uint64_t)fs->gdt_blocks << fs->bs_log);
    fs->rstage = kmalloc(EXT2_IO_MAX);
    fs->wstage = kmalloc(EXT2_IO_MAX);
    fs->stage_blocks = EXT2_IO_MAX >> fs->bs_log;
    if (!fs->gd || !fs->rstage || !fs->wstage || ext2_cache_init(fs, cache_limit) < 0)
        return fail(err, errlen, -ENOMEM, dn, "out of memory");
    for (uint32_t i = 0; i < fs->gdt_blocks; i += fs->stage_blocks) {
        uint32_t n = fs->gdt_blocks - i < fs->stage_blocks ? fs->gdt_blocks - i : fs->stage_blocks;
        if (ext2_dev_read(fs, fs->sb.s_first_data_block + 1 + i, n, (uint8_t *)fs->gd + ((uint64_t)i << fs->bs_log)) < 0)
            return fail(err, errlen, -EIO, dn, "cannot read the group descriptors");
    }
    return check_groups(fs, err, errlen);
}

/* Checks that need the group descriptors and the inode table: the free
 * counts add up, the root is a directory.  Then takes the volume's state
 * ("errors" mounts read-only) and sets the superblock's free counts to the
 * sums of the group descriptors'. */
static int check_volume(struct ext2_fs *fs, char *err, size_t errlen)
{
    const char *dn = fs->dev->name;
    uint64_t free_blocks = 0, free_inodes = 0;
    for (uint32_t g = 0; g < fs->ngroups; g++) {
        free_blocks += fs->gd[g].bg_free_blocks_count;
        free_inodes += fs->gd[g].bg_free_inodes_count;
    }
    if (free_blocks > fs->sb.s_blocks_count || free_inodes > fs->sb.s_inodes_count)
        return fail(err, errlen, -EUCLEAN, dn, "free counts larger than the volume");
    memcpy(fs->label, fs->sb.s_volume_name, 16);
    fs->label[16] = 0;
    struct ext2_inode root;
    int r = ext2_iget(fs, EXT2_ROOT_INO, &root);
    if (r < 0 || !ext2_is_dir(&root))
        return fail(err, errlen, -EUCLEAN, dn, "the root inode is not a directory");
    if (fs->sb.s_state & EXT2_ERROR_FS) {
        klog("ext2: %s: the volume has errors (run e2fsck)%s", dn, fs->ro ? "" : ": mounting read-only");
        fs->ro = true;
    } else if (!(fs->sb.s_state & EXT2_VALID_FS)) {
        klog("ext2: %s: the volume was not cleanly unmounted (e2fsck recommended)", dn);
    }
    fs->sb.s_free_blocks_count = (uint32_t)free_blocks;
    fs->sb.s_free_inodes_count = (uint32_t)free_inodes;
    /* Not clean stays not clean until e2fsck says otherwise (Linux keeps
     * the state it mounted with too): one clean run after a crash does not
     * make the metadata the crash left right. */
    fs->was_clean = fs->sb.s_state & EXT2_VALID_FS;
    return 0;
}

/* A read-write mount marks the volume in use (not clean) on the device at
 * once, so that a crash from here on leaves it to e2fsck. */
static int mark_in_use(struct ext2_fs *fs, char *err, size_t errlen)
{
    fs->sb.s_state &= ~EXT2_VALID_FS;
    fs->sb.s_mnt_count++;
    fs->sb.s_mtime = ext2_now();
    fs->sb_dirty = true;
    int r = ext2_sync(fs);
    if (r < 0)
        return fail(err, errlen, r, fs->dev->name, "cannot write the superblock");
    return 0;
}

int ext2_mount(struct block_device *dev, bool read_only, struct ext2_fs **out, char *err, size_t errlen)
{
    if (err && errlen)
        err[0] = 0;
    struct ext2_fs *fs;
    int r = read_super(dev, read_only, &fs, err, errlen);
    if (r < 0)
        return r;
    r = check_super(fs, err, errlen);
    if (r < 0) {
        kfree(fs);              /* nothing else is allocated yet */
        return r;
    }
    r = load_groups(fs, err, errlen);
    if (r == 0)
        r = check_volume(fs, err, errlen);
    if (r == 0 && !fs->ro)
        r = mark_in_use(fs, err, errlen);
    if (r < 0) {
        free_fs(fs);
        return r;
    }
    klog("ext2: %s: mounted \"%s\" %s, %u blocks of %u bytes, %u inodes", dev->name, fs->label,
         fs->ro ? "read-only" : "read-write", fs->sb.s_blocks_count, fs->bs, fs->sb.s_inodes_count);
    *out = fs;
    return 0;
}

int ext2_unmount(struct ext2_fs *fs)
{
    int r = 0;
    ext2_open_cleanup(fs);
    if (!fs->ro) {
        r = ext2_sync(fs);
        if (r == 0) {
            fs->sb.s_state = fs->errors ? (uint16_t)((fs->sb.s_state & ~EXT2_VALID_FS) | EXT2_ERROR_FS)
                           : fs->was_clean ? (uint16_t)((fs->sb.s_state | EXT2_VALID_FS) & ~EXT2_ERROR_FS)
                                           : (uint16_t)(fs->sb.s_state & ~(EXT2_VALID_FS | EXT2_ERROR_FS));
            fs->sb_dirty = true;
            r = ext2_sync(fs);
        }
    }
    free_fs(fs);
    return r;
}

/* Like a crash, minus the loss of what is cached: the superblock keeps the
 * state ext2_mount gave it (no EXT2_VALID_FS), so e2fsck checks the volume
 * next time.  Open-but-unlinked inodes are left for e2fsck too: freeing
 * them would mean more work on metadata an operation left half done. */
int ext2_unmount_unclean(struct ext2_fs *fs)
{
    int r = 0;
    if (!fs->ro) {
        fs->sb.s_state &= (uint16_t)~EXT2_VALID_FS;
        if (fs->errors)
            fs->sb.s_state |= EXT2_ERROR_FS;
        fs->sb_dirty = true;
        r = ext2_sync(fs);
    }
    free_fs(fs);
    return r;
}

const char *ext2_label(const struct ext2_fs *fs)
{
    return fs->label;
}

uint32_t ext2_root(const struct ext2_fs *fs)
{
    (void)fs;
    return EXT2_ROOT_INO;
}

bool ext2_read_only(const struct ext2_fs *fs)
{
    return fs->ro;
}

int ext2_statfs(struct ext2_fs *fs, struct ext2_statfs *st)
{
    st->block_size = fs->bs;
    st->blocks = fs->sb.s_blocks_count;
    st->free_blocks = fs->sb.s_free_blocks_count;
    st->avail_blocks = st->free_blocks > fs->sb.s_r_blocks_count ? st->free_blocks - fs->sb.s_r_blocks_count : 0;
    st->inodes = fs->sb.s_inodes_count;
    st->free_inodes = fs->sb.s_free_inodes_count;
    return 0;
}
