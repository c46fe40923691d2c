/* tools/volume: names, sizes, where the volumes live, and the errors of
 * create/find/delete that need no mke2fs.  tests/guest/volume-tool.test
 * runs the real mke2fs. */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "../../../tools/volume/volume.h"

static char err[2048];

static void test_names(void **state)
{
    (void)state;
    assert_int_equal(volume_check_name("data", err, sizeof err), 0);
    assert_int_equal(volume_check_name("A-b_c.9", err, sizeof err), 0);
    assert_int_equal(volume_check_name("sixteen-chars-ok", err, sizeof err), 0);
    assert_int_equal(volume_check_name("seventeen-chars-x", err, sizeof err), -1);
    assert_string_equal(err, "volume name \"seventeen-chars-x\" is too long: 17 characters "
                        "(an ext2 label holds at most 16)");
    assert_int_equal(volume_check_name("", err, sizeof err), -1);
    assert_int_equal(volume_check_name(".hidden", err, sizeof err), -1);
    assert_int_equal(volume_check_name("-d", err, sizeof err), -1);
    assert_int_equal(volume_check_name("a b", err, sizeof err), -1);
    assert_string_equal(err, "volume name \"a b\" has the character ' '; use letters, digits, "
                        "'_', '.' and '-'");
    assert_int_equal(volume_check_name("a/b", err, sizeof err), -1);
    assert_int_equal(volume_check_name("a:b", err, sizeof err), -1);
}

static void test_sizes(void **state)
{
    uint64_t b;
    (void)state;
    assert_int_equal(volume_parse_size("64M", &b), 0);
    assert_true(b == 64ull << 20);
    assert_int_equal(volume_parse_size("1g", &b), 0);
    assert_true(b == 1ull << 30);
    assert_int_equal(volume_parse_size("512k", &b), 0);
    assert_true(b == 512ull << 10);
    assert_int_equal(volume_parse_size("2GiB", &b), 0);
    assert_true(b == 2ull << 30);
    assert_int_equal(volume_parse_size("1048576", &b), 0);
    assert_true(b == 1048576);
    assert_int_equal(volume_parse_size("", &b), -1);
    assert_int_equal(volume_parse_size("0", &b), -1);
    assert_int_equal(volume_parse_size("12X", &b), -1);
    assert_int_equal(volume_parse_size("M", &b), -1);
    assert_int_equal(volume_parse_size("-5M", &b), -1);
    assert_int_equal(volume_parse_size("99999999999999999999G", &b), -1);
    assert_int_equal(volume_parse_size("10B", &b), -1);
}

static void test_dir(void **state)
{
    char d[512];
    (void)state;

    setenv("HOME", "/home/u", 1);
    unsetenv("CLOAK_VOLUMES");
    assert_int_equal(volume_dir(NULL, d, sizeof d, err, sizeof err), 0);
    assert_string_equal(d, "/home/u/.cloak/volumes");
    setenv("CLOAK_VOLUMES", "/v", 1);
    assert_int_equal(volume_dir(NULL, d, sizeof d, err, sizeof err), 0);
    assert_string_equal(d, "/v");
    assert_int_equal(volume_dir("~/vols", d, sizeof d, err, sizeof err), 0);
    assert_string_equal(d, "/home/u/vols");
    assert_int_equal(volume_dir("rel/vols", d, sizeof d, err, sizeof err), 0);
    assert_string_equal(d, "rel/vols");
    unsetenv("CLOAK_VOLUMES");
    unsetenv("HOME");
    assert_int_equal(volume_dir(NULL, d, sizeof d, err, sizeof err), -1);
    assert_non_null(strstr(err, "needs $HOME"));
}

