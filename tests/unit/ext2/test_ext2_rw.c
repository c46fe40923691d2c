/* ext2 read and write tests: images made by mke2fs -d are read back and
 * compared with their source trees; what the library writes is judged by
 * e2fsck -fn (must be clean) and extracted with debugfs rdump to compare
 * with a host mirror of the same operations. */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <cmocka.h>
#include "fsutil.h"
#include "shim.h"

static uint32_t fixed_clock(void) { return 1700000000; }

/* A source tree with every kind of file and size class. */
static void make_source_tree(const char *src, unsigned bs)
{
    assert_int_equal(run("mkdir -p '%s/dir/sub/deeper' '%s/empty_dir' '%s/many'", src, src, src), 0);
    char p[1024];
    snprintf(p, sizeof(p), "%s/small.txt", src);
    host_write_random(p, 100, 1);
    snprintf(p, sizeof(p), "%s/empty", src);
    host_write_random(p, 0, 2);
    snprintf(p, sizeof(p), "%s/one_block", src);
    host_write_random(p, bs, 3);
    snprintf(p, sizeof(p), "%s/dir/twelve_plus", src);     /* needs the indirect block */
    host_write_random(p, 13 * bs + 7, 4);
    snprintf(p, sizeof(p), "%s/dir/sub/double", src);      /* needs the double indirect */
    host_write_random(p, (12 + bs / 4 + 3) * (size_t)bs + 11, 5);
    snprintf(p, sizeof(p), "%s/dir/sub/deeper/x", src);
    host_write_random(p, 5000, 6);
    for (int i = 0; i < 150; i++) {
        snprintf(p, sizeof(p), "%s/many/file_with_a_longish_name_%03d", src, i);
        host_write_random(p, i * 37, 100 + i);
    }
    /* Sparse file reaching the triple indirect tree with 1 KiB blocks. */
    assert_int_equal(run("dd if=/dev/urandom of='%s/sparse' bs=1024 count=3 seek=70000 status=none", src), 0);
    assert_int_equal(run("ln -s small.txt '%s/fast_link'", src), 0);
    char target[200];
    memset(target, 'x', 150);
    target[150] = 0;
    assert_int_equal(run("ln -s '%s' '%s/dir/slow_link'", target, src), 0);
    assert_int_equal(run("ln '%s/small.txt' '%s/dir/hard_link'", src, src), 0);
}

static void read_tree(unsigned bs, uint32_t sector_size)
{
    char *src = tmp_path("src");
    char *img = tmp_path("img");
    run("rm -rf '%s'", src);
    make_source_tree(src, bs);
    make_image(img, bs, 16 * 1024 * 1024 / bs, "READTEST", src, NULL);
    struct memdev m;
    memdev_load(&m, img, sector_size);
    struct ext2_fs *fs = fs_mount(&m, true);
    assert_non_null(fs);
    assert_string_equal(ext2_label(fs), "READTEST");
    assert_int_equal(fs_compare_tree(fs, ext2_root(fs), src, true), 0);
    /* Hard links share the inode. */
    uint32_t a, b;
    assert_int_equal(fs_resolve(fs, "small.txt", &a), 0);
    assert_int_equal(fs_resolve(fs, "dir/hard_link", &b), 0);
    assert_int_equal(a, b);
    struct ext2_stat st;
    assert_int_equal(ext2_stat(fs, a, &st), 0);
    assert_int_equal(st.links, 2);
    assert_int_equal(st.size, 100);
    /* Read-only: every change refused. */
    uint32_t ino;
    assert_int_equal(ext2_create(fs, ext2_root(fs), "new", 3, 0644, &ino), -EROFS);
    assert_int_equal(ext2_write(fs, a, 0, "x", 1), -EROFS);
    /* Reads past the end and of directories. */
    char buf[16];
    assert_int_equal(ext2_read(fs, a, 100, buf, 16), 0);
    assert_int_equal(ext2_read(fs, a, 98, buf, 16), 2);
    assert_int_equal(ext2_read(fs, ext2_root(fs), 0, buf, 16), -EISDIR);
    assert_int_equal(ext2_lookup(fs, ext2_root(fs), "nope", 4, &ino), -ENOENT);
    assert_int_equal(ext2_lookup(fs, a, "x", 1, &ino), -ENOTDIR);
    assert_int_equal(ext2_unmount(fs), 0);
    assert_int_equal(shim_heap_live, 0);
    memdev_free(&m);
}

static void test_read_1k(void **state) { (void)state; read_tree(1024, 512); }
static void test_read_4k(void **state) { (void)state; read_tree(4096, 512); }
static void test_read_4k_sectors(void **state) { (void)state; read_tree(4096, 4096); }

/* ---- writing, mirrored on the host ---- */

struct pair {
    struct memdev m;
    struct ext2_fs *fs;
    char mirror[1100];
    char img[1024];
};

