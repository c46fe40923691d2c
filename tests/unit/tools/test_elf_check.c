/* tools/elf: ELF checks on headers crafted in memory. */
#include <elf.h>
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

#include "../../../tools/elf/elf_check.h"

static char err[1024];
static struct elf_info info;

#define INTERP "/lib64/ld-linux-x86-64.so.2"

/* A minimal x86-64 executable: header, two program headers (PT_LOAD and,
 * if interp, PT_INTERP), then the interpreter string. */
static size_t make_elf(unsigned char *buf, bool interp)
{
    Elf64_Ehdr *eh = (Elf64_Ehdr *)buf;
    Elf64_Phdr *ph = (Elf64_Phdr *)(buf + sizeof *eh);
    size_t strofs = sizeof *eh + 2 * sizeof *ph;

    memset(buf, 0, 512);
    memcpy(eh->e_ident, ELFMAG, SELFMAG);
    eh->e_ident[EI_CLASS] = ELFCLASS64;
    eh->e_ident[EI_DATA] = ELFDATA2LSB;
    eh->e_ident[EI_VERSION] = EV_CURRENT;
    eh->e_type = ET_EXEC;
    eh->e_machine = EM_X86_64;
    eh->e_version = EV_CURRENT;
    eh->e_entry = 0x401000;
    eh->e_phoff = sizeof *eh;
    eh->e_ehsize = sizeof *eh;
    eh->e_phentsize = sizeof *ph;
    eh->e_phnum = interp ? 2 : 1;
    ph[0].p_type = PT_LOAD;
    ph[0].p_filesz = 512;
    if (interp) {
        ph[1].p_type = PT_INTERP;
        ph[1].p_offset = strofs;
        ph[1].p_filesz = sizeof INTERP;
        memcpy(buf + strofs, INTERP, sizeof INTERP);
    }
    return 512;
}

static int check(const unsigned char *buf, size_t len)
{
    err[0] = '\0';
    return elf_check_buffer(buf, len, "prog", &info, err, sizeof err);
}

static void test_good_static(void **state)
{
    unsigned char buf[512];
    size_t len = make_elf(buf, false);
    (void)state;

    assert_int_equal(check(buf, len), 0);
    assert_int_equal(info.type, ET_EXEC);
    assert_true(info.entry == 0x401000);
    assert_false(info.has_interp);
    ((Elf64_Ehdr *)buf)->e_type = ET_DYN; /* static-pie */
    assert_int_equal(check(buf, len), 0);
}

static void test_dynamic(void **state)
{
    unsigned char buf[512];
    size_t len = make_elf(buf, true);
    (void)state;

    assert_int_equal(check(buf, len), 0);
    assert_true(info.has_interp);
    assert_string_equal(info.interp, INTERP);
    /* the interpreter string past the end of the file */
    assert_int_equal(check(buf, sizeof(Elf64_Ehdr) + 2 * sizeof(Elf64_Phdr) + 4), -1);
    assert_non_null(strstr(err, "truncated"));
}

static void test_not_elf(void **state)
{
    unsigned char buf[512];
    (void)state;

    memcpy(buf, "hello world", 12);
    assert_int_equal(check(buf, 12), -1);
    assert_string_equal(err, "prog is not an ELF program (no ELF magic number); cloak runs "
                        "x86-64 ELF programs");
    memcpy(buf, "#!/bin/sh\n", 10);
    assert_int_equal(check(buf, 10), -1);
    assert_non_null(strstr(err, "is a script"));
    assert_int_equal(check(buf, 0), -1);
    make_elf(buf, false);
    buf[1] = 'X';
    assert_int_equal(check(buf, 512), -1);
    assert_non_null(strstr(err, "not an ELF"));
}

