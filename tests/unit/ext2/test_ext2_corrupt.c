/* ext2 on corrupt volumes: each fault crafted by editing image bytes gives
 * a clean error (-EINVAL/-EUCLEAN at mount, -EIO later) with one log line
 * naming the inode or block, never a crash, a hang or an out-of-bounds
 * access (ASan watches).  Then random corruption of whole images. */
#include <stddef.h>
#include <stdarg.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "fsutil.h"
#include "fs/ext2/format.h"
#include "lib/errno.h"
#include "shim.h"
#include "../../fuzz/walk.h"

static char *image;            /* the pristine image */

/* 1 KiB blocks, one group. */
static int setup_image(void **state)
{
    (void)state;
    char *src = tmp_path("src");
    run("rm -rf '%s'; mkdir -p '%s/d/sub' '%s/e'", src, src, src);
    char p[1100];
    snprintf(p, sizeof(p), "%s/d/f", src);
    host_write_random(p, 20 * 1024, 1);      /* direct and indirect blocks */
    snprintf(p, sizeof(p), "%s/small", src);
    host_write_random(p, 500, 2);
    snprintf(p, sizeof(p), "%s/d/sub/g", src);
    host_write_random(p, 3000, 3);
    run("ln -s small '%s/fast'", src);
    run("ln -s %0100d '%s/slow'", 0, src);
    image = strdup(tmp_path("pristine.img"));
    make_image(image, 1024, 2048, "CORRUPT", src, NULL);
    return 0;
}

static int teardown_image(void **state)
{
    (void)state;
    free(image);
    tmp_cleanup();
    return 0;
}

static struct ext2_super *sb_of(struct memdev *m) { return (struct ext2_super *)(m->data + 1024); }
static uint32_t bs_of(struct memdev *m) { return 1024u << sb_of(m)->s_log_block_size; }
static struct ext2_group_desc *gd_of(struct memdev *m)
{
    return (struct ext2_group_desc *)(m->data + (sb_of(m)->s_first_data_block + 1) * bs_of(m));
}
static struct ext2_inode *raw_inode(struct memdev *m, uint32_t ino)
{
    struct ext2_super *sb = sb_of(m);
    uint32_t g = (ino - 1) / sb->s_inodes_per_group, i = (ino - 1) % sb->s_inodes_per_group;
    return (struct ext2_inode *)(m->data + (uint64_t)gd_of(m)[g].bg_inode_table * bs_of(m) + i * sb->s_inode_size);
}
static uint8_t *block_of(struct memdev *m, uint32_t blk) { return m->data + (uint64_t)blk * bs_of(m); }

/* Inode number of a path in the pristine image. */
static uint32_t ino_of(struct memdev *m, const char *path)
{
    struct ext2_fs *fs = fs_mount(m, true);
    assert_non_null(fs);
    uint32_t ino = 0;
    assert_int_equal(fs_resolve(fs, path, &ino), 0);
    ext2_unmount(fs);
    return ino;
}

static void load(struct memdev *m) { memdev_load(m, image, 512); }

static void expect_mount_fails(struct memdev *m, int code, const char *what)
{
    struct ext2_fs *fs = NULL;
    char err[128] = "";
    int r = ext2_mount(&m->dev, false, &fs, err, sizeof(err));
    printf("# %s: %d (%s)\n", what, r, err);
    assert_int_equal(r, code);
    assert_null(fs);
    assert_true(err[0] != 0);
    memdev_free(m);
    assert_int_equal(shim_heap_live, 0);
}