static void pair_open(struct pair *p, unsigned bs, unsigned blocks, const char *name)
{
    snprintf(p->img, sizeof(p->img), "%s", tmp_path(name));
    snprintf(p->mirror, sizeof(p->mirror), "%s.mirror", p->img);
    run("rm -rf '%s'; mkdir -p '%s'", p->mirror, p->mirror);
    make_image(p->img, bs, blocks, "WRITE", NULL, NULL);
    memdev_load(&p->m, p->img, 512);
    p->fs = fs_mount(&p->m, false);
    assert_non_null(p->fs);
    /* lost+found is in both */
    run("mkdir '%s/lost+found'", p->mirror);
}

static void pair_remount(struct pair *p)
{
    assert_int_equal(ext2_unmount(p->fs), 0);
    p->fs = fs_mount(&p->m, false);
    assert_non_null(p->fs);
}

/* Unmounts, checks with e2fsck and compares the debugfs extraction (and
 * the library's own reading) with the mirror. */
static void pair_check(struct pair *p)
{
    assert_int_equal(ext2_unmount(p->fs), 0);
    p->fs = NULL;
    memdev_save(&p->m, p->img);
    assert_int_equal(fsck_clean(p->img), 0);
    char out[1100];
    snprintf(out, sizeof(out), "%s.out", p->img);
    run("rm -rf '%s'; mkdir -p '%s'", out, out);
    assert_int_equal(run("debugfs -R 'rdump / %s' '%s' >/dev/null 2>&1", out, p->img), 0);
    int d = run("diff -r --no-dereference '%s' '%s' | sed 's/^/# /' | head -20; "
                "diff -r --no-dereference '%s' '%s' >/dev/null", p->mirror, out, p->mirror, out);
    assert_int_equal(d, 0);
    p->fs = fs_mount(&p->m, true);
    assert_non_null(p->fs);
    assert_int_equal(fs_compare_tree(p->fs, ext2_root(p->fs), p->mirror, false), 0);
    assert_int_equal(ext2_unmount(p->fs), 0);
    p->fs = NULL;
}

static void pair_close(struct pair *p)
{
    if (p->fs)
        ext2_unmount(p->fs);
    memdev_free(&p->m);
}

static const char *hp(struct pair *p, const char *path)
{
    static char b[4][2048];
    static int n;
    char *s = b[n++ & 3];
    snprintf(s, sizeof(b[0]), "%s/%s", p->mirror, path);
    return s;
}

static int host_ret(int r) { return r < 0 ? -errno : 0; }

/* Each op: the ext2 result and the host result (negative errno or 0). */
static int e_create(struct pair *p, const char *path)
{
    uint32_t dir, ino;
    const char *name;
    int r = fs_parent(p->fs, path, &dir, &name);
    return r < 0 ? r : ext2_create(p->fs, dir, name, strlen(name), 0644, &ino);
}
static int h_create(struct pair *p, const char *path)
{
    int fd = open(hp(p, path), O_CREAT | O_EXCL | O_WRONLY, 0644);
    if (fd < 0)
        return -errno;
    close(fd);
    return 0;
}
static int e_mkdir(struct pair *p, const char *path)
{
    uint32_t dir, ino;
    const char *name;
    int r = fs_parent(p->fs, path, &dir, &name);
    return r < 0 ? r : ext2_mkdir(p->fs, dir, name, strlen(name), 0755, &ino);
}
static int h_mkdir(struct pair *p, const char *path) { return host_ret(mkdir(hp(p, path), 0755)); }
static int e_symlink(struct pair *p, const char *path, const char *target)
{
    uint32_t dir, ino;
    const char *name;
    int r = fs_parent(p->fs, path, &dir, &name);
    return r < 0 ? r : ext2_symlink(p->fs, dir, name, strlen(name), target, &ino);
}
static int h_symlink(struct pair *p, const char *path, const char *target)
{
    return host_ret(symlink(target, hp(p, path)));
}
static int e_unlink(struct pair *p, const char *path)
{
    uint32_t dir;
    const char *name;
    int r = fs_parent(p->fs, path, &dir, &name);
    return r < 0 ? r : ext2_unlink(p->fs, dir, name, strlen(name));
}
static int h_unlink(struct pair *p, const char *path) { return host_ret(unlink(hp(p, path))); }
static int e_rmdir(struct pair *p, const char *path)
{
    uint32_t dir;
    const char *name;
    int r = fs_parent(p->fs, path, &dir, &name);
    return r < 0 ? r : ext2_rmdir(p->fs, dir, name, strlen(name));
}
static int h_rmdir(struct pair *p, const char *path) { return host_ret(rmdir(hp(p, path))); }
static int e_rename(struct pair *p, const char *from, const char *to)
{
    uint32_t od, nd;
    const char *on, *nn;
    int r = fs_parent(p->fs, from, &od, &on);
    if (r == 0)
        r = fs_parent(p->fs, to, &nd, &nn);
    return r < 0 ? r : ext2_rename(p->fs, od, on, strlen(on), nd, nn, strlen(nn));
}
static int h_rename(struct pair *p, const char *from, const char *to)
{
    return host_ret(rename(hp(p, from), hp(p, to)));
}
static int e_link(struct pair *p, const char *from, const char *to)
{
    uint32_t ino, nd;
    const char *nn;
    int r = fs_resolve(p->fs, from, &ino);
    if (r == 0)
        r = fs_parent(p->fs, to, &nd, &nn);
    return r < 0 ? r : ext2_link(p->fs, nd, nn, strlen(nn), ino);
}
static int h_link(struct pair *p, const char *from, const char *to)
{
    return host_ret(link(hp(p, from), hp(p, to)));
}
static int e_write(struct pair *p, const char *path, uint64_t off, const void *buf, size_t n)
{
    uint32_t ino;
    int r = fs_resolve(p->fs, path, &ino);
    if (r < 0)
        return r;
    int64_t w = ext2_write(p->fs, ino, off, buf, n);
    return w < 0 ? (int)w : (w == (int64_t)n ? 0 : -1000);
}
static int h_write(struct pair *p, const char *path, uint64_t off, const void *buf, size_t n)
{
    int fd = open(hp(p, path), O_WRONLY);
    if (fd < 0)
        return -errno;
    ssize_t w = pwrite(fd, buf, n, off);
    int e = errno;
    close(fd);
    return w < 0 ? -e : (w == (ssize_t)n ? 0 : -1000);
}
static int e_truncate(struct pair *p, const char *path, uint64_t size)
{
    uint32_t ino;
    int r = fs_resolve(p->fs, path, &ino);
    return r < 0 ? r : ext2_truncate(p->fs, ino, size);
}
static int h_truncate(struct pair *p, const char *path, uint64_t size)
{
    return host_ret(truncate(hp(p, path), size));
}

