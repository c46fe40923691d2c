/* The path text of dependency resolution: lexical normalisation, joining,
 * and ld.so's dynamic string tokens ($ORIGIN, $LIB, $PLATFORM); see
 * deps.h.  Nothing here looks at the file system. */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "deps_internal.h"

/* Lexical normalisation to an absolute path ("a/./b/../c" -> "/a/c"). */
char *deps_norm(const char *p)
{
    size_t n = strlen(p);
    char *out = malloc(n + 2);
    size_t len = 0;

    if (!out)
        return NULL;
    while (*p) {
        const char *s;
        size_t k;

        while (*p == '/')
            p++;
        s = p;
        while (*p && *p != '/')
            p++;
        k = (size_t)(p - s);
        if (k == 0 || (k == 1 && s[0] == '.'))
            continue;
        if (k == 2 && s[0] == '.' && s[1] == '.') {
            while (len > 0 && out[len - 1] != '/')
                len--;
            if (len > 0)
                len--;
            continue;
        }
        out[len++] = '/';
        memcpy(out + len, s, k);
        len += k;
    }
    if (len == 0)
        out[len++] = '/';
    out[len] = '\0';
    return out;
}

char *deps_join(const char *dir, const char *name)
{
    char *s;

    if (asprintf(&s, "%s%s%s", dir, *dir && dir[strlen(dir) - 1] != '/' ? "/" : "", name) < 0)
        return NULL;
    return s;
}

char *deps_dir_of(const char *path)
{
    const char *slash = strrchr(path, '/');

    if (!slash)
        return strdup(".");
    if (slash == path)
        return strdup("/");
    return strndup(path, (size_t)(slash - path));
}

/* Is the next text after a '$' the token `tok` (bare or in braces)?
 * Returns its length including the braces, or 0. */
static size_t is_token(const char *p, const char *tok)
{
    size_t n = strlen(tok);

    if (p[0] == '{')
        return strncmp(p + 1, tok, n) == 0 && p[1 + n] == '}' ? n + 2 : 0;
    if (strncmp(p, tok, n) != 0)
        return 0;
    if ((p[n] >= 'A' && p[n] <= 'Z') || (p[n] >= 'a' && p[n] <= 'z') ||
        (p[n] >= '0' && p[n] <= '9') || p[n] == '_')
        return 0;
    return n;
}

char *deps_expand(const char *s, const char *origin)
{
    size_t cap = strlen(s) + 1, len = 0;
    char *out;

    for (const char *p = s; *p; p++)
        if (*p == '$')
            cap += strlen(origin) + sizeof DEPS_LIB + sizeof DEPS_PLATFORM;
    if (!(out = malloc(cap)))
        return NULL;
    for (const char *p = s; *p;) {
        const char *rep = NULL;
        size_t n = 0;

        if (*p == '$') {
            if ((n = is_token(p + 1, "ORIGIN")))
                rep = origin;
            else if ((n = is_token(p + 1, "LIB")))
                rep = DEPS_LIB;
            else if ((n = is_token(p + 1, "PLATFORM")))
                rep = DEPS_PLATFORM;
        }
        if (rep) {
            memcpy(out + len, rep, strlen(rep));
            len += strlen(rep);
            p += 1 + n;
        } else {
            out[len++] = *p++;
        }
    }
    out[len] = '\0';
    return out;
}
