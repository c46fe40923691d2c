/* tools/image/manifest_writer: exact format and escaping, checked by a
 * round trip through a small reader written from docs/manifest.md. */
#include <ctype.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "../../../tools/image/manifest_writer.h"

static char err[512];

/* ---- a reader, as the kernel will read it ---- */

struct record {
    char key[16];
    char value[1024];
};

static int unescape(const char *s, size_t n, char *out)
{
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '\0')
            return -1;
        if (s[i] != '\\') {
            out[o++] = s[i];
            continue;
        }
        if (++i >= n)
            return -1;
        switch (s[i]) {
        case '\\': out[o++] = '\\'; break;
        case 'n': out[o++] = '\n'; break;
        case 't': out[o++] = '\t'; break;
        case 'x': {
            unsigned v;
            char hex[3] = {0};
            if (i + 2 >= n || !isxdigit((unsigned char)s[i + 1]) ||
                !isxdigit((unsigned char)s[i + 2]))
                return -1;
            hex[0] = s[i + 1];
            hex[1] = s[i + 2];
            v = (unsigned)strtoul(hex, NULL, 16);
            if (v == 0)
                return -1; /* a NUL byte in a value is an error */
            out[o++] = (char)v;
            i += 2;
            break;
        }
        default:
            return -1;
        }
    }
    out[o] = '\0';
    return 0;
}

/* Returns the number of records, or -1. */
static int read_manifest(const char *text, size_t len, struct record *recs, int max)
{
    const char *p = text, *end = text + len;
    int n = 0;

    if (len < 17 || memcmp(text, "cloak-manifest 1\n", 17) != 0)
        return -1;
    p += 17;
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p)), *sp;
        if (!nl)
            return -1; /* lines end with \n */
        if (nl == p || *p == '#') {
            p = nl + 1;
            continue;
        }
        sp = memchr(p, ' ', (size_t)(nl - p));
        if (!sp || sp - p >= 16 || n >= max)
            return -1;
        memcpy(recs[n].key, p, (size_t)(sp - p));
        recs[n].key[sp - p] = '\0';
        if (unescape(sp + 1, (size_t)(nl - sp - 1), recs[n].value) < 0)
            return -1;
        n++;
        p = nl + 1;
    }
    return n;
}

/* ---- tests ---- */

static void test_exact_text(void **state)
{
    const char *argv[] = {"/examples/luggage/luggage", "12345"};
    const char *env[] = {"USER=root", "PWD=/"};
    struct manifest m = {.program = "/examples/luggage/luggage", .argv = argv, .argc = 2,
                         .env = env, .envc = 2};
    char *out;
    size_t len;
    (void)state;

    assert_int_equal(manifest_render(&m, &out, &len, err, sizeof err), 0);
    assert_string_equal(out, "cloak-manifest 1\n"
                             "program /examples/luggage/luggage\n"
                             "arg /examples/luggage/luggage\n"
                             "arg 12345\n"
                             "env USER=root\n"
                             "env PWD=/\n");
    assert_int_equal(len, strlen(out));
    free(out);
}

static void test_mounts(void **state)
{
    const char *argv[] = {"/prog"};
    const struct manifest_mount mounts[] = {
        {"data", "/data", false},
        {"conf", "/etc/my app", true},
        {"x\\y", "/a\tb\nc", false},
    };
    struct manifest m = {.program = "/prog", .argv = argv, .argc = 1, .mounts = mounts,
                         .nmounts = 3};
    char *out;
    size_t len;
    (void)state;

    assert_int_equal(manifest_render(&m, &out, &len, err, sizeof err), 0);
    assert_string_equal(out, "cloak-manifest 1\n"
                             "program /prog\n"
                             "arg /prog\n"
                             "mount data /data\n"
                             "mount conf /etc/my\\x20app ro\n"
                             "mount x\\\\y /a\\tb\\nc\n");
    free(out);

    const struct manifest_mount rel[] = {{"data", "data", false}};
    m.mounts = rel;
    m.nmounts = 1;
    assert_int_equal(manifest_render(&m, &out, &len, err, sizeof err), -1);
    assert_string_equal(err, "mount data: the mount point \"data\" is not an absolute path");
    const struct manifest_mount nolabel[] = {{"", "/data", false}};
    m.mounts = nolabel;
    assert_int_equal(manifest_render(&m, &out, &len, err, sizeof err), -1);
    assert_string_equal(err, "manifest: a mount has an empty volume label");
}

