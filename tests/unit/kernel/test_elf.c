/* unix/elf.c (elf_check): ELF headers built in memory, one fault at a time,
 * then the real guest programs of $(BUILD)/tests/guest (static glibc, static
 * musl, static PIE) and the host's /bin/true (dynamic: PT_INTERP). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>
#include <setjmp.h>
#include <string.h>
#include <stdio.h>
#include <stdlib.h>
#include <dirent.h>
#include <elf.h>
#include <cmocka.h>

#include "unix/elf.h"
#include "mm/layout.h"

#define FILE_SIZE 0x2800

struct elfb {
    uint8_t data[0x4000];
    size_t size;
    Elf64_Ehdr *eh;
    Elf64_Phdr *ph;
};

/* A static executable: text R+X at 0x400000 (holding the headers), data
 * R+W at 0x602000 with .bss, and a non-executable stack. */
static void make_exec(struct elfb *b)
{
    memset(b, 0, sizeof(*b));
    b->size = FILE_SIZE;
    b->eh = (Elf64_Ehdr *)b->data;
    b->ph = (Elf64_Phdr *)(b->data + 64);
    Elf64_Ehdr *e = b->eh;
    memcpy(e->e_ident, ELFMAG, SELFMAG);
    e->e_ident[EI_CLASS] = ELFCLASS64;
    e->e_ident[EI_DATA] = ELFDATA2LSB;
    e->e_ident[EI_VERSION] = EV_CURRENT;
    e->e_type = ET_EXEC;
    e->e_machine = EM_X86_64;
    e->e_version = EV_CURRENT;
    e->e_entry = 0x401100;
    e->e_phoff = 64;
    e->e_ehsize = 64;
    e->e_phentsize = sizeof(Elf64_Phdr);
    e->e_phnum = 3;
    b->ph[0] = (Elf64_Phdr){ .p_type = PT_LOAD, .p_flags = PF_R | PF_X, .p_offset = 0,
                             .p_vaddr = 0x400000, .p_paddr = 0x400000, .p_filesz = 0x1800,
                             .p_memsz = 0x1800, .p_align = 0x1000 };
    b->ph[1] = (Elf64_Phdr){ .p_type = PT_LOAD, .p_flags = PF_R | PF_W, .p_offset = 0x2000,
                             .p_vaddr = 0x602000, .p_paddr = 0x602000, .p_filesz = 0x800,
                             .p_memsz = 0x3000, .p_align = 0x1000 };
    b->ph[2] = (Elf64_Phdr){ .p_type = PT_GNU_STACK, .p_flags = PF_R | PF_W };
}

/* The same laid out as a PIE: text at 0, data at 0x202000. */
static void make_pie(struct elfb *b)
{
    make_exec(b);
    b->eh->e_type = ET_DYN;
    b->eh->e_entry = 0x1100;
    b->ph[0].p_vaddr = b->ph[0].p_paddr = 0;
    b->ph[1].p_vaddr = b->ph[1].p_paddr = 0x202000;
}

static Elf64_Phdr *add_phdr(struct elfb *b, Elf64_Phdr p)
{
    Elf64_Phdr *n = &b->ph[b->eh->e_phnum++];
    assert_true(64 + b->eh->e_phnum * sizeof(Elf64_Phdr) <= 0x1800);
    *n = p;
    return n;
}

static int check(const struct elfb *b, struct elf_image *img, const char **why)
{
    /* Exact-size copy: ASan reports any read past the file. */
    uint8_t *copy = malloc(b->size ? b->size : 1);
    assert_non_null(copy);
    memcpy(copy, b->data, b->size);
    *why = NULL;
    int r = elf_check(copy, b->size, USER_TOP, img, why);
    free(copy);
    return r;
}

static void expect_fail(const struct elfb *b, const char *fault)
{
    struct elf_image img;
    const char *why;
    int r = check(b, &img, &why);
    if (r != -1 || !why || !strstr(why, fault))
        fail_msg("wanted failure \"%s\", got %d \"%s\"", fault, r, why ? why : "(null)");
}

