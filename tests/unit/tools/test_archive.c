/* tools/image/archive: write a boot archive, read it back with libarchive. */
#define _GNU_SOURCE
#include <archive.h>
#include <archive_entry.h>
#include <ftw.h>
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

#include "../../../tools/image/archive.h"

static char dir[64];
static char err[1024];

struct entry {
    char name[256];
    unsigned type, perm;
    char data[256];   /* file contents, or the symlink target */
    long ino;
    unsigned nlink;
};

static struct entry entries[64];
static int nentries;

static void path_in(char *out, size_t len, const char *rel)
{
    snprintf(out, len, "%s/%s", dir, rel);
}

static void write_file(const char *rel, const char *text, mode_t mode)
{
    char p[512];
    FILE *f;

    path_in(p, sizeof p, rel);
    f = fopen(p, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
    chmod(p, mode);
}

static void mkdir_in(const char *rel)
{
    char p[512];
    path_in(p, sizeof p, rel);
    assert_int_equal(mkdir(p, 0750), 0);
}

static void read_back(const char *file)
{
    struct archive *a = archive_read_new();
    struct archive_entry *e;

    nentries = 0;
    archive_read_support_format_cpio(a);
    assert_int_equal(archive_read_open_filename(a, file, 4096), ARCHIVE_OK);
    assert_int_equal(archive_format(a) & ARCHIVE_FORMAT_BASE_MASK, 0); /* not yet known */
    while (archive_read_next_header(a, &e) == ARCHIVE_OK) {
        struct entry *x = &entries[nentries++];
        la_ssize_t n;

        assert_true(nentries < 64);
        assert_int_equal(archive_format(a), ARCHIVE_FORMAT_CPIO_SVR4_NOCRC); /* newc */
        snprintf(x->name, sizeof x->name, "%s", archive_entry_pathname(e));
        x->type = archive_entry_filetype(e);
        x->perm = archive_entry_perm(e);
        x->ino = (long)archive_entry_ino64(e);
        x->nlink = archive_entry_nlink(e);
        assert_int_equal(archive_entry_uid(e), 0);
        if (x->type == AE_IFLNK) {
            snprintf(x->data, sizeof x->data, "%s", archive_entry_symlink(e));
        } else {
            n = archive_read_data(a, x->data, sizeof x->data - 1);
            assert_true(n >= 0);
            x->data[n] = '\0';
        }
    }
    archive_read_free(a);
}

static struct entry *find(const char *name)
{
    for (int i = 0; i < nentries; i++)
        if (strcmp(entries[i].name, name) == 0)
            return &entries[i];
    fail_msg("no entry %s in the archive", name);
    return NULL;
}

static int index_of(const char *name)
{
    for (int i = 0; i < nentries; i++)
        if (strcmp(entries[i].name, name) == 0)
            return i;
    return -1;
}

static int rm(const char *p, const struct stat *st, int flag, struct FTW *f)
{
    (void)st;
    (void)f;
    return flag == FTW_DP ? rmdir(p) : unlink(p);
}

static int setup(void **state)
{
    (void)state;
    snprintf(dir, sizeof dir, "/tmp/cloak-archive-XXXXXX");
    assert_non_null(mkdtemp(dir));
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    nftw(dir, rm, 8, FTW_DEPTH | FTW_PHYS);
    return 0;
}

static void test_image_paths(void **state)
{
    static const char *const cases[][2] = {
        {"examples/luggage/luggage", "/examples/luggage/luggage"},
        {"./prog", "/prog"},
        {"././a//b/", "/a/b"},
        {"/usr/bin/x", "/usr/bin/x"},
        {"../up/prog", "/up/prog"},
        {"a/../b", "/b"},
        {"a/./b/..", "/a"},
    };
    char out[256];
    (void)state;

    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        assert_int_equal(image_path_from(cases[i][0], out, sizeof out), 0);
        assert_string_equal(out, cases[i][1]);
    }
    assert_int_equal(image_path_from(".", out, sizeof out), -1);
    assert_string_equal(out, "/");
    assert_int_equal(image_path_from("/", out, sizeof out), -1);
    assert_int_equal(image_path_from("abcdef", out, 4), -1);
}