static void test_mount_faults(void **state)
{
    (void)state;
    struct memdev m;
    load(&m); sb_of(&m)->s_magic = 0x1234; expect_mount_fails(&m, -EINVAL, "bad magic");
    load(&m); sb_of(&m)->s_log_block_size = 7; expect_mount_fails(&m, -EINVAL, "128 KiB blocks");
    load(&m); sb_of(&m)->s_log_block_size = 0xffffffff; expect_mount_fails(&m, -EINVAL, "huge log block size");
    load(&m); sb_of(&m)->s_rev_level = 5; expect_mount_fails(&m, -EINVAL, "revision 5");
    load(&m); sb_of(&m)->s_blocks_count = 4096; expect_mount_fails(&m, -EUCLEAN, "more blocks than the device");
    load(&m); m.dev.sectors = 2000; expect_mount_fails(&m, -EUCLEAN, "device shorter than the volume");
    load(&m); m.dev.sectors = 2; expect_mount_fails(&m, -EINVAL, "device of two sectors");
    load(&m); sb_of(&m)->s_inodes_count += 8; expect_mount_fails(&m, -EUCLEAN, "inode count");
    load(&m); sb_of(&m)->s_blocks_per_group = 0; expect_mount_fails(&m, -EUCLEAN, "0 blocks per group");
    load(&m); sb_of(&m)->s_inodes_per_group = 0; expect_mount_fails(&m, -EUCLEAN, "0 inodes per group");
    load(&m); sb_of(&m)->s_inode_size = 100; expect_mount_fails(&m, -EUCLEAN, "inode size 100");
    load(&m); sb_of(&m)->s_inode_size = 2048; expect_mount_fails(&m, -EUCLEAN, "inode size above the block");
    load(&m); sb_of(&m)->s_first_data_block = 0; expect_mount_fails(&m, -EUCLEAN, "first data block");
    load(&m); sb_of(&m)->s_first_ino = 1; expect_mount_fails(&m, -EUCLEAN, "first inode 1");
    load(&m); sb_of(&m)->s_reserved_gdt_blocks = 60000; expect_mount_fails(&m, -EUCLEAN, "reserved GDT blocks");
    load(&m); gd_of(&m)[0].bg_inode_table = 999999; expect_mount_fails(&m, -EUCLEAN, "inode table beyond the device");
    load(&m); gd_of(&m)[0].bg_inode_table = 2040; expect_mount_fails(&m, -EUCLEAN, "inode table past the group end");
    load(&m); gd_of(&m)[0].bg_block_bitmap = 1; expect_mount_fails(&m, -EUCLEAN, "bitmap on the superblock");
    load(&m); gd_of(&m)[0].bg_inode_bitmap = gd_of(&m)[0].bg_inode_table + 1; expect_mount_fails(&m, -EUCLEAN, "bitmap inside the inode table");
    load(&m); gd_of(&m)[0].bg_free_blocks_count = 60000; expect_mount_fails(&m, -EUCLEAN, "free blocks above the group");
    load(&m); raw_inode(&m, 2)->i_mode = 0100644; expect_mount_fails(&m, -EUCLEAN, "root is a file");
    load(&m); raw_inode(&m, 2)->i_links_count = 0; expect_mount_fails(&m, -EUCLEAN, "root not in use");
    load(&m); m.dev.sector_size = 4096; m.dev.sectors = m.size / 4096; expect_mount_fails(&m, -EINVAL, "sectors larger than blocks");
    load(&m); sb_of(&m)->s_feature_incompat |= 0x10; expect_mount_fails(&m, -EINVAL, "meta_bg");
}

/* Mounts a corrupted image and expects call() to fail with -EIO and one
 * log line containing word. */