#define BOTH(p, expect, call, ...)                                                             \
    do {                                                                                       \
        int e_ = e_##call(p, __VA_ARGS__), h_ = h_##call(p, __VA_ARGS__);                      \
        if (e_ != h_ || (expect != 1 && e_ != expect))                                         \
            printf("# %s(%s): ext2 %d host %d expected %d\n", #call, #__VA_ARGS__, e_, h_,    \
                   expect);                                                                    \
        assert_int_equal(e_, h_);                                                              \
        if (expect != 1)                                                                       \
            assert_int_equal(e_, expect);                                                      \
    } while (0)

static void write_ops(unsigned bs)
{
    struct pair p;
    pair_open(&p, bs, 32 * 1024 * 1024 / bs, "write");
    size_t big = 600 * 1024;
    uint8_t *data = malloc(big);
    fill_random(data, big, 7);
    BOTH(&p, 0, mkdir, "a");
    BOTH(&p, 0, mkdir, "a/b");
    BOTH(&p, -EEXIST, mkdir, "a");
    BOTH(&p, 0, create, "a/f1");
    BOTH(&p, -EEXIST, create, "a/f1");
    BOTH(&p, -ENOENT, create, "zz/f1");
    BOTH(&p, -ENOTDIR, create, "a/f1/x");
    BOTH(&p, 0, write, "a/f1", 0, data, 100);
    BOTH(&p, 0, write, "a/f1", 50, data + 1000, 3000);          /* overlaps, crosses blocks */
    BOTH(&p, 0, create, "big");
    BOTH(&p, 0, write, "big", 0, data, big);                   /* indirect (and double with 1k) */
    BOTH(&p, 0, create, "sparse");
    BOTH(&p, 0, write, "sparse", 5000000, data, 10000);         /* a hole first */
    BOTH(&p, 0, write, "sparse", 100, data, 10);
    BOTH(&p, 0, create, "tind");
    BOTH(&p, 0, write, "tind", 80ull * 1024 * 1024, data, 5000); /* triple indirect with 1k blocks */
    BOTH(&p, 0, truncate, "tind", 80ull * 1024 * 1024 + 17);
    BOTH(&p, 0, truncate, "big", 300000);                      /* frees indirect blocks */
    BOTH(&p, 0, truncate, "big", 400000);                      /* grows again: zeros */
    BOTH(&p, 0, truncate, "sparse", 4);
    BOTH(&p, -EISDIR, truncate, "a", 0);
    BOTH(&p, -EISDIR, write, "a", 0, data, 1);
    BOTH(&p, 0, symlink, "a/short", "f1");
    char longt[300];
    memset(longt, 'L', 299);
    longt[299] = 0;
    BOTH(&p, 0, symlink, "a/long", longt);
    BOTH(&p, -EEXIST, symlink, "a/long", "x");
    BOTH(&p, 0, link, "a/f1", "a/b/hard");
    BOTH(&p, -EPERM, link, "a/b", "a/dirlink");
    BOTH(&p, -EEXIST, link, "a/f1", "big");
    BOTH(&p, -ENOTEMPTY, rmdir, "a");
    BOTH(&p, -ENOTDIR, rmdir, "big");
    BOTH(&p, -EISDIR, unlink, "a");
    BOTH(&p, -ENOENT, unlink, "nothing");
    BOTH(&p, 0, unlink, "a/f1");                                /* one link left */
    BOTH(&p, 0, mkdir, "c");
    BOTH(&p, 0, mkdir, "c/d");
    BOTH(&p, 0, create, "c/d/e");
    BOTH(&p, -EINVAL, rename, "c", "c/d/c2");                   /* into itself */
    BOTH(&p, 0, rename, "c/d", "a/d");                          /* directory to another parent */
    BOTH(&p, 0, rename, "a/d/e", "a/d/e2");                     /* same directory */
    BOTH(&p, 0, rename, "a/d/e2", "big");                       /* replaces a file */
    BOTH(&p, 0, create, "victim");
    BOTH(&p, -EISDIR, rename, "victim", "a");
    BOTH(&p, -ENOTDIR, rename, "a", "victim");
    BOTH(&p, 0, mkdir, "emptyd");
    BOTH(&p, 0, rename, "c", "emptyd");                         /* replaces an empty directory */
    BOTH(&p, -ENOTEMPTY, rename, "emptyd", "a");                /* a is not empty */
    BOTH(&p, 0, rename, "a/b/hard", "a/b/hard");                /* same: nothing */
    BOTH(&p, 0, rmdir, "emptyd");
    /* Many entries: directories grow past one block. */
    for (int i = 0; i < 200; i++) {
        char n[64];
        snprintf(n, sizeof(n), "a/b/entry_number_%04d_padding_padding", i);
        BOTH(&p, 0, create, n);
        if (i % 3 == 0)
            BOTH(&p, 0, write, n, 0, data + i, i * 11);
    }
    for (int i = 0; i < 200; i += 2) {
        char n[64];
        snprintf(n, sizeof(n), "a/b/entry_number_%04d_padding_padding", i);
        BOTH(&p, 0, unlink, n);
    }
    pair_remount(&p);
    for (int i = 0; i < 50; i++) {
        char n[64];
        snprintf(n, sizeof(n), "a/b/new_%d", i);
        BOTH(&p, 0, create, n);
    }
    /* Attributes. */
    uint32_t ino;
    assert_int_equal(fs_resolve(p.fs, "big", &ino), 0);
    assert_int_equal(ext2_chmod(p.fs, ino, 0600), 0);
    chmod(hp(&p, "big"), 0600);
    assert_int_equal(ext2_set_times(p.fs, ino, 1000, 2000), 0);
    struct ext2_stat st;
    assert_int_equal(ext2_stat(p.fs, ino, &st), 0);
    assert_int_equal(st.mode, 0100600);
    assert_int_equal(st.mtime, 2000);
    assert_int_equal(st.atime, 1000);
    char lb[400];
    assert_int_equal(fs_resolve(p.fs, "a/long", &ino), 0);
    assert_int_equal(ext2_readlink(p.fs, ino, lb, sizeof(lb)), 299);
    assert_int_equal(ext2_readlink(p.fs, ino, lb, 10), 10);
    pair_check(&p);
    char out[1100];
    snprintf(out, sizeof(out), "debugfs -R 'stat /big' '%s' 2>/dev/null | grep -c 'Mode:  0600'", p.img);
    assert_int_equal(run("%s >/dev/null", out), 0);
    pair_close(&p);
    free(data);
    assert_int_equal(shim_heap_live, 0);
}

