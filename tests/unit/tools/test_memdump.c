/* tools/dump (memdump) and tools/qmp: ELF core segments to guest-physical
 * addresses, the secret search and its classification against the DMA
 * heap, the report's verdict line, the dma-heap log line, and splitting
 * QMP's stream into messages. */
#define _GNU_SOURCE
#include <elf.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "../../../tools/dump/memdump.h"
#include "../../../tools/qmp/qmp.h"

static char err[512];
static const char secret[] = "My luggage password is 31337";

/* A core file like QEMU's (paging=false): a PT_NOTE, then two PT_LOAD
 * segments, RAM below the hole at GPA 0 and a second block at 4 GiB, each
 * 64 KiB. */
struct core {
    unsigned char *buf;
    size_t len;
};

#define SEG 0x10000u

static struct core make_core(void)
{
    struct core c;
    Elf64_Ehdr eh = {0};
    Elf64_Phdr ph[3] = {{0}};
    size_t data = 4096;

    c.len = data + 2 * SEG;
    c.buf = calloc(1, c.len);
    assert_non_null(c.buf);
    memcpy(eh.e_ident, ELFMAG, SELFMAG);
    eh.e_ident[EI_CLASS] = ELFCLASS64;
    eh.e_ident[EI_DATA] = ELFDATA2LSB;
    eh.e_ident[EI_VERSION] = EV_CURRENT;
    eh.e_type = ET_CORE;
    eh.e_machine = EM_X86_64;
    eh.e_version = EV_CURRENT;
    eh.e_phoff = sizeof eh;
    eh.e_ehsize = sizeof eh;
    eh.e_phentsize = sizeof(Elf64_Phdr);
    eh.e_phnum = 3;
    ph[0].p_type = PT_NOTE;
    ph[0].p_offset = 1024;
    ph[0].p_filesz = 64;
    ph[1] = (Elf64_Phdr){.p_type = PT_LOAD, .p_offset = data, .p_paddr = 0,
                         .p_filesz = SEG, .p_memsz = SEG};
    ph[2] = (Elf64_Phdr){.p_type = PT_LOAD, .p_offset = data + SEG,
                         .p_paddr = 0x100000000ull, .p_filesz = SEG, .p_memsz = SEG};
    memcpy(c.buf, &eh, sizeof eh);
    memcpy(c.buf + sizeof eh, ph, sizeof ph);
    /* the secret in the note must not count: it is not guest RAM */
    memcpy(c.buf + 1024, secret, sizeof secret - 1);
    return c;
}

static void put(struct core *c, uint64_t gpa, const void *s, size_t n)
{
    size_t off = gpa >= 0x100000000ull ? 4096 + SEG + (gpa - 0x100000000ull) : 4096 + gpa;
    assert_true(off + n <= c->len);
    memcpy(c->buf + off, s, n);
}

static void test_parse(void **state)
{
    struct core c = make_core();
    struct memdump_range *r;
    size_t n;
    (void)state;

    assert_int_equal(memdump_parse_elf(c.buf, c.len, &r, &n, err, sizeof err), 0);
    assert_int_equal(n, 2);
    assert_int_equal(r[0].gpa, 0);
    assert_int_equal(r[0].offset, 4096);
    assert_int_equal(r[0].size, SEG);
    assert_int_equal(r[1].gpa, 0x100000000ull);
    assert_int_equal(r[1].offset, 4096 + SEG);
    free(r);

    /* truncated: the second segment runs past the end */
    assert_int_equal(memdump_parse_elf(c.buf, c.len - 1, &r, &n, err, sizeof err), -1);
    assert_non_null(strstr(err, "past the end of the dump"));
    /* not ELF; not a core */
    assert_int_equal(memdump_parse_elf((const unsigned char *)"hello", 5, &r, &n, err,
                                       sizeof err), -1);
    assert_string_equal(err, "the dump is not an ELF file");
    c.buf[16] = ET_EXEC;
    assert_int_equal(memdump_parse_elf(c.buf, c.len, &r, &n, err, sizeof err), -1);
    assert_non_null(strstr(err, "not a core file"));
    c.buf[16] = ET_CORE;
    /* program headers out of the file */
    assert_int_equal(memdump_parse_elf(c.buf, 100, &r, &n, err, sizeof err), -1);
    assert_string_equal(err, "the dump's program headers lie outside the file");
    free(c.buf);
}

