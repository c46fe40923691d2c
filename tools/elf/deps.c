/* Dependency resolution as glibc's ld.so does it; see deps.h.  This file
 * keeps the result and the loaded objects and walks the DT_NEEDED lists;
 * deps_search.c finds one name, deps_path.c does the path text. */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "deps_internal.h"

#define MAX_LINKS 40 /* like the kernel's limit on nested symlinks */

static const char *const default_dirs[] = {DEPS_DEFAULT_DIRS, NULL};

/* ---- the result ---- */

int deps_oom(struct deps_ctx *c)
{
    snprintf(c->err, c->errlen, "out of memory");
    return -1;
}

static bool have_image(const struct deps_ctx *c, const char *image)
{
    for (size_t i = 0; i < c->out->n; i++)
        if (strcmp(c->out->files[i].image, image) == 0)
            return true;
    return false;
}

/* Takes ownership of image, host and link. */
int deps_add_file(struct deps_ctx *c, char *image, char *host, char *link)
{
    struct dep_file *f;

    if (!image || !host) {
        free(image);
        free(host);
        free(link);
        return deps_oom(c);
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
        return deps_oom(c);
    }
    c->out->files = f;
    f[c->out->n++] = (struct dep_file){image, host, link};
    return 0;
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

/* The file at host (as reached) goes to image: each symlink in the final
 * component as a link, then the file itself. */
static int add_chain(struct deps_ctx *c, const char *host, const char *image)
{
    char *h = strdup(host), *i = deps_norm(image), target[PATH_MAX], *real;
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
        hd = deps_dir_of(h);
        id = deps_dir_of(i);
        if (!hd || !id) {
            free(hd);
            free(id);
            goto nomem;
        }
        if (target[0] == '/') {
            nh = deps_norm(target);
            ni = deps_norm(target);
        } else {
            char *a = deps_join(hd, target), *b = deps_join(id, target);
            nh = a ? deps_norm(a) : NULL;
            ni = b ? deps_norm(b) : NULL;
            free(a);
            free(b);
        }
        free(hd);
        free(id);
        if (deps_add_file(c, strdup(i), strdup(h), strdup(target)) < 0) {
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
    return deps_add_file(c, i, real ? real : strdup(host), NULL);
nomem:
    free(h);
    free(i);
    return deps_oom(c);
}

/* ---- the objects ---- */

/* Records the object found at host (image path `image`), reads its ELF. */
int deps_load_object(struct deps_ctx *c, const char *name, const char *host, const char *image,
                     int loader)
{
    struct deps_obj *objs = realloc(c->objs, (c->nobjs + 1) * sizeof *objs), *o;
    char *img = deps_norm(image);

    if (!objs || !img) {
        free(img);
        if (objs)
            c->objs = objs;
        return deps_oom(c);
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
    o->host_origin = deps_dir_of(host);
    o->image_origin = deps_dir_of(img);
    c->nobjs++;
    if (!o->name || !o->host || !o->host_origin || !o->image_origin) {
        free(img);
        return deps_oom(c);
    }
    int rc = add_chain(c, host, img);
    free(img);
    return rc;
}

/* musl's loader is its libc too: it answers for these names itself. */
static bool musl_builtin(const struct deps_ctx *c, const char *name)
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

static bool already_loaded(const struct deps_ctx *c, const char *name)
{
    if (musl_builtin(c, name))
        return true;
    for (size_t i = 0; i < c->nobjs; i++) {
        const struct deps_obj *o = &c->objs[i];
        if (strcmp(o->name, name) == 0 || (o->dyn.soname && strcmp(o->dyn.soname, name) == 0) ||
            (strchr(name, '/') && strcmp(o->host, name) == 0))
            return true;
    }
    return false;
}

/* ---- walking the DT_NEEDED lists ---- */

/* A DT_NEEDED (or LD_PRELOAD) entry with a '/': a path, not searched. */
static int load_path(struct deps_ctx *c, size_t who, const char *name)
{
    char *h = deps_expand(name, c->objs[who].host_origin);
    char *g = deps_expand(name, c->objs[who].image_origin);
    char skipped[512] = "";
    int rc;

    if (!h || !g) {
        free(h);
        free(g);
        return deps_oom(c);
    }
    if (!deps_usable(h, skipped, sizeof skipped)) {
        snprintf(c->err, c->errlen, "cannot find the library %s, needed by %s%s", h,
                 c->objs[who].host, skipped);
        free(h);
        free(g);
        return -1;
    }
    rc = deps_load_object(c, name, h, g, (int)who);
    free(h);
    free(g);
    return rc;
}

/* LD_PRELOAD: ld.so loads these right after the program, before its
 * DT_NEEDED libraries. */
static int preload(struct deps_ctx *c, const char *list)
{
    char *copy = strdup(list), *p, *name;
    int rc = 0;

    if (!copy)
        return deps_oom(c);
    p = copy;
    while (rc == 0 && (name = strsep(&p, " :")) != NULL) {
        if (!*name || already_loaded(c, name))
            continue;
        rc = strchr(name, '/') ? load_path(c, 0, name) : deps_find(c, 0, name);
    }
    free(copy);
    return rc;
}

/* objs[0]: the program.  ld.so finds the program's $ORIGIN through
 * /proc/self/exe: its real path. */
static int load_program(struct deps_ctx *c)
{
    const struct dep_request *r = c->r;
    struct deps_obj *p;
    char *real;

    if (!(c->objs = calloc(1, sizeof *c->objs)))
        return deps_oom(c);
    c->nobjs = 1;
    p = &c->objs[0];
    p->loader = -1;
    if (elf_dyn_read_file(r->program, &p->dyn, c->err, c->errlen) < 0)
        return -1;
    real = realpath(r->program, NULL);
    p->name = strdup("");
    p->host = strdup(r->program);
    p->host_origin = deps_dir_of(real ? real : r->program);
    p->image_origin = deps_dir_of(r->program_image);
    free(real);
    if (!p->name || !p->host || !p->host_origin || !p->image_origin)
        return deps_oom(c);
    return 0;
}

/* PT_INTERP: an absolute path that must exist here; loaded first. */
static int load_interpreter(struct deps_ctx *c)
{
    const char *ip = c->objs[0].dyn.interp, *prog = c->r->program;
    struct stat st;
    char *ipc;
    int rc;

    if (ip[0] != '/') {
        snprintf(c->err, c->errlen, "%s: its interpreter \"%s\" is not an absolute path", prog,
                 ip);
        return -1;
    }
    if (stat(ip, &st) < 0 || !S_ISREG(st.st_mode)) {
        snprintf(c->err, c->errlen, "%s needs the interpreter %s, which is not on this machine",
                 prog, ip);
        return -1;
    }
    if (!(ipc = strdup(ip)))
        return deps_oom(c);
    rc = deps_load_object(c, ipc, ipc, ipc, 0);
    free(ipc);
    return rc;
}

/* Breadth first, as ld.so loads them: the objects loaded meanwhile are
 * walked too. */
static int load_needed(struct deps_ctx *c)
{
    for (size_t i = 0; i < c->nobjs; i++) {
        for (size_t k = 0; k < c->objs[i].dyn.nneeded; k++) {
            const char *name = c->objs[i].dyn.needed[k];
            if (already_loaded(c, name))
                continue;
            if (strchr(name, '/')) {
                if (load_path(c, i, name) < 0)
                    return -1;
            } else if (deps_find(c, i, name) < 0) {
                return -1;
            }
        }
    }
    return 0;
}

/* The interpreter, LD_PRELOAD, then the DT_NEEDED closure.  The cache is
 * read only when something may be searched. */
static int resolve(struct deps_ctx *c)
{
    const struct dep_request *r = c->r;
    const char *cache = r->cache_path ? r->cache_path : LDCACHE_DEFAULT_PATH;
    const struct elf_dyn *prog;

    if (load_program(c) < 0)
        return -1;
    prog = &c->objs[0].dyn;
    c->out->dynamic = prog->interp || prog->nneeded;
    if (prog->nneeded && *cache && ldcache_load(cache, &c->cache, c->err, c->errlen) < 0)
        return -1;
    if (prog->interp && load_interpreter(c) < 0)
        return -1;
    prog = &c->objs[0].dyn; /* objs may have moved */
    if (prog->interp && r->ld_preload && *r->ld_preload) {
        if (!c->cache.data && *cache && ldcache_load(cache, &c->cache, c->err, c->errlen) < 0)
            return -1;
        if (preload(c, r->ld_preload) < 0)
            return -1;
    }
    return load_needed(c);
}

static void free_objects(struct deps_ctx *c)
{
    for (size_t i = 0; i < c->nobjs; i++) {
        free(c->objs[i].name);
        free(c->objs[i].host);
        free(c->objs[i].host_origin);
        free(c->objs[i].image_origin);
        elf_dyn_free(&c->objs[i].dyn);
    }
    free(c->objs);
}

int deps_resolve(const struct dep_request *r, struct dep_result *out, char *err, size_t errlen)
{
    struct deps_ctx c = {.r = r, .out = out, .err = err, .errlen = errlen};
    int rc;

    memset(out, 0, sizeof *out);
    c.defaults = r->default_dirs ? r->default_dirs : default_dirs;
    rc = resolve(&c);
    free_objects(&c);
    ldcache_free(&c.cache);
    if (rc < 0)
        deps_free(out);
    return rc;
}
