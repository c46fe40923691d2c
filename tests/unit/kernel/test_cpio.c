/* fs/cpio.c: reading "newc" archives written by libarchive (an independent
 * writer, the one `cloak build` uses) and by hand, rejecting malformed ones,
 * and never reading outside the buffer: every archive is handed over in a
 * heap block of exactly its size, so ASan catches any overrun.  Then
 * fs/boot_archive.c: such archives into the ramfs root, and each entry it
 * refuses, with its message. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>
#include <setjmp.h>
#include <string.h>
#include <stdio.h>
#include <stdlib.h>
#include <cmocka.h>
#include <archive.h>
#include <archive_entry.h>

#include "fs/cpio.h"
/* fs/vnode.h has the same S_IF* values as <sys/stat.h> (from archive.h). */
#undef S_IFMT
#undef S_IFSOCK
#undef S_IFLNK
#undef S_IFREG
#undef S_IFBLK
#undef S_IFDIR
#undef S_IFCHR
#undef S_IFIFO
#include "fs/boot_archive.h"
#include "fs/ramfs.h"
#include "drivers/clock.h"
#include "shim.h"
#include <sanitizer/lsan_interface.h>

/* ---- a hand writer ---- */

struct buf {
    uint8_t *p;
    size_t len, cap;
};

static void put(struct buf *b, const void *data, size_t n)
{
    if (b->len + n > b->cap) {
        b->cap = (b->len + n) * 2 + 64;
        b->p = realloc(b->p, b->cap);
        assert_non_null(b->p);
    }
    memcpy(b->p + b->len, data, n);
    b->len += n;
}

static void pad4(struct buf *b)
{
    static const uint8_t zero[4];
    put(b, zero, (4 - b->len % 4) % 4);
}

/* One entry; namesize is normally strlen(name)+1 (NUL included). */
static void entry_raw(struct buf *b, const char *magic, const char *name, uint32_t namesize,
                      uint32_t mode, const void *data, uint32_t size)
{
    char h[111];
    snprintf(h, sizeof(h), "%s%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X",
             magic, 7u, mode, 1000u, 1001u, 1u, 0x5f5e1000u, size, 0u, 0u, 0u, 0u, namesize, 0u);
    assert_int_equal(strlen(h), 110);
    put(b, h, 110);
    put(b, name, strlen(name) + 1);
    pad4(b);
    put(b, data, size);
    pad4(b);
}

static void entry(struct buf *b, const char *name, uint32_t mode, const char *data)
{
    entry_raw(b, "070701", name, (uint32_t)strlen(name) + 1, mode, data, (uint32_t)strlen(data));
}

static void trailer(struct buf *b)
{
    entry(b, "TRAILER!!!", 0, "");
}

/* An exact-size heap copy: any read past the end is an ASan error. */
static uint8_t *exact(const void *p, size_t n)
{
    uint8_t *c = malloc(n ? n : 1);
    assert_non_null(c);
    memcpy(c, p, n);
    return c;
}

/* Parses the whole archive; returns the final status (0 or -1), the number
 * of entries, and checks every entry lies inside the buffer. */
static int parse_all(const uint8_t *a, uint64_t size, unsigned *count, const char **error)
{
    uint64_t off = 0;
    unsigned n = 0;
    for (;;) {
        struct cpio_entry e;
        const char *err = NULL;
        uint64_t before = off;
        int r = cpio_next(a, size, &off, &e, &err);
        assert_true(r == -1 || r == 0 || r == 1);
        if (r == -1) {
            assert_non_null(err);
            assert_int_equal(off, before);
            if (error)
                *error = err;
            if (count)
                *count = n;
            return -1;
        }
        assert_true((const uint8_t *)e.name >= a);
        assert_true((const uint8_t *)e.name + e.name_len < a + size);   /* its NUL too */
        assert_int_equal(e.name[e.name_len], 0);
        assert_true(e.data >= a && e.data <= a + size);
        assert_true(e.size <= (uint64_t)(a + size - e.data));
        assert_true(off > before);
        if (r == 0) {
            if (count)
                *count = n;
            return 0;
        }
        n++;
        assert_true(n < 100000);
    }
}

/* ---- archives from libarchive ---- */

static const char binary_data[] = "\177ELF not really, but binary\0data\1\2\3";