#define EXPECT_EIO(m, word, call)                                                    \
    do {                                                                             \
        struct ext2_fs *fs = fs_mount(m, false);                                     \
        assert_non_null(fs);                                                         \
        unsigned before = shim_klog_count;                                           \
        long r_ = (long)(call);                                                      \
        printf("# %s -> %ld: %s\n", #call, r_, shim_klog_last);                     \
        assert_int_equal(r_, -EIO);                                                  \
        assert_int_equal(shim_klog_count, before + 1);                               \
        assert_non_null(strstr(shim_klog_last, word));                               \
        ext2_unmount(fs);                                                            \
        memdev_free(m);                                                              \
        assert_int_equal(shim_heap_live, 0);                                         \
    } while (0)

static uint8_t rbuf[65536];

static long read_path(struct ext2_fs *fs, const char *path)
{
    uint32_t ino;
    int r = fs_resolve(fs, path, &ino);
    if (r < 0)
        return r;
    /* Reads stop short before a bad block; the next read gets the error. */
    uint64_t off = 0;
    for (;;) {
        int64_t n = ext2_read(fs, ino, off, rbuf, sizeof(rbuf));
        if (n <= 0)
            return (long)n;
        off += n;
    }
}

static long read_at(struct ext2_fs *fs, const char *path, uint64_t off)
{
    uint32_t ino;
    int r = fs_resolve(fs, path, &ino);
    return r < 0 ? r : (long)ext2_read(fs, ino, off, rbuf, 1024);
}

static long lookup_in(struct ext2_fs *fs, const char *dir, const char *name)
{
    uint32_t d, ino;
    int r = fs_resolve(fs, dir, &d);
    return r < 0 ? r : ext2_lookup(fs, d, name, strlen(name), &ino);
}

static struct ext2_dirent *entry_named(struct memdev *m, uint32_t dir, const char *name)
{
    uint8_t *b = block_of(m, raw_inode(m, dir)->i_block[0]);
    for (uint32_t off = 0; off < bs_of(m);) {
        struct ext2_dirent *d = (struct ext2_dirent *)(b + off);
        if (d->name_len == strlen(name) && !memcmp(d->name, name, d->name_len))
            return d;
        off += d->rec_len;
    }
    fail_msg("no entry %s", name);
    return NULL;
}

static void test_directory_faults(void **state)
{
    (void)state;
    struct memdev m;
    uint32_t root = 2, d;
    load(&m); d = ino_of(&m, "d"); memdev_free(&m);
    char inode_word[32];
    snprintf(inode_word, sizeof(inode_word), "inode %u", d);

    load(&m); entry_named(&m, d, "f")->rec_len = 4;
    EXPECT_EIO(&m, "rec_len below 8", lookup_in(fs, "d", "f"));
    load(&m); entry_named(&m, d, "f")->rec_len += 2;
    EXPECT_EIO(&m, "not a multiple of 4", lookup_in(fs, "d", "x"));
    load(&m); entry_named(&m, d, "f")->rec_len = 2000;
    EXPECT_EIO(&m, "beyond the block", lookup_in(fs, "d", "x"));
    load(&m); entry_named(&m, d, "..")->name_len = 250;
    EXPECT_EIO(&m, "name_len", lookup_in(fs, "d", "x"));
    load(&m); entry_named(&m, d, "f")->inode = 0x7fffffff;
    EXPECT_EIO(&m, "out of range", lookup_in(fs, "d", "f"));
    load(&m); entry_named(&m, d, ".")->inode = root;
    EXPECT_EIO(&m, "'.' names", lookup_in(fs, "d", "."));
    load(&m); entry_named(&m, d, "f")->inode = d;
    EXPECT_EIO(&m, "itself", lookup_in(fs, "d", "f"));
    load(&m); entry_named(&m, d, "f")->inode = 7;      /* reserved (resize inode) */
    EXPECT_EIO(&m, "reserved", read_path(fs, "d/f"));
    load(&m); entry_named(&m, d, "f")->inode = 40;     /* never used */
    EXPECT_EIO(&m, "not in use", read_path(fs, "d/f"));
    load(&m); raw_inode(&m, d)->i_block[0] = 0;
    EXPECT_EIO(&m, "hole", lookup_in(fs, "d", "f"));
    load(&m); raw_inode(&m, d)->i_size = 1000;
    EXPECT_EIO(&m, "whole number of blocks", lookup_in(fs, "d", "f"));
    load(&m); raw_inode(&m, d)->i_size = 1u << 30;
    EXPECT_EIO(&m, "directory of", lookup_in(fs, "d", "f"));
    load(&m); raw_inode(&m, d)->i_block[0] = 5000;
    EXPECT_EIO(&m, "outside the data area", lookup_in(fs, "d", "f"));
    /* Directories whose '..' point at each other: rename into them must
     * end (the '..' chain never reaches the root). */
    {
        load(&m);
        uint32_t e = ino_of(&m, "e");
        entry_named(&m, d, "..")->inode = e;
        entry_named(&m, e, "..")->inode = d;
        struct ext2_fs *fs = fs_mount(&m, false);
        assert_non_null(fs);
        assert_int_equal(ext2_rename(fs, root, "small", 5, e, "x", 1), 0);   /* files: no walk */
        unsigned before = shim_klog_count;
        int r = ext2_rename(fs, d, "sub", 3, e, "y", 1);
        printf("# rename into a '..' loop: %d: %s\n", r, shim_klog_last);
        assert_int_equal(r, -EIO);
        assert_int_equal(shim_klog_count, before + 1);
        assert_non_null(strstr(shim_klog_last, "does not reach the root"));
        ext2_unmount(fs);
        memdev_free(&m);
    }
    /* A directory whose '..' is itself. */
    {
        load(&m);
        uint32_t e = ino_of(&m, "e");
        entry_named(&m, e, "..")->inode = e;
        struct ext2_fs *fs = fs_mount(&m, false);
        assert_int_equal(ext2_rename(fs, d, "sub", 3, e, "y", 1), -EIO);
        assert_non_null(strstr(shim_klog_last, "own parent"));
        ext2_unmount(fs);
        memdev_free(&m);
    }
}

static void test_file_faults(void **state)
{
    (void)state;
    struct memdev m;
    uint32_t f, small, fast, slow;
    load(&m);
    f = ino_of(&m, "d/f");
    small = ino_of(&m, "small");
    fast = ino_of(&m, "fast");
    slow = ino_of(&m, "slow");
    struct ext2_group_desc gd = gd_of(&m)[0];
    memdev_free(&m);
    (void)small;

    load(&m); raw_inode(&m, f)->i_block[3] = 1u << 30;
    EXPECT_EIO(&m, "outside the data area", read_at(fs, "d/f", 3 * 1024));
    load(&m); raw_inode(&m, f)->i_block[3] = gd.bg_inode_table + 2;
    EXPECT_EIO(&m, "outside the data area", read_at(fs, "d/f", 3 * 1024));
    load(&m); raw_inode(&m, f)->i_block[3] = gd.bg_block_bitmap;
    EXPECT_EIO(&m, "outside the data area", read_at(fs, "d/f", 3 * 1024 + 5));
    load(&m); raw_inode(&m, f)->i_block[0] = 1;       /* the superblock */
    EXPECT_EIO(&m, "outside the data area", read_path(fs, "d/f"));
    /* The indirect block's first pointer is the indirect block itself. */
    load(&m);
    {
        uint32_t ind = raw_inode(&m, f)->i_block[EXT2_IND];
        ((uint32_t *)block_of(&m, ind))[0] = ind;
    }
    EXPECT_EIO(&m, "points at itself", read_at(fs, "d/f", 12 * 1024));
    load(&m);
    {
        uint32_t ind = raw_inode(&m, f)->i_block[EXT2_IND];
        ((uint32_t *)block_of(&m, ind))[0] = ind;
    }
    {
        /* truncating it must not free the indirect block as data */
        uint32_t ino;
        struct ext2_fs *fs = fs_mount(&m, false);
        assert_int_equal(fs_resolve(fs, "d/f", &ino), 0);
        assert_int_equal(ext2_truncate(fs, ino, 0), -EIO);
        assert_non_null(strstr(shim_klog_last, "points at itself"));
        ext2_unmount(fs);
        memdev_free(&m);
    }
    load(&m); raw_inode(&m, f)->i_size_high = 0x7fffffff;
    EXPECT_EIO(&m, "more than its block map", read_path(fs, "d/f"));
    load(&m); raw_inode(&m, fast)->i_size = 80;
    EXPECT_EIO(&m, "fast symlink", ({ uint32_t i_; char b_[100]; fs_resolve(fs, "fast", &i_);
                                      ext2_readlink(fs, i_, b_, sizeof(b_)); }));
    load(&m); raw_inode(&m, slow)->i_size = 5000;
    EXPECT_EIO(&m, "symlink of", ({ uint32_t i_; ext2_lookup(fs, 2, "slow", 4, &i_); }));
    /* A data block the bitmap calls free: unlinking must not free it twice
     * over (and must not crash). */
    load(&m);
    {
        uint32_t blk = raw_inode(&m, f)->i_block[0];
        block_of(&m, gd.bg_block_bitmap)[(blk - 1) / 8] &= (uint8_t)~(1u << ((blk - 1) % 8));
    }
    EXPECT_EIO(&m, "already free", ({ uint32_t d_; fs_resolve(fs, "d", &d_); ext2_unlink(fs, d_, "f", 1); }));
    /* An inode number beyond the count, asked for directly. */
    load(&m);
    EXPECT_EIO(&m, "out of range", ({ struct ext2_stat s_; ext2_stat(fs, 1u << 31, &s_); }));
    load(&m);
    EXPECT_EIO(&m, "out of range", ({ struct ext2_stat s_; ext2_stat(fs, 0, &s_); }));
}

/* Random byte corruption in the metadata area of the image: mount, walk,
 * change, unmount; any result but a crash is fine. */
static void test_random_corruption(void **state)
{
    (void)state;
    struct memdev m;
    load(&m);
    uint32_t meta_end = gd_of(&m)[0].bg_inode_table + 64;       /* sb, gdt, bitmaps, inodes */
    memdev_free(&m);
    srand(42);
    unsigned mounted = 0;
    for (int round = 0; round < 400; round++) {
        load(&m);
        int flips = 1 + rand() % 20;
        for (int i = 0; i < flips; i++) {
            size_t off = rand() % 2 ? 1024 + (size_t)rand() % (meta_end * 1024 - 1024)
                                    : (size_t)rand() % m.size;
            m.data[off] = rand() % 3 == 0 ? 0xff : (uint8_t)rand();
        }
        struct ext2_fs *fs = NULL;
        char err[128];
        if (ext2_mount(&m.dev, false, &fs, err, sizeof(err)) == 0) {
            mounted++;
            ext2_walk(fs);
            ext2_mutate(fs);
            ext2_walk(fs);
            ext2_unmount(fs);
        }
        memdev_free(&m);
        if (shim_heap_live)
            printf("# round %d leaks %lu blocks\n", round, shim_heap_live);
        assert_int_equal(shim_heap_live, 0);
    }
    printf("# %u of 400 corrupted images mounted\n", mounted);
}

/* Sector sizes the mount does not take, before it reads anything. */
static void test_mount_sector_sizes(void **state)
{
    (void)state;
    static const uint32_t bad[] = { 0, 256, 768, 1000, 131072 };
    for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
        struct memdev m;
        load(&m);
        m.dev.sector_size = bad[i];
        struct ext2_fs *fs = NULL;
        char err[128] = "";
        assert_int_equal(ext2_mount(&m.dev, false, &fs, err, sizeof(err)), -EINVAL);
        assert_string_equal(err, "unsupported sector size");
        assert_null(fs);
        assert_int_equal(m.reads, 0);
        memdev_free(&m);
    }
    /* 1 KiB sectors on 1 KiB blocks are fine. */
    struct memdev m;
    memdev_load(&m, image, 1024);
    struct ext2_fs *fs = fs_mount(&m, true);
    assert_non_null(fs);
    ext2_unmount(fs);
    memdev_free(&m);
    assert_int_equal(shim_heap_live, 0);
}

