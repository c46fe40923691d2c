/* init/manifest.c: the boot manifest parser (docs/manifest.md).  Valid
 * manifests, escapes (also as the host tool's writer produces them), every
 * error the format names with its line number, limits, and out-of-memory at
 * every allocation without leaks. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>
#include <setjmp.h>
#include <string.h>
#include <stdio.h>
#include <stdlib.h>
#include <cmocka.h>

#include "init/manifest.h"
#include "shim.h"

/* The host tool's escaper (tools/image/manifest_writer.c), linked in; its
 * header is not included because it has a struct manifest of its own. */
size_t manifest_escape(const char *s, char *buf);

static int parse(const char *text, size_t len, struct manifest *m, char *err, size_t errlen)
{
    /* An exact-size copy, without a NUL after it: the parser must go by len. */
    char *copy = malloc(len ? len : 1);
    assert_non_null(copy);
    memcpy(copy, text, len);
    int r = manifest_parse(copy, len, m, err, errlen);
    free(copy);
    return r;
}

static int parse_str(const char *text, struct manifest *m, char *err, size_t errlen)
{
    return parse(text, strlen(text), m, err, errlen);
}

static void test_valid(void **state)
{
    (void)state;
    const char *text =
        "cloak-manifest 1\n"
        "# a comment\n"
        "\n"
        "program /bin/luggage\n"
        "arg luggage\n"
        "arg back\\\\slash\n"
        "arg new\\nline\\ttab\n"
        "arg \\x41\\x7e\\xff\\x0A\\x7F\n"
        "arg  leading space\n"
        "arg \n"
        "env HOME=/root\n"
        "env EMPTY=\n"
        "env WEIRD=a=b\\tc\n"
        "cwd /data dir\n"
        "debug syscalls\n";
    struct manifest m;
    char err[128] = "";
    assert_int_equal(parse_str(text, &m, err, sizeof(err)), 0);
    assert_string_equal(m.program, "/bin/luggage");
    assert_int_equal(m.argc, 6);
    assert_string_equal(m.argv[0], "luggage");
    assert_string_equal(m.argv[1], "back\\slash");
    assert_string_equal(m.argv[2], "new\nline\ttab");
    assert_string_equal(m.argv[3], "A~\xff\n\x7f");
    assert_string_equal(m.argv[4], " leading space");
    assert_string_equal(m.argv[5], "");
    assert_null(m.argv[6]);
    assert_int_equal(m.envc, 3);
    assert_string_equal(m.envp[0], "HOME=/root");
    assert_string_equal(m.envp[1], "EMPTY=");
    assert_string_equal(m.envp[2], "WEIRD=a=b\tc");
    assert_null(m.envp[3]);
    assert_string_equal(m.cwd, "/data dir");
    assert_true(m.trace_syscalls);
    manifest_free(&m);
    assert_null(m.program);
    assert_null(m.argv);
    assert_int_equal(shim_heap_live, 0);
}

static void test_defaults(void **state)
{
    (void)state;
    struct manifest m;
    char err[128];
    /* No final newline, no args, no env, no cwd. */
    assert_int_equal(parse_str("cloak-manifest 1\nprogram /x/y", &m, err, sizeof(err)), 0);
    assert_string_equal(m.program, "/x/y");
    assert_int_equal(m.argc, 1);
    assert_string_equal(m.argv[0], "/x/y");
    assert_ptr_not_equal(m.argv[0], m.program);      /* its own copy */
    assert_null(m.argv[1]);
    assert_int_equal(m.envc, 0);
    assert_non_null(m.envp);
    assert_null(m.envp[0]);
    assert_null(m.cwd);
    assert_false(m.trace_syscalls);
    manifest_free(&m);
    assert_int_equal(shim_heap_live, 0);
}

