/* Dependency resolution as glibc's ld.so does it; see deps.h. */
#define _GNU_SOURCE
#include "deps.h"

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "elf_dyn.h"
#include "ldcache.h"

#define MAX_LINKS 40 /* like the kernel's limit on nested symlinks */

/* One loaded object. */
struct obj {
    char *name;         /* the DT_NEEDED name it was loaded for ("" for the program) */
    char *host;         /* host path as found (not resolved: ld.so's realname) */
    char *host_origin;  /* $ORIGIN on the host */
    char *image_origin; /* $ORIGIN in the guest */
    int loader;         /* index of the object that loaded it; -1 for the program */
    struct elf_dyn dyn;
};

struct ctx {
    const struct dep_request *r;
    struct obj *objs;
    size_t nobjs;
    struct dep_result *out;
    struct ldcache cache;
    const char *const *defaults;
    char *err;
    size_t errlen;
};

/* A search directory: where to look on the host, and what the guest will
 * call it. */
struct dir {
    char *host;
    char *image;
};

static const char *const default_dirs[] = {DEPS_DEFAULT_DIRS, NULL};

/* ---- paths ---- */

/* Lexical normalisation to an absolute path ("a/./b/../c" -> "/a/c"). */
static char *norm(const char *p)
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

static char *join(const char *dir, const char *name)
{
    char *s;

    if (asprintf(&s, "%s%s%s", dir, *dir && dir[strlen(dir) - 1] != '/' ? "/" : "", name) < 0)
        return NULL;
    return s;
}

static char *dir_of(const char *path)
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

/* ---- the result ---- */

static int oom(struct ctx *c)
{
    snprintf(c->err, c->errlen, "out of memory");
    return -1;
}

static bool have_image(const struct ctx *c, const char *image)
{
    for (size_t i = 0; i < c->out->n; i++)
        if (strcmp(c->out->files[i].image, image) == 0)
            return true;
    return false;
}

/* Takes ownership of image, host and link. */
static int add_file(struct ctx *c, char *image, char *host, char *link)
{
    struct dep_file *f;

    if (!image || !host) {
        free(image);
        free(host);
        free(link);
        return oom(c);
    }
    if (have_image(c, image)) {
        free(image);
        free(host);
        free(link);
        return 0;
    }
    f = realloc(c->out->files, (c->out->n + 1) * sizeof *f);
    if (!f) {
        free(image);
        free(host);
        free(link);
        return oom(c);
    }
    c->out->files = f;
    f[c->out->n++] = (struct dep_file){image, host, link};
    return 0;
}

/* The file at host (as reached) goes to image: each symlink in the final
 * component as a link, then the file itself. */
static int add_chain(struct ctx *c, const char *host, const char *image)
{
    char *h = strdup(host), *i = norm(image), target[PATH_MAX], *real;
    struct stat st;
    int hops = 0;

    if (!h || !i)
        goto nomem;
    while (lstat(h, &st) == 0 && S_ISLNK(st.st_mode)) {
        ssize_t n = readlink(h, target, sizeof target - 1);
        char *nh, *ni, *hd, *id;

        if (n < 0 || ++hops > MAX_LINKS)
            break;
        target[n] = '\0';
        hd = dir_of(h);
        id = dir_of(i);
        if (!hd || !id) {
            free(hd);
            free(id);
            goto nomem;
        }
        if (target[0] == '/') {
            nh = norm(target);
            ni = norm(target);
        } else {
            char *a = join(hd, target), *b = join(id, target);
            nh = a ? norm(a) : NULL;
            ni = b ? norm(b) : NULL;
            free(a);
            free(b);
        }
        free(hd);
        free(id);
        if (add_file(c, strdup(i), strdup(h), strdup(target)) < 0) {
            free(nh);
            free(ni);
            free(h);
            free(i);
            return -1;
        }
        free(h);
        free(i);
        h = nh;
        i = ni;
        if (!h || !i)
            goto nomem;
    }
    /* the bytes come from the name as reached (the kernel follows every
     * link, directories included); --list shows the real path */
    real = realpath(host, NULL);
    free(h);
    return add_file(c, i, real ? real : strdup(host), NULL);
nomem:
    free(h);
    free(i);
    return oom(c);
}

/* ---- searching ---- */

static void free_dirs(struct dir *d, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(d[i].host);
        free(d[i].image);
    }
    free(d);
}

/* Appends the elements of a path list (DSTs expanded with the given
 * origins) to *dirs. */