static size_t libarchive_newc(uint8_t *out, size_t cap)
{
    struct archive *w = archive_write_new();
    assert_non_null(w);
    assert_int_equal(archive_write_set_format_cpio_newc(w), ARCHIVE_OK);
    assert_int_equal(archive_write_set_bytes_per_block(w, 0), ARCHIVE_OK);
    size_t used = 0;
    assert_int_equal(archive_write_open_memory(w, out, cap, &used), ARCHIVE_OK);

    static const struct { const char *name; unsigned type, perm; const char *data; } files[] = {
        { ".cloak", AE_IFDIR, 0755, NULL },
        { ".cloak/manifest", AE_IFREG, 0644, "cloak-manifest 1\nprogram /bin/luggage\n" },
        { "bin", AE_IFDIR, 0755, NULL },
        { "bin/luggage", AE_IFREG, 0755, binary_data },
        { "empty", AE_IFREG, 0600, "" },
        { "a/name/of/odd/length", AE_IFREG, 0644, "abc" },
    };
    for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
        struct archive_entry *e = archive_entry_new();
        archive_entry_set_pathname(e, files[i].name);
        archive_entry_set_filetype(e, files[i].type);
        archive_entry_set_perm(e, files[i].perm);
        archive_entry_set_uid(e, 1000 + i);
        archive_entry_set_gid(e, 2000 + i);
        archive_entry_set_mtime(e, 1700000000 + (time_t)i, 0);
        size_t size = files[i].data ? (i == 3 ? sizeof(binary_data) - 1 : strlen(files[i].data)) : 0;
        archive_entry_set_size(e, (la_int64_t)size);
        assert_int_equal(archive_write_header(w, e), ARCHIVE_OK);
        if (size)
            assert_int_equal(archive_write_data(w, files[i].data, size), (la_ssize_t)size);
        archive_entry_free(e);
    }
    assert_int_equal(archive_write_close(w), ARCHIVE_OK);
    archive_write_free(w);
    return used;
}

static void test_libarchive_round_trip(void **state)
{
    (void)state;
    static uint8_t out[16384];
    size_t len = libarchive_newc(out, sizeof(out));
    uint8_t *a = exact(out, len);
    uint64_t off = 0;
    struct cpio_entry e;
    const char *err = NULL;

    static const char *names[] = { ".cloak", ".cloak/manifest", "bin", "bin/luggage", "empty",
                                   "a/name/of/odd/length" };
    for (unsigned i = 0; i < 6; i++) {
        assert_int_equal(cpio_next(a, len, &off, &e, &err), 1);
        assert_int_equal(e.name_len, strlen(names[i]));
        assert_memory_equal(e.name, names[i], e.name_len);
        assert_int_equal(e.uid, 1000 + i);
        assert_int_equal(e.gid, 2000 + i);
        assert_int_equal(e.mtime, 1700000000 + i);
        assert_int_equal(off % 4, 0);
        if (i == 0 || i == 2) {
            assert_int_equal(e.mode, 040755);
            assert_int_equal(e.size, 0);
        }
    }
    assert_int_equal(parse_all(a, len, NULL, NULL), 0);

    /* Contents. */
    off = 0;
    cpio_next(a, len, &off, &e, &err);
    cpio_next(a, len, &off, &e, &err);
    assert_int_equal(e.mode, 0100644);
    assert_int_equal(e.size, 38);
    assert_memory_equal(e.data, "cloak-manifest 1\nprogram /bin/luggage\n", 38);
    cpio_next(a, len, &off, &e, &err);
    cpio_next(a, len, &off, &e, &err);
    assert_int_equal(e.mode, 0100755);
    assert_int_equal(e.size, sizeof(binary_data) - 1);
    assert_memory_equal(e.data, binary_data, sizeof(binary_data) - 1);
    cpio_next(a, len, &off, &e, &err);
    assert_int_equal(e.size, 0);
    cpio_next(a, len, &off, &e, &err);
    assert_int_equal(e.size, 3);
    assert_memory_equal(e.data, "abc", 3);
    assert_int_equal(cpio_next(a, len, &off, &e, &err), 0);
    free(a);
}

