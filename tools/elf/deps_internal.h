/* Shared inside the resolver (deps.c, deps_path.c, deps_search.c); not
 * part of deps.h's interface. */
#ifndef CLOAK_TOOLS_DEPS_INTERNAL_H
#define CLOAK_TOOLS_DEPS_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>

#include "deps.h"
#include "elf_dyn.h"
#include "ldcache.h"

/* One loaded object. */
struct deps_obj {
    char *name;         /* the DT_NEEDED name it was loaded for ("" for the program) */
    char *host;         /* host path as found (not resolved: ld.so's realname) */
    char *host_origin;  /* $ORIGIN on the host */
    char *image_origin; /* $ORIGIN in the guest */
    int loader;         /* index of the object that loaded it; -1 for the program */
    struct elf_dyn dyn;
};

/* One resolution: the objects loaded so far (objs[0] is the program) and
 * the files they bring. */
struct deps_ctx {
    const struct dep_request *r;
    struct deps_obj *objs;
    size_t nobjs;
    struct dep_result *out;
    struct ldcache cache;
    const char *const *defaults;
    char *err;
    size_t errlen;
};

/* ---- path text (deps_path.c); each returns malloc'd text or NULL ---- */

/* Lexical normalisation to an absolute path ("a/./b/../c" -> "/a/c"). */
char *deps_norm(const char *p);
/* dir + "/" + name (no doubled '/'). */
char *deps_join(const char *dir, const char *name);
/* The directory part of path: "." without a '/', "/" for "/x". */
char *deps_dir_of(const char *path);

/* ---- the search for a DT_NEEDED name (deps_search.c) ---- */

/* Finds `name`, needed by object `who`, the way ld.so does, and loads it;
 * -1 with a message naming where it looked. */
int deps_find(struct deps_ctx *c, size_t who, const char *name);
/* Is host a usable library: an ELF file of the program's kind?  Notes the
 * first skipped one in `skipped` for the error message. */
bool deps_usable(const char *host, char *skipped, size_t skippedlen);

/* ---- the result and the objects (deps.c) ---- */

/* Sets "out of memory" as the error; returns -1. */
int deps_oom(struct deps_ctx *c);
/* Adds a file to the result unless its image path is there already.
 * Takes ownership of image, host and link (NULL image or host: out of
 * memory). */
int deps_add_file(struct deps_ctx *c, char *image, char *host, char *link);
/* Records the object found at host (image path `image`), reads its ELF and
 * adds its file (with the symlinks that lead to it) to the result. */
int deps_load_object(struct deps_ctx *c, const char *name, const char *host, const char *image,
                     int loader);

#endif
