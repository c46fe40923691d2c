/* The boot manifest (/.cloak/manifest in the boot archive), written exactly
 * as docs/manifest.md specifies: "cloak-manifest 1", then one "KEY VALUE"
 * line per record, values escaped (\\ \n \t \xHH). */
#ifndef CLOAK_TOOLS_MANIFEST_WRITER_H
#define CLOAK_TOOLS_MANIFEST_WRITER_H

#include <stdbool.h>
#include <stddef.h>

#define MANIFEST_IMAGE_PATH "/.cloak/manifest"
#define MANIFEST_MAX_ARGS 4096
#define MANIFEST_MAX_ENV 4096
#define MANIFEST_MAX_SIZE (256 * 1024)

/* A volume to mount: "mount LABEL PATH" or "mount LABEL PATH ro". */
struct manifest_mount {
    const char *label;          /* the ext2 volume label */
    const char *path;           /* absolute mount point */
    bool read_only;
};

struct manifest {
    const char *program;        /* absolute path inside the archive */
    const char *const *argv;    /* argv[0] first */
    size_t argc;
    const char *const *env;     /* "NAME=VALUE" entries */
    size_t envc;
    const char *cwd;            /* NULL: the default, "/" */
    const char *const *debug;   /* kernel debug flags, e.g. "syscalls" */
    size_t ndebug;
    const struct manifest_mount *mounts;
    size_t nmounts;
    bool confidential;          /* "confidential required": the kernel runs the
                                 * program only under real memory encryption (SEV) */
};

/* Renders the manifest into a malloc'd buffer (*out, *outlen; NUL-terminated
 * too).  Returns 0, or -1 with a message in err when a limit of
 * docs/manifest.md is exceeded, the program path or a mount point is not
 * absolute, or a mount label is empty. */
int manifest_render(const struct manifest *m, char **out, size_t *outlen,
                    char *err, size_t errlen);

/* Appends the escaped form of s to buf (which must hold 4 * strlen(s) + 1
 * bytes); returns the number of bytes written, without the NUL. */
size_t manifest_escape(const char *s, char *buf);

/* The same, also writing a space as \x20 (for the fields of a mount line). */
size_t manifest_escape_field(const char *s, char *buf);

#endif