static int add_dirs(struct ctx *c, struct dir **dirs, size_t *n, const char *list,
                    const char *seps, const char *host_origin, const char *image_origin)
{
    char *copy = strdup(list), *p, *elem;

    if (!copy)
        return oom(c);
    p = copy;
    while ((elem = strsep(&p, seps)) != NULL) {
        char *h = deps_expand(*elem ? elem : ".", host_origin);
        char *g = deps_expand(*elem ? elem : ".", image_origin);
        struct dir *d = realloc(*dirs, (*n + 1) * sizeof *d);
        char *gn = g ? norm(g) : NULL; /* relative: relative to the guest's cwd, / */

        free(g);
        if (!h || !gn || !d) {
            free(h);
            free(gn);
            if (d)
                *dirs = d;
            free(copy);
            return oom(c);
        }
        *dirs = d;
        d[(*n)++] = (struct dir){h, gn};
    }
    free(copy);
    return 0;
}

/* Is host a usable library: an ELF file of the program's kind?  Notes a
 * skipped one in `skipped` for the error message. */
static bool usable(const char *host, char *skipped, size_t skippedlen)
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

static bool is_default_dir(const struct ctx *c, const char *dir)
{
    for (const char *const *d = c->defaults; *d; d++)
        if (strcmp(*d, dir) == 0)
            return true;
    return false;
}

/* Appends "WHAT a:b:c" to the description of the search. */
static void describe(char *buf, size_t len, const char *what, const struct dir *d, size_t from,
                     size_t to)
{
    size_t l = strlen(buf);

    if (from == to)
        return;
    snprintf(buf + l, len - l, "%s%s ", l ? ", " : "", what);
    for (size_t i = from; i < to; i++) {
        l = strlen(buf);
        snprintf(buf + l, len - l, "%s%s", i > from ? ":" : "", d[i].host);
    }
}

static int load_object(struct ctx *c, const char *name, const char *host, const char *image,
                       int loader);

/* Finds `name`, needed by object `who`, and loads it. */
static int find(struct ctx *c, size_t who, const char *name)
{
    struct obj *o = &c->objs[who];
    struct dir *dirs = NULL;
    size_t ndirs = 0, mark;
    char searched[3072] = "", skipped[512] = "";
    int rc = -1;

    /* 1. RPATH of the object and of its loaders, then the program's */
    if (!o->dyn.runpath) {
        bool did_main = false;
        for (int l = (int)who; l >= 0; l = c->objs[l].loader) {
            if (!c->objs[l].dyn.rpath)
                continue;
            if (add_dirs(c, &dirs, &ndirs, c->objs[l].dyn.rpath, ":", c->objs[l].host_origin,
                         c->objs[l].image_origin) < 0)
                goto out;
            did_main |= l == 0;
        }
        if (!did_main && c->objs[0].dyn.rpath &&
            add_dirs(c, &dirs, &ndirs, c->objs[0].dyn.rpath, ":", c->objs[0].host_origin,
                     c->objs[0].image_origin) < 0)
            goto out;
        describe(searched, sizeof searched, "DT_RPATH", dirs, 0, ndirs);
    }
    /* 2. LD_LIBRARY_PATH, expanded for the program */
    mark = ndirs;
    if (c->r->ld_library_path && *c->r->ld_library_path &&
        add_dirs(c, &dirs, &ndirs, c->r->ld_library_path, ":;", c->objs[0].host_origin,
                 c->objs[0].image_origin) < 0)
        goto out;
    describe(searched, sizeof searched, "LD_LIBRARY_PATH", dirs, mark, ndirs);
    /* 3. RUNPATH of the object */
    mark = ndirs;
    if (o->dyn.runpath && add_dirs(c, &dirs, &ndirs, o->dyn.runpath, ":", o->host_origin,
                                   o->image_origin) < 0)
        goto out;
    describe(searched, sizeof searched, "DT_RUNPATH", dirs, mark, ndirs);

    for (size_t i = 0; i < ndirs; i++) {
        char *h = join(dirs[i].host, name), *g = join(dirs[i].image, name);
        if (!h || !g) {
            free(h);
            free(g);
            rc = oom(c);
            goto out;
        }
        if (usable(h, skipped, sizeof skipped)) {
            rc = load_object(c, name, h, g, (int)who);
            free(h);
            free(g);
            goto out;
        }
        free(h);
        free(g);
    }
    if (!c->objs[who].dyn.nodeflib) {
        /* 4. the cache */
        const char *p = ldcache_lookup(&c->cache, name);
        size_t l = strlen(searched);
        if (c->cache.n)
            snprintf(searched + l, sizeof searched - l, "%s%s", l ? ", " : "",
                     c->r->cache_path ? c->r->cache_path : LDCACHE_DEFAULT_PATH);
        if (p && usable(p, skipped, sizeof skipped)) {
            char *d = dir_of(p);
            if (!d) {
                rc = oom(c);
                goto out;
            }
            if (!is_default_dir(c, d)) {
                /* the guest has no cache: give its ld.so a way to it */
                char *lk = join(DEPS_CACHE_LINK_DIR, name);
                char *pn = norm(p);
                rc = add_file(c, lk, strdup(p), pn);
                if (rc < 0) {
                    free(d);
                    goto out;
                }
            }
            free(d);
            rc = load_object(c, name, p, p, (int)who);
            goto out;
        }
        /* 5. the default directories */
        mark = ndirs;
        for (const char *const *d = c->defaults; *d; d++) {
            struct dir *nd = realloc(dirs, (ndirs + 1) * sizeof *nd);
            if (!nd) {
                rc = oom(c);
                goto out;
            }
            dirs = nd;
            dirs[ndirs].host = strdup(*d);
            dirs[ndirs].image = strdup(*d);
            ndirs++;
            if (!dirs[ndirs - 1].host || !dirs[ndirs - 1].image) {
                rc = oom(c);
                goto out;
            }
        }
        describe(searched, sizeof searched, "the default directories", dirs, mark, ndirs);
        for (size_t i = mark; i < ndirs; i++) {
            char *h = join(dirs[i].host, name);
            if (!h) {
                rc = oom(c);
                goto out;
            }
            if (usable(h, skipped, sizeof skipped)) {
                rc = load_object(c, name, h, h, (int)who);
                free(h);
                goto out;
            }
            free(h);
        }
    }
    snprintf(c->err, c->errlen, "cannot find the library %s, needed by %s (searched %s%s)",
             name, o->host, *searched ? searched : "nowhere: DF_1_NODEFLIB", skipped);
out:
    free_dirs(dirs, ndirs);
    return rc;
}

