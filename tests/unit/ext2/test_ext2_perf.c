/* ext2 throughput on a memory-backed device, built -O2 without sanitizers:
 * sequential 64 MiB write + fsync, then cold and warm reads.  The figures
 * are printed (TAP comments), never judged; the test checks the data and
 * that transfers were coalesced. */
#include <stddef.h>
#include <stdarg.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <cmocka.h>
#include "fsutil.h"

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void throughput(unsigned bs)
{
    const size_t total = 64u << 20, chunk = 1u << 20;
    char *img = tmp_path("perf.img");
    make_image(img, bs, (unsigned)((80ull << 20) / bs), "PERF", NULL, NULL);
    struct memdev m;
    memdev_load(&m, img, 512);
    ext2_set_cache_limit(32u << 20);
    struct ext2_fs *fs = fs_mount(&m, false);
    assert_non_null(fs);
    uint8_t *data = malloc(total), *back = malloc(total);
    fill_random(data, total, 99);
    uint32_t ino;
    assert_int_equal(ext2_create(fs, ext2_root(fs), "big", 3, 0644, &ino), 0);
    unsigned w0 = m.writes;
    double t0 = now();
    for (size_t off = 0; off < total; off += chunk)
        assert_int_equal(ext2_write(fs, ino, off, data + off, chunk), (int64_t)chunk);
    assert_int_equal(ext2_fsync(fs, ino), 0);
    double tw = now() - t0;
    unsigned writes = m.writes - w0;
    assert_int_equal(ext2_unmount(fs), 0);

    fs = fs_mount(&m, true);
    assert_non_null(fs);
    assert_int_equal(fs_resolve(fs, "big", &ino), 0);
    unsigned r0 = m.reads;
    t0 = now();
    for (size_t off = 0; off < total; off += chunk)
        assert_int_equal(ext2_read(fs, ino, off, back + off, chunk), (int64_t)chunk);
    double tr = now() - t0;
    unsigned reads = m.reads - r0;
    assert_memory_equal(data, back, total);
    /* Warm: the tail of the file is cached. */
    t0 = now();
    for (size_t off = total - (16u << 20); off < total; off += chunk)
        assert_int_equal(ext2_read(fs, ino, off, back + off, chunk), (int64_t)chunk);
    double twarm = now() - t0;
    assert_int_equal(ext2_unmount(fs), 0);
    printf("# %u-byte blocks: 64 MiB write+fsync %.0f MB/s (%u device writes, largest %u KiB); "
           "cold read %.0f MB/s (%u device reads, largest %u KiB); warm read %.0f MB/s\n",
           bs, total / tw / 1e6, writes, m.max_write_sectors / 2, total / tr / 1e6, reads,
           m.max_read_sectors / 2, (16u << 20) / twarm / 1e6);
    assert_true(writes < total / (128u << 10));
    assert_true(reads < total / (64u << 10));   /* 1 KiB blocks: an indirect block every 256 */
    memdev_free(&m);
    free(data);
    free(back);
    ext2_set_cache_limit(8u << 20);
}

static void test_throughput_4k(void **state) { (void)state; throughput(4096); }
static void test_throughput_1k(void **state) { (void)state; throughput(1024); }

static int teardown(void **state)
{
    (void)state;
    tmp_cleanup();
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_throughput_4k),
        cmocka_unit_test(test_throughput_1k),
    };
    return cmocka_run_group_tests(tests, NULL, teardown);
}
