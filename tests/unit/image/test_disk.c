/* Whole images written by disk_image_write: the GPT read back from the
 * file, the ESP read back with our reader, and judged by outside tools:
 * fsck.vfat -n on the partition and mtools reading files back through the
 * partition table offset.  Tests needing a tool skip when it is missing. */
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
#include <zlib.h>

#include "disk_image.h"
#include "fatread.h"
#include "gpt.h"

struct fixture {
    char dir[200];
    char img[240];
    char files[4][240];
    uint8_t *data[4];
    size_t size[4];
};

static const char *esp_names[4] = {"EFI/BOOT/BOOTX64.EFI", "cloak/kernel.elf", "cloak/archive.cpio",
                                   "cloak/cmdline.txt"};
static const size_t sizes[4] = {150001, 8192, 0, 12};

static int setup(void **state) {
    struct fixture *fx = calloc(1, sizeof *fx);
    const char *tmp = getenv("TMPDIR");
    snprintf(fx->dir, sizeof fx->dir, "%s/cloak-image-test-XXXXXX", tmp && *tmp ? tmp : "/tmp");
    if (!mkdtemp(fx->dir))
        return -1;
    snprintf(fx->img, sizeof fx->img, "%s/disk.img", fx->dir);
    for (int i = 0; i < 4; i++) {
        snprintf(fx->files[i], sizeof fx->files[i], "%s/f%d", fx->dir, i);
        fx->size[i] = sizes[i];
        fx->data[i] = malloc(sizes[i] + 1);
        for (size_t k = 0; k < sizes[i]; k++)
            fx->data[i][k] = (uint8_t)(k * 7 + i + (k >> 9));
        FILE *f = fopen(fx->files[i], "wb");
        if (!f || fwrite(fx->data[i], 1, sizes[i], f) != sizes[i] || fclose(f) != 0)
            return -1;
    }
    struct esp_file ef[4];
    for (int i = 0; i < 4; i++)
        ef[i] = (struct esp_file){esp_names[i], fx->files[i]};
    char err[256];
    if (disk_image_write(fx->img, ef, 4, err, sizeof err) != 0) {
        fprintf(stderr, "disk_image_write: %s\n", err);
        return -1;
    }
    *state = fx;
    return 0;
}

static int teardown(void **state) {
    struct fixture *fx = *state;
    char cmd[512];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", fx->dir);
    if (system(cmd) != 0)
        return -1;
    for (int i = 0; i < 4; i++)
        free(fx->data[i]);
    free(fx);
    return 0;
}

static uint8_t *slurp(const char *path, size_t *len) {
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    uint8_t *buf = malloc((size_t)n + 1);
    if (fread(buf, 1, (size_t)n, f) != (size_t)n) {
        free(buf);
        buf = NULL;
    }
    fclose(f);
    *len = (size_t)n;
    return buf;
}

static uint32_t crc(const uint8_t *p, size_t n) { return (uint32_t)crc32(0, p, (uInt)n); }

static void check_header(const uint8_t *img, uint64_t lba, uint64_t alt, uint64_t sectors) {
    const uint8_t *h = img + lba * 512;
    assert_memory_equal(h, "EFI PART", 8);
    uint8_t copy[92];
    memcpy(copy, h, 92);
    memset(copy + 16, 0, 4);
    assert_int_equal(get_le32(h + 16), crc(copy, 92));
    assert_int_equal(get_le64(h + 24), lba);
    assert_int_equal(get_le64(h + 32), alt);
    assert_int_equal(get_le64(h + 48), sectors - 34);
    uint64_t array = get_le64(h + 72);
    assert_int_equal(array, lba == 1 ? 2 : sectors - 33);
    assert_int_equal(get_le32(h + 88), crc(img + array * 512, 128 * 128));
}

static void test_gpt_on_disk(void **state) {
    struct fixture *fx = *state;
    size_t len;
    uint8_t *img = slurp(fx->img, &len);
    assert_non_null(img);
    assert_int_equal(len % (1 << 20), 0);
    uint64_t sectors = len / 512;
    assert_int_equal(img[510], 0x55);
    assert_int_equal(img[446 + 4], 0xee);
    check_header(img, 1, sectors - 1, sectors);
    check_header(img, sectors - 1, 1, sectors);
    const uint8_t *e = img + 2 * 512;
    assert_memory_equal(e, GPT_TYPE_ESP.b, 16);
    uint64_t first = get_le64(e + 32), last = get_le64(e + 40);
    assert_int_equal(first, 2048);                 /* 1 MiB aligned */
    assert_int_equal((last + 1) % 2048, 0);
    assert_true(last < sectors - 33);
    /* the ESP reads back */
    struct fr f;
    assert_int_equal(fr_open(&f, img + first * 512, (last - first + 1) * 512), 0);
    for (int i = 0; i < 4; i++) {
        struct fr_entry fe;
        assert_int_equal(fr_lookup(&f, esp_names[i], &fe), 0);
        assert_int_equal(fe.size, fx->size[i]);
        uint8_t *got = fr_read(&f, &fe);
        assert_non_null(got);
        if (fx->size[i])
            assert_memory_equal(got, fx->data[i], fx->size[i]);
        free(got);
    }
    free(img);
}

static void test_reproducible(void **state) {
    struct fixture *fx = *state;
    char again[260];
    snprintf(again, sizeof again, "%s/again.img", fx->dir);
    struct esp_file ef[4];
    for (int i = 0; i < 4; i++)
        ef[i] = (struct esp_file){esp_names[i], fx->files[i]};
    char err[256];
    assert_int_equal(disk_image_write(again, ef, 4, err, sizeof err), 0);
    size_t a, b;
    uint8_t *x = slurp(fx->img, &a), *y = slurp(again, &b);
    assert_int_equal(a, b);
    assert_memory_equal(x, y, a);
    free(x);
    free(y);
}