/* Records the object found at host (image path `image`), reads its ELF. */
static int load_object(struct ctx *c, const char *name, const char *host, const char *image,
                       int loader)
{
    struct obj *objs = realloc(c->objs, (c->nobjs + 1) * sizeof *objs), *o;
    char *img = norm(image);

    if (!objs || !img) {
        free(img);
        if (objs)
            c->objs = objs;
        return oom(c);
    }
    c->objs = objs;
    o = &objs[c->nobjs];
    memset(o, 0, sizeof *o);
    o->loader = loader;
    if (elf_dyn_read_file(host, &o->dyn, c->err, c->errlen) < 0) {
        free(img);
        return -1;
    }
    o->name = strdup(name);
    o->host = strdup(host);
    o->host_origin = dir_of(host);
    o->image_origin = dir_of(img);
    c->nobjs++;
    if (!o->name || !o->host || !o->host_origin || !o->image_origin) {
        free(img);
        return oom(c);
    }
    int rc = add_chain(c, host, img);
    free(img);
    return rc;
}

/* musl's loader is its libc too: it answers for these names itself. */
static bool musl_builtin(const struct ctx *c, const char *name)
{
    static const char *const names[] = {"c", "pthread", "rt", "m", "dl", "util", "xnet"};
    const char *interp = c->objs[0].dyn.interp, *base;

    if (!interp)
        return false;
    base = strrchr(interp, '/');
    if (strncmp(base ? base + 1 : interp, "ld-musl-", 8) != 0 || strncmp(name, "lib", 3) != 0)
        return false;
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        size_t n = strlen(names[i]);
        if (strncmp(name + 3, names[i], n) == 0 && strncmp(name + 3 + n, ".so", 3) == 0 &&
            (name[6 + n] == '\0' || name[6 + n] == '.'))
            return true;
    }
    return false;
}

static bool already_loaded(const struct ctx *c, const char *name)
{
    if (musl_builtin(c, name))
        return true;
    for (size_t i = 0; i < c->nobjs; i++) {
        const struct obj *o = &c->objs[i];
        if (strcmp(o->name, name) == 0 || (o->dyn.soname && strcmp(o->dyn.soname, name) == 0) ||
            (strchr(name, '/') && strcmp(o->host, name) == 0))
            return true;
    }
    return false;
}

/* A DT_NEEDED (or LD_PRELOAD) entry with a '/': a path, not searched. */
static int load_path(struct ctx *c, size_t who, const char *name)
{
    char *h = deps_expand(name, c->objs[who].host_origin);
    char *g = deps_expand(name, c->objs[who].image_origin);
    char skipped[512] = "";
    int rc;

    if (!h || !g) {
        free(h);
        free(g);
        return oom(c);
    }
    if (!usable(h, skipped, sizeof skipped)) {
        snprintf(c->err, c->errlen, "cannot find the library %s, needed by %s%s", h,
                 c->objs[who].host, skipped);
        free(h);
        free(g);
        return -1;
    }
    rc = load_object(c, name, h, g, (int)who);
    free(h);
    free(g);
    return rc;
}