static void test_write_1k(void **state) { (void)state; write_ops(1024); }
static void test_write_4k(void **state) { (void)state; write_ops(4096); }

/* Random operations on a small namespace, both sides compared op by op;
 * a tiny cache forces evictions. */
static void random_ops(unsigned bs, unsigned seed, uint64_t cache)
{
    ext2_set_cache_limit(cache);
    struct pair p;
    pair_open(&p, bs, 8 * 1024 * 1024 / bs, "random");
    static const char *dirs[] = {"", "d0/", "d1/", "d0/d2/", "d1/d3/"};
    static const char *names[] = {"f0", "f1", "f2", "d0", "d1", "d2", "d3", "l0"};
    uint8_t *data = malloc(300000);
    fill_random(data, 300000, seed);
    srand(seed);
    for (int step = 0; step < 1500; step++) {
        char a[64], b[64];
        snprintf(a, sizeof(a), "%s%s", dirs[rand() % 5], names[rand() % 8]);
        snprintf(b, sizeof(b), "%s%s", dirs[rand() % 5], names[rand() % 8]);
        struct stat hs;
        bool is_link = lstat(hp(&p, a), &hs) == 0 && S_ISLNK(hs.st_mode);
        switch (rand() % 11) {
        case 0: case 1: BOTH(&p, 1, create, a); break;
        case 2: BOTH(&p, 1, mkdir, a); break;
        case 3: if (!is_link) {
                uint64_t off = rand() % 4 == 0 ? (uint64_t)(rand() % 3000) * 1000 : (uint64_t)(rand() % 20000);
                size_t n = rand() % 5 == 0 ? 1 + rand() % 299000 : 1 + rand() % 5000;
                const uint8_t *src = data + (rand() % 1000);
                BOTH(&p, 1, write, a, off, src, n);
            }
            break;
        case 4: if (!is_link) {
                uint64_t size = (uint64_t)(rand() % 40000);
                BOTH(&p, 1, truncate, a, size);
            }
            break;
        case 5: BOTH(&p, 1, unlink, a); break;
        case 6: BOTH(&p, 1, rmdir, a); break;
        case 7: case 8: BOTH(&p, 1, rename, a, b); break;
        case 9: {
            const char *t = rand() % 2 ? "target" : "a/much/longer/target/that/does/not/fit/in/the/inode/itself/xyz";
            BOTH(&p, 1, symlink, a, t);
            break;
        }
        case 10: BOTH(&p, 1, link, a, b); break;
        }
        if (step % 500 == 499)
            pair_remount(&p);
    }
    pair_check(&p);
    pair_close(&p);
    free(data);
    ext2_set_cache_limit(8 << 20);
    assert_int_equal(shim_heap_live, 0);
}