/* --sev and ConfidentialVM: one line, exactly "confidential required". */
static void test_confidential(void **state)
{
    const char *argv[] = {"/prog", "31337"};
    const struct manifest_mount mounts[] = {{"data", "/data", false}};
    struct manifest m = {.program = "/prog", .argv = argv, .argc = 2, .mounts = mounts,
                         .nmounts = 1, .confidential = true};
    char *out;
    size_t len;
    (void)state;

    assert_int_equal(manifest_render(&m, &out, &len, err, sizeof err), 0);
    assert_string_equal(out, "cloak-manifest 1\n"
                             "program /prog\n"
                             "arg /prog\n"
                             "arg 31337\n"
                             "mount data /data\n"
                             "confidential required\n");
    free(out);
    m.confidential = false;
    assert_int_equal(manifest_render(&m, &out, &len, err, sizeof err), 0);
    assert_null(strstr(out, "confidential"));
    free(out);
}

static void test_escapes(void **state)
{
    char buf[256];
    (void)state;

    manifest_escape("a\\b\nc\td\re\x01\x7f" "f g", buf);
    assert_string_equal(buf, "a\\\\b\\nc\\td\\x0de\\x01\\x7ff g");
    manifest_escape("", buf);
    assert_string_equal(buf, "");
    manifest_escape("caf\xc3\xa9", buf); /* UTF-8 stays as it is */
    assert_string_equal(buf, "caf\xc3\xa9");
    manifest_escape_field("a b\\c\n", buf); /* mount fields: spaces too */
    assert_string_equal(buf, "a\\x20b\\\\c\\n");
}

static void test_round_trip(void **state)
{
    const char *argv[] = {"/prog", "", "two words", "new\nline", "tab\there", "back\\slash",
                          "\\n literally", "\x1b[1mbold", "# not a comment", " lead", "trail "};
    const char *env[] = {"A=1", "EMPTY=", "MULTI=a\nb", "X=y=z"};
    const char *debug[] = {"syscalls"};
    struct manifest m = {.program = "/prog", .argv = argv, .argc = 11, .env = env, .envc = 4,
                         .cwd = "/some dir", .debug = debug, .ndebug = 1};
    struct record recs[32];
    char *out;
    size_t len;
    int n, i = 0;
    (void)state;

    assert_int_equal(manifest_render(&m, &out, &len, err, sizeof err), 0);
    n = read_manifest(out, len, recs, 32);
    assert_int_equal(n, 1 + 11 + 4 + 1 + 1);
    assert_string_equal(recs[i].key, "program");
    assert_string_equal(recs[i++].value, "/prog");
    for (size_t a = 0; a < 11; a++, i++) {
        assert_string_equal(recs[i].key, "arg");
        assert_string_equal(recs[i].value, argv[a]);
    }
    for (size_t e = 0; e < 4; e++, i++) {
        assert_string_equal(recs[i].key, "env");
        assert_string_equal(recs[i].value, env[e]);
    }
    assert_string_equal(recs[i].key, "cwd");
    assert_string_equal(recs[i++].value, "/some dir");
    assert_string_equal(recs[i].key, "debug");
    assert_string_equal(recs[i++].value, "syscalls");
    /* one record per line: no raw newline or control byte inside a value */
    for (size_t k = 0; k < len; k++)
        assert_true((unsigned char)out[k] >= 0x20 || out[k] == '\n');
    free(out);
}

static void test_limits(void **state)
{
    static const char *argv[MANIFEST_MAX_ARGS + 1];
    static char big[70000];
    struct manifest m = {.program = "/p", .argv = argv};
    char *out;
    size_t len;
    (void)state;

    for (size_t i = 0; i <= MANIFEST_MAX_ARGS; i++)
        argv[i] = "x";
    m.argc = MANIFEST_MAX_ARGS;
    assert_int_equal(manifest_render(&m, &out, &len, err, sizeof err), 0);
    free(out);
    m.argc = MANIFEST_MAX_ARGS + 1;
    assert_int_equal(manifest_render(&m, &out, &len, err, sizeof err), -1);
    assert_non_null(strstr(err, "too many arguments"));

    memset(big, 'a', sizeof big - 1);
    for (size_t i = 0; i < 4; i++)
        argv[i] = big;
    m.argc = 4; /* 4 * 70000 > 256 KiB */
    assert_int_equal(manifest_render(&m, &out, &len, err, sizeof err), -1);
    assert_non_null(strstr(err, "too large"));

    m.program = "relative";
    m.argc = 1;
    argv[0] = "x";
    assert_int_equal(manifest_render(&m, &out, &len, err, sizeof err), -1);
    assert_non_null(strstr(err, "not absolute"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_exact_text),
        cmocka_unit_test(test_escapes),
        cmocka_unit_test(test_round_trip),
        cmocka_unit_test(test_mounts),
        cmocka_unit_test(test_confidential),
        cmocka_unit_test(test_limits),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