static void test_hand_written(void **state)
{
    (void)state;
    struct buf b = { 0 };
    entry(&b, "x", 0100644, "hello");
    entry_raw(&b, "070702", "crc-format", 11, 0100600, "z", 1);   /* 070702 is accepted */
    trailer(&b);
    uint8_t *a = exact(b.p, b.len);
    uint64_t off = 0;
    struct cpio_entry e;
    const char *err = NULL;
    assert_int_equal(cpio_next(a, b.len, &off, &e, &err), 1);
    assert_int_equal(e.name_len, 1);
    assert_memory_equal(e.name, "x", 1);
    assert_int_equal(e.mode, 0100644);
    assert_int_equal(e.uid, 1000);
    assert_int_equal(e.gid, 1001);
    assert_int_equal(e.mtime, 0x5f5e1000);
    assert_int_equal(e.size, 5);
    assert_ptr_equal(e.data, a + 112);          /* 110 + "x\0" = 112, aligned */
    assert_memory_equal(e.data, "hello", 5);
    assert_int_equal(off, 120);                 /* 117 rounded up */
    assert_int_equal(cpio_next(a, b.len, &off, &e, &err), 1);
    assert_memory_equal(e.name, "crc-format", 10);
    assert_int_equal(cpio_next(a, b.len, &off, &e, &err), 0);
    assert_int_equal(off, b.len);
    /* Lower-case hex is read too. */
    memcpy(a + 6 + 8, "000081a4", 8);
    off = 0;
    assert_int_equal(cpio_next(a, b.len, &off, &e, &err), 1);
    assert_int_equal(e.mode, 0100644);
    memcpy(a + 6 + 8, "000081A4", 8);
    free(a);
    free(b.p);
}

static const char *first_error(const struct buf *b)
{
    uint8_t *a = exact(b->p, b->len);
    const char *err = NULL;
    int r = parse_all(a, b->len, NULL, &err);
    free(a);
    assert_int_equal(r, -1);
    return err;
}

static void test_bad_magic(void **state)
{
    (void)state;
    struct buf b = { 0 };
    entry(&b, "x", 0100644, "hello");
    trailer(&b);
    b.p[5] = '7';                                 /* 070707: old portable format */
    assert_non_null(strstr(first_error(&b), "magic"));
    b.p[5] = '1';
    b.p[0] = 'X';
    assert_non_null(strstr(first_error(&b), "magic"));
    free(b.p);
}

static void test_non_hex_fields(void **state)
{
    (void)state;
    struct buf b = { 0 };
    entry(&b, "x", 0100644, "hello");
    trailer(&b);
    for (int field = 0; field < 13; field++) {
        for (int pos = 0; pos < 8; pos += 7) {
            static const char bad[] = { 'g', 'G', ' ', 'x', '\0', '-' };
            for (size_t k = 0; k < sizeof(bad); k++) {
                size_t at = 6 + (size_t)field * 8 + (size_t)pos;
                uint8_t keep = b.p[at];
                b.p[at] = (uint8_t)bad[k];
                assert_non_null(strstr(first_error(&b), "hexadecimal"));
                b.p[at] = keep;
            }
        }
    }
    free(b.p);
}

static void test_name_past_end(void **state)
{
    (void)state;
    struct buf b = { 0 };
    /* The name size claims more than the archive holds. */
    entry_raw(&b, "070701", "abc", 200, 0100644, "", 0);
    assert_non_null(strstr(first_error(&b), "name runs past"));
    free(b.p);
    /* The archive ends inside the name. */
    b = (struct buf){ 0 };
    entry(&b, "a-long-file-name", 0100644, "");
    b.len = 110 + 5;
    assert_non_null(strstr(first_error(&b), "name runs past"));
    free(b.p);
    /* Zero and absurd name sizes. */
    b = (struct buf){ 0 };
    entry_raw(&b, "070701", "abc", 0, 0100644, "", 0);
    trailer(&b);
    assert_non_null(strstr(first_error(&b), "name size"));
    free(b.p);
    b = (struct buf){ 0 };
    entry_raw(&b, "070701", "abc", 0xffffffffu, 0100644, "", 0);
    trailer(&b);
    assert_non_null(first_error(&b));
    free(b.p);
}

static void test_name_not_terminated(void **state)
{
    (void)state;
    struct buf b = { 0 };
    entry_raw(&b, "070701", "abcdef", 3, 0100644, "", 0);   /* "abc" without NUL */
    trailer(&b);
    assert_non_null(strstr(first_error(&b), "NUL"));
    free(b.p);
}

