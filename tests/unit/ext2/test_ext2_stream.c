/* Streaming writes (kernel/fs/ext2/stream.c) against a device with staged
 * writes that reach the disk as late as a device may write them (see
 * struct memdev): sequential writes leave through the staging buffers in
 * few posts, and so do long runs of dirty cached blocks at fsync; reads
 * right after a write, partial overwrites and the cache
 * see the newest data; a staged write that fails in flight is reported by
 * fsync; e2fsck and debugfs judge the result. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "fsutil.h"
#include "shim.h"
#include "lib/errno.h"

static uint32_t fixed_clock(void) { return 1700000000; }

static struct ext2_fs *setup(struct memdev *m, const char *name, unsigned bs, unsigned blocks)
{
    char *img = tmp_path(name);
    make_image(img, bs, blocks, "ST", NULL, NULL);
    memdev_load(m, img, 512);
    memdev_stage(m, 64 << 10);
    struct ext2_fs *fs = fs_mount(m, false);
    assert_non_null(fs);
    return fs;
}

/* Unmounts, saves, e2fsck must be clean, and debugfs dumps `name` equal to want. */
static void check_image(struct memdev *m, struct ext2_fs *fs, const char *img_name, const char *name,
                        const uint8_t *want, size_t n)
{
    assert_int_equal(ext2_unmount(fs), 0);
    char *img = tmp_path(img_name);
    memdev_save(m, img);
    assert_int_equal(fsck_clean(img), 0);
    char *out = tmp_path("dumped");
    assert_int_equal(run("debugfs -R 'dump /%s %s' '%s' >/dev/null 2>&1", name, out, img), 0);
    size_t len;
    uint8_t *got = host_read(out, &len);
    assert_non_null(got);
    assert_int_equal(len, n);
    assert_memory_equal(got, want, n);
    free(got);
}

/* 8 MiB in 64 KiB writes: through the staging buffers, few device writes
 * of their own (metadata), the data right on disk. */
static void test_sequential(void **state)
{
    (void)state;
    struct memdev m;
    struct ext2_fs *fs = setup(&m, "seq.img", 4096, 8192);
    size_t n = 8 << 20;
    uint8_t *a = malloc(n);
    fill_random(a, n, 11);
    uint32_t ino;
    assert_int_equal(ext2_create(fs, ext2_root(fs), "seq", 3, 0644, &ino), 0);
    unsigned w0 = m.writes;
    for (size_t off = 0; off < n; off += 64 << 10)
        assert_int_equal(ext2_write(fs, ino, off, a + off, 64 << 10), 64 << 10);
    assert_int_equal(ext2_fsync(fs, ino), 0);
    printf("# 8 MiB: %u staged posts, %u ordinary device writes\n", m.stage_posts, m.writes - w0);
    assert_true(m.stage_posts >= n / (64 << 10) && m.stage_posts <= n / (64 << 10) + 8);
    assert_true(m.writes - w0 < 16);
    assert_int_equal(m.npending, 0);
    check_image(&m, fs, "seq.img", "seq", a, n);
    memdev_free(&m);
    free(a);
    assert_int_equal(shim_heap_live, 0);
}

/* Data still in an open staging buffer, or posted and not yet written, is
 * what a read returns; partial and whole-block overwrites through the
 * cache and streamed overwrites of cached blocks land in order. */
