/* elf_symbolize: names a function of a real ELF file (this test's own
 * binary) by an unbiased address, and refuses what it cannot trust. */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <link.h>
#include <unistd.h>
#include <cmocka.h>
#include "../../../tools/elf/elf_sym.h"

__attribute__((noinline, used)) int elf_sym_target(int x)
{
    return x * 3 + 1;
}

static int first_bias(struct dl_phdr_info *info, size_t size, void *data)
{
    (void)size;
    *(uintptr_t *)data = info->dlpi_addr;   /* the first object is the program */
    return 1;
}

static uintptr_t self_bias(void)
{
    uintptr_t bias = 0;
    dl_iterate_phdr(first_bias, &bias);
    return bias;
}

static void test_self(void **state)
{
    char out[128];
    uintptr_t at = (uintptr_t)&elf_sym_target - self_bias();
    (void)state;

    assert_int_equal(elf_symbolize("/proc/self/exe", at, out, sizeof out), 0);
    assert_string_equal(out, "elf_sym_target+0x0");
    assert_int_equal(elf_symbolize("/proc/self/exe", at + 5, out, sizeof out), 0);
    assert_string_equal(out, "elf_sym_target+0x5");
    /* outside every executable segment: no name, never a neighbour's */
    assert_int_equal(elf_symbolize("/proc/self/exe", 0x10, out, sizeof out), -1);
    assert_int_equal(elf_symbolize("/proc/self/exe", UINT64_MAX - 4096, out, sizeof out), -1);
}

static void test_bad_files(void **state)
{
    char out[128], path[] = "/tmp/elf_sym_test.XXXXXX";
    uintptr_t at = (uintptr_t)&elf_sym_target - self_bias();
    (void)state;

    assert_int_equal(elf_symbolize("/nonexistent/prog", 0x401000, out, sizeof out), -1);
    assert_int_equal(elf_symbolize("/proc/self/status", 0x401000, out, sizeof out), -1);
    /* this binary cut short at every length up to 4 KiB: refused, no crash */
    FILE *self = fopen("/proc/self/exe", "rb");
    static unsigned char buf[4096];
    size_t n = fread(buf, 1, sizeof buf, self);
    fclose(self);
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    for (size_t len = 1; len <= n; len += 61) {
        FILE *f = fopen(path, "wb");
        fwrite(buf, 1, len, f);
        fclose(f);
        assert_int_equal(elf_symbolize(path, at, out, sizeof out), -1);
    }
    close(fd);
    unlink(path);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_self),
        cmocka_unit_test(test_bad_files),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
