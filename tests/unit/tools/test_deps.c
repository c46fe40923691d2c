/* tools/elf: the dynamic section reader (crafted ELFs and the host's own
 * programs), the ld.so.cache parser (crafted caches and the host's cache
 * against `ldconfig -p`), DST expansion, and the resolver on crafted
 * programs and libraries in a temporary directory. */
#define _GNU_SOURCE
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

#include "../../../tools/elf/deps.h"
#include "../../../tools/elf/elf_dyn.h"
#include "../../../tools/elf/ldcache.h"

static char err[4096];

/* ---- crafted ELF files ---- */

struct spec {
    uint8_t cls;                 /* 0: ELFCLASS64 */
    uint16_t machine;            /* 0: EM_X86_64 */
    const char *interp;
    const char *needed[6];
    const char *soname, *rpath, *runpath;
    uint64_t flags1;
    uint64_t bad_needed;         /* nonzero: a DT_NEEDED with this string offset */
};

#define ELF_SIZE 4096
#define VBASE 0x400000ull
#define STR_OFF 512
#define DYN_OFF 2048

/* ehdr, PT_LOAD of the whole file at VBASE, PT_DYNAMIC, PT_INTERP; the
 * string table at STR_OFF, the dynamic array at DYN_OFF. */
static size_t make_elf(unsigned char *buf, const struct spec *s)
{
    Elf64_Ehdr *eh = (Elf64_Ehdr *)buf;
    Elf64_Phdr *ph = (Elf64_Phdr *)(buf + sizeof *eh);
    Elf64_Dyn *dyn = (Elf64_Dyn *)(buf + DYN_OFF);
    size_t str = 1, nd = 0, np = 0;

    memset(buf, 0, ELF_SIZE);
    memcpy(eh->e_ident, ELFMAG, SELFMAG);
    eh->e_ident[EI_CLASS] = s->cls ? s->cls : ELFCLASS64;
    eh->e_ident[EI_DATA] = ELFDATA2LSB;
    eh->e_ident[EI_VERSION] = EV_CURRENT;
    eh->e_type = ET_DYN;
    eh->e_machine = s->machine ? s->machine : EM_X86_64;
    if (eh->e_ident[EI_CLASS] != ELFCLASS64)
        return ELF_SIZE; /* only the identification matters */
    eh->e_version = EV_CURRENT;
    eh->e_phoff = sizeof *eh;
    eh->e_ehsize = sizeof *eh;
    eh->e_phentsize = sizeof *ph;
    ph[np++] = (Elf64_Phdr){.p_type = PT_LOAD, .p_offset = 0, .p_vaddr = VBASE,
                            .p_filesz = ELF_SIZE, .p_memsz = ELF_SIZE};
    ph[np++] = (Elf64_Phdr){.p_type = PT_DYNAMIC, .p_offset = DYN_OFF, .p_vaddr = VBASE + DYN_OFF,
                            .p_filesz = 64 * sizeof *dyn, .p_memsz = 64 * sizeof *dyn};
    if (s->interp) {
        size_t n = strlen(s->interp) + 1;
        memcpy(buf + 400, s->interp, n);
        ph[np++] = (Elf64_Phdr){.p_type = PT_INTERP, .p_offset = 400, .p_filesz = n};
    }
    eh->e_phnum = (uint16_t)np;

#define ADDSTR(text) ({ size_t at_ = str; strcpy((char *)buf + STR_OFF + str, (text)); \
                        str += strlen(text) + 1; at_; })
    for (int i = 0; i < 6 && s->needed[i]; i++)
        dyn[nd++] = (Elf64_Dyn){DT_NEEDED, {ADDSTR(s->needed[i])}};
    if (s->bad_needed)
        dyn[nd++] = (Elf64_Dyn){DT_NEEDED, {s->bad_needed}};
    if (s->soname)
        dyn[nd++] = (Elf64_Dyn){DT_SONAME, {ADDSTR(s->soname)}};
    if (s->rpath)
        dyn[nd++] = (Elf64_Dyn){DT_RPATH, {ADDSTR(s->rpath)}};
    if (s->runpath)
        dyn[nd++] = (Elf64_Dyn){DT_RUNPATH, {ADDSTR(s->runpath)}};
    if (s->flags1)
        dyn[nd++] = (Elf64_Dyn){DT_FLAGS_1, {s->flags1}};