/* LD_PRELOAD: ld.so loads these right after the program, before its
 * DT_NEEDED libraries. */
static int preload(struct ctx *c, const char *list)
{
    char *copy = strdup(list), *p, *name;
    int rc = 0;

    if (!copy)
        return oom(c);
    p = copy;
    while (rc == 0 && (name = strsep(&p, " :")) != NULL) {
        if (!*name || already_loaded(c, name))
            continue;
        rc = strchr(name, '/') ? load_path(c, 0, name) : find(c, 0, name);
    }
    free(copy);
    return rc;
}

void deps_free(struct dep_result *r)
{
    for (size_t i = 0; i < r->n; i++) {
        free(r->files[i].image);
        free(r->files[i].host);
        free(r->files[i].link);
    }
    free(r->files);
    memset(r, 0, sizeof *r);
}

int deps_resolve(const struct dep_request *r, struct dep_result *out, char *err, size_t errlen)
{
    struct ctx c = {.r = r, .out = out, .err = err, .errlen = errlen};
    const char *cache = r->cache_path ? r->cache_path : LDCACHE_DEFAULT_PATH;
    char *real;
    int rc = -1;

    memset(out, 0, sizeof *out);
    c.defaults = r->default_dirs ? r->default_dirs : default_dirs;
    if (!(c.objs = calloc(1, sizeof *c.objs))) {
        oom(&c);
        goto out;
    }
    c.nobjs = 1;
    c.objs[0].loader = -1;
    if (elf_dyn_read_file(r->program, &c.objs[0].dyn, err, errlen) < 0)
        goto out;
    /* ld.so finds the program's $ORIGIN through /proc/self/exe: its real path */
    real = realpath(r->program, NULL);
    c.objs[0].name = strdup("");
    c.objs[0].host = strdup(r->program);
    c.objs[0].host_origin = dir_of(real ? real : r->program);
    c.objs[0].image_origin = dir_of(r->program_image);
    free(real);
    if (!c.objs[0].name || !c.objs[0].host || !c.objs[0].host_origin || !c.objs[0].image_origin) {
        oom(&c);
        goto out;
    }
    out->dynamic = c.objs[0].dyn.interp || c.objs[0].dyn.nneeded;
    if (c.objs[0].dyn.nneeded && *cache && ldcache_load(cache, &c.cache, err, errlen) < 0)
        goto out;
    if (c.objs[0].dyn.interp) {
        const char *ip = c.objs[0].dyn.interp;
        struct stat st;
        if (ip[0] != '/') {
            snprintf(err, errlen, "%s: its interpreter \"%s\" is not an absolute path",
                     r->program, ip);
            goto out;
        }
        if (stat(ip, &st) < 0 || !S_ISREG(st.st_mode)) {
            snprintf(err, errlen, "%s needs the interpreter %s, which is not on this machine",
                     r->program, ip);
            goto out;
        }
        char *ipc = strdup(ip);
        if (!ipc) {
            oom(&c);
            goto out;
        }
        rc = load_object(&c, ipc, ipc, ipc, 0);
        free(ipc);
        if (rc < 0)
            goto out;
        rc = -1;
    }
    if (c.objs[0].dyn.interp && r->ld_preload && *r->ld_preload) {
        if (!c.cache.data && *cache && ldcache_load(cache, &c.cache, err, errlen) < 0)
            goto out;
        if (preload(&c, r->ld_preload) < 0)
            goto out;
    }
    /* breadth first, as ld.so loads them */
    for (size_t i = 0; i < c.nobjs; i++) {
        for (size_t k = 0; k < c.objs[i].dyn.nneeded; k++) {
            const char *name = c.objs[i].dyn.needed[k];
            if (already_loaded(&c, name))
                continue;
            if (strchr(name, '/')) {
                if (load_path(&c, i, name) < 0)
                    goto out;
            } else if (find(&c, i, name) < 0) {
                goto out;
            }
        }
    }
    rc = 0;
out:
    for (size_t i = 0; i < c.nobjs; i++) {
        free(c.objs[i].name);
        free(c.objs[i].host);
        free(c.objs[i].host_origin);
        free(c.objs[i].image_origin);
        elf_dyn_free(&c.objs[i].dyn);
    }
    free(c.objs);
    ldcache_free(&c.cache);
    if (rc < 0)
        deps_free(out);
    return rc;
}