static void test_static_exec(void **state)
{
    (void)state;
    struct elfb b;
    make_exec(&b);
    struct elf_image img;
    const char *why;
    assert_int_equal(check(&b, &img, &why), 0);
    assert_false(img.pie);
    assert_int_equal(img.bias, 0);
    assert_int_equal(img.entry, 0x401100);
    assert_int_equal(img.phdr, 0x400040);
    assert_int_equal(img.phnum, 3);
    assert_int_equal(img.phentsize, 56);
    assert_int_equal(img.nseg, 2);
    assert_int_equal(img.seg[0].vaddr, 0x400000);
    assert_int_equal(img.seg[0].memsz, 0x1800);
    assert_int_equal(img.seg[0].offset, 0);
    assert_int_equal(img.seg[0].filesz, 0x1800);
    assert_int_equal(img.seg[0].prot, 1 | 4);        /* PROT_READ | PROT_EXEC */
    assert_int_equal(img.seg[1].vaddr, 0x602000);
    assert_int_equal(img.seg[1].memsz, 0x3000);
    assert_int_equal(img.seg[1].offset, 0x2000);
    assert_int_equal(img.seg[1].filesz, 0x800);
    assert_int_equal(img.seg[1].prot, 1 | 2);        /* PROT_READ | PROT_WRITE */
    assert_int_equal(img.end, 0x605000);
    assert_false(img.has_interp);
    assert_false(img.exec_stack);
}

static void test_pie(void **state)
{
    (void)state;
    struct elfb b;
    make_pie(&b);
    struct elf_image img;
    const char *why;
    assert_int_equal(check(&b, &img, &why), 0);
    assert_true(img.pie);
    assert_int_equal(img.bias, PIE_LOAD_BASE);
    assert_int_equal(img.entry, PIE_LOAD_BASE + 0x1100);
    assert_int_equal(img.phdr, PIE_LOAD_BASE + 0x40);
    assert_int_equal(img.end, PIE_LOAD_BASE + 0x205000);
    /* Segments stay unbiased; the loader adds the bias. */
    assert_int_equal(img.seg[0].vaddr, 0);
    assert_int_equal(img.seg[1].vaddr, 0x202000);

    /* Lowest segment not at 0: the bias brings its page to the base. */
    b.ph[0].p_vaddr = 0x10000;
    b.ph[1].p_vaddr = 0x212000;
    b.eh->e_entry = 0x11100;
    assert_int_equal(check(&b, &img, &why), 0);
    assert_int_equal(img.bias, PIE_LOAD_BASE - 0x10000);
    assert_int_equal(img.entry, PIE_LOAD_BASE + 0x1100);
    assert_int_equal(img.phdr, PIE_LOAD_BASE + 0x40);

    /* A PT_PHDR names the program headers' address. */
    make_pie(&b);
    add_phdr(&b, (Elf64_Phdr){ .p_type = PT_PHDR, .p_flags = PF_R, .p_offset = 64, .p_vaddr = 0x40,
                               .p_filesz = 4 * 56, .p_memsz = 4 * 56 });
    assert_int_equal(check(&b, &img, &why), 0);
    assert_int_equal(img.phdr, PIE_LOAD_BASE + 0x40);
    assert_int_equal(img.phnum, 4);

    /* A PIE may sit below 64 KiB before it is biased; an EXEC may not. */
    make_exec(&b);
    b.ph[0].p_vaddr = 0x1000;
    b.eh->e_entry = 0x1100;
    expect_fail(&b, "64 KiB");
}

static void test_interp_and_stack(void **state)
{
    (void)state;
    struct elfb b;
    make_pie(&b);
    memcpy(b.data + 0x300, "/lib64/ld-linux-x86-64.so.2", 28);
    add_phdr(&b, (Elf64_Phdr){ .p_type = PT_INTERP, .p_flags = PF_R, .p_offset = 0x300,
                               .p_vaddr = 0x300, .p_filesz = 28, .p_memsz = 28 });
    b.ph[2].p_flags = PF_R | PF_W | PF_X;
    struct elf_image img;
    const char *why;
    assert_int_equal(check(&b, &img, &why), 0);
    assert_true(img.has_interp);
    assert_true(img.exec_stack);
    assert_int_equal(img.nseg, 2);
}