static void test_search(void **state)
{
    struct core c = make_core();
    struct memdump_range *r;
    struct memdump_result res;
    unsigned char wide[2 * (sizeof secret - 1)];
    size_t n;
    (void)state;

    put(&c, 0x1230, secret, sizeof secret - 1);              /* private */
    put(&c, 0x8100, secret, sizeof secret - 1);              /* in the DMA heap */
    put(&c, 0x7fe8, secret, sizeof secret - 1);              /* straddles its start: shared */
    put(&c, 0x100000000ull + 0x40, secret, sizeof secret - 1); /* above 4 GiB, private */
    put(&c, SEG - 10, secret, 10);                           /* cut at the end of RAM: no */
    memset(wide, 0, sizeof wide);
    for (size_t i = 0; i < sizeof secret - 1; i++)
        wide[2 * i] = (unsigned char)secret[i];
    put(&c, 0x100000000ull + 0x2000, wide, sizeof wide);     /* UTF-16LE, private */
    assert_int_equal(memdump_parse_elf(c.buf, c.len, &r, &n, err, sizeof err), 0);

    assert_int_equal(memdump_search(c.buf, r, n, secret, sizeof secret - 1, true, 0x8000,
                                    0x1000, &res), 0);
    assert_int_equal(res.ram_bytes, 2 * SEG);
    assert_int_equal(res.nranges, 2);
    assert_int_equal(res.n, 5);
    assert_int_equal(res.hits[0].gpa, 0x1230);
    assert_int_equal(res.hits[0].where, MEMDUMP_PRIVATE);
    assert_int_equal(res.hits[1].gpa, 0x7fe8);
    assert_int_equal(res.hits[1].where, MEMDUMP_SHARED);
    assert_int_equal(res.hits[2].gpa, 0x8100);
    assert_int_equal(res.hits[2].where, MEMDUMP_SHARED);
    assert_int_equal(res.hits[3].gpa, 0x100000040ull);
    assert_false(res.hits[3].utf16);
    assert_int_equal(res.hits[4].gpa, 0x100002000ull);
    assert_true(res.hits[4].utf16);
    assert_int_equal(res.bytes_private, 2);
    assert_int_equal(res.bytes_shared, 2);
    assert_int_equal(res.utf16_private, 1);
    assert_int_equal(res.utf16_shared, 0);

    char *text;
    size_t len;
    FILE *f = open_memstream(&text, &len);
    assert_int_equal(memdump_report(f, &res, secret, sizeof secret - 1, true, 0x8000, 0x1000,
                                    3), 1);
    fclose(f);
    assert_non_null(strstr(text, "searched 128 KiB of guest memory (2 ranges)"));
    assert_non_null(strstr(text, "shared memory (the DMA heap, from the kernel log): "
                                 "0x8000-0x9000 (4 KiB)"));
    assert_non_null(strstr(text, "  0x0000000000001230  private\n"
                                 "  0x0000000000007fe8  shared\n"
                                 "  0x0000000000008100  shared\n"
                                 "  ... and 2 more\n"));
    assert_non_null(strstr(text, "\nSECRET FOUND: 4 copies (2 in private memory, 2 in shared "
                                 "memory)\nUTF-16LE: 1 copy (1 in private memory, 0 in shared "
                                 "memory)\n"));
    free(text);
    memdump_result_free(&res);

    /* without the dma-heap line: found, but not classified */
    assert_int_equal(memdump_search(c.buf, r, n, secret, sizeof secret - 1, false, 0, 0,
                                    &res), 0);
    assert_int_equal(res.bytes_unknown, 4);
    f = open_memstream(&text, &len);
    assert_int_equal(memdump_report(f, &res, secret, sizeof secret - 1, false, 0, 0, 64), 1);
    fclose(f);
    assert_non_null(strstr(text, "  0x0000000100002000  memory  (UTF-16LE)\n"));
    assert_non_null(strstr(text, "SECRET FOUND: 4 copies (private or shared unknown"));
    free(text);
    memdump_result_free(&res);

    /* not there at all: the confidential outcome */
    assert_int_equal(memdump_search(c.buf, r, n, "not in memory", 13, true, 0x8000, 0x1000,
                                    &res), 0);
    assert_int_equal(res.n, 0);
    f = open_memstream(&text, &len);
    assert_int_equal(memdump_report(f, &res, "not in memory", 13, true, 0x8000, 0x1000, 64), 0);
    fclose(f);
    assert_non_null(strstr(text, "secret not found: 0 copies in 128 KiB of guest memory"));
    assert_null(strstr(text, "SECRET FOUND"));
    free(text);
    memdump_result_free(&res);
    free(r);
    free(c.buf);
}

