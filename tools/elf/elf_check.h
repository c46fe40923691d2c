/* Is PROGRAM something cloak can run?  Checked on the host before anything
 * boots, so that the user hears a clear reason instead of a guest error. */
#ifndef CLOAK_TOOLS_ELF_CHECK_H
#define CLOAK_TOOLS_ELF_CHECK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct elf_info {
    uint16_t type;      /* ET_EXEC or ET_DYN */
    uint64_t entry;
    bool has_interp;    /* PT_INTERP present: dynamically linked */
    char interp[256];   /* its path, if has_interp */
    bool has_dynamic;   /* PT_DYNAMIC present (also true of static-pie) */
};

/* Checks an x86-64 ELF64 little-endian executable held in memory.  `name`
 * is used in messages.  Returns 0 and fills info, or -1 with a message
 * naming the file in err. */
int elf_check_buffer(const unsigned char *buf, size_t len, const char *name,
                     struct elf_info *info, char *err, size_t errlen);

/* The same for a file: also reports a missing file, a directory or other
 * non-regular file. */
/* Maps a regular, non-empty file read-only (munmap it after); what names
 * the kind of file for the "is empty" message. */
int elf_map_file(const char *path, const char *what, void **map, size_t *size, char *err, size_t errlen);

int elf_check_file(const char *path, struct elf_info *info, char *err, size_t errlen);

/* "aarch64", "i386", ... for an ELF e_machine value; NULL if unknown. */
const char *elf_machine_name(uint16_t machine);

#endif