static void test_header_faults(void **state)
{
    (void)state;
    struct elfb b;
    make_exec(&b); b.eh->e_ident[0] = 0x7e; expect_fail(&b, "magic");
    make_exec(&b); b.eh->e_ident[3] = 'f'; expect_fail(&b, "magic");
    make_exec(&b); b.eh->e_ident[EI_CLASS] = ELFCLASS32; expect_fail(&b, "64-bit");
    make_exec(&b); b.eh->e_ident[EI_DATA] = ELFDATA2MSB; expect_fail(&b, "little-endian");
    make_exec(&b); b.eh->e_ident[EI_VERSION] = 0; expect_fail(&b, "version");
    make_exec(&b); b.eh->e_version = 2; expect_fail(&b, "version");
    make_exec(&b); b.eh->e_machine = EM_AARCH64; expect_fail(&b, "x86-64");
    make_exec(&b); b.eh->e_machine = EM_386; expect_fail(&b, "x86-64");
    make_exec(&b); b.eh->e_type = ET_REL; expect_fail(&b, "not an executable");
    make_exec(&b); b.eh->e_type = ET_CORE; expect_fail(&b, "not an executable");
    make_exec(&b); b.eh->e_phentsize = 32; expect_fail(&b, "program header size");
    make_exec(&b); b.eh->e_phentsize = 64; expect_fail(&b, "program header size");
    make_exec(&b); b.eh->e_phnum = 0; expect_fail(&b, "number of program headers");
    make_exec(&b); b.eh->e_phnum = 200; expect_fail(&b, "number of program headers");
    make_exec(&b); b.eh->e_phoff = FILE_SIZE + 8; expect_fail(&b, "program headers run past");
    make_exec(&b); b.eh->e_phoff = FILE_SIZE - 56; expect_fail(&b, "program headers run past");
    make_exec(&b); b.eh->e_phoff = UINT64_MAX - 8; expect_fail(&b, "program headers run past");
    make_exec(&b); b.size = 63; expect_fail(&b, "shorter");
    make_exec(&b); b.size = 0; expect_fail(&b, "shorter");
}

static void test_segment_faults(void **state)
{
    (void)state;
    struct elfb b;
    /* Data past the end of the file. */
    make_exec(&b); b.ph[1].p_filesz = 0x801; expect_fail(&b, "past the end of the file");
    make_exec(&b); b.ph[1].p_offset = 0x3000; b.ph[1].p_vaddr = 0x603000;
    expect_fail(&b, "past the end of the file");
    make_exec(&b); b.ph[1].p_offset = UINT64_MAX - 0xfff; b.ph[1].p_vaddr = 0x603000;
    expect_fail(&b, "past the end of the file");
    make_exec(&b); b.ph[1].p_filesz = UINT64_MAX; b.ph[1].p_memsz = UINT64_MAX;
    expect_fail(&b, "past the end of the file");
    /* filesz > memsz. */
    make_exec(&b); b.ph[1].p_memsz = 0x7ff; expect_fail(&b, "exceeds its memory size");
    /* vaddr and offset not congruent modulo 4 KiB. */
    make_exec(&b); b.ph[1].p_vaddr = 0x602010; expect_fail(&b, "congruent");
    /* Kernel half, and straddling the top of user space. */
    make_exec(&b); b.ph[1].p_vaddr = 0xffff800000000000ull; expect_fail(&b, "outside the user");
    make_exec(&b); b.ph[1].p_vaddr = 0xffffffff80002000ull; expect_fail(&b, "outside the user");
    make_exec(&b); b.ph[1].p_vaddr = USER_TOP - 0x1000; expect_fail(&b, "outside the user");
    make_exec(&b); b.ph[1].p_memsz = UINT64_MAX - 0x100000; expect_fail(&b, "outside the user");
    /* A PIE whose bias pushes the top segment out. */
    make_pie(&b); b.ph[1].p_vaddr = 0x7f0000002000ull; expect_fail(&b, "outside the user");
    /* Overlaps, either order, and containment. */
    make_exec(&b); b.ph[1].p_vaddr = 0x401000; b.ph[1].p_offset = 0x2000;
    expect_fail(&b, "overlap");
    make_exec(&b); b.ph[0].p_vaddr = 0x603000; b.ph[0].p_memsz = 0x1000; b.ph[0].p_filesz = 0x1000;
    b.eh->e_entry = 0x603100;
    expect_fail(&b, "overlap");
    make_exec(&b);
    add_phdr(&b, (Elf64_Phdr){ .p_type = PT_LOAD, .p_flags = PF_R, .p_offset = 0x2000,
                               .p_vaddr = 0x603000, .p_filesz = 0, .p_memsz = 0x10 });
    expect_fail(&b, "overlap");
    /* Touching segments are fine. */
    make_exec(&b); b.ph[1].p_vaddr = 0x402000; b.ph[0].p_memsz = 0x2000;
    struct elf_image img;
    const char *why;
    assert_int_equal(check(&b, &img, &why), 0);
    /* An empty PT_LOAD is skipped, even a silly one. */
    make_exec(&b);
    add_phdr(&b, (Elf64_Phdr){ .p_type = PT_LOAD, .p_offset = 0x12345, .p_vaddr = 0xffff800000000000ull });
    assert_int_equal(check(&b, &img, &why), 0);
    assert_int_equal(img.nseg, 2);
}

