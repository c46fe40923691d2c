/* Address -> "function+offset" from the program's own symbol table.  The
 * file is the user's: every offset and size is checked against its length. */
#include "elf_sym.h"

#include <elf.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>

#include "elf_check.h"

static bool in_file(uint64_t off, uint64_t len, size_t size)
{
    return off <= size && len <= size - off;
}

/* The section of type `type`, or NULL. */
static const Elf64_Shdr *find_section(const unsigned char *m, size_t size, uint32_t type)
{
    const Elf64_Ehdr *eh = (const Elf64_Ehdr *)m;

    if (eh->e_shentsize != sizeof(Elf64_Shdr) ||
        !in_file(eh->e_shoff, (uint64_t)eh->e_shnum * sizeof(Elf64_Shdr), size))
        return NULL;
    const Elf64_Shdr *sh = (const Elf64_Shdr *)(m + eh->e_shoff);
    for (unsigned i = 0; i < eh->e_shnum; i++)
        if (sh[i].sh_type == type && sh[i].sh_link < eh->e_shnum)
            return &sh[i];
    return NULL;
}

/* The best function symbol of one table for vaddr: one whose extent holds
 * it, or (a symbol without a size) the closest one below it. */
static int lookup(const unsigned char *m, size_t size, uint32_t type, uint64_t vaddr,
                  char *out, size_t outlen)
{
    const Elf64_Ehdr *eh = (const Elf64_Ehdr *)m;
    const Elf64_Shdr *st = find_section(m, size, type);
    if (!st || st->sh_entsize != sizeof(Elf64_Sym) || !in_file(st->sh_offset, st->sh_size, size))
        return -1;
    const Elf64_Shdr *str = (const Elf64_Shdr *)(m + eh->e_shoff) + st->sh_link;
    if (!in_file(str->sh_offset, str->sh_size, size))
        return -1;
    const Elf64_Sym *syms = (const Elf64_Sym *)(m + st->sh_offset), *best = NULL;
    size_t n = st->sh_size / sizeof(Elf64_Sym);

    for (size_t i = 0; i < n; i++) {
        const Elf64_Sym *s = &syms[i];
        if (ELF64_ST_TYPE(s->st_info) != STT_FUNC || s->st_shndx == SHN_UNDEF ||
            s->st_value > vaddr || s->st_name >= str->sh_size)
            continue;
        if (s->st_size && vaddr - s->st_value < s->st_size) {
            best = s;
            break;
        }
        if (!s->st_size && (!best || s->st_value > best->st_value))
            best = s;
    }
    if (!best)
        return -1;
    const char *name = (const char *)m + str->sh_offset + best->st_name;
    size_t max = str->sh_size - best->st_name;
    snprintf(out, outlen, "%.*s+0x%llx", (int)strnlen(name, max), name,
             (unsigned long long)(vaddr - best->st_value));
    return 0;
}

/* Is vaddr inside one of the file's executable PT_LOAD segments?  (A RIP
 * in a library, minus the program's bias, must not pick a program symbol.) */
static bool in_text(const unsigned char *m, size_t size, uint64_t vaddr)
{
    const Elf64_Ehdr *eh = (const Elf64_Ehdr *)m;

    if (eh->e_phentsize != sizeof(Elf64_Phdr) ||
        !in_file(eh->e_phoff, (uint64_t)eh->e_phnum * sizeof(Elf64_Phdr), size))
        return false;
    const Elf64_Phdr *ph = (const Elf64_Phdr *)(m + eh->e_phoff);
    for (unsigned i = 0; i < eh->e_phnum; i++)
        if (ph[i].p_type == PT_LOAD && (ph[i].p_flags & PF_X) && vaddr >= ph[i].p_vaddr &&
            vaddr - ph[i].p_vaddr < ph[i].p_memsz)
            return true;
    return false;
}

int elf_symbolize(const char *path, uint64_t vaddr, char *out, size_t outlen)
{
    char err[512];
    void *map;
    size_t size;
    int rc = -1;

    if (elf_map_file(path, "program", &map, &size, err, sizeof err) < 0)
        return -1;
    const unsigned char *m = map;
    if (size >= sizeof(Elf64_Ehdr) && memcmp(m, ELFMAG, SELFMAG) == 0 &&
        m[EI_CLASS] == ELFCLASS64 && in_text(m, size, vaddr)) {
        rc = lookup(m, size, SHT_SYMTAB, vaddr, out, outlen);
        if (rc < 0)
            rc = lookup(m, size, SHT_DYNSYM, vaddr, out, outlen);
    }
    munmap(map, size);
    return rc;
}
