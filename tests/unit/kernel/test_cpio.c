/* fs/cpio.c: reading "newc" archives written by libarchive (an independent
 * writer, the one `cloak build` uses) and by hand, rejecting malformed ones,
 * and never reading outside the buffer: every archive is handed over in a
 * heap block of exactly its size, so ASan catches any overrun. */
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
    };
    return cmocka_run_group_tests_name("cpio", tests, NULL, NULL);
}
