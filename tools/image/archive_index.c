/* The set of paths written to the boot archive (an open-addressing hash
 * set), so that a path is written once and a clash names both sources;
 * and the image path a host path is given. */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "archive_internal.h"

int image_path_from(const char *given, char *out, size_t outlen)
{
    size_t len = 0;
    const char *p = given;

    if (outlen < 2)
        return -1;
    out[0] = '\0';
    while (*p) {
        const char *start, *end;
        size_t n;

        while (*p == '/')
            p++;
        start = p;
        while (*p && *p != '/')
            p++;
        end = p;
        n = (size_t)(end - start);
        if (n == 0 || (n == 1 && start[0] == '.'))
            continue;
        if (n == 2 && start[0] == '.' && start[1] == '.') {
            while (len > 0 && out[len - 1] != '/')
                len--;
            if (len > 0)
                len--; /* the '/' before the dropped component */
            out[len] = '\0';
            continue;
        }
        if (len + 1 + n + 1 > outlen)
            return -1;
        out[len++] = '/';
        memcpy(out + len, start, n);
        len += n;
        out[len] = '\0';
    }
    if (len == 0) {
        strcpy(out, "/");
        return -1;
    }
    return 0;
}

/* ---- the set of written paths ---- */

static uint64_t hash(const char *s)
{
    uint64_t h = 1469598103934665603ull;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ull;
    return h;
}

struct slot *paths_lookup(const struct image_archive *a, const char *path)
{
    size_t i = (size_t)(hash(path) & (a->nslots - 1));
    while (a->slots[i].path) {
        if (strcmp(a->slots[i].path, path) == 0)
            return &a->slots[i];
        i = (i + 1) & (a->nslots - 1);
    }
    return &a->slots[i];
}

int paths_remember(struct image_archive *a, const char *path, const char *source, char kind)
{
    struct slot *s;

    if ((a->used + 1) * 2 > a->nslots) {
        struct slot *old = a->slots;
        size_t oldn = a->nslots;
        a->nslots = oldn ? oldn * 2 : 256;
        a->slots = calloc(a->nslots, sizeof *a->slots);
        if (!a->slots)
            return -1;
        for (size_t i = 0; i < oldn; i++)
            if (old[i].path)
                *paths_lookup(a, old[i].path) = old[i];
        free(old);
    }
    s = paths_lookup(a, path);
    s->path = strdup(path);
    s->source = strdup(source);
    s->kind = kind;
    if (!s->path || !s->source)
        return -1;
    a->used++;
    return 0;
}

bool image_archive_has(const struct image_archive *a, const char *image_path)
{
    char norm[IMAGE_PATH_MAX];

    if (image_path_from(image_path, norm, sizeof norm) < 0)
        return strcmp(norm, "/") == 0;
    return paths_lookup(a, norm)->path != NULL;
}