static void test_random_1k(void **state) { (void)state; random_ops(1024, 1, 8 << 20); }
static void test_random_4k_small_cache(void **state) { (void)state; random_ops(4096, 2, 0); }
static void test_random_1k_small_cache(void **state) { (void)state; random_ops(1024, 3, 0); }
/* The same with staged writes (long runs skip the cache): a device that
 * writes them as late as it may. */
static void random_staged(unsigned bs, unsigned seed, uint64_t cache)
{
    memdev_stage_default = 64 << 10;
    random_ops(bs, seed, cache);
    memdev_stage_default = 0;
}
static void test_random_4k_staged(void **state) { (void)state; random_staged(4096, 4, 8 << 20); }
static void test_random_1k_staged_small_cache(void **state) { (void)state; random_staged(1024, 5, 0); }

/* A directory indexed by e2fsck -D (htree) is read linearly, and adding to
 * it drops the index flag so that e2fsck stays happy. */
static void test_indexed_dir(void **state)
{
    (void)state;
    char *src = tmp_path("idxsrc");
    char *img = tmp_path("idx.img");
    run("rm -rf '%s'; mkdir -p '%s/big'", src, src);
    for (int i = 0; i < 400; i++) {
        char f[1200];
        snprintf(f, sizeof(f), "%s/big/a_rather_long_file_name_to_fill_blocks_%04d", src, i);
        host_write_random(f, 10, i);
    }
    make_image(img, 1024, 8192, "IDX", src, NULL);
    run("e2fsck -fyD '%s' >/dev/null 2>&1", img);
    assert_int_equal(run("debugfs -R 'stat /big' '%s' 2>/dev/null | grep -q 'Flags: 0x1000'", img), 0);
    struct memdev m;
    memdev_load(&m, img, 512);
    struct ext2_fs *fs = fs_mount(&m, false);
    assert_non_null(fs);
    assert_int_equal(fs_compare_tree(fs, ext2_root(fs), src, true), 0);
    uint32_t dir, ino;
    assert_int_equal(fs_resolve(fs, "big", &dir), 0);
    for (int i = 0; i < 100; i++) {
        char n[64];
        snprintf(n, sizeof(n), "added_%d", i);
        assert_int_equal(ext2_create(fs, dir, n, strlen(n), 0644, &ino), 0);
    }
    assert_int_equal(ext2_unlink(fs, dir, "a_rather_long_file_name_to_fill_blocks_0007", 43), 0);
    assert_int_equal(ext2_unmount(fs), 0);
    memdev_save(&m, img);
    memdev_free(&m);
    assert_int_equal(fsck_clean(img), 0);
    size_t n;
    char *ls = run_capture(&n, "debugfs -R 'ls /big' '%s' 2>/dev/null", img);
    assert_non_null(strstr(ls, "added_99"));
    free(ls);
    /* debugfs lists emptied entries too: ask for the name itself. */
    assert_int_equal(run("debugfs -R 'stat /big/a_rather_long_file_name_to_fill_blocks_0007' '%s' 2>&1 "
                         "| grep -q 'not found'", img), 0);
    assert_int_equal(run("debugfs -R 'stat /big/a_rather_long_file_name_to_fill_blocks_0008' '%s' 2>&1 "
                         "| grep -q 'not found'", img), 1);
}

/* Power cut: A written and fsynced, B written without; the disk as it is
 * then, repaired by e2fsck -fy, still has A intact. */