static void test_data_past_end(void **state)
{
    (void)state;
    struct buf b = { 0 };
    entry(&b, "x", 0100644, "hello, world");
    b.len = 112 + 5;                              /* cut inside the data */
    assert_non_null(strstr(first_error(&b), "data runs past"));
    free(b.p);
    /* A size field far beyond the buffer (no wrap-around). */
    b = (struct buf){ 0 };
    entry(&b, "x", 0100644, "hi");
    trailer(&b);
    memcpy(b.p + 6 + 6 * 8, "FFFFFFFF", 8);
    assert_non_null(strstr(first_error(&b), "data runs past"));
    free(b.p);
    /* Name ends exactly at the end: the aligned data offset is past it. */
    b = (struct buf){ 0 };
    entry(&b, "xy", 0100644, "");                 /* 110 + 3 = 113, data at 116 */
    b.len = 113;
    uint8_t *a = exact(b.p, b.len);
    uint64_t off = 0;
    struct cpio_entry e;
    const char *err = NULL;
    assert_int_equal(cpio_next(a, b.len, &off, &e, &err), -1);
    free(a);
    free(b.p);
}

static void test_missing_trailer(void **state)
{
    (void)state;
    struct buf b = { 0 };
    entry(&b, "x", 0100644, "hello");
    entry(&b, "y", 0100644, "bye");
    unsigned n = 0;
    const char *err = NULL;
    uint8_t *a = exact(b.p, b.len);
    assert_int_equal(parse_all(a, b.len, &n, &err), -1);
    assert_int_equal(n, 2);
    assert_non_null(strstr(err, "TRAILER"));
    free(a);
    /* Empty archive, and an offset beyond the end. */
    a = exact("", 0);
    uint64_t off = 0;
    struct cpio_entry e;
    assert_int_equal(cpio_next(a, 0, &off, &e, &err), -1);
    free(a);
    a = exact(b.p, b.len);
    off = b.len + 4;
    assert_int_equal(cpio_next(a, b.len, &off, &e, &err), -1);
    off = UINT64_MAX;
    assert_int_equal(cpio_next(a, b.len, &off, &e, &err), -1);
    free(a);
    free(b.p);
}

static uint64_t rng_state = 0x9e3779b97f4a7c15ull;
static uint64_t rng(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return rng_state;
}

static void test_every_truncation(void **state)
{
    (void)state;
    struct buf b = { 0 };
    entry(&b, "x", 0100644, "hello");
    entry(&b, "dir", 040755, "");
    entry(&b, "a/b/c/d", 0100600, "0123456789abcdef0123456789");
    trailer(&b);
    /* The trailer's data offset: anything shorter cannot reach it. */
    size_t complete = b.len;
    for (size_t len = 0; len <= b.len; len++) {
        uint8_t *a = exact(b.p, len);
        unsigned n = 0;
        int r = parse_all(a, len, &n, NULL);
        assert_int_equal(r, len >= complete ? 0 : -1);
        free(a);
    }
    free(b.p);
}

static void test_random_corruption(void **state)
{
    (void)state;
    static uint8_t out[16384];
    size_t lib_len = libarchive_newc(out, sizeof(out));
    struct buf b = { 0 };
    entry(&b, "x", 0100644, "hello");
    entry(&b, "dir", 040755, "");
    entry(&b, "a/b/c/d", 0100600, "0123456789abcdef0123456789");
    trailer(&b);
    static const uint8_t interesting[] = { '0', '7', 'f', 'F', 'g', 0, 0xff, '\n' };
    for (int iter = 0; iter < 20000; iter++) {
        const uint8_t *src = iter & 1 ? out : b.p;
        size_t len = iter & 1 ? lib_len : b.len;
        uint8_t *a = exact(src, len);
        int flips = 1 + (int)(rng() % 4);
        for (int k = 0; k < flips; k++) {
            size_t at = (size_t)(rng() % len);
            a[at] = rng() % 2 ? (uint8_t)rng() : interesting[rng() % sizeof(interesting)];
        }
        size_t cut = rng() % 4 ? len : (size_t)(rng() % (len + 1));
        parse_all(a, cut, NULL, NULL);
        free(a);
    }
    free(b.p);
}

/* ---- fs/boot_archive.c: the archive into the root file system ---- */

/* What ramfs.c needs from the rest of the kernel (clock.c is not linked;
 * the host libc may lack strlcpy). */
