/* The function an address of the program falls in, from its ELF symbol
 * table: cloak names it when the program dies of a fault ("main+0x1c"). */
#ifndef CLOAK_TOOLS_ELF_SYM_H
#define CLOAK_TOOLS_ELF_SYM_H

#include <stddef.h>
#include <stdint.h>

/* vaddr is an unbiased (link-time) address.  Writes "NAME+0xOFF" to out
 * and returns 0 if a function symbol of .symtab (else .dynsym) covers it;
 * -1 if the file has no such symbol or is not a sound ELF64 file. */
int elf_symbolize(const char *path, uint64_t vaddr, char *out, size_t outlen);

#endif