/* Every byte but NUL, escaped two ways, comes back as it was. */
static void test_every_byte_round_trips(void **state)
{
    (void)state;
    char value[256];
    for (int i = 1; i < 256; i++)
        value[i - 1] = (char)i;
    value[255] = 0;

    /* Our escaping: \xHH for everything, mixing upper and lower case. */
    char text[4096];
    int n = snprintf(text, sizeof(text), "cloak-manifest 1\nprogram /p\narg ");
    for (int i = 1; i < 256; i++)
        n += snprintf(text + n, sizeof(text) - (size_t)n, i % 2 ? "\\x%02x" : "\\x%02X", i);
    n += snprintf(text + n, sizeof(text) - (size_t)n, "\nenv V=");
    /* The host tool's escaping. */
    n += (int)manifest_escape(value, text + n);
    text[n++] = '\n';

    struct manifest m;
    char err[128];
    assert_int_equal(parse(text, (size_t)n, &m, err, sizeof(err)), 0);
    assert_int_equal(m.argc, 1);
    assert_string_equal(m.argv[0], value);
    assert_int_equal(m.envc, 1);
    assert_int_equal(strlen(m.envp[0]), 2 + 255);
    assert_memory_equal(m.envp[0], "V=", 2);
    assert_string_equal(m.envp[0] + 2, value);
    manifest_free(&m);
}

struct bad {
    const char *text;
    size_t len;             /* 0: strlen(text) */
    unsigned line;          /* 0: no line number in the message */
    const char *fault;      /* a substring of the message */
};

#define H "cloak-manifest 1\n"
static const struct bad bad_cases[] = {
    { "", 0, 0, "empty" },
    { "program /bin/x\n", 0, 1, "cloak-manifest 1" },
    { "cloak-manifest 2\nprogram /bin/x\n", 0, 1, "first line" },
    { "cloak-manifest 1 \nprogram /bin/x\n", 0, 1, "first line" },
    { "\n" H "program /bin/x\n", 0, 1, "first line" },
    { H "program /bin/x\nprogramme /bin/y\n", 0, 3, "unknown key" },
    { H "program /bin/x\nARG a\n", 0, 3, "unknown key" },
    { H "program /bin/x\n#\nprogram /bin/x\n", 0, 4, "duplicate \"program\"" },
    { H "arg a\nenv A=b\n", 0, 0, "no \"program\"" },
    { H, 0, 0, "no \"program\"" },
    { H "program /bin/x\narg a\\qb\n", 0, 3, "unknown escape" },
    { H "program /bin/x\narg a\\rb\n", 0, 3, "unknown escape" },
    { H "program /bin/x\narg a\\x00b\n", 0, 3, "NUL" },
    { H "program /bin/x\narg ab\\x4\n", 0, 3, "two hex digits" },
    { H "program /bin/x\narg ab\\x\n", 0, 3, "two hex digits" },
    { H "program /bin/x\narg \\xg0\n", 0, 3, "two hex digits" },
    { H "program /bin/x\narg \\x0g\n", 0, 3, "two hex digits" },
    { H "program /bin/x\narg ab\\\n", 0, 3, "backslash at end" },
    { H "program /bin/x\narg a\0b\n", sizeof(H "program /bin/x\narg a\0b\n") - 1, 3, "NUL" },
    { H "program\n", 0, 2, "KEY VALUE" },
    { H "program /bin/x\n\n\narg\n", 0, 5, "KEY VALUE" },
    { H "program bin/x\n", 0, 2, "absolute" },
    { H "program \n", 0, 2, "absolute" },
    { H "program \\x2fbin\n", 0, 0, NULL },            /* valid: "/bin" escaped */
    { H "program /bin/x\nenv NOVALUE\n", 0, 3, "NAME=VALUE" },
    { H "program /bin/x\ncwd /a\ncwd /b\n", 0, 4, "duplicate \"cwd\"" },
    { H "program /bin/x\ndebug everything\n", 0, 3, "unknown debug flag" },
};

static void test_errors(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(bad_cases) / sizeof(bad_cases[0]); i++) {
        const struct bad *b = &bad_cases[i];
        size_t len = b->len ? b->len : strlen(b->text);
        struct manifest m;
        char err[160] = "";
        int r = parse(b->text, len, &m, err, sizeof(err));
        if (!b->fault) {
            assert_int_equal(r, 0);
            manifest_free(&m);
            continue;
        }
        if (r != -1 || !strstr(err, b->fault))
            fail_msg("case %zu: r=%d err=\"%s\", wanted \"%s\"", i, r, err, b->fault);
        if (b->line) {
            char want[64];
            snprintf(want, sizeof(want), "manifest line %u: ", b->line);
            if (strncmp(err, want, strlen(want)))
                fail_msg("case %zu: \"%s\" does not start with \"%s\"", i, err, want);
        }
        /* Nothing is left behind. */
        assert_null(m.program);
        assert_null(m.argv);
        assert_null(m.envp);
        assert_null(m.cwd);
        assert_int_equal(m.argc, 0);
        assert_int_equal(m.envc, 0);
        assert_int_equal(shim_heap_live, 0);
    }
}

