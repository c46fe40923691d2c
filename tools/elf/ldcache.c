/* Parser of /etc/ld.so.cache; see ldcache.h for the format. */
#define _GNU_SOURCE
#include "ldcache.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAGIC_OLD "ld.so-1.7.0"
#define MAGIC_NEW "glibc-ld.so.cache1.1"
#define NEW_HEADER 48
#define NEW_ENTRY 24
#define OLD_HEADER 16 /* magic (11) + pad to 12 + u32 nlibs */
#define OLD_ENTRY 12

static uint32_t rd32(const unsigned char *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t rd64(const unsigned char *p)
{
    return (uint64_t)rd32(p) | (uint64_t)rd32(p + 4) << 32;
}

void ldcache_free(struct ldcache *c)
{
    free(c->data);
    free(c->entries);
    memset(c, 0, sizeof *c);
}

int ldcache_parse(const void *buf, size_t len, const char *name, struct ldcache *c,
                  char *err, size_t errlen)
{
    const unsigned char *d;
    size_t start = 0, nlibs;

    memset(c, 0, sizeof *c);
    if (len >= OLD_HEADER && memcmp(buf, MAGIC_OLD, sizeof MAGIC_OLD - 1) == 0) {
        /* old table first; the new one follows, 8-byte aligned */
        uint32_t nold = rd32((const unsigned char *)buf + 12);
        if ((len - OLD_HEADER) / OLD_ENTRY < nold) {
            snprintf(err, errlen, "%s: corrupt ld.so cache (old-format table past its end)", name);
            return -1;
        }
        start = (OLD_HEADER + (size_t)nold * OLD_ENTRY + 7) & ~(size_t)7;
    }
    if (len < start || len - start < NEW_HEADER ||
        memcmp((const unsigned char *)buf + start, MAGIC_NEW, sizeof MAGIC_NEW - 1) != 0) {
        snprintf(err, errlen, "%s is not a glibc ld.so cache in the format cloak reads "
                 "(\"" MAGIC_NEW "\")", name);
        return -1;
    }
    if (!(c->data = malloc(len ? len : 1))) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    memcpy(c->data, buf, len);
    c->len = len;
    d = c->data + start;
    len -= start;
    if ((d[28] & 3) == 3) {
        snprintf(err, errlen, "%s is a big-endian ld.so cache, not one for x86-64", name);
        goto fail;
    }
    nlibs = rd32(d + 20);
    if ((len - NEW_HEADER) / NEW_ENTRY < nlibs) {
        snprintf(err, errlen, "%s: corrupt ld.so cache (%zu entries do not fit in %zu bytes)",
                 name, nlibs, len);
        goto fail;
    }
    if (!(c->entries = calloc(nlibs ? nlibs : 1, sizeof *c->entries))) {
        snprintf(err, errlen, "out of memory");
        goto fail;
    }
    for (size_t i = 0; i < nlibs; i++) {
        const unsigned char *e = d + NEW_HEADER + i * NEW_ENTRY;
        uint32_t key = rd32(e + 4), value = rd32(e + 8);

        if (key >= len || value >= len || !memchr(d + key, '\0', len - key) ||
            !memchr(d + value, '\0', len - value)) {
            snprintf(err, errlen, "%s: corrupt ld.so cache (entry %zu points past its end)",
                     name, i);
            goto fail;
        }
        c->entries[c->n++] = (struct ldcache_entry){
            .flags = (int32_t)rd32(e), .hwcap = rd64(e + 16),
            .name = (const char *)d + key, .path = (const char *)d + value,
        };
    }
    return 0;
fail:
    ldcache_free(c);
    return -1;
}

int ldcache_load(const char *path, struct ldcache *c, char *err, size_t errlen)
{
    FILE *f = fopen(path, "rb");
    unsigned char *buf = NULL;
    size_t len = 0, cap = 0, n;
    int rc;

    memset(c, 0, sizeof *c);
    if (!f) {
        if (errno == ENOENT)
            return 0;
        snprintf(err, errlen, "cannot read %s: %s", path, strerror(errno));
        return -1;
    }
    do {
        if (cap - len < 65536) {
            unsigned char *b = realloc(buf, cap = cap ? cap * 2 : 262144);
            if (!b) {
                fclose(f);
                free(buf);
                snprintf(err, errlen, "out of memory");
                return -1;
            }
            buf = b;
        }
        n = fread(buf + len, 1, cap - len, f);
        len += n;
    } while (n > 0);
    if (ferror(f)) {
        snprintf(err, errlen, "cannot read %s: %s", path, strerror(errno));
        fclose(f);
        free(buf);
        return -1;
    }
    fclose(f);
    rc = ldcache_parse(buf, len, path, c, err, errlen);
    free(buf);
    return rc;
}

const char *ldcache_lookup(const struct ldcache *c, const char *name)
{
    for (size_t i = 0; i < c->n; i++)
        if (c->entries[i].flags == LDCACHE_FLAGS_X86_64 && c->entries[i].hwcap == 0 &&
            strcmp(c->entries[i].name, name) == 0)
            return c->entries[i].path;
    return NULL;
}