static void test_entry_faults(void **state)
{
    (void)state;
    struct elfb b;
    /* In the data segment (not executable). */
    make_exec(&b); b.eh->e_entry = 0x602100; expect_fail(&b, "entry point");
    /* In .bss beyond the file part, also not executable. */
    make_exec(&b); b.eh->e_entry = 0x604000; expect_fail(&b, "entry point");
    /* Just past the text segment, and nowhere at all. */
    make_exec(&b); b.eh->e_entry = 0x401800; expect_fail(&b, "entry point");
    make_exec(&b); b.eh->e_entry = 0; expect_fail(&b, "entry point");
    /* The last byte of text is fine. */
    make_exec(&b); b.eh->e_entry = 0x4017ff;
    struct elf_image img;
    const char *why;
    assert_int_equal(check(&b, &img, &why), 0);
    assert_int_equal(img.entry, 0x4017ff);
    /* PIE: the entry is checked before biasing. */
    make_pie(&b); b.eh->e_entry = PIE_LOAD_BASE + 0x1100; expect_fail(&b, "entry point");
}

static void test_segment_counts(void **state)
{
    (void)state;
    struct elfb b;
    make_exec(&b);
    b.ph[0].p_type = PT_NOTE;
    b.ph[1].p_type = PT_NOTE;
    expect_fail(&b, "no loadable segments");

    /* 16 PT_LOAD segments are fine, 17 are not. */
    make_exec(&b);
    b.eh->e_phnum = 0;
    for (int i = 0; i < 17; i++)
        add_phdr(&b, (Elf64_Phdr){ .p_type = PT_LOAD, .p_flags = PF_R | PF_X, .p_offset = 0,
                                   .p_vaddr = 0x400000 + (uint64_t)i * 0x10000,
                                   .p_filesz = 0x1000, .p_memsz = 0x1000 });
    b.eh->e_entry = 0x400100;
    expect_fail(&b, "too many");
    b.eh->e_phnum = 16;
    struct elf_image img;
    const char *why;
    assert_int_equal(check(&b, &img, &why), 0);
    assert_int_equal(img.nseg, 16);
    assert_int_equal(img.end, 0x400000 + 15 * 0x10000 + 0x1000);
}

static uint64_t rng_state = 0x243f6a8885a308d3ull;
static uint64_t rng(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return rng_state;
}

/* Truncations and corruptions: never a read outside the file (ASan), and
 * every accepted image is consistent. */
static void test_fuzz(void **state)
{
    (void)state;
    struct elfb b, orig;
    make_exec(&orig);
    for (size_t len = 0; len <= orig.size; len += (len < 0x200 ? 1 : 0x40)) {
        b = orig;
        b.size = len;
        struct elf_image img;
        const char *why;
        int r = check(&b, &img, &why);
        assert_int_equal(r, len == orig.size ? 0 : -1);
    }
    for (int iter = 0; iter < 20000; iter++) {
        b = orig;
        if (iter & 1)
            make_pie(&b);
        int flips = 1 + (int)(rng() % 3);
        for (int k = 0; k < flips; k++) {
            size_t at = (size_t)(rng() % (64 + 3 * 56));
            b.data[at] = (uint8_t)rng();
        }
        if (rng() % 4 == 0)
            b.size = (size_t)(rng() % (b.size + 1));
        struct elf_image img;
        const char *why;
        int r = check(&b, &img, &why);
        assert_true(r == 0 || r == -1);
        if (r == -1) {
            assert_non_null(why);
            continue;
        }
        assert_true(img.nseg >= 1 && img.nseg <= ELF_MAX_SEGMENTS);
        assert_true(img.end <= USER_TOP);
        bool entry_in_exec = false;
        for (unsigned i = 0; i < img.nseg; i++) {
            const struct elf_segment *s = &img.seg[i];
            assert_true(s->filesz <= s->memsz);
            assert_true(s->offset + s->filesz <= b.size);
            assert_true(s->vaddr + s->memsz + img.bias <= USER_TOP);
            if ((s->prot & 4) && img.entry >= s->vaddr + img.bias &&
                img.entry < s->vaddr + img.bias + s->memsz)
                entry_in_exec = true;
        }
        assert_true(entry_in_exec);
    }
}