static void test_read_and_overwrite(void **state)
{
    (void)state;
    struct memdev m;
    struct ext2_fs *fs = setup(&m, "ow.img", 1024, 8192);
    size_t n = 600000;
    uint8_t *model = calloc(1, n), *src = malloc(n), *got = malloc(n);
    fill_random(src, n, 12);
    uint32_t ino;
    assert_int_equal(ext2_create(fs, ext2_root(fs), "f", 1, 0644, &ino), 0);
    /* A streamed write, read back at once (its last buffer not posted). */
    assert_int_equal(ext2_write(fs, ino, 0, src, 300000), 300000);
    memcpy(model, src, 300000);
    assert_int_equal(ext2_read(fs, ino, 0, got, 300000), 300000);
    assert_memory_equal(got, model, 300000);
    /* Partial overwrite of a streamed block (read from the device). */
    assert_int_equal(ext2_write(fs, ino, 5000, src + 7, 100), 100);
    memcpy(model + 5000, src + 7, 100);
    /* One whole block through the cache, then streamed over again. */
    assert_int_equal(ext2_write(fs, ino, 10240, src + 99, 1024), 1024);
    memcpy(model + 10240, src + 99, 1024);
    assert_int_equal(ext2_read(fs, ino, 0, got, 20000), 20000);
    assert_memory_equal(got, model, 20000);
    assert_int_equal(ext2_write(fs, ino, 8192, src + 1234, 65536), 65536);
    memcpy(model + 8192, src + 1234, 65536);
    /* Extending the file past its end with a streamed write. */
    assert_int_equal(ext2_write(fs, ino, 300000, src + 5, 300000), 300000);
    memcpy(model + 300000, src + 5, 300000);
    assert_int_equal(ext2_read(fs, ino, 0, got, n), (int64_t)n);
    assert_memory_equal(got, model, n);
    assert_true(m.stage_posts > 0);
    check_image(&m, fs, "ow.img", "f", model, n);
    memdev_free(&m);
    free(model);
    free(src);
    free(got);
    assert_int_equal(shim_heap_live, 0);
}

/* Small writes go through the cache; at fsync, long sorted runs of dirty
 * blocks leave through the staging buffers, short ones the ordinary way. */
static void test_cache_writeback(void **state)
{
    (void)state;
    struct memdev m;
    struct ext2_fs *fs = setup(&m, "wb.img", 1024, 8192);
    size_t n = 300000;
    uint8_t *a = malloc(n);
    fill_random(a, n, 14);
    uint32_t ino;
    assert_int_equal(ext2_create(fs, ext2_root(fs), "wb", 2, 0644, &ino), 0);
    for (size_t off = 0; off < n; off += 500)
        assert_int_equal(ext2_write(fs, ino, off, a + off, 500), 500);
    assert_int_equal(m.stage_posts, 0);
    assert_int_equal(ext2_fsync(fs, ino), 0);
    printf("# 300000 bytes in 500-byte writes: %u staged posts at fsync\n", m.stage_posts);
    assert_true(m.stage_posts > 0);
    assert_int_equal(m.npending, 0);
    check_image(&m, fs, "wb.img", "wb", a, n);
    memdev_free(&m);
    free(a);
    assert_int_equal(shim_heap_live, 0);
}

/* A staged write that fails in flight: fsync says so (-EIO), once. */
static void test_failed_post(void **state)
{
    (void)state;
    struct memdev m;
    struct ext2_fs *fs = setup(&m, "fail.img", 4096, 4096);
    size_t n = 1 << 20;
    uint8_t *a = malloc(n);
    fill_random(a, n, 13);
    uint32_t ino;
    assert_int_equal(ext2_create(fs, ext2_root(fs), "f", 1, 0644, &ino), 0);
    m.fail_stage_posts = 3;
    assert_int_equal(ext2_write(fs, ino, 0, a, n), (int64_t)n);
    assert_int_equal(ext2_fsync(fs, ino), -EIO);
    m.fail_stage_posts = -1;
    assert_int_equal(ext2_fsync(fs, ino), 0);
    ext2_unmount(fs);
    memdev_free(&m);
    free(a);
    assert_int_equal(shim_heap_live, 0);
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
        cmocka_unit_test(test_sequential),
        cmocka_unit_test(test_read_and_overwrite),
        cmocka_unit_test(test_cache_writeback),
        cmocka_unit_test(test_failed_post),
    };
    return cmocka_run_group_tests(tests, NULL, teardown);
}