static void test_missing_host_file(void **state) {
    struct fixture *fx = *state;
    char out[260];
    snprintf(out, sizeof out, "%s/bad.img", fx->dir);
    struct esp_file ef[] = {{"EFI/BOOT/BOOTX64.EFI", "/nonexistent/loader.efi"}};
    char err[256] = "";
    assert_int_equal(disk_image_write(out, ef, 1, err, sizeof err), -1);
    assert_non_null(strstr(err, "/nonexistent/loader.efi"));
    assert_int_equal(access(out, F_OK), -1);
}

static const char *find_tool(const char *name) {
    static char path[128];
    const char *dirs[] = {"/usr/sbin", "/sbin", "/usr/bin", "/bin"};
    for (size_t i = 0; i < 4; i++) {
        snprintf(path, sizeof path, "%s/%s", dirs[i], name);
        if (access(path, X_OK) == 0)
            return path;
    }
    return NULL;
}

/* Writes the partition of img to a file of its own. */
static void extract_partition(const char *img, const char *out) {
    size_t len;
    uint8_t *d = slurp(img, &len);
    assert_non_null(d);
    const uint8_t *e = d + 1024;
    uint64_t first = get_le64(e + 32), last = get_le64(e + 40);
    FILE *f = fopen(out, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(d + first * 512, 512, last - first + 1, f), last - first + 1);
    assert_int_equal(fclose(f), 0);
    free(d);
}

static void fsck_image(const char *img, const char *dir) {
    const char *fsck = find_tool("fsck.vfat");
    if (!fsck) {
        print_message("# SKIP: fsck.vfat not found (Debian package dosfstools)\n");
        skip();
    }
    char part[260], cmd[1024];
    snprintf(part, sizeof part, "%s/part.img", dir);
    extract_partition(img, part);
    snprintf(cmd, sizeof cmd, "%s -n '%s' > '%s/fsck.out' 2>&1", fsck, part, dir);
    int rc = system(cmd);
    snprintf(cmd, sizeof cmd, "cat '%s/fsck.out'", dir);
    if (rc != 0) {
        (void)!system(cmd);
        fail_msg("fsck.vfat -n reported problems (status %d)", rc);
    }
    /* fsck.vfat -n exits 0 even after "would fix" notes: none wanted */
    snprintf(cmd, sizeof cmd,
             "grep -qiE 'would|fix|differ|mark|remov|wrong|invalid|bad' '%s/fsck.out'", dir);
    if (system(cmd) == 0) {
        snprintf(cmd, sizeof cmd, "cat '%s/fsck.out'", dir);
        (void)!system(cmd);
        fail_msg("fsck.vfat -n found something to fix");
    }
}

static void test_fsck(void **state) {
    struct fixture *fx = *state;
    fsck_image(fx->img, fx->dir);
}

static void test_fsck_fat32(void **state) {
    struct fixture *fx = *state;
    /* 600 entries in the root: beyond FAT16's root region, so FAT32 */
    enum { N = 300 };
    static struct esp_file ef[N];
    static char names[N][48];
    for (int i = 0; i < N; i++) {
        snprintf(names[i], sizeof names[i], "Some Long Name %03d.dat", i);
        ef[i] = (struct esp_file){names[i], fx->files[i % 4]};
    }
    char img[260], err[256];
    snprintf(img, sizeof img, "%s/fat32.img", fx->dir);
    assert_int_equal(disk_image_write(img, ef, N, err, sizeof err), 0);
    size_t len;
    uint8_t *d = slurp(img, &len);
    assert_memory_equal(d + 1024 * 1024 + 82, "FAT32   ", 8);
    free(d);
    fsck_image(img, fx->dir);
}

static void test_mtools_read_back(void **state) {
    struct fixture *fx = *state;
    if (!find_tool("mtype") || !find_tool("mdir")) {
        print_message("# SKIP: mtools (mdir, mtype) not found (Debian package mtools)\n");
        skip();
    }
    char cmd[1024];
    snprintf(cmd, sizeof cmd, "MTOOLS_SKIP_CHECK=1 mdir -i '%s@@1M' ::/EFI/BOOT > /dev/null", fx->img);
    assert_int_equal(system(cmd), 0);
    for (int i = 0; i < 4; i++) {
        char out[260];
        snprintf(out, sizeof out, "%s/back%d", fx->dir, i);
        snprintf(cmd, sizeof cmd, "MTOOLS_SKIP_CHECK=1 mtype -i '%s@@1M' '::/%s' > '%s'", fx->img,
                 esp_names[i], out);
        assert_int_equal(system(cmd), 0);
        size_t len;
        uint8_t *got = slurp(out, &len);
        assert_non_null(got);
        assert_int_equal(len, fx->size[i]);
        if (len)
            assert_memory_equal(got, fx->data[i], len);
        free(got);
    }
    /* the long name is what mtools shows next to the 8.3 name */
    snprintf(cmd, sizeof cmd,
             "MTOOLS_SKIP_CHECK=1 mdir -i '%s@@1M' ::/cloak | grep -q 'archive.cpio'", fx->img);
    assert_int_equal(system(cmd), 0);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_gpt_on_disk),
        cmocka_unit_test(test_reproducible),
        cmocka_unit_test(test_missing_host_file),
        cmocka_unit_test(test_fsck),
        cmocka_unit_test(test_fsck_fat32),
        cmocka_unit_test(test_mtools_read_back),
    };
    return cmocka_run_group_tests_name("image_disk", tests, setup, teardown);
}
