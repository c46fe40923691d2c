/* What a dynamically linked program needs in the image: its interpreter
 * (PT_INTERP) and every shared library in the closure of its DT_NEEDED
 * lists, found the way glibc's ld.so finds them on this host, from the ELF
 * files alone (nothing is run).
 *
 * For each DT_NEEDED name of an object (breadth first, in load order; a
 * name that an object already loaded has as its DT_NEEDED name or DT_SONAME
 * is not searched again; a name with a '/' is a path):
 *   1. DT_RPATH of the object, then of the object that loaded it, and so on
 *      up to the program (only when the object has no DT_RUNPATH; an object
 *      with both has its DT_RPATH ignored);
 *   2. LD_LIBRARY_PATH from the config's Env (':' or ';' separated);
 *   3. DT_RUNPATH of the object;
 *   4. /etc/ld.so.cache (x86-64 baseline entries, see ldcache.h) and
 *   5. the default directories (DEPS_DEFAULT_DIRS), unless the object has
 *      DF_1_NODEFLIB.
 * A candidate of another class or machine (an i386 library of the same
 * name) or that is not ELF is skipped.  $ORIGIN, $LIB and $PLATFORM (also
 * as ${...}) are expanded as ld.so expands them: $ORIGIN is the directory
 * of the object (of the program: its real path's directory), $LIB is
 * DEPS_LIB and $PLATFORM DEPS_PLATFORM.  Empty path elements mean the
 * current directory.
 *
 * Every file goes into the image at its host path, except those found
 * through $ORIGIN or a relative path, which go where the guest's ld.so will
 * look: relative to the program's image path, or to /, the guest's working
 * directory.  A name reached through symlinks brings each link too (the
 * link as a link, its target, ... the file).  A library that only the cache
 * found, in a directory the guest's ld.so does not search (it has no
 * cache), also gets a link in /lib/x86_64-linux-gnu.
 *
 * A musl program (interpreter ld-musl-*) gets its interpreter, which is
 * also its libc: libc.so, libpthread.so, libm.so, ... need no search.  Its
 * other libraries are searched by the rules above, not musl's own. */
#ifndef CLOAK_TOOLS_DEPS_H
#define CLOAK_TOOLS_DEPS_H

#include <stdbool.h>
#include <stddef.h>

/* glibc 2.36 on Debian x86-64 (what `LD_DEBUG=libs` shows as the "system
 * search path"). */
#define DEPS_DEFAULT_DIRS \
    "/lib/x86_64-linux-gnu", "/usr/lib/x86_64-linux-gnu", "/lib", "/usr/lib"
#define DEPS_LIB "lib/x86_64-linux-gnu" /* Debian's $LIB */
#define DEPS_PLATFORM "x86_64"          /* the kernel's AT_PLATFORM */
#define DEPS_CACHE_LINK_DIR "/lib/x86_64-linux-gnu"

struct dep_request {
    const char *program;               /* host path, as the user gave it */
    const char *program_image;         /* its path in the image */
    const char *ld_library_path;       /* Env LD_LIBRARY_PATH, or NULL */
    const char *ld_preload;            /* Env LD_PRELOAD, or NULL: for a program with an
                                        * interpreter, loaded first, as if the program
                                        * needed them (space or ':' separated) */
    const char *cache_path;            /* NULL: /etc/ld.so.cache; "" for none */
    const char *const *default_dirs;   /* NULL-terminated; NULL: DEPS_DEFAULT_DIRS */
};

struct dep_file {
    char *image;       /* absolute path in the image */
    char *host;        /* file: the host file to copy (its real path);
                        * link: the link's own host path */
    char *link;        /* link: the target as stored in the link; NULL for a file */
};

struct dep_result {
    bool dynamic;          /* has an interpreter or DT_NEEDED */
    struct dep_file *files;
    size_t n;
};

/* Returns 0 and the files in load order (the interpreter first), or -1
 * with a message in err: a library that cannot be found is named with the
 * ELF that needs it and where cloak looked. */
int deps_resolve(const struct dep_request *r, struct dep_result *out, char *err, size_t errlen);
void deps_free(struct dep_result *r);

/* Expands $ORIGIN/${ORIGIN}, $LIB/${LIB} and $PLATFORM/${PLATFORM} in s
 * (malloc'd result).  Other '$' text stays as it is.  NULL when out of
 * memory. */
char *deps_expand(const char *s, const char *origin);

#endif