static void test_power_cut(void **state)
{
    (void)state;
    char *img = tmp_path("cut.img");
    char *copy = tmp_path("cut.copy");
    make_image(img, 4096, 4096, "CUT", NULL, NULL);
    struct memdev m;
    memdev_load(&m, img, 512);
    struct ext2_fs *fs = fs_mount(&m, false);
    assert_non_null(fs);
    size_t n = 3 * 1024 * 1024 + 123;
    uint8_t *a = malloc(n), *b = malloc(n);
    fill_random(a, n, 11);
    fill_random(b, n, 12);
    uint32_t dir, ia, ib;
    assert_int_equal(ext2_mkdir(fs, ext2_root(fs), "data", 4, 0755, &dir), 0);
    assert_int_equal(ext2_create(fs, dir, "A", 1, 0644, &ia), 0);
    assert_int_equal(ext2_write(fs, ia, 0, a, n), (int64_t)n);
    unsigned flushes = m.flushes;
    assert_int_equal(ext2_fsync(fs, ia), 0);
    assert_true(m.flushes > flushes);
    assert_int_equal(ext2_create(fs, dir, "B", 1, 0644, &ib), 0);
    assert_int_equal(ext2_write(fs, ib, 0, b, n), (int64_t)n);
    memdev_save(&m, copy);                 /* the cut: no unmount */
    /* The volume is marked not clean while mounted. */
    assert_int_equal(run("dumpe2fs -h '%s' 2>/dev/null | grep -q 'state:.*not clean'", copy), 0);
    int r = run("e2fsck -fy '%s' >/dev/null 2>&1", copy);
    assert_true(r == 0 || r == 1);
    assert_int_equal(fsck_clean(copy), 0);
    char cmd[2100];
    snprintf(cmd, sizeof(cmd), "debugfs -R 'dump /data/A %s.A' '%s' >/dev/null 2>&1", copy, copy);
    assert_int_equal(run("%s", cmd), 0);
    char path[1100];
    snprintf(path, sizeof(path), "%s.A", copy);
    size_t got;
    uint8_t *back = host_read(path, &got);
    assert_non_null(back);
    assert_int_equal(got, n);
    assert_memory_equal(back, a, n);
    free(back);
    ext2_unmount(fs);
    memdev_save(&m, img);
    assert_int_equal(run("dumpe2fs -h '%s' 2>/dev/null | grep -q 'state: *clean'", img), 0);
    memdev_free(&m);
    free(a);
    free(b);
}

static bool state_is(const char *img, const char *state)
{
    return run("dumpe2fs -h '%s' 2>/dev/null | grep -q '^Filesystem state: *%s$'", img, state) == 0;
}

/* An unmount after an interrupted operation writes everything back but
 * leaves the volume not clean; and a volume mounted not clean stays so
 * across clean unmounts until e2fsck has checked it (as Linux does). */
static void test_not_clean_stays(void **state)
{
    (void)state;
    char *img = tmp_path("unclean.img");
    make_image(img, 1024, 4096, "UNCLEAN", NULL, NULL);
    struct memdev m;
    memdev_load(&m, img, 512);
    struct ext2_fs *fs = fs_mount(&m, false);
    assert_non_null(fs);
    size_t n = 200000;
    uint8_t *a = malloc(n);
    fill_random(a, n, 21);
    uint32_t ino;
    assert_int_equal(ext2_create(fs, ext2_root(fs), "f", 1, 0644, &ino), 0);
    assert_int_equal(ext2_write(fs, ino, 0, a, n), (int64_t)n);
    assert_int_equal(ext2_unmount_unclean(fs), 0);
    memdev_save(&m, img);
    assert_true(state_is(img, "not clean"));
    assert_int_equal(fsck_clean(img), 0);          /* written back: nothing lost, nothing wrong */
    fs = fs_mount(&m, false);
    assert_non_null(fs);
    uint8_t *back = malloc(n);
    assert_int_equal(ext2_read(fs, ino, 0, back, n), (int64_t)n);
    assert_memory_equal(back, a, n);
    assert_int_equal(ext2_unmount(fs), 0);
    memdev_save(&m, img);
    assert_true(state_is(img, "not clean"));
    memdev_free(&m);
    int r = run("e2fsck -fy '%s' >/dev/null 2>&1", img);
    assert_true(r == 0 || r == 1);
    assert_true(state_is(img, "clean"));
    memdev_load(&m, img, 512);
    fs = fs_mount(&m, false);
    assert_non_null(fs);
    assert_int_equal(ext2_unmount(fs), 0);
    memdev_save(&m, img);
    assert_true(state_is(img, "clean"));
    memdev_free(&m);
    free(a);
    free(back);
}

/* Sequential writes leave in large transfers; reads come in large ones. */
static void test_coalescing(void **state)
{
    (void)state;
    char *img = tmp_path("co.img");
    make_image(img, 4096, 8192, "CO", NULL, NULL);
    struct memdev m;
    memdev_load(&m, img, 512);
    struct ext2_fs *fs = fs_mount(&m, false);
    assert_non_null(fs);
    size_t n = 8 << 20;
    uint8_t *a = malloc(n), *b = malloc(n);
    fill_random(a, n, 5);
    uint32_t ino;
    assert_int_equal(ext2_create(fs, ext2_root(fs), "seq", 3, 0644, &ino), 0);
    unsigned w0 = m.writes;
    assert_int_equal(ext2_write(fs, ino, 0, a, n), (int64_t)n);
    assert_int_equal(ext2_fsync(fs, ino), 0);
    unsigned writes = m.writes - w0;
    printf("# 8 MiB written in %u device writes, largest %u sectors\n", writes, m.max_write_sectors);
    assert_true(writes < 64);
    assert_true(m.max_write_sectors >= 256);
    assert_int_equal(ext2_unmount(fs), 0);
    /* Cold cache: reads in runs. */
    fs = fs_mount(&m, true);
    unsigned r0 = m.reads;
    assert_int_equal(fs_resolve(fs, "seq", &ino), 0);
    assert_int_equal(ext2_read(fs, ino, 0, b, n), (int64_t)n);
    printf("# 8 MiB read in %u device reads\n", m.reads - r0);
    assert_true(m.reads - r0 < 64);
    assert_memory_equal(a, b, n);
    assert_int_equal(ext2_unmount(fs), 0);
    memdev_free(&m);
    free(a);
    free(b);
}