#undef ADDSTR
    dyn[nd++] = (Elf64_Dyn){DT_STRTAB, {VBASE + STR_OFF}};
    dyn[nd++] = (Elf64_Dyn){DT_STRSZ, {str}};
    dyn[nd++] = (Elf64_Dyn){DT_NULL, {0}};
    return ELF_SIZE;
}

static void test_dyn_crafted(void **state)
{
    unsigned char buf[ELF_SIZE];
    struct elf_dyn d;
    struct spec s = {.interp = "/lib64/ld-linux-x86-64.so.2",
                     .needed = {"libfoo.so.1", "libc.so.6"}, .soname = "libme.so.2",
                     .runpath = "$ORIGIN/../lib:/opt/x", .flags1 = DF_1_NODEFLIB};
    (void)state;

    size_t len = make_elf(buf, &s);
    assert_int_equal(elf_dyn_read_buffer(buf, len, "p", &d, err, sizeof err), 0);
    assert_true(d.compatible);
    assert_true(d.has_dynamic);
    assert_string_equal(d.interp, "/lib64/ld-linux-x86-64.so.2");
    assert_int_equal(d.nneeded, 2);
    assert_string_equal(d.needed[0], "libfoo.so.1");
    assert_string_equal(d.needed[1], "libc.so.6");
    assert_string_equal(d.soname, "libme.so.2");
    assert_string_equal(d.runpath, "$ORIGIN/../lib:/opt/x");
    assert_null(d.rpath);
    assert_true(d.nodeflib);
    elf_dyn_free(&d);

    /* RPATH alone is kept; with RUNPATH too it is ignored, as ld.so does */
    s = (struct spec){.needed = {"liba.so"}, .rpath = "/r1:/r2"};
    len = make_elf(buf, &s);
    assert_int_equal(elf_dyn_read_buffer(buf, len, "p", &d, err, sizeof err), 0);
    assert_string_equal(d.rpath, "/r1:/r2");
    assert_null(d.runpath);
    assert_null(d.interp);
    assert_false(d.nodeflib);
    elf_dyn_free(&d);
    s.runpath = "/u";
    len = make_elf(buf, &s);
    assert_int_equal(elf_dyn_read_buffer(buf, len, "p", &d, err, sizeof err), 0);
    assert_null(d.rpath);
    assert_string_equal(d.runpath, "/u");
    elf_dyn_free(&d);
}

static void test_dyn_bad(void **state)
{
    unsigned char buf[ELF_SIZE];
    struct elf_dyn d;
    struct spec s = {.needed = {"libfoo.so"}, .bad_needed = 100000};
    (void)state;

    size_t len = make_elf(buf, &s);
    assert_int_equal(elf_dyn_read_buffer(buf, len, "p", &d, err, sizeof err), -1);
    assert_non_null(strstr(err, "p is a corrupt ELF file (a DT_NEEDED name at string offset "
                               "100000 lies outside its string table)"));
    /* DT_STRTAB outside every PT_LOAD */
    s = (struct spec){.needed = {"libfoo.so"}};
    len = make_elf(buf, &s);
    Elf64_Dyn *dyn = (Elf64_Dyn *)(buf + DYN_OFF);
    for (; dyn->d_tag != DT_STRTAB; dyn++)
        ;
    dyn->d_un.d_ptr = 0x10;
    assert_int_equal(elf_dyn_read_buffer(buf, len, "p", &d, err, sizeof err), -1);
    assert_non_null(strstr(err, "string table"));
    /* the PT_LOAD holding DT_STRTAB claims file offsets past the end: an
     * error, not a read beyond the file */
    s = (struct spec){.needed = {"libfoo.so"}};
    len = make_elf(buf, &s);
    ((Elf64_Phdr *)(buf + sizeof(Elf64_Ehdr)))->p_offset = 1ull << 34;
    assert_int_equal(elf_dyn_read_buffer(buf, len, "p", &d, err, sizeof err), -1);
    assert_string_equal(err, "p is a truncated ELF file (its string table lies past its end)");
    /* truncated: the dynamic section past the end */
    s = (struct spec){.needed = {"libfoo.so"}};
    len = make_elf(buf, &s);
    assert_int_equal(elf_dyn_read_buffer(buf, DYN_OFF + 8, "p", &d, err, sizeof err), -1);
    assert_non_null(strstr(err, "truncated"));
    /* not ELF */
    assert_int_equal(elf_dyn_read_buffer((const unsigned char *)"#!/bin/sh\n", 10, "p", &d, err,
                                         sizeof err), -1);
    assert_string_equal(err, "p is not an ELF file");
    /* an i386 library: read, but not compatible */
    s = (struct spec){.cls = ELFCLASS32, .machine = EM_386};
    len = make_elf(buf, &s);
    assert_int_equal(elf_dyn_read_buffer(buf, len, "p", &d, err, sizeof err), 0);
    assert_false(d.compatible);
    assert_int_equal(d.elf_class, ELFCLASS32);
    assert_int_equal(d.machine, EM_386);
    elf_dyn_free(&d);
}