static void test_limits(void **state)
{
    (void)state;
    size_t cap = 64 + (MANIFEST_MAX_ARGS + 2) * 8;
    char *text = malloc(cap);
    assert_non_null(text);
    size_t n = (size_t)sprintf(text, "cloak-manifest 1\nprogram /p\n");
    for (int i = 0; i < MANIFEST_MAX_ARGS; i++)
        n += (size_t)sprintf(text + n, "arg %d\n", i % 10);
    struct manifest m;
    char err[128];
    assert_int_equal(parse(text, n, &m, err, sizeof(err)), 0);
    assert_int_equal(m.argc, MANIFEST_MAX_ARGS);
    assert_null(m.argv[MANIFEST_MAX_ARGS]);
    manifest_free(&m);
    /* One more is too many, on line 2 + 4096 + 1. */
    n += (size_t)sprintf(text + n, "arg x\n");
    assert_int_equal(parse(text, n, &m, err, sizeof(err)), -1);
    assert_string_equal(err, "manifest line 4099: too many args");
    assert_int_equal(shim_heap_live, 0);
    free(text);

    /* Size limit. */
    size_t big = MANIFEST_MAX_BYTES + 1;
    text = malloc(big);
    assert_non_null(text);
    memset(text, '#', big);
    memcpy(text, "cloak-manifest 1\nprogram /p\n", 28);
    assert_int_equal(parse(text, big, &m, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "larger"));
    /* Exactly at the limit is fine (one long comment line). */
    assert_int_equal(parse(text, big - 1, &m, err, sizeof(err)), 0);
    manifest_free(&m);
    free(text);
}

static void test_error_message_fits(void **state)
{
    (void)state;
    struct manifest m;
    char err[12];
    memset(err, 'Z', sizeof(err));
    assert_int_equal(parse_str(H "program /bin/x\nbogus x\n", &m, err, sizeof(err)), -1);
    assert_string_equal(err, "manifest li");
}

static void test_out_of_memory_everywhere(void **state)
{
    (void)state;
    const char *text = H "program /bin/x\narg a\narg b\\tc\nenv A=1\nenv B=2\ncwd /tmp\ndebug syscalls\n";
    const char *text2 = H "program /bin/x\n";      /* default argv and envp */
    for (int which = 0; which < 2; which++) {
        const char *t = which ? text2 : text;
        long k;
        for (k = 0; k < 1000; k++) {
            struct manifest m;
            char err[128] = "";
            shim_heap_fail_after = k;
            int r = parse_str(t, &m, err, sizeof(err));
            shim_heap_fail_after = -1;
            if (r == 0) {
                assert_string_equal(m.program, "/bin/x");
                manifest_free(&m);
                assert_int_equal(shim_heap_live, 0);
                break;
            }
            assert_int_equal(r, -1);
            assert_non_null(strstr(err, "manifest line"));
            assert_null(m.program);
            assert_null(m.argv);
            assert_int_equal(shim_heap_live, 0);
        }
        assert_true(k > 2);           /* several allocation points were failed */
        assert_true(k < 1000);
    }
}

