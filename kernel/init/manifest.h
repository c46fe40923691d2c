/* The boot manifest (docs/manifest.md): what to run and how. */
#ifndef INIT_MANIFEST_H
#define INIT_MANIFEST_H
#include <stddef.h>
#include <stdbool.h>

#define MANIFEST_MAX_BYTES (256u << 10)
#define MANIFEST_MAX_ARGS 4096
#define MANIFEST_MAX_ENV 4096

#define MANIFEST_MAX_MOUNTS 16

struct manifest_mount {
    char *label;
    char *path;
    bool read_only;
};

struct manifest {
    char *program;
    char **argv;     /* NULL-terminated */
    int argc;
    char **envp;     /* NULL-terminated */
    int envc;
    char *cwd;       /* NULL: "/" */
    bool trace_syscalls;
    bool confidential;   /* refuse to run without real memory encryption */
    struct manifest_mount mounts[MANIFEST_MAX_MOUNTS];
    int nmounts;
};

/* Parses text of `len` bytes.  Returns 0, or -1 with a message in err that
 * names the line and the fault. */
int manifest_parse(const char *text, size_t len, struct manifest *m, char *err, size_t errlen);
void manifest_free(struct manifest *m);

#endif