/* readelf -d's NEEDED list of a host file, in order. */
static size_t readelf_needed(const char *path, char names[][256], size_t max)
{
    char cmd[512], line[1024];
    size_t n = 0;
    FILE *p;

    snprintf(cmd, sizeof cmd, "readelf -d %s 2>/dev/null", path);
    p = popen(cmd, "r");
    assert_non_null(p);
    while (fgets(line, sizeof line, p)) {
        char *a = strstr(line, "(NEEDED)");
        char *l = a ? strchr(a, '[') : NULL, *r = l ? strchr(l, ']') : NULL;
        if (!r || n == max)
            continue;
        *r = '\0';
        snprintf(names[n++], 256, "%s", l + 1);
    }
    pclose(p);
    return n;
}

/* A host file a test reads: absent, the test is skipped (counted as a
 * skip by tests/run.sh, with this reason), never passed. */
static void need_host_file(const char *path)
{
    if (access(path, R_OK) != 0) {
        print_message("# SKIP: %s is not on this host\n", path);
        skip();
    }
}

static void check_host_binary(const char *path, const char *const *must)
{
    struct elf_dyn d;
    char names[64][256];
    size_t n;

    need_host_file(path);
    assert_int_equal(elf_dyn_read_file(path, &d, err, sizeof err), 0);
    assert_true(d.compatible);
    assert_non_null(d.interp);
    assert_string_equal(d.interp, "/lib64/ld-linux-x86-64.so.2");
    /* readelf (binutils, which the build needs anyway) is the reference */
    n = readelf_needed(path, names, 64);
    if (n == 0)
        fail_msg("readelf -d %s listed no NEEDED entry (is binutils' readelf missing?)", path);
    assert_int_equal(d.nneeded, n);
    for (size_t i = 0; i < n; i++)
        assert_string_equal(d.needed[i], names[i]);
    for (; *must; must++) {
        bool found = false;
        for (size_t i = 0; i < d.nneeded; i++)
            found |= strcmp(d.needed[i], *must) == 0;
        if (!found)
            fail_msg("%s does not list %s", path, *must);
    }
    elf_dyn_free(&d);
}

/* Host programs of Debian 12 (the build host): one test each, so that a
 * missing one is one skip and the others still run. */
static void test_dyn_host_ls(void **state)
{
    static const char *const ls[] = {"libc.so.6", NULL};
    (void)state;
    check_host_binary("/bin/ls", ls);
}

static void test_dyn_host_python(void **state)
{
    static const char *const py[] = {"libm.so.6", "libz.so.1", "libexpat.so.1", "libc.so.6", NULL};
    (void)state;
    check_host_binary("/usr/bin/python3.11", py);
}

/* libc itself: a soname, and its own interpreter as a DT_NEEDED */
static void test_dyn_host_libc(void **state)
{
    struct elf_dyn d;
    (void)state;
    need_host_file("/lib/x86_64-linux-gnu/libc.so.6");
    assert_int_equal(elf_dyn_read_file("/lib/x86_64-linux-gnu/libc.so.6", &d, err, sizeof err), 0);
    assert_string_equal(d.soname, "libc.so.6");
    assert_int_equal(d.nneeded, 1);
    assert_string_equal(d.needed[0], "ld-linux-x86-64.so.2");
    elf_dyn_free(&d);
}

/* ---- ld.so.cache ---- */

struct centry {
    int32_t flags;
    uint64_t hwcap;
    const char *name, *path;
};