uint64_t clock_realtime_ns(void) { return 7000000000ull; }
size_t strlcpy(char *dst, const char *src, size_t size)
{
    size_t n = strlen(src);
    if (size) {
        size_t c = n < size - 1 ? n : size - 1;
        memcpy(dst, src, c);
        dst[c] = 0;
    }
    return n;
}

/* A fresh, empty root for each archive; the old ones stay reachable here
 * (ramfs frees nothing at boot) so that LeakSanitizer does not count them. */
static struct vnode *old_roots[64];
static unsigned nold_roots;
static void fresh_root(void)
{
    if (vfs_root) {
        assert_true(nold_roots < 64);
        old_roots[nold_roots++] = vfs_root;
    }
    ramfs_init();
    assert_non_null(vfs_root);
}

/* The node at a relative path ("a/b"), following no symlinks; NULL if none. */
static struct vnode *node_at(const char *path)
{
    struct vnode *cur = vfs_root;
    while (*path && cur) {
        const char *slash = strchr(path, '/');
        size_t n = slash ? (size_t)(slash - path) : strlen(path);
        cur = ramfs_lookup(cur, path, n);
        path += n + (slash ? 1 : 0);
    }
    return cur;
}

/* Loads b into a fresh root: the result, *error and where.  A refused
 * entry may leave a node it made unlinked (boot stops there anyway):
 * LeakSanitizer looks away. */
static int load_archive(const struct buf *b, uint8_t **copy, const char **error, char *where, int where_len)
{
    fresh_root();
    *copy = exact(b->p, b->len);
    *error = NULL;
    __lsan_disable();
    int r = boot_archive_load(*copy, b->len, error, where, where_len);
    __lsan_enable();
    return r;
}

static void test_boot_archive_tree(void **state)
{
    (void)state;
    struct buf b = { 0 };
    entry(&b, ".", 040700, "");                         /* the root itself: nothing to do */
    entry(&b, "//abs/file", 0100640, "abs");            /* leading slashes go */
    entry(&b, "./dot/f", 0100600, "dot");               /* so does one "./" */
    entry(&b, "bin/x", 0100755, "binary");              /* bin implied ... */
    entry(&b, "bin", 040711, "");                       /* ... then given: its mode */
    entry(&b, "link", 0120777, "bin/x");
    entry(&b, "e", 0100644, "");
    entry(&b, "a..b/...", 0100644, "dots");             /* not ".." components */
    entry(&b, "d/..x/x..", 040755, "");
    entry(&b, "bin", 040755, "");                       /* a directory twice is fine */
    char longname[300];
    memset(longname, 'n', 255);
    strcpy(longname + 255, "");
    entry(&b, longname, 0100644, "x");                  /* 255 bytes: the most */
    char *target = malloc(PATH_MAX);
    assert_non_null(target);
    memset(target, 't', PATH_MAX - 1);
    target[PATH_MAX - 1] = 0;
    entry(&b, "longlink", 0120777, target);             /* 4095 bytes: the most */
    trailer(&b);
    uint8_t *a;
    const char *err;
    char where[64] = "unchanged";
    assert_int_equal(load_archive(&b, &a, &err, where, sizeof(where)), 0);
    assert_string_equal(where, "");
    assert_int_equal(vfs_root->mode, 040755);

    struct vnode *f = node_at("abs/file");
    assert_non_null(f);
    assert_int_equal(f->mode, 0100640);
    assert_int_equal(f->uid, 1000);
    assert_int_equal(f->gid, 1001);
    assert_int_equal(f->mtime.sec, 0x5f5e1000);
    assert_int_equal(f->ctime.sec, 0x5f5e1000);
    assert_int_equal(f->atime.sec, 0x5f5e1000);
    assert_int_equal(f->mtime.nsec, 0);
    assert_int_equal(f->size, 3);
    assert_int_equal(f->capacity, 3);
    assert_false(f->data_owned);
    assert_true(f->data > a && f->data < a + b.len);    /* in the archive, not a copy */
    assert_memory_equal(f->data, "abs", 3);
    struct vnode *abs = node_at("abs");
    assert_non_null(abs);
    assert_int_equal(abs->mode, 040755);                /* implied directories */
    assert_int_equal(abs->mtime.sec, 7);                /* made now, not from the archive */

    assert_non_null(node_at("dot/f"));
    assert_int_equal(node_at("bin")->mode, 040755);     /* the last explicit entry */
    assert_memory_equal(node_at("bin/x")->data, "binary", 6);
    struct vnode *l = node_at("link");
    assert_int_equal(l->mode, 0120777);
    assert_string_equal(l->target, "bin/x");
    assert_int_equal(l->size, 5);
    assert_true((uint8_t *)l->target < a || (uint8_t *)l->target >= a + b.len);   /* a copy */
    assert_int_equal(node_at("e")->size, 0);
    assert_memory_equal(node_at("a..b/...")->data, "dots", 4);
    assert_int_equal(node_at("d/..x/x..")->mode, 040755);
    assert_int_equal(node_at(longname)->size, 1);
    assert_int_equal(strlen(node_at("longlink")->target), PATH_MAX - 1);
    free(target);
    free(b.p);
    free(a);        /* the files pointing into it are not read again */

    /* libarchive's archive too. */
    static uint8_t out[16384];
    size_t n = libarchive_newc(out, sizeof(out));
    struct buf lb = { out, n, n };
    assert_int_equal(load_archive(&lb, &a, &err, where, sizeof(where)), 0);
    struct vnode *lug = node_at("bin/luggage");
    assert_non_null(lug);
    assert_int_equal(lug->size, sizeof(binary_data) - 1);
    assert_memory_equal(lug->data, binary_data, sizeof(binary_data) - 1);
    assert_int_equal(lug->uid, 1003);
    assert_int_equal(lug->mtime.sec, 1700000003);
    assert_int_equal(node_at("a/name/of/odd/length")->size, 3);
    assert_int_equal(node_at(".cloak")->mode, 040755);
    free(a);
}