static void test_errors(void **state)
{
    char dir[] = "/tmp/cloak-vol-XXXXXX", path[512], want[1024];
    (void)state;

    assert_non_null(mkdtemp(dir));
    assert_int_equal(volume_find(dir, "data", path, sizeof path, err, sizeof err), -1);
    snprintf(want, sizeof want, "volume data not found (no %s/data.img); create it with `cloak "
             "volume create data -d DIR -s SIZE`", dir);
    assert_string_equal(err, want);
    assert_int_equal(volume_delete(dir, "data", path, sizeof path, err, sizeof err), -1);
    assert_non_null(strstr(err, "volume data not found"));
    assert_int_equal(volume_create(dir, "data", NULL, "12X", path, sizeof path, err,
                                   sizeof err), -1);
    assert_string_equal(err, "-s \"12X\": not a size (use a number with k, M, G or T, like 64M "
                        "or 1G)");
    assert_int_equal(volume_create(dir, "data", NULL, "100k", path, sizeof path, err,
                                   sizeof err), -1);
    assert_string_equal(err, "-s \"100k\": a volume needs at least 1M");
    assert_int_equal(volume_create(dir, "data", "/nonexistent/d", "8M", path, sizeof path, err,
                                   sizeof err), -1);
    assert_string_equal(err, "-d /nonexistent/d: no such directory");
    setenv("CLOAK_MKE2FS", "/nonexistent/mke2fs", 1);
    assert_int_equal(volume_create(dir, "data", NULL, "8M", path, sizeof path, err,
                                   sizeof err), -1);
    assert_string_equal(err, "cannot find mke2fs at /nonexistent/mke2fs; install the Debian "
                        "package e2fsprogs");
    unsetenv("CLOAK_MKE2FS");
    /* an existing volume is never replaced */
    snprintf(path, sizeof path, "%s/data.img", dir);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fclose(f);
    assert_int_equal(volume_create(dir, "data", NULL, "8M", path, sizeof path, err,
                                   sizeof err), -1);
    snprintf(want, sizeof want, "volume data already exists (%s/data.img); delete it first with "
             "`cloak volume delete data`", dir);
    assert_string_equal(err, want);
    struct volume_info *v;
    size_t n;
    assert_int_equal(volume_list(dir, &v, &n, err, sizeof err), 0);
    assert_int_equal(n, 1);
    assert_string_equal(v[0].name, "data");
    assert_false(v[0].ext2);
    free(v);
    assert_int_equal(volume_delete(dir, "data", path, sizeof path, err, sizeof err), 0);
    assert_int_equal(volume_list(dir, &v, &n, err, sizeof err), 0);
    assert_int_equal(n, 0);
    free(v);
    rmdir(dir);
    /* a missing directory lists nothing */
    assert_int_equal(volume_list("/nonexistent/vols", &v, &n, err, sizeof err), 0);
    assert_int_equal(n, 0);
}

/* s_state of a hand-made superblock decides the state; a file too short
 * for a superblock, or without ext2's magic, is not ext2. */
static void test_state(void **st)
{
    (void)st;
    char path[] = "/tmp/cloak-volstate-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    unsigned char sb[1024] = {0};
    struct volume_info v;
    assert_int_equal(volume_read_super(path, &v), 0);
    assert_int_equal(v.state, VOLUME_NOT_EXT2);
    sb[56] = 0x53, sb[57] = 0xef;
    memcpy(sb + 120, "vol1", 4);
    const struct { unsigned s_state; enum volume_state want; } cases[] = {
        {1, VOLUME_CLEAN}, {0, VOLUME_NOT_CLEAN}, {2, VOLUME_ERRORS}, {3, VOLUME_ERRORS},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        sb[58] = (unsigned char)cases[i].s_state;
        assert_int_equal(pwrite(fd, sb, sizeof sb, 1024), (ssize_t)sizeof sb);
        assert_int_equal(volume_read_super(path, &v), 0);
        assert_true(v.ext2);
        assert_string_equal(v.label, "vol1");
        assert_int_equal(v.state, cases[i].want);
    }
    assert_string_equal(volume_state_name(VOLUME_NOT_CLEAN), "not clean");
    sb[57] = 0;
    assert_int_equal(pwrite(fd, sb, sizeof sb, 1024), (ssize_t)sizeof sb);
    assert_int_equal(volume_read_super(path, &v), 0);
    assert_false(v.ext2);
    close(fd);
    unlink(path);
    assert_int_equal(volume_read_super(path, &v), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_names),
        cmocka_unit_test(test_sizes),
        cmocka_unit_test(test_dir),
        cmocka_unit_test(test_errors),
        cmocka_unit_test(test_state),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