/* A cache in the new format, optionally behind an old-format table. */
static size_t make_cache(unsigned char *buf, size_t cap, const struct centry *e, size_t n,
                         bool old)
{
    size_t start = 0, strings, at;

    memset(buf, 0, cap);
    if (old) {
        memcpy(buf, "ld.so-1.7.0", 11);
        uint32_t two = 2;
        memcpy(buf + 12, &two, 4);
        start = (16 + 2 * 12 + 7) & ~(size_t)7;
    }
    unsigned char *h = buf + start;
    memcpy(h, "glibc-ld.so.cache1.1", 20);
    uint32_t nl = (uint32_t)n;
    memcpy(h + 20, &nl, 4);
    h[28] = 2; /* little-endian */
    strings = 48 + 24 * n;
    at = strings;
    for (size_t i = 0; i < n; i++) {
        unsigned char *x = h + 48 + 24 * i;
        uint32_t k = (uint32_t)at, v;
        strcpy((char *)h + at, e[i].name);
        at += strlen(e[i].name) + 1;
        v = (uint32_t)at;
        strcpy((char *)h + at, e[i].path);
        at += strlen(e[i].path) + 1;
        memcpy(x, &e[i].flags, 4);
        memcpy(x + 4, &k, 4);
        memcpy(x + 8, &v, 4);
        memcpy(x + 16, &e[i].hwcap, 8);
    }
    uint32_t ls = (uint32_t)(at - strings);
    memcpy(h + 24, &ls, 4);
    return start + at;
}

static void test_cache_crafted(void **state)
{
    static const struct centry e[] = {
        {0x0001, 0, "libz.so.1", "/lib32/libz.so.1"},                 /* i386 (libc6) */
        {0x0303, 1ull << 62, "libz.so.1", "/lib/glibc-hwcaps/x86-64-v3/libz.so.1"},
        {0x0303, 0, "libz.so.1", "/lib/x86_64-linux-gnu/libz.so.1"},
        {0x0303, 0, "libz.so.1", "/usr/local/lib/libz.so.1"},         /* later: loses */
        {0x0803, 0, "libc.so.6", "/libx32/libc.so.6"},                /* x32 */
    };
    static unsigned char buf[8192];
    struct ldcache c;
    (void)state;

    for (int old = 0; old < 2; old++) {
        size_t len = make_cache(buf, sizeof buf, e, 5, old);
        assert_int_equal(ldcache_parse(buf, len, "cache", &c, err, sizeof err), 0);
        assert_int_equal(c.n, 5);
        assert_string_equal(c.entries[0].name, "libz.so.1");
        assert_string_equal(c.entries[0].path, "/lib32/libz.so.1");
        assert_string_equal(ldcache_lookup(&c, "libz.so.1"), "/lib/x86_64-linux-gnu/libz.so.1");
        assert_null(ldcache_lookup(&c, "libc.so.6"));
        assert_null(ldcache_lookup(&c, "libnone.so"));
        ldcache_free(&c);
    }
    /* damage: bad magic, entries past the end, a string offset past the end */
    size_t len = make_cache(buf, sizeof buf, e, 5, false);
    assert_int_equal(ldcache_parse(buf, 40, "cache", &c, err, sizeof err), -1);
    assert_non_null(strstr(err, "not a glibc ld.so cache"));
    assert_int_equal(ldcache_parse(buf, 48 + 24 * 2, "cache", &c, err, sizeof err), -1);
    assert_non_null(strstr(err, "corrupt ld.so cache (5 entries"));
    uint32_t far = 100000;
    memcpy(buf + 48 + 24 + 8, &far, 4);
    assert_int_equal(ldcache_parse(buf, len, "cache", &c, err, sizeof err), -1);
    assert_string_equal(err, "cache: corrupt ld.so cache (entry 1 points past its end)");
    memcpy(buf, "garbage-garbage-garbage", 23);
    assert_int_equal(ldcache_parse(buf, len, "cache", &c, err, sizeof err), -1);
    /* a missing file is an empty cache */
    assert_int_equal(ldcache_load("/nonexistent/ld.so.cache", &c, err, sizeof err), 0);
    assert_int_equal(c.n, 0);
    assert_null(ldcache_lookup(&c, "libc.so.6"));
    ldcache_free(&c);
}

/* Every "(libc6,x86-64)" line of `ldconfig -p` (the first for each name)
 * is what ldcache_lookup gives. */