/* Overlapping copies count one by one. */
static void test_overlap(void **state)
{
    struct core c = make_core();
    struct memdump_range *r;
    struct memdump_result res;
    size_t n;
    (void)state;

    put(&c, 0x100, "aaaa", 4);
    assert_int_equal(memdump_parse_elf(c.buf, c.len, &r, &n, err, sizeof err), 0);
    assert_int_equal(memdump_search(c.buf, r, n, "aa", 2, true, 0, 0x10, &res), 0);
    assert_int_equal(res.bytes_private, 3);
    memdump_result_free(&res);
    free(r);
    free(c.buf);
}

static void test_dma_line(void **state)
{
    const char *log = "cloak kernel booting\n"
                      "mm: 120 MiB RAM\n"
                      "[ 0.001] dma-heap: phys=0x15b000 size=0x3c3000\n"
                      "dma-heap: phys=0x1 size=0x1\n";
    const char *none = "dma-heap: phys=zzz\nnothing\n";
    uint64_t p = 0, s = 0;
    (void)state;

    assert_true(memdump_dma_from_log(log, strlen(log), &p, &s));
    assert_int_equal(p, 0x15b000);
    assert_int_equal(s, 0x3c3000);
    assert_false(memdump_dma_from_log(none, strlen(none), &p, &s));
    assert_false(memdump_dma_from_log("", 0, &p, &s));
    /* no final newline */
    assert_true(memdump_dma_from_log("dma-heap: phys=0x2000 size=0x1000", 33, &p, &s));
    assert_int_equal(p, 0x2000);
}

static void test_qmp_messages(void **state)
{
    char buf[512];
    size_t len;
    int bad;
    json_t *j;
    (void)state;

    strcpy(buf, "{\"QMP\": {\"version\": {}}}\r\n\r\n{\"return\": {}}\r\n{\"event\": \"ST");
    len = strlen(buf);
    j = qmp_take_message(buf, &len, &bad);
    assert_non_null(j);
    assert_non_null(json_object_get(j, "QMP"));
    json_decref(j);
    j = qmp_take_message(buf, &len, &bad); /* the blank line is skipped */
    assert_non_null(j);
    assert_non_null(json_object_get(j, "return"));
    json_decref(j);
    j = qmp_take_message(buf, &len, &bad); /* incomplete: wait */
    assert_null(j);
    assert_int_equal(bad, 0);
    assert_int_equal(len, strlen("{\"event\": \"ST"));
    strcpy(buf, "[1, 2]\n");
    len = strlen(buf);
    assert_null(qmp_take_message(buf, &len, &bad));
    assert_int_equal(bad, 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse),
        cmocka_unit_test(test_search),
        cmocka_unit_test(test_overlap),
        cmocka_unit_test(test_dma_line),
        cmocka_unit_test(test_qmp_messages),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