static void test_wrong_machine(void **state)
{
    unsigned char buf[512];
    (void)state;

    make_elf(buf, false);
    ((Elf64_Ehdr *)buf)->e_machine = EM_AARCH64;
    assert_int_equal(check(buf, 512), -1);
    assert_string_equal(err, "prog is an ELF for aarch64; cloak runs x86-64 programs only");
    ((Elf64_Ehdr *)buf)->e_machine = EM_RISCV;
    assert_int_equal(check(buf, 512), -1);
    assert_string_equal(err, "prog is an ELF for riscv; cloak runs x86-64 programs only");
    ((Elf64_Ehdr *)buf)->e_machine = 0x1234;
    assert_int_equal(check(buf, 512), -1);
    assert_non_null(strstr(err, "e_machine 4660"));

    /* a 32-bit i386 ELF: machine reported first */
    make_elf(buf, false);
    buf[EI_CLASS] = ELFCLASS32;
    buf[18] = EM_386;
    buf[19] = 0;
    assert_int_equal(check(buf, 52), -1);
    assert_string_equal(err, "prog is an ELF for i386; cloak runs x86-64 programs only");
    /* x32: ELFCLASS32 with EM_X86_64 */
    buf[18] = EM_X86_64;
    assert_int_equal(check(buf, 52), -1);
    assert_non_null(strstr(err, "32-bit"));
    /* big-endian ppc64 */
    make_elf(buf, false);
    buf[EI_DATA] = ELFDATA2MSB;
    buf[18] = 0;
    buf[19] = EM_PPC64;
    assert_int_equal(check(buf, 512), -1);
    assert_string_equal(err, "prog is an ELF for ppc64; cloak runs x86-64 programs only");
}

static void test_wrong_type(void **state)
{
    unsigned char buf[512];
    (void)state;

    make_elf(buf, false);
    ((Elf64_Ehdr *)buf)->e_type = ET_REL;
    assert_int_equal(check(buf, 512), -1);
    assert_non_null(strstr(err, "object file"));
    ((Elf64_Ehdr *)buf)->e_type = ET_CORE;
    assert_int_equal(check(buf, 512), -1);
    assert_non_null(strstr(err, "core dump"));
}

static void test_truncated(void **state)
{
    unsigned char buf[512];
    (void)state;

    make_elf(buf, false);
    assert_int_equal(check(buf, 10), -1);
    assert_non_null(strstr(err, "truncated"));
    assert_int_equal(check(buf, 40), -1);
    assert_string_equal(err, "prog is a truncated ELF file (40 bytes, the ELF header needs 64)");
    assert_int_equal(check(buf, 64 + 20), -1); /* program headers cut off */
    assert_non_null(strstr(err, "program headers"));
    assert_non_null(strstr(err, "truncated"));
    ((Elf64_Ehdr *)buf)->e_phoff = 1ull << 62;
    assert_int_equal(check(buf, 512), -1);
    assert_non_null(strstr(err, "truncated"));
    make_elf(buf, false);
    ((Elf64_Ehdr *)buf)->e_phnum = 0;
    assert_int_equal(check(buf, 512), -1);
    assert_non_null(strstr(err, "no program headers"));
    make_elf(buf, false);
    ((Elf64_Ehdr *)buf)->e_phentsize = 32;
    assert_int_equal(check(buf, 512), -1);
    assert_non_null(strstr(err, "corrupt"));
}

static void test_files(void **state)
{
    char dir[] = "/tmp/cloak-elf-XXXXXX", path[256];
    unsigned char buf[512];
    FILE *f;
    (void)state;

    assert_non_null(mkdtemp(dir));
    snprintf(path, sizeof path, "%s/none", dir);
    assert_int_equal(elf_check_file(path, &info, err, sizeof err), -1);
    assert_non_null(strstr(err, "no such file"));
    assert_non_null(strstr(err, path));
    assert_int_equal(elf_check_file(dir, &info, err, sizeof err), -1);
    assert_non_null(strstr(err, "is a directory"));
    assert_int_equal(elf_check_file("/dev/null", &info, err, sizeof err), -1);
    assert_non_null(strstr(err, "not a regular file"));

    snprintf(path, sizeof path, "%s/empty", dir);
    f = fopen(path, "w");
    fclose(f);
    assert_int_equal(elf_check_file(path, &info, err, sizeof err), -1);
    assert_non_null(strstr(err, "is empty"));
    unlink(path);

    snprintf(path, sizeof path, "%s/good", dir);
    f = fopen(path, "w");
    fwrite(buf, 1, make_elf(buf, true), f);
    fclose(f);
    assert_int_equal(elf_check_file(path, &info, err, sizeof err), 0);
    assert_string_equal(info.interp, INTERP);
    unlink(path);
    rmdir(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_good_static),
        cmocka_unit_test(test_dynamic),
        cmocka_unit_test(test_not_elf),
        cmocka_unit_test(test_wrong_machine),
        cmocka_unit_test(test_wrong_type),
        cmocka_unit_test(test_truncated),
        cmocka_unit_test(test_files),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