static void test_cache_host(void **state)
{
    struct ldcache c;
    char line[2048], seen[4096][64];
    size_t nseen = 0, checked = 0;
    FILE *p;
    (void)state;

    need_host_file(LDCACHE_DEFAULT_PATH);
    assert_int_equal(ldcache_load(LDCACHE_DEFAULT_PATH, &c, err, sizeof err), 0);
    p = popen("ldconfig -p 2>/dev/null || /sbin/ldconfig -p 2>/dev/null", "r");
    assert_non_null(p);
    assert_non_null(fgets(line, sizeof line, p)); /* "N libs found in cache ..." */
    size_t total = strtoul(line, NULL, 10);
    assert_int_equal(total, c.n);
    while (fgets(line, sizeof line, p)) {
        char name[1024], path[1024];
        bool dup = false;
        if (!strstr(line, "(libc6,x86-64) =>"))
            continue;
        if (sscanf(line, " %1023s (libc6,x86-64) => %1023s", name, path) != 2)
            continue;
        for (size_t i = 0; i < nseen; i++)
            dup |= strcmp(seen[i], name) == 0;
        if (dup || strlen(name) >= 64)
            continue;
        if (nseen < 4096)
            strcpy(seen[nseen++], name);
        const char *got = ldcache_lookup(&c, name);
        if (!got || strcmp(got, path) != 0)
            fail_msg("ldconfig -p: %s => %s; ldcache_lookup: %s", name, path, got ? got : "NULL");
        checked++;
    }
    pclose(p);
    assert_true(checked > 10);
    print_message("# %zu names agree with ldconfig -p\n", checked);
    ldcache_free(&c);
}

/* ---- DSTs ---- */

static void expect_expand(const char *in, const char *origin, const char *want)
{
    char *s = deps_expand(in, origin);
    assert_non_null(s);
    assert_string_equal(s, want);
    free(s);
}

static void test_expand(void **state)
{
    (void)state;
    expect_expand("$ORIGIN/../lib", "/opt/app/bin", "/opt/app/bin/../lib");
    expect_expand("${ORIGIN}/lib:$ORIGIN", "/a", "/a/lib:/a");
    expect_expand("/x/$LIB/$PLATFORM", "/a", "/x/lib/x86_64-linux-gnu/x86_64");
    expect_expand("/x/${LIB}${PLATFORM}", "/a", "/x/lib/x86_64-linux-gnux86_64");
    expect_expand("$ORIGINAL/$HOME/${ORIGIN", "/a", "$ORIGINAL/$HOME/${ORIGIN");
    expect_expand("no dollars", "/a", "no dollars");
    expect_expand("$", "/a", "$");
    expect_expand("$ORIGIN", "/", "/");
}

/* ---- resolution in a temporary tree ---- */

static char root[256];

static void write_elf(const char *rel, const struct spec *s)
{
    unsigned char buf[ELF_SIZE];
    char path[512];
    FILE *f;

    snprintf(path, sizeof path, "%s/%s", root, rel);
    for (char *p = path + strlen(root) + 1; (p = strchr(p, '/')); p++) {
        *p = '\0';
        mkdir(path, 0755);
        *p = '/';
    }
    size_t len = make_elf(buf, s);
    f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(buf, 1, len, f), len);
    fclose(f);
}

