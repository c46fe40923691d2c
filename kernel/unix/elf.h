/* Checking a program's ELF image before anything of it is loaded.  Pure:
 * built for host tests too. */
#ifndef UNIX_ELF_H
#define UNIX_ELF_H
#include <stdint.h>
#include <stddef.h>
#include <stdbool.h>

#define ELF_MAX_SEGMENTS 16
#define PIE_LOAD_BASE 0x0000555555554000ull

struct elf_segment {
    uint64_t vaddr, memsz, offset, filesz;
    unsigned prot;      /* PROT_* */
};

struct elf_image {
    bool pie;                   /* ET_DYN: loaded at PIE_LOAD_BASE */
    uint64_t bias;              /* added to every vaddr */
    uint64_t entry;             /* biased */
    uint64_t phdr;              /* biased address of the program headers in memory */
    uint16_t phnum, phentsize;
    struct elf_segment seg[ELF_MAX_SEGMENTS];
    unsigned nseg;
    uint64_t end;               /* biased end of the highest segment */
    bool has_interp;
    uint64_t interp_offset, interp_size;   /* PT_INTERP path in the file */
    bool exec_stack;
};

/* 0, or -1 with *why describing the first problem found.  An ET_DYN image
 * is placed at PIE_LOAD_BASE. */
int elf_check(const uint8_t *data, uint64_t size, uint64_t user_top, struct elf_image *img, const char **why);
/* The same, placing an ET_DYN image at load_base (page aligned). */
int elf_check_at(const uint8_t *data, uint64_t size, uint64_t user_top, uint64_t load_base,
                 struct elf_image *img, const char **why);
/* Bytes from the lowest to the highest address of the PT_LOAD segments. */
uint64_t elf_span(const struct elf_image *img);

#endif