/* Every allocation of the mount failing in turn: -ENOMEM, nothing left
 * behind, until it has all it needs. */
static void test_mount_out_of_memory(void **state)
{
    (void)state;
    long k;
    unsigned oom = 0;
    for (k = 0; k < 200; k++) {
        struct memdev m;
        load(&m);
        struct ext2_fs *fs = NULL;
        char err[128] = "";
        shim_heap_fail_after = k;
        int r = ext2_mount(&m.dev, false, &fs, err, sizeof(err));
        shim_heap_fail_after = -1;
        if (r == 0) {
            assert_string_equal(ext2_label(fs), "CORRUPT");
            assert_int_equal(ext2_unmount(fs), 0);
            memdev_free(&m);
            assert_int_equal(shim_heap_live, 0);
            break;
        }
        /* The root inode's read and the superblock's write go through the
         * block cache, which may be out of memory too. */
        if (!(r == -ENOMEM && !strcmp(err, "out of memory")) &&
            !(r == -EUCLEAN && !strcmp(err, "the root inode is not a directory")) &&
            !(r == -ENOMEM && !strcmp(err, "cannot write the superblock")))
            fail_msg("fail after %ld: %d \"%s\"", k, r, err);
        printf("# allocation %ld fails: %d (%s)\n", k, r, err);
        oom += r == -ENOMEM;
        assert_null(fs);
        memdev_free(&m);
        assert_int_equal(shim_heap_live, 0);
    }
    assert_true(oom >= 5);      /* fs, the superblock buffer, gd, read and write staging, ... */
    assert_true(k < 200);
}

