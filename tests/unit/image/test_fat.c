/* FAT volumes built by tools/image/fat.c, read back with an independent
 * reader (fatread.h). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "fat.h"
#include "fatread.h"

static uint8_t *pattern(size_t n, unsigned seed) {
    uint8_t *p = malloc(n ? n : 1);
    for (size_t i = 0; i < n; i++)
        p[i] = (uint8_t)(i * 31 + seed + (i >> 11));
    return p;
}

static void check_file(const struct fr *f, const char *path, const void *data, uint64_t size) {
    struct fr_entry e;
    if (fr_lookup(f, path, &e) != 0)
        fail_msg("%s: not found on the volume", path);
    assert_true(e.lfn_ok);
    assert_int_equal(e.attr & 0x10, 0);
    assert_int_equal(e.size, size);
    uint8_t *got = fr_read(f, &e);
    assert_non_null(got);
    if (size)
        assert_memory_equal(got, data, size);
    free(got);
}

static void check_fats_equal(const struct fr *f) {
    const uint8_t *a = f->v + (uint64_t)f->reserved * 512;
    assert_memory_equal(a, a + (uint64_t)f->fat_sectors * 512, (uint64_t)f->fat_sectors * 512);
}

static void test_esp_layout(void **state) {
    (void)state;
    uint8_t *efi = pattern(70000, 1), *kernel = pattern(4097, 2), *cmd = (uint8_t *)"quiet\n";
    struct fat_file files[] = {
        {"EFI/BOOT/BOOTX64.EFI", efi, 70000},
        {"cloak/kernel.elf", kernel, 4097},
        {"cloak/archive.cpio", "", 0},
        {"cloak/cmdline.txt", cmd, 6},
    };
    struct fat_options opt = {.hidden_sectors = 2048, .volume_id = 0x1234};
    struct fat_volume vol;
    char err[256] = "";
    assert_int_equal(fat_build(&vol, files, 4, &opt, err, sizeof err), 0);
    assert_int_equal(vol.fat_bits, 16);
    assert_int_equal(vol.size % 512, 0);

    struct fr f;
    assert_int_equal(fr_open(&f, vol.data, vol.size), 0);
    assert_int_equal(f.bits, 16);              /* what the cluster count says */
    assert_int_equal(f.clusters, vol.clusters);
    assert_true(f.clusters >= 4085 && f.clusters < 65525);
    assert_int_equal(fr32(vol.data + 28), 2048); /* hidden sectors */
    assert_int_equal(vol.data[21], 0xf8);
    assert_memory_equal(vol.data + 54, "FAT16   ", 8);
    assert_int_equal(fr_next(&f, 0), 0xfff8);
    assert_int_equal(f.data_start % f.spc, 0);  /* clusters aligned */
    check_fats_equal(&f);

    check_file(&f, "EFI/BOOT/BOOTX64.EFI", efi, 70000);
    check_file(&f, "efi/boot/bootx64.efi", efi, 70000); /* FAT ignores case */
    check_file(&f, "cloak/kernel.elf", kernel, 4097);
    check_file(&f, "cloak/archive.cpio", "", 0);
    check_file(&f, "cloak/cmdline.txt", cmd, 6);

    /* 8.3 names: upper-case names stand alone, others get a long name */
    struct fr_entry e;
    assert_int_equal(fr_lookup(&f, "EFI/BOOT/BOOTX64.EFI", &e), 0);
    assert_memory_equal(e.sfn, "BOOTX64 EFI", 11);
    assert_int_equal(fr_lookup(&f, "cloak/kernel.elf", &e), 0);
    assert_memory_equal(e.sfn, "KERNEL  ELF", 11);
    assert_string_equal(e.name, "kernel.elf");
    assert_int_equal(fr_lookup(&f, "cloak/archive.cpio", &e), 0);
    assert_memory_equal(e.sfn, "ARCHIV~1CPI", 11);
    assert_int_equal(e.cluster, 0);              /* empty file: no cluster */

    /* "." and ".." of a subdirectory */
    struct fr_entry dir, ents[8];
    assert_int_equal(fr_lookup(&f, "EFI/BOOT", &dir), 0);
    assert_int_equal(dir.attr & 0x10, 0x10);
    int n = fr_list(&f, dir.cluster, ents, 8);
    assert_int_equal(n, 3);
    assert_memory_equal(ents[0].sfn, ".          ", 11);
    assert_int_equal(ents[0].cluster, dir.cluster);
    struct fr_entry efidir;
    assert_int_equal(fr_lookup(&f, "EFI", &efidir), 0);
    assert_memory_equal(ents[1].sfn, "..         ", 11);
    assert_int_equal(ents[1].cluster, efidir.cluster);
    n = fr_list(&f, efidir.cluster, ents, 8);
    assert_int_equal(ents[1].cluster, 0);        /* ".." of a root child is 0 */

    fat_free(&vol);
    free(efi);
    free(kernel);
}