struct archive_fault {
    const char *setup;      /* a good entry first (a file), or NULL */
    const char *name;
    uint32_t mode;
    const char *data;
    const char *error;
};

static const struct archive_fault archive_faults[] = {
    { NULL, "a/../b", 0100644, "", "entry name contains '..'" },
    { NULL, "..", 040755, "", "entry name contains '..'" },
    { NULL, "x/..", 040755, "", "entry name contains '..'" },
    { NULL, "../x", 0100644, "", "entry name contains '..'" },
    { NULL, "/./..", 0100644, "", "entry name contains '..'" },
    { "f", "f/x", 0100644, "", "a parent of this entry is not a directory" },
    { "f", "f/y/z", 040755, "", "a parent of this entry is not a directory" },
    { "f", "f", 0100644, "", "duplicate entry" },
    { "f", "f", 040755, "", "duplicate entry" },
    { "f", "./f", 0120777, "t", "duplicate entry" },
    { NULL, "fifo", 0010644, "", "unsupported file type (only files, directories and symlinks)" },
    { NULL, "dev/chr", 0020644, "", "unsupported file type (only files, directories and symlinks)" },
    { NULL, "sock", 0140644, "", "unsupported file type (only files, directories and symlinks)" },
    { NULL, "notype", 0000644, "", "unsupported file type (only files, directories and symlinks)" },
    { NULL, "l", 0120777, "", "symlink target is empty or too long" },
    { NULL, "dir/", 0100644, "", "cannot link entry" },
};