/* A device whose reads fail after the first `reads_left`. */
static int reads_left;
static int (*real_read)(struct block_device *, uint64_t, uint32_t, void *);
static int failing_read(struct block_device *dev, uint64_t lba, uint32_t count, void *buf)
{
    if (reads_left == 0)
        return -EIO;
    reads_left--;
    return real_read(dev, lba, count, buf);
}

/* Read errors at each point of the mount, in order: the superblock, the
 * group descriptors, the root inode. */
static void test_mount_read_errors(void **state)
{
    (void)state;
    const char *seen[8];
    int nseen = 0;
    int k;
    for (k = 0; k < 50; k++) {
        struct memdev m;
        load(&m);
        real_read = m.dev.read;
        m.dev.read = failing_read;
        reads_left = k;
        struct ext2_fs *fs = NULL;
        char err[128] = "";
        int r = ext2_mount(&m.dev, true, &fs, err, sizeof(err));
        if (r == 0) {
            ext2_unmount(fs);
            memdev_free(&m);
            break;
        }
        printf("# %d reads, then errors: %d (%s)\n", k, r, err);
        assert_null(fs);
        if (nseen == 0 || strcmp(seen[nseen - 1], err)) {
            assert_true(nseen < 8);
            seen[nseen++] = !strcmp(err, "cannot read the superblock") ? "cannot read the superblock"
                            : !strcmp(err, "cannot read the group descriptors") ? "cannot read the group descriptors"
                            : !strcmp(err, "the root inode is not a directory") ? "the root inode is not a directory"
                            : "?";
            assert_string_equal(seen[nseen - 1], err);
        }
        int want = !strcmp(err, "the root inode is not a directory") ? -EUCLEAN : -EIO;
        assert_int_equal(r, want);
        memdev_free(&m);
        assert_int_equal(shim_heap_live, 0);
    }
    assert_true(k < 50);
    assert_int_equal(nseen, 3);
    assert_string_equal(seen[0], "cannot read the superblock");
    assert_string_equal(seen[1], "cannot read the group descriptors");
    assert_string_equal(seen[2], "the root inode is not a directory");
}