/* Unknown features: incompat refuses the mount, ro_compat mounts read-only;
 * an "errors" state mounts read-only. */
static void test_features(void **state)
{
    (void)state;
    char *img = tmp_path("feat.img");
    make_image(img, 1024, 1024, "FEAT", NULL, NULL);
    struct memdev m;
    struct ext2_fs *fs;
    char err[128];
    memdev_load(&m, img, 512);
    uint32_t *incompat = (uint32_t *)(m.data + 1024 + 96), *rocompat = (uint32_t *)(m.data + 1024 + 100);
    uint16_t *st = (uint16_t *)(m.data + 1024 + 58);
    uint32_t save = *incompat;
    *incompat |= 0x40;                      /* extents */
    assert_int_equal(ext2_mount(&m.dev, false, &fs, err, sizeof(err)), -EINVAL);
    assert_non_null(strstr(err, "incompatible"));
    *incompat = save;
    *rocompat |= 0x400;                     /* metadata_csum */
    assert_int_equal(ext2_mount(&m.dev, false, &fs, err, sizeof(err)), 0);
    assert_true(ext2_read_only(fs));
    uint32_t ino;
    assert_int_equal(ext2_create(fs, 2, "x", 1, 0644, &ino), -EROFS);
    ext2_unmount(fs);
    *rocompat &= ~0x400u;
    *st = 2;                                /* errors */
    assert_int_equal(ext2_mount(&m.dev, false, &fs, err, sizeof(err)), 0);
    assert_true(ext2_read_only(fs));
    ext2_unmount(fs);
    *st = 1;
    m.dev.read_only = true;
    assert_int_equal(ext2_mount(&m.dev, false, &fs, err, sizeof(err)), 0);
    assert_true(ext2_read_only(fs));
    ext2_unmount(fs);
    memdev_free(&m);
}

/* Device write errors come back as errors, never as a crash. */
static void test_write_errors(void **state)
{
    (void)state;
    char *img = tmp_path("werr.img");
    make_image(img, 1024, 2048, "WERR", NULL, NULL);
    struct memdev m;
    memdev_load(&m, img, 512);
    struct ext2_fs *fs = fs_mount(&m, false);
    assert_non_null(fs);
    uint32_t ino;
    assert_int_equal(ext2_create(fs, 2, "f", 1, 0644, &ino), 0);
    uint8_t buf[50000];
    fill_random(buf, sizeof(buf), 1);
    assert_int_equal(ext2_write(fs, ino, 0, buf, sizeof(buf)), (int64_t)sizeof(buf));
    m.fail_after_writes = 0;
    assert_int_equal(ext2_sync(fs), -EIO);
    assert_int_equal(ext2_unmount(fs), -EIO);
    memdev_free(&m);
    assert_int_equal(shim_heap_live, 0);
}

/* Out of space and out of inodes. */
static void test_full(void **state)
{
    (void)state;
    char *img = tmp_path("full.img");
    make_image(img, 1024, 512, "FULL", NULL, "-N 32");
    struct memdev m;
    memdev_load(&m, img, 512);
    struct ext2_fs *fs = fs_mount(&m, false);
    assert_non_null(fs);
    uint32_t ino;
    assert_int_equal(ext2_create(fs, 2, "f", 1, 0644, &ino), 0);
    uint8_t *buf = calloc(1, 1 << 20);
    int64_t w = ext2_write(fs, ino, 0, buf, 1 << 20);
    assert_true(w > 0 && w < (1 << 20));
    assert_int_equal(ext2_write(fs, ino, w, buf, 4096), -ENOSPC);
    int r = 0;
    for (int i = 0; i < 100 && r == 0; i++) {
        char n[16];
        snprintf(n, sizeof(n), "n%d", i);
        r = ext2_create(fs, 2, n, strlen(n), 0644, &ino);
    }
    assert_int_equal(r, -ENOSPC);
    assert_int_equal(ext2_unmount(fs), 0);
    memdev_save(&m, img);
    assert_int_equal(fsck_clean(img), 0);
    memdev_free(&m);
    free(buf);
}

/* An open file outlives its last name; a stale inode number is -ENOENT,
 * not corruption (the volume stays clean). */
