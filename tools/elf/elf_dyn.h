/* What the dynamic linker reads from an ELF file: the interpreter
 * (PT_INTERP) and, from the dynamic section (PT_DYNAMIC), DT_NEEDED,
 * DT_SONAME, DT_RPATH, DT_RUNPATH and DT_FLAGS_1.  Read from the file
 * itself, never by running it. */
#ifndef CLOAK_TOOLS_ELF_DYN_H
#define CLOAK_TOOLS_ELF_DYN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct elf_dyn {
    uint8_t elf_class;  /* ELFCLASS32 / ELFCLASS64 (EI_CLASS) */
    uint8_t data;       /* ELFDATA2LSB / ELFDATA2MSB */
    uint16_t machine;   /* e_machine */
    bool compatible;    /* ELF64, little-endian, x86-64: the rest is filled only then */
    char *interp;       /* PT_INTERP, or NULL */
    bool has_dynamic;   /* PT_DYNAMIC present */
    char **needed;      /* DT_NEEDED, in order */
    size_t nneeded;
    char *soname;       /* DT_SONAME, or NULL */
    char *rpath;        /* DT_RPATH, or NULL; NULL too when DT_RUNPATH is present,
                         * as ld.so ignores RPATH then */
    char *runpath;      /* DT_RUNPATH, or NULL */
    bool nodeflib;      /* DF_1_NODEFLIB: no ld.so.cache, no default directories */
};

/* Reads an ELF held in memory.  Returns 0 (check `compatible` before using
 * the dynamic fields), or -1 with a message naming `name` in err (not ELF,
 * truncated or corrupt headers, strings outside the file). */
int elf_dyn_read_buffer(const unsigned char *buf, size_t len, const char *name,
                        struct elf_dyn *out, char *err, size_t errlen);

/* The same for a file (symlinks followed). */
int elf_dyn_read_file(const char *path, struct elf_dyn *out, char *err, size_t errlen);

void elf_dyn_free(struct elf_dyn *d);

#endif