static uint32_t mount_clock(void) { return 1234567890; }

/* What a read-write mount writes: the superblock marked in use (not clean),
 * one more mount, the mount time, free counts from the group descriptors;
 * a read-only mount (asked for, or forced by an "errors" state) writes
 * nothing.  A write error at mount fails it. */
static void test_mount_superblock_update(void **state)
{
    (void)state;
    struct memdev m;
    load(&m);
    uint16_t mnt = sb_of(&m)->s_mnt_count;
    uint32_t gd_free_blocks = gd_of(&m)[0].bg_free_blocks_count;
    uint32_t gd_free_inodes = gd_of(&m)[0].bg_free_inodes_count;
    assert_true(sb_of(&m)->s_state & EXT2_VALID_FS);
    sb_of(&m)->s_free_blocks_count = 3;        /* stale; the descriptors are right */
    sb_of(&m)->s_free_inodes_count = 4;
    ext2_set_clock(mount_clock);
    struct ext2_fs *fs = fs_mount(&m, false);
    ext2_set_clock(NULL);
    assert_non_null(fs);
    assert_false(ext2_read_only(fs));
    assert_int_equal(sb_of(&m)->s_state & EXT2_VALID_FS, 0);
    assert_int_equal(sb_of(&m)->s_mnt_count, mnt + 1);
    assert_int_equal(sb_of(&m)->s_mtime, 1234567890);
    assert_int_equal(sb_of(&m)->s_free_blocks_count, gd_free_blocks);
    assert_int_equal(sb_of(&m)->s_free_inodes_count, gd_free_inodes);
    struct ext2_statfs st;
    ext2_statfs(fs, &st);
    assert_int_equal(st.free_blocks, gd_free_blocks);
    assert_int_equal(st.free_inodes, gd_free_inodes);
    assert_int_equal(st.block_size, 1024);
    assert_int_equal(ext2_unmount(fs), 0);
    assert_true(sb_of(&m)->s_state & EXT2_VALID_FS);        /* was clean: clean again */
    memdev_free(&m);

    /* Read-only: not one write. */
    load(&m);
    fs = fs_mount(&m, true);
    assert_non_null(fs);
    assert_true(ext2_read_only(fs));
    assert_int_equal(ext2_unmount(fs), 0);
    assert_int_equal(m.writes, 0);
    assert_int_equal(sb_of(&m)->s_mnt_count, mnt);
    memdev_free(&m);

    /* "errors": read-only although read-write was asked for. */
    load(&m);
    sb_of(&m)->s_state = EXT2_ERROR_FS;
    fs = fs_mount(&m, false);
    assert_non_null(fs);
    assert_true(ext2_read_only(fs));
    assert_int_equal(ext2_unmount(fs), 0);
    assert_int_equal(m.writes, 0);
    memdev_free(&m);

    /* Not cleanly unmounted: mounts read-write and stays not clean. */
    load(&m);
    sb_of(&m)->s_state = 0;
    fs = fs_mount(&m, false);
    assert_non_null(fs);
    assert_false(ext2_read_only(fs));
    assert_int_equal(ext2_unmount(fs), 0);
    assert_int_equal(sb_of(&m)->s_state & EXT2_VALID_FS, 0);
    memdev_free(&m);

    /* The superblock cannot be written. */
    load(&m);
    m.fail_after_writes = 0;
    char err[128] = "";
    fs = NULL;
    assert_int_equal(ext2_mount(&m.dev, false, &fs, err, sizeof(err)), -EIO);
    assert_string_equal(err, "cannot write the superblock");
    assert_null(fs);
    memdev_free(&m);
    assert_int_equal(shim_heap_live, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_mount_faults),
        cmocka_unit_test(test_mount_sector_sizes),
        cmocka_unit_test(test_mount_out_of_memory),
        cmocka_unit_test(test_mount_read_errors),
        cmocka_unit_test(test_mount_superblock_update),
        cmocka_unit_test(test_directory_faults),
        cmocka_unit_test(test_file_faults),
        cmocka_unit_test(test_random_corruption),
    };
    return cmocka_run_group_tests(tests, setup_image, teardown_image);
}
