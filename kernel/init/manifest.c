#include "init/manifest.h"
#include "mm/heap.h"
#include "lib/string.h"
#include "lib/format.h"

static int hexval(char c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

/* Unescapes value[0..n) into a new string; NULL with *why on error. */
static char *unescape(const char *v, size_t n, const char **why)
{
    char *out = kmalloc(n + 1);
    if (!out) {
        *why = "out of memory";
        return 0;
    }
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        char c = v[i];
        if (c == 0) {
            *why = "NUL byte in value";
            goto fail;
        }
        if (c != '\\') {
            out[o++] = c;
            continue;
        }
        if (++i >= n) {
            *why = "backslash at end of line";
            goto fail;
        }
        switch (v[i]) {
        case '\\': out[o++] = '\\'; break;
        case 'n': out[o++] = '\n'; break;
        case 't': out[o++] = '\t'; break;
        case 'x': {
            int h = i + 2 < n ? hexval(v[i + 1]) : -1;
            int l = i + 2 < n ? hexval(v[i + 2]) : -1;
            if (h < 0 || l < 0) {
                *why = "\\x needs two hex digits";
                goto fail;
            }
            if (h == 0 && l == 0) {
                *why = "NUL byte in value";
                goto fail;
            }
            out[o++] = (char)(h * 16 + l);
            i += 2;
            break;
        }
        default:
            *why = "unknown escape sequence";
            goto fail;
        }
    }
    out[o] = 0;
    return out;
fail:
    kfree(out);
    return 0;
}

/* -1: over the limit, -2: out of memory. */
static int push(char ***list, int *count, int max, char *s)
{
    if (*count >= max)
        return -1;
    char **n = krealloc(*list, sizeof(char *) * (size_t)(*count + 2));
    if (!n)
        return -2;
    n[*count] = s;
    n[*count + 1] = 0;
    *list = n;
    (*count)++;
    return 0;
}

void manifest_free(struct manifest *m)
{
    for (int i = 0; i < m->nmounts; i++) {
        kfree(m->mounts[i].label);
        kfree(m->mounts[i].path);
    }
    kfree(m->program);
    kfree(m->cwd);
    for (int i = 0; i < m->argc; i++)
        kfree(m->argv[i]);
    for (int i = 0; i < m->envc; i++)
        kfree(m->envp[i]);
    kfree(m->argv);
    kfree(m->envp);
    memset(m, 0, sizeof(*m));
}

static char *copy_range(const char *s, size_t n)
{
    char *c = kmalloc(n + 1);
    if (c) {
        memcpy(c, s, n);
        c[n] = 0;
    }
    return c;
}

/* "LABEL PATH" or "LABEL PATH ro"; NULL or what is wrong. */
static const char *parse_mount(struct manifest *m, const char *v)
{
    if (m->nmounts == MANIFEST_MAX_MOUNTS)
        return "too many mount lines";
    const char *sp1 = strchr(v, ' ');
    if (!sp1 || sp1 == v)
        return "mount needs \"LABEL PATH\"";
    const char *path = sp1 + 1;
    const char *sp2 = strchr(path, ' ');
    size_t plen = sp2 ? (size_t)(sp2 - path) : strlen(path);
    bool ro = false;
    if (sp2) {
        if (strcmp(sp2 + 1, "ro"))
            return "mount: the only option after the path is \"ro\"";
        ro = true;
    }
    if ((size_t)(sp1 - v) > 16)
        return "mount: an ext2 label has at most 16 bytes";
    if (plen == 0 || path[0] != '/')
        return "mount: the path must be absolute";
    struct manifest_mount *mm = &m->mounts[m->nmounts];
    mm->label = copy_range(v, (size_t)(sp1 - v));
    mm->path = copy_range(path, plen);
    mm->read_only = ro;
    if (!mm->label || !mm->path) {
        kfree(mm->label);
        kfree(mm->path);
        return "out of memory";
    }
    for (int i = 0; i < m->nmounts; i++)
        if (!strcmp(m->mounts[i].path, mm->path)) {
            kfree(mm->label);
            kfree(mm->path);
            return "mount: two volumes on the same path";
        }
    m->nmounts++;
    return 0;
}

/* Handlers of the keys: each takes the unescaped value (keeping it in m
 * or freeing it) and returns NULL or what is wrong with the line. */

static const char *key_program(struct manifest *m, char *value)
{
    if (m->program) { kfree(value); return "duplicate \"program\""; }
    if (value[0] != '/') { kfree(value); return "program must be an absolute path"; }
    m->program = value;
    return 0;
}