/* ---- real programs ---- */

static uint8_t *read_file(const char *path, size_t *size)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    uint8_t *p = malloc(n > 0 ? (size_t)n : 1);
    assert_non_null(p);
    assert_int_equal(fread(p, 1, (size_t)n, f), (size_t)n);
    fclose(f);
    *size = (size_t)n;
    return p;
}

/* Checks one real file; returns 1 if it was there. */
static int check_real(const char *path, int want_pie, bool want_interp)
{
    size_t size;
    uint8_t *p = read_file(path, &size);
    if (!p)
        return 0;
    struct elf_image img;
    const char *why = NULL;
    int r = elf_check(p, size, USER_TOP, &img, &why);
    if (r != 0)
        fail_msg("%s: %s", path, why);
    const Elf64_Ehdr *eh = (const Elf64_Ehdr *)p;
    if (want_pie >= 0)
        assert_int_equal(img.pie, want_pie);
    assert_int_equal(img.has_interp, want_interp);
    assert_int_equal(img.phnum, eh->e_phnum);
    assert_int_equal(img.entry, eh->e_entry + img.bias);
    unsigned loads = 0;
    uint64_t phdr_vaddr = 0;
    for (unsigned i = 0; i < eh->e_phnum; i++) {
        const Elf64_Phdr *ph = (const Elf64_Phdr *)(p + eh->e_phoff + i * sizeof(Elf64_Phdr));
        if (ph->p_type == PT_LOAD && ph->p_memsz)
            loads++;
        if (ph->p_type == PT_LOAD && eh->e_phoff >= ph->p_offset &&
            eh->e_phoff - ph->p_offset < ph->p_filesz && !phdr_vaddr)
            phdr_vaddr = ph->p_vaddr + eh->e_phoff - ph->p_offset;
    }
    assert_int_equal(img.nseg, loads);
    if (phdr_vaddr)
        assert_int_equal(img.phdr, phdr_vaddr + img.bias);
    if (img.pie)
        assert_int_equal(img.bias & 0xfff, 0);
    free(p);
    return 1;
}

static void test_real_guest_programs(void **state)
{
    (void)state;
    const char *build = getenv("BUILD");
    if (!build || !*build)
        build = "build";
    static const struct { const char *dir; int pie; } dirs[] = {
        { "gcc", 0 }, { "musl", 0 }, { "gcc-pie", 1 },
    };
    int checked = 0;
    for (size_t d = 0; d < sizeof(dirs) / sizeof(dirs[0]); d++) {
        char dir[512];
        snprintf(dir, sizeof(dir), "%s/tests/guest/%s", build, dirs[d].dir);
        DIR *dp = opendir(dir);
        if (!dp) /* a missing build is a failure, never a pass */
            fail_msg("%s is missing (make test-programs builds it)", dir);
        int before = checked;
        struct dirent *de;
        while ((de = readdir(dp))) {
            if (de->d_name[0] == '.')
                continue;
            char path[1024];
            snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
            checked += check_real(path, dirs[d].pie, false);
        }
        closedir(dp);
        if (checked == before)
            fail_msg("no guest program in %s (make test-programs builds them)", dir);
    }
    print_message("# checked %d guest programs under %s/tests/guest\n", checked, build);
}

static void test_real_dynamic_program(void **state)
{
    (void)state;
    if (!check_real("/bin/true", -1, true)) { /* counted as a skip by tests/run.sh */
        print_message("# SKIP: /bin/true is not on this host\n");
        skip();
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_static_exec),
        cmocka_unit_test(test_pie),
        cmocka_unit_test(test_interp_and_stack),
        cmocka_unit_test(test_header_faults),
        cmocka_unit_test(test_segment_faults),
        cmocka_unit_test(test_entry_faults),
        cmocka_unit_test(test_segment_counts),
        cmocka_unit_test(test_fuzz),
        cmocka_unit_test(test_real_guest_programs),
        cmocka_unit_test(test_real_dynamic_program),
    };
    return cmocka_run_group_tests_name("elf", tests, NULL, NULL);
}