static void test_open_unlinked(void **state)
{
    (void)state;
    char *img = tmp_path("open.img");
    make_image(img, 1024, 4096, "OPEN", NULL, NULL);
    struct memdev m;
    memdev_load(&m, img, 512);
    struct ext2_fs *fs = fs_mount(&m, false);
    assert_non_null(fs);
    struct ext2_statfs before, after;
    ext2_statfs(fs, &before);
    uint8_t data[30000], back[30000];
    fill_random(data, sizeof(data), 3);
    uint32_t a, b, ino;
    assert_int_equal(ext2_create(fs, 2, "a", 1, 0644, &a), 0);
    assert_int_equal(ext2_create(fs, 2, "b", 1, 0644, &b), 0);
    assert_int_equal(ext2_write(fs, a, 0, data, sizeof(data)), (int64_t)sizeof(data));
    assert_int_equal(ext2_write(fs, b, 0, data, sizeof(data)), (int64_t)sizeof(data));
    assert_int_equal(ext2_iref(fs, a), 0);
    assert_int_equal(ext2_iref(fs, a), 0);
    assert_int_equal(ext2_iref(fs, b), 0);
    assert_int_equal(ext2_unlink(fs, 2, "a", 1), 0);
    assert_int_equal(ext2_lookup(fs, 2, "a", 1, &ino), -ENOENT);
    struct ext2_stat st;
    assert_int_equal(ext2_stat(fs, a, &st), 0);
    assert_int_equal(st.links, 0);
    assert_int_equal(ext2_read(fs, a, 0, back, sizeof(back)), (int64_t)sizeof(back));
    assert_memory_equal(data, back, sizeof(data));
    assert_int_equal(ext2_write(fs, a, 30000, data, 100), 100);
    assert_int_equal(ext2_irelease(fs, a), 0);
    assert_int_equal(ext2_stat(fs, a, &st), 0);       /* one reference left */
    unsigned logs = shim_klog_count;
    assert_int_equal(ext2_irelease(fs, a), 0);        /* freed now */
    assert_int_equal(ext2_stat(fs, a, &st), -ENOENT);
    assert_int_equal(ext2_read(fs, a, 0, back, 10), -ENOENT);
    assert_int_equal(shim_klog_count, logs);
    assert_int_equal(ext2_irelease(fs, a), -EINVAL);
    /* b: replaced by a rename while open, still readable, freed at unmount. */
    assert_int_equal(ext2_create(fs, 2, "c", 1, 0644, &ino), 0);
    assert_int_equal(ext2_rename(fs, 2, "c", 1, 2, "b", 1), 0);
    assert_int_equal(ext2_read(fs, b, 0, back, sizeof(back)), (int64_t)sizeof(back));
    assert_int_equal(ext2_unlink(fs, 2, "b", 1), 0);
    /* A directory removed while open takes no new names. */
    uint32_t d;
    assert_int_equal(ext2_mkdir(fs, 2, "d", 1, 0755, &d), 0);
    assert_int_equal(ext2_iref(fs, d), 0);
    assert_int_equal(ext2_rmdir(fs, 2, "d", 1), 0);
    assert_int_equal(ext2_create(fs, d, "x", 1, 0644, &ino), -ENOENT);
    assert_int_equal(ext2_mkdir(fs, d, "x", 1, 0755, &ino), -ENOENT);
    uint64_t cookie = 0;
    char name[256];
    size_t len;
    uint8_t dt;
    assert_true(ext2_readdir(fs, d, &cookie, name, &len, &ino, &dt) >= 0);
    assert_int_equal(ext2_irelease(fs, d), 0);
    assert_int_equal(ext2_unmount(fs), 0);
    memdev_save(&m, img);
    assert_int_equal(fsck_clean(img), 0);
    assert_int_equal(run("dumpe2fs -h '%s' 2>/dev/null | grep -q 'state: *clean'", img), 0);
    fs = fs_mount(&m, true);
    ext2_statfs(fs, &after);
    assert_int_equal(after.free_blocks, before.free_blocks);
    assert_int_equal(after.free_inodes, before.free_inodes);
    ext2_unmount(fs);
    memdev_free(&m);
}

static int reset(void **state)
{
    (void)state;
    ext2_set_cache_limit(8 << 20);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    tmp_cleanup();
    return 0;
}

int main(void)
{
    ext2_set_clock(fixed_clock);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_read_1k, reset),
        cmocka_unit_test_setup(test_read_4k, reset),
        cmocka_unit_test_setup(test_read_4k_sectors, reset),
        cmocka_unit_test_setup(test_write_1k, reset),
        cmocka_unit_test_setup(test_write_4k, reset),
        cmocka_unit_test_setup(test_random_1k, reset),
        cmocka_unit_test_setup(test_random_4k_small_cache, reset),
        cmocka_unit_test_setup(test_random_1k_small_cache, reset),
        cmocka_unit_test_setup(test_random_4k_staged, reset),
        cmocka_unit_test_setup(test_random_1k_staged_small_cache, reset),
        cmocka_unit_test_setup(test_indexed_dir, reset),
        cmocka_unit_test_setup(test_power_cut, reset),
        cmocka_unit_test_setup(test_not_clean_stays, reset),
        cmocka_unit_test_setup(test_coalescing, reset),
        cmocka_unit_test_setup(test_features, reset),
        cmocka_unit_test_setup(test_write_errors, reset),
        cmocka_unit_test_setup(test_full, reset),
        cmocka_unit_test_setup(test_open_unlinked, reset),
    };
    return cmocka_run_group_tests(tests, NULL, teardown);
}