static const char *key_arg(struct manifest *m, char *value)
{
    int r = push(&m->argv, &m->argc, MANIFEST_MAX_ARGS, value);
    if (r < 0) { kfree(value); return r == -1 ? "too many args" : "out of memory"; }
    return 0;
}

static const char *key_env(struct manifest *m, char *value)
{
    if (!strchr(value, '=')) { kfree(value); return "env entry must be NAME=VALUE"; }
    int r = push(&m->envp, &m->envc, MANIFEST_MAX_ENV, value);
    if (r < 0) { kfree(value); return r == -1 ? "too many env entries" : "out of memory"; }
    return 0;
}

static const char *key_cwd(struct manifest *m, char *value)
{
    if (m->cwd) { kfree(value); return "duplicate \"cwd\""; }
    m->cwd = value;
    return 0;
}

static const char *key_mount(struct manifest *m, char *value)
{
    const char *why = parse_mount(m, value);   /* copies what it keeps */
    kfree(value);
    return why;
}

static const char *key_confidential(struct manifest *m, char *value)
{
    bool ok = !strcmp(value, "required");
    kfree(value);
    if (!ok)
        return "confidential takes the value \"required\"";
    m->confidential = true;
    return 0;
}

static const char *key_debug(struct manifest *m, char *value)
{
    bool ok = !strcmp(value, "syscalls");
    kfree(value);
    if (!ok)
        return "unknown debug flag";
    m->trace_syscalls = true;
    return 0;
}

static const struct {
    const char *key;
    const char *(*apply)(struct manifest *m, char *value);
} keys[] = {
    { "program", key_program },
    { "arg", key_arg },
    { "env", key_env },
    { "cwd", key_cwd },
    { "mount", key_mount },
    { "confidential", key_confidential },
    { "debug", key_debug },
};

static bool key_is(const char *k, size_t klen, const char *want)
{
    return strlen(want) == klen && !memcmp(k, want, klen);
}

/* One line after the first, l[0..n) without its '\n': blank lines and
 * comments are skipped, anything else is "KEY VALUE".  NULL or what is
 * wrong. */
static const char *parse_line(struct manifest *m, const char *l, size_t n)
{
    if (n == 0 || l[0] == '#')
        return 0;
    const char *sp = memchr(l, ' ', n);
    if (!sp)
        return "expected \"KEY VALUE\"";
    size_t klen = (size_t)(sp - l);
    const char *why = 0;
    char *value = unescape(sp + 1, n - klen - 1, &why);
    if (!value)
        return why;
    for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
        if (key_is(l, klen, keys[i].key))
            return keys[i].apply(m, value);
    kfree(value);
    return "unknown key";
}

/* What a manifest may leave out: argv[0] is then the program (a copy of
 * its own, as manifest_free frees both), the environment empty. */
static const char *fill_defaults(struct manifest *m)
{
    if (m->argc == 0) {
        char *a0 = kmalloc(strlen(m->program) + 1);
        if (!a0 || push(&m->argv, &m->argc, MANIFEST_MAX_ARGS, a0) < 0) {
            kfree(a0);
            return "out of memory";
        }
        memcpy(a0, m->program, strlen(m->program) + 1);
    }
    if (!m->envp) {
        m->envp = kzalloc(sizeof(char *));
        if (!m->envp)
            return "out of memory";
    }
    return 0;
}

int manifest_parse(const char *text, size_t len, struct manifest *m, char *err, size_t errlen)
{
    memset(m, 0, sizeof(*m));
    const char *why = 0;
    unsigned line = 0;
    if (len > MANIFEST_MAX_BYTES) {
        snprintf(err, errlen, "manifest is larger than %u bytes", MANIFEST_MAX_BYTES);
        return -1;
    }
    size_t pos = 0;
    while (pos < len) {
        line++;
        /* The text need not end in '\n', nor in a NUL: go by len. */
        const char *l = text + pos;
        const char *nl = memchr(l, '\n', len - pos);
        size_t n = nl ? (size_t)(nl - l) : len - pos;
        pos += n + (nl ? 1 : 0);
        if (line == 1)
            why = n != 16 || memcmp(l, "cloak-manifest 1", 16) ? "first line must be \"cloak-manifest 1\"" : 0;
        else
            why = parse_line(m, l, n);
        if (why)
            goto fail;
    }
    if (line == 0) {
        why = "manifest is empty";
        goto fail;
    }
    if (!m->program) {
        snprintf(err, errlen, "manifest has no \"program\" line");
        manifest_free(m);
        return -1;
    }
    /* An allocation failing here is reported on the last line read. */
    why = fill_defaults(m);
    if (why)
        goto fail;
    return 0;
fail:
    snprintf(err, errlen, "manifest line %u: %s", line, why);
    manifest_free(m);
    return -1;
}
