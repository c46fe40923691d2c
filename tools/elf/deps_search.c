/* The search for one DT_NEEDED name, in ld.so's order (deps.h lists it):
 * the directories the objects name (DT_RPATH, LD_LIBRARY_PATH,
 * DT_RUNPATH), then ld.so.cache, then the default directories.  What was
 * searched is written down as it goes, for the message when nothing fits. */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "deps_internal.h"

/* A search directory: where to look on the host, and what the guest will
 * call it. */
struct dir {
    char *host;
    char *image;
};

/* One search: its directories so far, and the text of the error message
 * should nothing be found. */
struct search {
    struct dir *dirs;
    size_t n;
    char searched[3072]; /* "DT_RPATH a:b, LD_LIBRARY_PATH c, ..." */
    char skipped[512];   /* the first candidate skipped, and why */
};

static void free_dirs(struct dir *d, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(d[i].host);
        free(d[i].image);
    }
    free(d);
}

/* Appends the elements of a path list (DSTs expanded with the given
 * origins) to the search. */
static int add_dirs(struct deps_ctx *c, struct search *s, const char *list, const char *seps,
                    const char *host_origin, const char *image_origin)
{
    char *copy = strdup(list), *p, *elem;

    if (!copy)
        return deps_oom(c);
    p = copy;
    while ((elem = strsep(&p, seps)) != NULL) {
        char *h = deps_expand(*elem ? elem : ".", host_origin);
        char *g = deps_expand(*elem ? elem : ".", image_origin);
        struct dir *d = realloc(s->dirs, (s->n + 1) * sizeof *d);
        char *gn = g ? deps_norm(g) : NULL; /* relative: relative to the guest's cwd, / */

        free(g);
        if (!h || !gn || !d) {
            free(h);
            free(gn);
            if (d)
                s->dirs = d;
            free(copy);
            return deps_oom(c);
        }
        s->dirs = d;
        d[s->n++] = (struct dir){h, gn};
    }
    free(copy);
    return 0;
}

/* An object's path list, expanded with that object's origins. */
static int add_obj_dirs(struct deps_ctx *c, struct search *s, const char *list, size_t obj)
{
    return add_dirs(c, s, list, ":", c->objs[obj].host_origin, c->objs[obj].image_origin);
}

bool deps_usable(const char *host, char *skipped, size_t skippedlen)
{
    struct elf_dyn d;
    struct stat st;
    char err[512];

    if (stat(host, &st) < 0 || !S_ISREG(st.st_mode))
        return false;
    if (elf_dyn_read_file(host, &d, err, sizeof err) < 0) {
        if (!*skipped)
            snprintf(skipped, skippedlen, "; skipped %s: not an ELF library", host);
        return false;
    }
    bool ok = d.compatible;
    if (!ok && !*skipped)
        snprintf(skipped, skippedlen, "; skipped %s: a %d-bit ELF for machine %u, not x86-64",
                 host, d.elf_class == 1 ? 32 : 64, d.machine);
    elf_dyn_free(&d);
    return ok;
}

static bool is_default_dir(const struct deps_ctx *c, const char *dir)
{
    for (const char *const *d = c->defaults; *d; d++)
        if (strcmp(*d, dir) == 0)
            return true;
    return false;
}

/* Appends "WHAT a:b:c" (the directories from `from` on) to the description
 * of the search. */
static void describe(struct search *s, const char *what, size_t from)
{
    char *buf = s->searched;
    size_t len = sizeof s->searched, l = strlen(buf);

    if (from == s->n)
        return;
    snprintf(buf + l, len - l, "%s%s ", l ? ", " : "", what);
    for (size_t i = from; i < s->n; i++) {
        l = strlen(buf);
        snprintf(buf + l, len - l, "%s%s", i > from ? ":" : "", s->dirs[i].host);
    }
}

/* Step 1: DT_RPATH of the object and of its loaders, then the program's
 * (not when the object has a DT_RUNPATH). */
static int add_rpaths(struct deps_ctx *c, struct search *s, size_t who)
{
    bool did_main = false;

    if (c->objs[who].dyn.runpath)
        return 0;
    for (int l = (int)who; l >= 0; l = c->objs[l].loader) {
        if (!c->objs[l].dyn.rpath)
            continue;
        if (add_obj_dirs(c, s, c->objs[l].dyn.rpath, (size_t)l) < 0)
            return -1;
        did_main |= l == 0;
    }
    if (!did_main && c->objs[0].dyn.rpath && add_obj_dirs(c, s, c->objs[0].dyn.rpath, 0) < 0)
        return -1;
    describe(s, "DT_RPATH", 0);
    return 0;
}