/* Mount lines and "confidential", which the other tests do not use. */
static void test_mounts_and_confidential(void **state)
{
    (void)state;
    struct manifest m;
    char err[160] = "";
    /* A label of 16 bytes, read-write and read-only. */
    const char *text = H "program /bin/x\nmount DATA /data\nmount 0123456789abcdef /srv ro\n"
                         "mount \\x41B /c\nconfidential required\n";
    assert_int_equal(parse_str(text, &m, err, sizeof(err)), 0);
    assert_int_equal(m.nmounts, 3);
    assert_string_equal(m.mounts[0].label, "DATA");
    assert_string_equal(m.mounts[0].path, "/data");
    assert_false(m.mounts[0].read_only);
    assert_string_equal(m.mounts[1].label, "0123456789abcdef");
    assert_string_equal(m.mounts[1].path, "/srv");
    assert_true(m.mounts[1].read_only);
    assert_string_equal(m.mounts[2].label, "AB");      /* escapes work in mount lines too */
    assert_string_equal(m.mounts[2].path, "/c");
    assert_true(m.confidential);
    manifest_free(&m);
    assert_int_equal(m.nmounts, 0);
    assert_false(m.confidential);
    assert_int_equal(shim_heap_live, 0);

    /* Without the line, not confidential. */
    assert_int_equal(parse_str(H "program /bin/x\n", &m, err, sizeof(err)), 0);
    assert_false(m.confidential);
    assert_int_equal(m.nmounts, 0);
    manifest_free(&m);

    /* All 16 mounts. */
    char big[2048];
    int n = snprintf(big, sizeof(big), H "program /p\n");
    for (int i = 0; i < MANIFEST_MAX_MOUNTS; i++)
        n += snprintf(big + n, sizeof(big) - (size_t)n, "mount L%d /m%d%s\n", i, i, i % 2 ? " ro" : "");
    assert_int_equal(parse(big, (size_t)n, &m, err, sizeof(err)), 0);
    assert_int_equal(m.nmounts, MANIFEST_MAX_MOUNTS);
    assert_string_equal(m.mounts[15].label, "L15");
    assert_string_equal(m.mounts[15].path, "/m15");
    assert_true(m.mounts[15].read_only);
    assert_false(m.mounts[14].read_only);
    manifest_free(&m);
    /* One more is too many. */
    n += snprintf(big + n, sizeof(big) - (size_t)n, "mount X /x\n");
    assert_int_equal(parse(big, (size_t)n, &m, err, sizeof(err)), -1);
    assert_string_equal(err, "manifest line 19: too many mount lines");
    assert_int_equal(m.nmounts, 0);
    assert_int_equal(shim_heap_live, 0);
}

/* Each message whole, as the boot log shows it. */
static const struct { const char *text; const char *err; } exact_cases[] = {
    { "", "manifest line 0: manifest is empty" },
    { "cloak-manifest 1", "manifest has no \"program\" line" },
    { H "\n# only a comment\n", "manifest has no \"program\" line" },
    { "cloak-manifest 1x\n", "manifest line 1: first line must be \"cloak-manifest 1\"" },
    { H "program /a\nprogram /b\n", "manifest line 3: duplicate \"program\"" },
    { H "program a\n", "manifest line 2: program must be an absolute path" },
    { H "program /a\nenv X\n", "manifest line 3: env entry must be NAME=VALUE" },
    { H "program /a\ncwd /\ncwd /\n", "manifest line 4: duplicate \"cwd\"" },
    { H "program /a\nnokey\n", "manifest line 3: expected \"KEY VALUE\"" },
    { H "program /a\nwhat ever\n", "manifest line 3: unknown key" },
    { H "program /a\n program /b\n", "manifest line 3: unknown key" },
    { H "program /a\ndebug syscalls \n", "manifest line 3: unknown debug flag" },
    { H "program /a\nconfidential\n", "manifest line 3: expected \"KEY VALUE\"" },
    { H "program /a\nconfidential yes\n", "manifest line 3: confidential takes the value \"required\"" },
    { H "program /a\nconfidential required \n", "manifest line 3: confidential takes the value \"required\"" },
    { H "program /a\nmount DATA\n", "manifest line 3: mount needs \"LABEL PATH\"" },
    { H "program /a\nmount  /data\n", "manifest line 3: mount needs \"LABEL PATH\"" },
    { H "program /a\nmount DATA /d rw\n", "manifest line 3: mount: the only option after the path is \"ro\"" },
    { H "program /a\nmount DATA /d ro \n", "manifest line 3: mount: the only option after the path is \"ro\"" },
    { H "program /a\nmount 0123456789abcdefg /d\n", "manifest line 3: mount: an ext2 label has at most 16 bytes" },
    { H "program /a\nmount DATA d\n", "manifest line 3: mount: the path must be absolute" },
    { H "program /a\nmount DATA \n", "manifest line 3: mount: the path must be absolute" },
    { H "program /a\nmount DATA  ro\n", "manifest line 3: mount: the path must be absolute" },
    { H "program /a\nmount A /d\nmount B /e\nmount C /d ro\n", "manifest line 5: mount: two volumes on the same path" },
    { H "program /a\nmount A /d\\x20x\n", "manifest line 3: mount: the only option after the path is \"ro\"" },
    { H "program /a\narg \\", "manifest line 3: backslash at end of line" },
    { H "program /a\narg \\n\\x1\n", "manifest line 3: \\x needs two hex digits" },
    { H "program /a\narg \\X41\n", "manifest line 3: unknown escape sequence" },
    { H "program /a\nenv A=\\x00\n", "manifest line 3: NUL byte in value" },
    { H "program /a\nmount A /d\\x00\n", "manifest line 3: NUL byte in value" },
};