static void test_entries_modes_parents(void **state)
{
    char archive[512], host[512], host2[512], pattern[512];
    struct image_archive *a;
    const char manifest[] = "cloak-manifest 1\nprogram /bin/prog\n";
    (void)state;

    write_file("prog", "\x7f" "ELF fake", 0751);
    mkdir_in("tree");
    mkdir_in("tree/sub");
    write_file("tree/one.txt", "one", 0600);
    write_file("tree/sub/two.txt", "two", 0644);
    assert_int_equal(symlink("one.txt", strcat(strcpy(host, dir), "/tree/link")), 0);
    assert_int_equal(symlink("missing", strcat(strcpy(host, dir), "/tree/dangling")), 0);
    mkdir_in("certs");
    mkdir_in("certs/deep");
    write_file("certs/a.pem", "A", 0644);
    write_file("certs/b.txt", "B", 0644);
    write_file("certs/deep/c.pem", "C", 0644);

    path_in(archive, sizeof archive, "boot.cpio");
    a = image_archive_open(archive, err, sizeof err);
    assert_non_null(a);
    assert_int_equal(image_archive_add_data(a, "/.cloak/manifest", manifest, sizeof manifest - 1,
                                            0644, err, sizeof err), 0);
    path_in(host, sizeof host, "prog");
    assert_int_equal(image_archive_add_file(a, "/bin/prog", host, err, sizeof err), 0);
    path_in(host, sizeof host, "tree");
    assert_int_equal(image_archive_add_tree(a, "/data/tree", host, err, sizeof err), 0);
    assert_int_equal(image_archive_warning_count(a), 1);
    assert_non_null(strstr(image_archive_warning(a, 0), "dangling symlink"));
    path_in(pattern, sizeof pattern, "certs/*.pem");
    assert_int_equal(image_archive_add_mapped(a, pattern, "/etc/ssl", err, sizeof err), 0);

    /* the same path twice: from the same file silently, from another with a warning */
    path_in(host, sizeof host, "prog");
    assert_int_equal(image_archive_add_file(a, "bin/prog", host, err, sizeof err), 0);
    assert_int_equal(image_archive_warning_count(a), 1);
    path_in(host2, sizeof host2, "certs/b.txt");
    assert_int_equal(image_archive_add_file(a, "/bin/prog", host2, err, sizeof err), 0);
    assert_int_equal(image_archive_warning_count(a), 2);
    assert_non_null(strstr(image_archive_warning(a, 1), "twice"));
    /* a file where a directory is needed */
    assert_int_equal(image_archive_add_file(a, "/bin/prog/x", host2, err, sizeof err), -1);
    assert_non_null(strstr(err, "/bin/prog is already there as a file"));

    assert_true(image_archive_has(a, "/bin/prog"));
    assert_true(image_archive_has(a, "/bin"));
    assert_true(image_archive_has(a, "/etc/ssl/deep/c.pem"));
    assert_false(image_archive_has(a, "/etc/passwd"));
    assert_int_equal(image_archive_close(a, err, sizeof err), 0);

    read_back(archive);
    /* names are relative (no leading '/'), directories come before contents */
    assert_int_equal(index_of(".cloak"), 0);
    assert_int_equal(index_of(".cloak/manifest"), 1);
    assert_string_equal(find(".cloak/manifest")->data, manifest);
    assert_true(index_of("bin") < index_of("bin/prog"));
    assert_int_equal(find("bin")->type, AE_IFDIR);
    assert_int_equal(find("bin")->perm, 0755);
    assert_int_equal(find("bin/prog")->type, AE_IFREG);
    assert_int_equal(find("bin/prog")->perm, 0751);
    assert_string_equal(find("bin/prog")->data, "\x7f" "ELF fake");
    assert_int_equal(find("data")->type, AE_IFDIR);
    assert_int_equal(find("data/tree")->perm, 0750); /* from the host directory */
    assert_true(index_of("data") < index_of("data/tree"));
    assert_true(index_of("data/tree") < index_of("data/tree/sub"));
    assert_true(index_of("data/tree/sub") < index_of("data/tree/sub/two.txt"));
    assert_int_equal(find("data/tree/one.txt")->perm, 0600);
    assert_string_equal(find("data/tree/sub/two.txt")->data, "two");
    assert_int_equal(find("data/tree/link")->type, AE_IFLNK);
    assert_string_equal(find("data/tree/link")->data, "one.txt");
    assert_int_equal(index_of("data/tree/dangling"), -1);
    assert_string_equal(find("etc/ssl/a.pem")->data, "A");
    assert_string_equal(find("etc/ssl/deep/c.pem")->data, "C");
    assert_int_equal(index_of("etc/ssl/b.txt"), -1);
    assert_int_equal(index_of("bin/prog/x"), -1);
    /* every entry its own inode, nlink 1 (directories 2) */
    for (int i = 0; i < nentries; i++) {
        for (int j = 0; j < i; j++)
            assert_true(entries[i].ino != entries[j].ino);
        assert_int_equal(entries[i].nlink, entries[i].type == AE_IFDIR ? 2 : 1);
    }
}

static void test_errors(void **state)
{
    char archive[512], host[512];
    struct image_archive *a;
    (void)state;

    assert_null(image_archive_open("/nonexistent-dir/x.cpio", err, sizeof err));
    assert_non_null(strstr(err, "/nonexistent-dir/x.cpio"));

    path_in(archive, sizeof archive, "e.cpio");
    a = image_archive_open(archive, err, sizeof err);
    assert_non_null(a);
    path_in(host, sizeof host, "missing");
    assert_int_equal(image_archive_add_file(a, "/m", host, err, sizeof err), -1);
    assert_non_null(strstr(err, "no such file"));
    assert_int_equal(image_archive_add_file(a, "/d", dir, err, sizeof err), -1);
    assert_non_null(strstr(err, "is a directory"));
    assert_int_equal(image_archive_add_tree(a, "/t", host, err, sizeof err), -1);
    assert_non_null(strstr(err, "no such directory"));
    path_in(host, sizeof host, "nodir/*.txt");
    assert_int_equal(image_archive_add_mapped(a, host, "/x", err, sizeof err), -1);
    assert_non_null(strstr(err, "is not a directory"));
    path_in(host, sizeof host, "*.nothing");
    assert_int_equal(image_archive_add_mapped(a, host, "/x", err, sizeof err), 0);
    assert_int_equal(image_archive_warning_count(a), 1);
    assert_non_null(strstr(image_archive_warning(a, 0), "matches nothing"));
    image_archive_abort(a);
    assert_int_equal(access(archive, F_OK), -1); /* removed */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_image_paths),
        cmocka_unit_test_setup_teardown(test_entries_modes_parents, setup, teardown),
        cmocka_unit_test_setup_teardown(test_errors, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