static void test_short_name_tails(void **state) {
    (void)state;
    struct fat_file files[] = {
        {"a very long file name.text", "1", 1},
        {"a very long file name.texts", "2", 1},
        {".hidden", "3", 1},
        {"two.dots.tar.gz", "4", 1},
        {"Mixed.Txt", "5", 1},
    };
    struct fat_volume vol;
    char err[256];
    assert_int_equal(fat_build(&vol, files, 5, NULL, err, sizeof err), 0);
    struct fr f;
    assert_int_equal(fr_open(&f, vol.data, vol.size), 0);
    struct fr_entry e[8];
    int n = fr_list(&f, 0, e, 8);
    assert_int_equal(n, 5);
    assert_memory_equal(e[0].sfn, "AVERYL~1TEX", 11);
    assert_memory_equal(e[1].sfn, "AVERYL~2TEX", 11);
    assert_memory_equal(e[2].sfn, "HIDDEN~1   ", 11);
    assert_memory_equal(e[3].sfn, "TWODOT~1GZ ", 11);
    assert_memory_equal(e[4].sfn, "MIXED   TXT", 11);
    const char *names[] = {"a very long file name.text", "a very long file name.texts", ".hidden",
                           "two.dots.tar.gz", "Mixed.Txt"};
    for (int i = 0; i < 5; i++) {
        assert_string_equal(e[i].name, names[i]);
        assert_true(e[i].lfn_ok);
        check_file(&f, names[i], files[i].data, 1);
    }
    uint8_t s[11];
    memcpy(s, "KERNEL  ELF", 11);
    assert_int_equal(fat_lfn_checksum(s), fr_sum(s));
    fat_free(&vol);
}

static void test_fat32_when_big(void **state) {
    (void)state;
    /* a minimum size beyond FAT16's 65524 clusters of 2 KiB */
    struct fat_file files[] = {{"EFI/BOOT/BOOTX64.EFI", "MZ", 2}};
    struct fat_options opt = {.min_bytes = 200ull << 20};
    struct fat_volume vol;
    char err[256];
    assert_int_equal(fat_build(&vol, files, 1, &opt, err, sizeof err), 0);
    assert_int_equal(vol.fat_bits, 32);
    struct fr f;
    assert_int_equal(fr_open(&f, vol.data, vol.size), 0);
    assert_int_equal(f.bits, 32);
    assert_true(f.clusters >= 65525);
    assert_int_equal(f.root_cluster, 2);
    assert_memory_equal(vol.data + 82, "FAT32   ", 8);
    /* FSInfo and the backup boot sector */
    assert_int_equal(fr32(vol.data + 512), 0x41615252);
    assert_int_equal(fr32(vol.data + 512 + 484), 0x61417272);
    assert_int_equal(fr32(vol.data + 512 + 508), 0xaa550000);
    assert_memory_equal(vol.data, vol.data + 6 * 512, 512);
    check_fats_equal(&f);
    check_file(&f, "EFI/BOOT/BOOTX64.EFI", "MZ", 2);
    fat_free(&vol);
}

static void test_many_root_files(void **state) {
    (void)state;
    /* more root entries than FAT16's fixed root region holds: FAT32 */
    enum { N = 300 };
    static struct fat_file files[N];
    static char names[N][40];
    for (int i = 0; i < N; i++) {
        snprintf(names[i], sizeof names[i], "file-with-a-long-name-%03d.txt", i);
        files[i] = (struct fat_file){names[i], names[i], strlen(names[i])};
    }
    struct fat_volume vol;
    char err[256];
    assert_int_equal(fat_build(&vol, files, N, NULL, err, sizeof err), 0);
    assert_int_equal(vol.fat_bits, 32);
    struct fr f;
    assert_int_equal(fr_open(&f, vol.data, vol.size), 0);
    for (int i = 0; i < N; i += 37)
        check_file(&f, names[i], names[i], strlen(names[i]));
    fat_free(&vol);
}

static void test_rejects(void **state) {
    (void)state;
    struct fat_volume vol;
    char err[256];
    struct fat_file dup[] = {{"cloak/kernel.elf", "a", 1}, {"CLOAK/KERNEL.ELF", "b", 1}};
    assert_int_equal(fat_build(&vol, dup, 2, NULL, err, sizeof err), -1);
    assert_non_null(strstr(err, "CLOAK/KERNEL.ELF"));
    struct fat_file bad[] = {{"a:b", "a", 1}};
    assert_int_equal(fat_build(&vol, bad, 1, NULL, err, sizeof err), -1);
    assert_non_null(strstr(err, "a:b"));
    struct fat_file abs[] = {{"/x", "a", 1}};
    assert_int_equal(fat_build(&vol, abs, 1, NULL, err, sizeof err), -1);
    struct fat_file filedir[] = {{"x", "a", 1}, {"x/y", "b", 1}};
    assert_int_equal(fat_build(&vol, filedir, 2, NULL, err, sizeof err), -1);
    struct fat_file dotdot[] = {{"x/../y", "a", 1}};
    assert_int_equal(fat_build(&vol, dotdot, 1, NULL, err, sizeof err), -1);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_esp_layout),
        cmocka_unit_test(test_short_name_tails),
        cmocka_unit_test(test_fat32_when_big),
        cmocka_unit_test(test_many_root_files),
        cmocka_unit_test(test_rejects),
    };
    return cmocka_run_group_tests_name("image_fat", tests, NULL, NULL);
}
