/* Writes the boot manifest; see docs/manifest.md. */
#include "manifest_writer.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static size_t escape(const char *s, char *buf, bool space);

size_t manifest_escape(const char *s, char *buf)
{
    return escape(s, buf, false);
}

size_t manifest_escape_field(const char *s, char *buf)
{
    return escape(s, buf, true);
}

static size_t escape(const char *s, char *buf, bool space)
{
    static const char hex[] = "0123456789abcdef";
    char *o = buf;

    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        unsigned char ch = *p;
        if (ch == '\\') {
            *o++ = '\\';
            *o++ = '\\';
        } else if (ch == '\n') {
            *o++ = '\\';
            *o++ = 'n';
        } else if (ch == '\t') {
            *o++ = '\\';
            *o++ = 't';
        } else if (ch < 0x20 || ch == 0x7f || (space && ch == ' ')) {
            /* other control bytes (\r above all) would make the file hard to
             * read; bytes >= 0x80 stay as they are (UTF-8 text stays legible) */
            *o++ = '\\';
            *o++ = 'x';
            *o++ = hex[ch >> 4];
            *o++ = hex[ch & 15];
        } else {
            *o++ = (char)ch;
        }
    }
    *o = '\0';
    return (size_t)(o - buf);
}

struct out {
    char *buf;
    size_t len, cap;
};

static int put_line(struct out *o, const char *key, const char *value)
{
    size_t need = strlen(key) + 1 + 4 * strlen(value) + 2;

    if (o->len + need > o->cap) {
        size_t cap = o->cap ? o->cap : 1024;
        while (cap < o->len + need)
            cap *= 2;
        char *b = realloc(o->buf, cap);
        if (!b)
            return -1;
        o->buf = b;
        o->cap = cap;
    }
    o->len += (size_t)sprintf(o->buf + o->len, "%s ", key);
    o->len += manifest_escape(value, o->buf + o->len);
    o->buf[o->len++] = '\n';
    o->buf[o->len] = '\0';
    return 0;
}

static int put_mount(struct out *o, const struct manifest_mount *m)
{
    size_t need = sizeof "mount  ro\n" + 4 * (strlen(m->label) + strlen(m->path)) + 1;

    if (o->len + need > o->cap) {
        size_t cap = o->cap ? o->cap : 1024;
        while (cap < o->len + need)
            cap *= 2;
        char *b = realloc(o->buf, cap);
        if (!b)
            return -1;
        o->buf = b;
        o->cap = cap;
    }
    o->len += (size_t)sprintf(o->buf + o->len, "mount ");
    o->len += manifest_escape_field(m->label, o->buf + o->len);
    o->buf[o->len++] = ' ';
    o->len += manifest_escape_field(m->path, o->buf + o->len);
    if (m->read_only)
        o->len += (size_t)sprintf(o->buf + o->len, " ro");
    o->buf[o->len++] = '\n';
    o->buf[o->len] = '\0';
    return 0;
}

int manifest_render(const struct manifest *m, char **outp, size_t *outlen,
                    char *err, size_t errlen)
{
    struct out o = {0};
    const char *header = "cloak-manifest 1\n";
    int rc = 0;

    if (!m->program || m->program[0] != '/') {
        snprintf(err, errlen, "manifest: the program path \"%s\" is not absolute",
                 m->program ? m->program : "");
        return -1;
    }
    if (m->argc > MANIFEST_MAX_ARGS) {
        snprintf(err, errlen, "too many arguments: %zu (the kernel takes at most %d)",
                 m->argc, MANIFEST_MAX_ARGS);
        return -1;
    }
    if (m->envc > MANIFEST_MAX_ENV) {
        snprintf(err, errlen, "too many environment entries: %zu (the kernel takes at most %d)",
                 m->envc, MANIFEST_MAX_ENV);
        return -1;
    }
    for (size_t i = 0; i < m->nmounts; i++) {
        const struct manifest_mount *mt = &m->mounts[i];
        if (!mt->label || !*mt->label) {
            snprintf(err, errlen, "manifest: a mount has an empty volume label");
            return -1;
        }
        if (!mt->path || mt->path[0] != '/') {
            snprintf(err, errlen, "mount %s: the mount point \"%s\" is not an absolute path",
                     mt->label, mt->path ? mt->path : "");
            return -1;
        }
    }
    o.cap = 1024;
    o.buf = malloc(o.cap);
    if (!o.buf)
        goto oom;
    strcpy(o.buf, header);
    o.len = strlen(header);
    rc |= put_line(&o, "program", m->program);
    for (size_t i = 0; i < m->argc; i++)
        rc |= put_line(&o, "arg", m->argv[i]);
    for (size_t i = 0; i < m->envc; i++)
        rc |= put_line(&o, "env", m->env[i]);
    if (m->cwd)
        rc |= put_line(&o, "cwd", m->cwd);
    for (size_t i = 0; i < m->ndebug; i++)
        rc |= put_line(&o, "debug", m->debug[i]);
    for (size_t i = 0; i < m->nmounts; i++)
        rc |= put_mount(&o, &m->mounts[i]);
    if (m->confidential)
        rc |= put_line(&o, "confidential", "required");
    if (rc)
        goto oom;
    if (o.len > MANIFEST_MAX_SIZE) {
        snprintf(err, errlen, "the arguments and environment are too large: the manifest is "
                 "%zu bytes (the kernel takes at most %d)", o.len, MANIFEST_MAX_SIZE);
        free(o.buf);
        return -1;
    }
    *outp = o.buf;
    *outlen = o.len;
    return 0;
oom:
    free(o.buf);
    snprintf(err, errlen, "out of memory");
    return -1;
}