static void test_exact_messages(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(exact_cases) / sizeof(exact_cases[0]); i++) {
        struct manifest m;
        char err[160] = "";
        int r = parse_str(exact_cases[i].text, &m, err, sizeof(err));
        if (r != -1 || strcmp(err, exact_cases[i].err))
            fail_msg("case %zu: r=%d err=\"%s\", wanted \"%s\"", i, r, err, exact_cases[i].err);
        assert_int_equal(m.nmounts, 0);
        assert_false(m.confidential);
        assert_false(m.trace_syscalls);
        assert_int_equal(shim_heap_live, 0);
    }
    /* The size limit's message. */
    size_t big = MANIFEST_MAX_BYTES + 1;
    char *text = malloc(big);
    assert_non_null(text);
    memset(text, '#', big);
    struct manifest m;
    char err[160];
    assert_int_equal(parse(text, big, &m, err, sizeof(err)), -1);
    assert_string_equal(err, "manifest is larger than 262144 bytes");
    free(text);

    /* Too many env entries, on the line after the 4096th. */
    size_t cap = 64 + (MANIFEST_MAX_ENV + 2) * 8;
    text = malloc(cap);
    assert_non_null(text);
    size_t n = (size_t)sprintf(text, H "program /p\n");
    for (int i = 0; i < MANIFEST_MAX_ENV; i++)
        n += (size_t)sprintf(text + n, "env V=%d\n", i % 10);
    assert_int_equal(parse(text, n, &m, err, sizeof(err)), 0);
    assert_int_equal(m.envc, MANIFEST_MAX_ENV);
    assert_string_equal(m.envp[MANIFEST_MAX_ENV - 1], "V=5");
    assert_null(m.envp[MANIFEST_MAX_ENV]);
    manifest_free(&m);
    n += (size_t)sprintf(text + n, "env W=1\n");
    assert_int_equal(parse(text, n, &m, err, sizeof(err)), -1);
    assert_string_equal(err, "manifest line 4099: too many env entries");
    assert_int_equal(shim_heap_live, 0);
    free(text);
}

/* Out of memory in a mount line (label or path copy) and in the default
 * argv: the message is "out of memory" on the line being read. */
static void test_out_of_memory_messages(void **state)
{
    (void)state;
    const char *text = H "program /bin/x\nmount DATA /data ro\nconfidential required\n";
    long k;
    unsigned oom = 0;
    for (k = 0; k < 100; k++) {
        struct manifest m;
        char err[128] = "";
        shim_heap_fail_after = k;
        int r = parse_str(text, &m, err, sizeof(err));
        shim_heap_fail_after = -1;
        if (r == 0) {
            assert_int_equal(m.nmounts, 1);
            assert_string_equal(m.mounts[0].label, "DATA");
            assert_string_equal(m.mounts[0].path, "/data");
            assert_true(m.mounts[0].read_only);
            assert_true(m.confidential);
            manifest_free(&m);
            break;
        }
        if (strcmp(err, "manifest line 2: out of memory") && strcmp(err, "manifest line 3: out of memory") &&
            strcmp(err, "manifest line 4: out of memory"))
            fail_msg("fail after %ld: \"%s\"", k, err);
        oom++;
        assert_int_equal(m.nmounts, 0);
        assert_int_equal(shim_heap_live, 0);
    }
    assert_true(oom >= 4);            /* program, label, path, argv[0], ... */
    assert_true(k < 100);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_valid),
        cmocka_unit_test(test_defaults),
        cmocka_unit_test(test_every_byte_round_trips),
        cmocka_unit_test(test_errors),
        cmocka_unit_test(test_limits),
        cmocka_unit_test(test_error_message_fits),
        cmocka_unit_test(test_out_of_memory_everywhere),
        cmocka_unit_test(test_mounts_and_confidential),
        cmocka_unit_test(test_exact_messages),
        cmocka_unit_test(test_out_of_memory_messages),
    };
    return cmocka_run_group_tests_name("manifest", tests, NULL, NULL);
}
