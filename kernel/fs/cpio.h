/* Reading a cpio "newc" archive in place (the boot archive). */
#ifndef FS_CPIO_H
#define FS_CPIO_H
#include <stdint.h>
#include <stddef.h>

struct cpio_entry {
    const char *name;        /* not NUL-terminated in the archive: use name_len */
    size_t name_len;         /* without the NUL */
    uint32_t mode;
    uint32_t uid, gid;
    uint64_t mtime;
    const uint8_t *data;
    uint64_t size;
};

/* Iterates: *offset starts at 0.  Returns 1 with an entry, 0 at the trailer,
 * or -1 with *error naming what is wrong (bad magic, a field that is not
 * hex, a name or data running past the end). */
int cpio_next(const uint8_t *archive, uint64_t size, uint64_t *offset, struct cpio_entry *e,
              const char **error);

#endif