static void test_boot_archive_faults(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(archive_faults) / sizeof(*archive_faults); i++) {
        const struct archive_fault *c = &archive_faults[i];
        struct buf b = { 0 };
        if (c->setup)
            entry(&b, c->setup, 0100644, "setup");
        entry(&b, c->name, c->mode, c->data);
        entry(&b, "after", 0100644, "");
        trailer(&b);
        uint8_t *a;
        const char *err;
        char where[256] = "";
        int r = load_archive(&b, &a, &err, where, sizeof(where));
        if (r != -1 || !err || strcmp(err, c->error) || strcmp(where, c->name))
            fail_msg("case %zu (%s): r=%d error \"%s\" where \"%s\"", i, c->name, r, err ? err : "(none)", where);
        assert_null(node_at("after"));                  /* it stops at the fault */
        free(a);
        free(b.p);
    }

    /* A component of 256 bytes; the name in `where` is cut at 200 bytes,
     * and at where_len. */
    char name[300];
    memset(name, 'c', 256);
    strcpy(name + 256, "/f");
    struct buf b = { 0 };
    entry(&b, name, 0100644, "");
    trailer(&b);
    uint8_t *a;
    const char *err;
    char where[256];
    assert_int_equal(load_archive(&b, &a, &err, where, sizeof(where)), -1);
    assert_string_equal(err, "a parent of this entry is not a directory");   /* ramfs refuses the name */
    assert_int_equal(strlen(where), 200);
    assert_memory_equal(where, name, 200);
    free(a);
    free(b.p);
    b = (struct buf){ 0 };
    memmove(name + 2, name, 256);
    memcpy(name, "d/", 2);
    name[258] = 0;
    entry(&b, name, 0100644, "");
    trailer(&b);
    char small[8];
    assert_int_equal(load_archive(&b, &a, &err, small, sizeof(small)), -1);
    assert_string_equal(err, "entry name component longer than 255 bytes");
    assert_string_equal(small, "d/ccccc");
    free(a);
    free(b.p);

    /* A symlink target of PATH_MAX bytes. */
    b = (struct buf){ 0 };
    char *target = malloc(PATH_MAX + 1);
    assert_non_null(target);
    memset(target, 't', PATH_MAX);
    target[PATH_MAX] = 0;
    entry(&b, "long", 0120777, target);
    trailer(&b);
    assert_int_equal(load_archive(&b, &a, &err, where, sizeof(where)), -1);
    assert_string_equal(err, "symlink target is empty or too long");
    assert_string_equal(where, "long");
    free(target);
    free(a);
    free(b.p);

    /* The archive itself is bad: where is its offset. */
    b = (struct buf){ 0 };
    entry(&b, "ok", 0100644, "1234");
    entry_raw(&b, "070707", "bad", 4, 0100644, "", 0);
    trailer(&b);
    assert_int_equal(load_archive(&b, &a, &err, where, sizeof(where)), -1);
    assert_non_null(err);
    assert_string_equal(where, "offset 120");
    assert_non_null(node_at("ok"));
    free(a);
    free(b.p);
}

/* Each allocation failing in turn: an error naming the entry, never a
 * crash; ramfs keeps what it made (boot stops on the error anyway), so
 * LeakSanitizer looks away. */
static void test_boot_archive_out_of_memory(void **state)
{
    (void)state;
    struct buf b = { 0 };
    entry(&b, "a/b/file", 0100644, "data");
    entry(&b, "a/link", 0120777, "b/file");
    entry(&b, "a", 040700, "");
    entry(&b, "top", 040755, "");
    trailer(&b);
    long k;
    for (k = 0; k < 100; k++) {
        uint8_t *a;
        const char *err;
        char where[64] = "";
        fresh_root();
        a = exact(b.p, b.len);
        __lsan_disable();
        shim_heap_fail_after = k;
        int r = boot_archive_load(a, b.len, &err, where, sizeof(where));
        shim_heap_fail_after = -1;
        __lsan_enable();
        free(a);
        if (r == 0)
            break;
        printf("# allocation %ld fails: %s: %s\n", k, where, err);
        assert_int_equal(r, -1);
        if (strcmp(err, "out of memory") && strcmp(err, "a parent of this entry is not a directory") &&
            strcmp(err, "cannot link entry"))
            fail_msg("allocation %ld: \"%s\"", k, err);
        assert_true(!strcmp(where, "a/b/file") || !strcmp(where, "a/link") || !strcmp(where, "top"));
    }
    assert_true(k > 5);
    assert_true(k < 100);
    assert_string_equal(node_at("a/link")->target, "b/file");
    assert_int_equal(node_at("a")->mode, 040700);
    free(b.p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_libarchive_round_trip),
        cmocka_unit_test(test_hand_written),
        cmocka_unit_test(test_bad_magic),
        cmocka_unit_test(test_non_hex_fields),
        cmocka_unit_test(test_name_past_end),
        cmocka_unit_test(test_name_not_terminated),
        cmocka_unit_test(test_data_past_end),
        cmocka_unit_test(test_missing_trailer),
        cmocka_unit_test(test_every_truncation),
        cmocka_unit_test(test_random_corruption),
        cmocka_unit_test(test_boot_archive_tree),
        cmocka_unit_test(test_boot_archive_faults),
        cmocka_unit_test(test_boot_archive_out_of_memory),
    };
    return cmocka_run_group_tests_name("cpio", tests, NULL, NULL);
}