/* Steps 1-3: the directories the objects and the Env name. */
static int add_listed_dirs(struct deps_ctx *c, struct search *s, size_t who)
{
    const char *llp = c->r->ld_library_path;
    size_t mark;

    if (add_rpaths(c, s, who) < 0)
        return -1;
    /* 2. LD_LIBRARY_PATH, expanded for the program */
    mark = s->n;
    if (llp && *llp &&
        add_dirs(c, s, llp, ":;", c->objs[0].host_origin, c->objs[0].image_origin) < 0)
        return -1;
    describe(s, "LD_LIBRARY_PATH", mark);
    /* 3. RUNPATH of the object */
    mark = s->n;
    if (c->objs[who].dyn.runpath && add_obj_dirs(c, s, c->objs[who].dyn.runpath, who) < 0)
        return -1;
    describe(s, "DT_RUNPATH", mark);
    return 0;
}

/* Tries the directories from `from` on, in order; the first usable
 * candidate is loaded.  Returns true when the search is over (*rc: the
 * load's result, or -1 out of memory), false when none had the name. */
static bool try_dirs(struct deps_ctx *c, struct search *s, size_t from, size_t who,
                     const char *name, int *rc)
{
    for (size_t i = from; i < s->n; i++) {
        char *h = deps_join(s->dirs[i].host, name), *g = deps_join(s->dirs[i].image, name);
        bool found;

        if (!h || !g) {
            free(h);
            free(g);
            *rc = deps_oom(c);
            return true;
        }
        found = deps_usable(h, s->skipped, sizeof s->skipped);
        if (found)
            *rc = deps_load_object(c, name, h, g, (int)who);
        free(h);
        free(g);
        if (found)
            return true;
    }
    return false;
}

/* Step 4: the cache.  As try_dirs.  A library only the cache finds, in a
 * directory the guest's ld.so does not search, gets a link where it does
 * (the guest has no cache). */
static bool try_cache(struct deps_ctx *c, struct search *s, size_t who, const char *name,
                      int *rc)
{
    const char *p = ldcache_lookup(&c->cache, name);
    size_t l = strlen(s->searched);
    char *d;

    if (c->cache.n)
        snprintf(s->searched + l, sizeof s->searched - l, "%s%s", l ? ", " : "",
                 c->r->cache_path ? c->r->cache_path : LDCACHE_DEFAULT_PATH);
    if (!p || !deps_usable(p, s->skipped, sizeof s->skipped))
        return false;
    if (!(d = deps_dir_of(p))) {
        *rc = deps_oom(c);
        return true;
    }
    if (!is_default_dir(c, d)) {
        *rc = deps_add_file(c, deps_join(DEPS_CACHE_LINK_DIR, name), strdup(p), deps_norm(p));
        if (*rc < 0) {
            free(d);
            return true;
        }
    }
    free(d);
    *rc = deps_load_object(c, name, p, p, (int)who);
    return true;
}

/* Step 5: the default directories (the guest sees them at the same
 * paths). */
static int add_default_dirs(struct deps_ctx *c, struct search *s)
{
    for (const char *const *d = c->defaults; *d; d++) {
        struct dir *nd = realloc(s->dirs, (s->n + 1) * sizeof *nd);
        if (!nd)
            return deps_oom(c);
        s->dirs = nd;
        nd[s->n].host = strdup(*d);
        nd[s->n].image = strdup(*d);
        s->n++;
        if (!nd[s->n - 1].host || !nd[s->n - 1].image)
            return deps_oom(c);
    }
    return 0;
}

int deps_find(struct deps_ctx *c, size_t who, const char *name)
{
    struct search s = {0};
    int rc = -1;
    size_t mark;

    if (add_listed_dirs(c, &s, who) < 0 || try_dirs(c, &s, 0, who, name, &rc))
        goto out;
    if (!c->objs[who].dyn.nodeflib) {
        if (try_cache(c, &s, who, name, &rc))
            goto out;
        mark = s.n;
        if (add_default_dirs(c, &s) < 0)
            goto out;
        describe(&s, "the default directories", mark);
        if (try_dirs(c, &s, mark, who, name, &rc))
            goto out;
    }
    snprintf(c->err, c->errlen, "cannot find the library %s, needed by %s (searched %s%s)",
             name, c->objs[who].host, *s.searched ? s.searched : "nowhere: DF_1_NODEFLIB",
             s.skipped);
out:
    free_dirs(s.dirs, s.n);
    return rc;
}