static int setup_tree(void **state)
{
    (void)state;
    snprintf(root, sizeof root, "%s/cloak-deps-XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
    return mkdtemp(root) ? 0 : -1;
}

static int teardown_tree(void **state)
{
    char cmd[512];
    (void)state;
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", root);
    return system(cmd) == 0 ? 0 : -1;
}

static const struct dep_file *find_image(const struct dep_result *r, const char *image)
{
    for (size_t i = 0; i < r->n; i++)
        if (strcmp(r->files[i].image, image) == 0)
            return &r->files[i];
    return NULL;
}

static int resolve(const char *prog_rel, const char *prog_image, const char *llp,
                   struct dep_result *r)
{
    char prog[512], def[512];
    snprintf(prog, sizeof prog, "%s/%s", root, prog_rel);
    snprintf(def, sizeof def, "%s/def", root);
    const char *defaults[] = {def, NULL};
    struct dep_request q = {.program = prog, .program_image = prog_image,
                            .ld_library_path = llp, .cache_path = "", .default_dirs = defaults};
    err[0] = '\0';
    return deps_resolve(&q, r, err, sizeof err);
}

static void test_resolve_origin(void **state)
{
    struct dep_result r;
    char want[512], img[512];
    (void)state;

    /* app/bin/prog: RUNPATH $ORIGIN/../lib; needs liba.so.1 (a symlink to
     * liba.so.1.2, which needs libb.so from the defaults) */
    write_elf("app/bin/prog", &(struct spec){.needed = {"liba.so.1"},
                                             .runpath = "$ORIGIN/../lib"});
    write_elf("app/lib/liba.so.1.2", &(struct spec){.needed = {"libb.so"}, .soname = "liba.so.1"});
    snprintf(want, sizeof want, "%s/app/lib/liba.so.1", root);
    assert_int_equal(symlink("liba.so.1.2", want), 0);
    write_elf("def/libb.so", &(struct spec){.soname = "libb.so", .needed = {"liba.so.1"}});
    /* an i386 libb.so earlier in the search (LD_LIBRARY_PATH) is skipped */
    write_elf("i386/libb.so", &(struct spec){.cls = ELFCLASS32, .machine = EM_386});

    snprintf(want, sizeof want, "%s/i386", root);
    assert_int_equal(resolve("app/bin/prog", "/srv/bin/prog", want, &r), 0);
    assert_true(r.dynamic);
    assert_int_equal(r.n, 3);
    /* $ORIGIN libraries go next to the program's image path */
    assert_string_equal(r.files[0].image, "/srv/lib/liba.so.1");
    assert_string_equal(r.files[0].link, "liba.so.1.2");
    assert_string_equal(r.files[1].image, "/srv/lib/liba.so.1.2");
    assert_null(r.files[1].link);
    snprintf(want, sizeof want, "%s/app/lib/liba.so.1.2", root);
    char *real = realpath(want, NULL);
    assert_string_equal(r.files[1].host, real);
    free(real);
    /* defaults keep their host path */
    snprintf(img, sizeof img, "%s/def/libb.so", root);
    assert_non_null(find_image(&r, img));
    deps_free(&r);
}

static void test_resolve_rpath_chain(void **state)
{
    struct dep_result r;
    char rp[512], img[512];
    (void)state;

    /* prog has RPATH r1; libc1 (found there) has no RUNPATH, so its need
     * libd1 is searched in the program's RPATH too; libe1 (RUNPATH /nowhere)
     * does not inherit it and its need libf1 comes from the defaults. */
    snprintf(rp, sizeof rp, "%s/r1", root);
    write_elf("p2", &(struct spec){.needed = {"libc1.so", "libe1.so"}, .rpath = rp});
    write_elf("r1/libc1.so", &(struct spec){.needed = {"libd1.so"}});
    write_elf("r1/libd1.so", &(struct spec){0});
    write_elf("r1/libe1.so", &(struct spec){.needed = {"libf1.so"}, .runpath = "/nowhere"});
    write_elf("r1/libf1.so", &(struct spec){0});
    write_elf("def/libf1.so", &(struct spec){0});
    assert_int_equal(resolve("p2", "/p2", NULL, &r), 0);
    assert_int_equal(r.n, 4);
    snprintf(img, sizeof img, "%s/r1/libc1.so", root);
    assert_string_equal(r.files[0].image, img);
    snprintf(img, sizeof img, "%s/r1/libe1.so", root);
    assert_string_equal(r.files[1].image, img);
    snprintf(img, sizeof img, "%s/r1/libd1.so", root);
    assert_string_equal(r.files[2].image, img);
    snprintf(img, sizeof img, "%s/def/libf1.so", root);
    assert_string_equal(r.files[3].image, img);
    deps_free(&r);
}

static void test_resolve_missing(void **state)
{
    struct dep_result r;
    char want[1024];
    (void)state;

    write_elf("p3", &(struct spec){.needed = {"libok.so"}, .runpath = "/nope:$ORIGIN/x"});
    write_elf("def/libok.so", &(struct spec){.needed = {"libgone.so.3"}});
    assert_int_equal(resolve("p3", "/p3", "/llp", &r), -1);
    snprintf(want, sizeof want, "cannot find the library libgone.so.3, needed by %s/def/libok.so "
             "(searched LD_LIBRARY_PATH /llp, the default directories %s/def)", root, root);
    assert_string_equal(err, want);
    assert_int_equal(r.n, 0);

    /* the program's own need, with its RUNPATH in the message */
    write_elf("p4", &(struct spec){.needed = {"libnot.so"}, .runpath = "/nope:$ORIGIN/x"});
    assert_int_equal(resolve("p4", "/p4", NULL, &r), -1);
    snprintf(want, sizeof want, "cannot find the library libnot.so, needed by %s/p4 (searched "
             "DT_RUNPATH /nope:%s/x, the default directories %s/def)", root, root, root);
    assert_string_equal(err, want);

    /* DF_1_NODEFLIB: no defaults */
    write_elf("p5", &(struct spec){.needed = {"libok.so"}, .flags1 = DF_1_NODEFLIB});
    assert_int_equal(resolve("p5", "/p5", NULL, &r), -1);
    assert_non_null(strstr(err, "cannot find the library libok.so"));

    /* only an i386 one exists: named in the message */
    write_elf("def/lib32only.so", &(struct spec){.cls = ELFCLASS32, .machine = EM_386});
    write_elf("p6", &(struct spec){.needed = {"lib32only.so"}});
    assert_int_equal(resolve("p6", "/p6", NULL, &r), -1);
    snprintf(want, sizeof want, "; skipped %s/def/lib32only.so: a 32-bit ELF for machine 3, "
             "not x86-64", root);
    assert_non_null(strstr(err, want));
}

static void test_resolve_static_and_interp(void **state)
{
    struct dep_result r;
    char ip[512], img[512];
    (void)state;

    write_elf("static", &(struct spec){0});
    assert_int_equal(resolve("static", "/static", NULL, &r), 0);
    assert_false(r.dynamic);
    assert_int_equal(r.n, 0);
    deps_free(&r);

    /* the interpreter comes first; a DT_NEEDED naming its soname is it */
    snprintf(ip, sizeof ip, "%s/ld/ld-test.so.2", root);
    write_elf("ld/ld-test.so.2", &(struct spec){.soname = "ld-test.so.2"});
    write_elf("def/libc.so.6", &(struct spec){.needed = {"ld-test.so.2"}, .soname = "libc.so.6"});
    write_elf("p7", &(struct spec){.interp = ip, .needed = {"libc.so.6"}});
    assert_int_equal(resolve("p7", "/p7", NULL, &r), 0);
    assert_int_equal(r.n, 2);
    assert_string_equal(r.files[0].image, ip);
    snprintf(img, sizeof img, "%s/def/libc.so.6", root);
    assert_string_equal(r.files[1].image, img);
    deps_free(&r);

    write_elf("p8", &(struct spec){.interp = "/nonexistent/ld.so"});
    assert_int_equal(resolve("p8", "/p8", NULL, &r), -1);
    snprintf(img, sizeof img, "%s/p8 needs the interpreter /nonexistent/ld.so, which is not on "
             "this machine", root);
    assert_string_equal(err, img);
}

/* A library only the cache finds, outside the default directories, also
 * gets a link where the guest's ld.so (which has no cache) looks. */
static void test_resolve_cache(void **state)
{
    static unsigned char buf[4096];
    char lib[512], cache[512], prog[512], def[512], img[512];
    struct dep_result r;
    FILE *f;
    (void)state;

    snprintf(lib, sizeof lib, "%s/elsewhere/libcached.so.1", root);
    write_elf("elsewhere/libcached.so.1", &(struct spec){0});
    write_elf("def/libindef.so", &(struct spec){0});
    snprintf(img, sizeof img, "%s/def/libindef.so", root);
    const struct centry e[] = {
        {0x0303, 0, "libcached.so.1", lib},
        {0x0303, 0, "libindef.so", img},
    };
    size_t len = make_cache(buf, sizeof buf, e, 2, false);
    snprintf(cache, sizeof cache, "%s/ld.so.cache", root);
    f = fopen(cache, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(buf, 1, len, f), len);
    fclose(f);
    write_elf("p9", &(struct spec){.needed = {"libcached.so.1", "libindef.so"}});
    snprintf(prog, sizeof prog, "%s/p9", root);
    snprintf(def, sizeof def, "%s/def", root);
    const char *defaults[] = {def, NULL};
    struct dep_request q = {.program = prog, .program_image = "/p9", .cache_path = cache,
                            .default_dirs = defaults};
    assert_int_equal(deps_resolve(&q, &r, err, sizeof err), 0);
    assert_int_equal(r.n, 3);
    assert_string_equal(r.files[0].image, "/lib/x86_64-linux-gnu/libcached.so.1");
    assert_string_equal(r.files[0].link, lib);
    assert_string_equal(r.files[1].image, lib);
    assert_null(r.files[1].link);
    assert_string_equal(r.files[2].image, img); /* in a default directory: no link */
    deps_free(&r);
}

/* musl's interpreter is its libc: libc.so and friends need no search. */
static void test_resolve_musl(void **state)
{
    struct dep_result r;
    char ip[512];
    (void)state;

    snprintf(ip, sizeof ip, "%s/ld/ld-musl-x86_64.so.1", root);
    write_elf("ld/ld-musl-x86_64.so.1", &(struct spec){0});
    write_elf("pm", &(struct spec){.interp = ip, .needed = {"libc.so", "libm.so.6"}});
    assert_int_equal(resolve("pm", "/pm", NULL, &r), 0);
    assert_int_equal(r.n, 1);
    assert_string_equal(r.files[0].image, ip);
    deps_free(&r);
    write_elf("pm2", &(struct spec){.interp = ip, .needed = {"libcrypt.so"}});
    assert_int_equal(resolve("pm2", "/pm2", NULL, &r), -1);
    assert_non_null(strstr(err, "cannot find the library libcrypt.so"));
}

/* LD_PRELOAD (from Env) is loaded right after the interpreter, before the
 * program's own needs; a static program ignores it. */
static void test_resolve_preload(void **state)
{
    struct dep_result r;
    char ip[512], prog[512], def[512], img[512], abs[512];
    (void)state;

    snprintf(ip, sizeof ip, "%s/ld/ld-pre.so.2", root);
    write_elf("ld/ld-pre.so.2", &(struct spec){0});
    write_elf("def/libpre.so", &(struct spec){.needed = {"libdep.so"}});
    write_elf("def/libdep.so", &(struct spec){0});
    write_elf("def/libmain.so", &(struct spec){0});
    write_elf("abs/libabs.so", &(struct spec){0});
    write_elf("pp", &(struct spec){.interp = ip, .needed = {"libmain.so"}});
    snprintf(prog, sizeof prog, "%s/pp", root);
    snprintf(def, sizeof def, "%s/def", root);
    snprintf(abs, sizeof abs, "libpre.so %s/abs/libabs.so", root);
    const char *defaults[] = {def, NULL};
    struct dep_request q = {.program = prog, .program_image = "/pp", .cache_path = "",
                            .default_dirs = defaults, .ld_preload = abs};
    assert_int_equal(deps_resolve(&q, &r, err, sizeof err), 0);
    assert_int_equal(r.n, 5);
    assert_string_equal(r.files[0].image, ip);
    snprintf(img, sizeof img, "%s/def/libpre.so", root);
    assert_string_equal(r.files[1].image, img);
    snprintf(img, sizeof img, "%s/abs/libabs.so", root);
    assert_string_equal(r.files[2].image, img);
    snprintf(img, sizeof img, "%s/def/libmain.so", root);
    assert_string_equal(r.files[3].image, img);
    snprintf(img, sizeof img, "%s/def/libdep.so", root);
    assert_string_equal(r.files[4].image, img);
    deps_free(&r);

    q.ld_preload = "libnothere.so";
    assert_int_equal(deps_resolve(&q, &r, err, sizeof err), -1);
    assert_non_null(strstr(err, "cannot find the library libnothere.so, needed by"));

    write_elf("ps", &(struct spec){0});
    snprintf(prog, sizeof prog, "%s/ps", root);
    q.program = prog;
    assert_int_equal(deps_resolve(&q, &r, err, sizeof err), 0);
    assert_int_equal(r.n, 0);
    deps_free(&r);
}

/* The real thing: /bin/ls on this host, through the real cache. */
static void test_resolve_host(void **state)
{
    struct dep_request q = {.program = "/bin/ls", .program_image = "/bin/ls"};
    struct dep_result r;
    (void)state;

    need_host_file("/bin/ls");
    assert_int_equal(deps_resolve(&q, &r, err, sizeof err), 0);
    assert_true(r.dynamic);
    assert_string_equal(r.files[0].image, "/lib64/ld-linux-x86-64.so.2");
    assert_non_null(find_image(&r, "/lib/x86_64-linux-gnu/libc.so.6"));
    for (size_t i = 0; i < r.n; i++) /* every link's target is in the result */
        if (r.files[i].link && r.files[i].link[0] == '/')
            assert_non_null(find_image(&r, r.files[i].link));
    deps_free(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_dyn_crafted),
        cmocka_unit_test(test_dyn_bad),
        cmocka_unit_test(test_dyn_host_ls),
        cmocka_unit_test(test_dyn_host_python),
        cmocka_unit_test(test_dyn_host_libc),
        cmocka_unit_test(test_cache_crafted),
        cmocka_unit_test(test_cache_host),
        cmocka_unit_test(test_expand),
        cmocka_unit_test(test_resolve_origin),
        cmocka_unit_test(test_resolve_rpath_chain),
        cmocka_unit_test(test_resolve_missing),
        cmocka_unit_test(test_resolve_static_and_interp),
        cmocka_unit_test(test_resolve_cache),
        cmocka_unit_test(test_resolve_musl),
        cmocka_unit_test(test_resolve_preload),
        cmocka_unit_test(test_resolve_host),
    };
    return cmocka_run_group_tests(tests, setup_tree, teardown_tree);
}
