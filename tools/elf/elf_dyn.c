/* Reads PT_INTERP and the dynamic section of an x86-64 ELF; see elf_dyn.h.
 * String-table addresses (DT_STRTAB) are virtual addresses; they are turned
 * into file offsets through the PT_LOAD segments, as the loader would map
 * them.  Every offset is checked against the file's length. */
#define _GNU_SOURCE
#include "elf_dyn.h"
#include "elf_check.h"

#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

static uint16_t rd16(const unsigned char *p)
{
    return (uint16_t)(p[0] | p[1] << 8);
}

static uint32_t rd32(const unsigned char *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t rd64(const unsigned char *p)
{
    return (uint64_t)rd32(p) | (uint64_t)rd32(p + 4) << 32;
}

void elf_dyn_free(struct elf_dyn *d)
{
    free(d->interp);
    for (size_t i = 0; i < d->nneeded; i++)
        free(d->needed[i]);
    free(d->needed);
    free(d->soname);
    free(d->rpath);
    free(d->runpath);
    memset(d, 0, sizeof *d);
}

struct load {
    uint64_t vaddr, off, filesz;
};

/* File offset of virtual address v, or -1 if no PT_LOAD maps it from the file. */
static int64_t vaddr_to_off(const struct load *loads, size_t n, uint64_t v)
{
    for (size_t i = 0; i < n; i++)
        if (v >= loads[i].vaddr && v - loads[i].vaddr < loads[i].filesz)
            return (int64_t)(loads[i].off + (v - loads[i].vaddr));
    return -1;
}

#define FAIL(...) do { snprintf(err, errlen, __VA_ARGS__); goto fail; } while (0)

int elf_dyn_read_buffer(const unsigned char *buf, size_t len, const char *name,
                        struct elf_dyn *out, char *err, size_t errlen)
{
    uint64_t phoff, dyn_off = 0, dyn_size = 0, strtab = 0, strsz = 0, flags1 = 0;
    uint64_t rpath = UINT64_MAX, runpath = UINT64_MAX, soname = UINT64_MAX;
    uint16_t phnum, phentsize;
    struct load *loads = NULL;
    size_t nloads = 0;
    uint64_t *needed = NULL;
    size_t nneeded = 0;
    int64_t stroff;

    memset(out, 0, sizeof *out);
    if (len < EI_NIDENT + 4 || memcmp(buf, ELFMAG, SELFMAG) != 0)
        FAIL("%s is not an ELF file", name);
    out->elf_class = buf[EI_CLASS];
    out->data = buf[EI_DATA];
    out->machine = out->data == ELFDATA2MSB ? (uint16_t)(buf[18] << 8 | buf[19]) : rd16(buf + 18);
    if (out->elf_class != ELFCLASS64 || out->data != ELFDATA2LSB || out->machine != EM_X86_64)
        return 0; /* another class or machine: the caller decides */
    if (len < sizeof(Elf64_Ehdr))
        FAIL("%s is a truncated ELF file (%zu bytes)", name, len);
    out->compatible = true;
    phoff = rd64(buf + 32);
    phentsize = rd16(buf + 54);
    phnum = rd16(buf + 56);
    if (phnum && phentsize != sizeof(Elf64_Phdr))
        FAIL("%s is a corrupt ELF file (program header size %u)", name, phentsize);
    if (phoff > len || (uint64_t)phnum * sizeof(Elf64_Phdr) > len - phoff)
        FAIL("%s is a truncated ELF file (program headers past its end)", name);
    loads = calloc(phnum ? phnum : 1, sizeof *loads);
    if (!loads)
        FAIL("out of memory");
    for (unsigned i = 0; i < phnum; i++) {
        const unsigned char *ph = buf + phoff + (uint64_t)i * sizeof(Elf64_Phdr);
        uint32_t type = rd32(ph);
        uint64_t off = rd64(ph + 8), vaddr = rd64(ph + 16), filesz = rd64(ph + 32);

        if (type == PT_LOAD) {
            loads[nloads++] = (struct load){vaddr, off, filesz};
        } else if (type == PT_INTERP) {
            if (off > len || filesz > len - off || filesz == 0)
                FAIL("%s is a truncated ELF file (its interpreter path lies past its end)", name);
            free(out->interp);
            out->interp = strndup((const char *)buf + off, (size_t)filesz);
            if (!out->interp)
                FAIL("out of memory");
        } else if (type == PT_DYNAMIC) {
            if (off > len || filesz > len - off)
                FAIL("%s is a truncated ELF file (its dynamic section lies past its end)", name);
            out->has_dynamic = true;
            dyn_off = off;
            dyn_size = filesz;
        }
    }
    if (!out->has_dynamic) {
        free(loads);
        return 0;
    }
    needed = calloc(dyn_size / 16 + 1, sizeof *needed);
    if (!needed)
        FAIL("out of memory");
    for (uint64_t p = dyn_off; p + 16 <= dyn_off + dyn_size; p += 16) {
        int64_t tag = (int64_t)rd64(buf + p);
        uint64_t val = rd64(buf + p + 8);

        if (tag == DT_NULL)
            break;
        switch (tag) {
        case DT_NEEDED: needed[nneeded++] = val; break;
        case DT_STRTAB: strtab = val; break;
        case DT_STRSZ: strsz = val; break;
        case DT_RPATH: rpath = val; break;
        case DT_RUNPATH: runpath = val; break;
        case DT_SONAME: soname = val; break;
        case DT_FLAGS_1: flags1 = val; break;
        default: break;
        }
    }
    out->nodeflib = (flags1 & DF_1_NODEFLIB) != 0;
    if (!nneeded && rpath == UINT64_MAX && runpath == UINT64_MAX && soname == UINT64_MAX)
        goto done;
    stroff = vaddr_to_off(loads, nloads, strtab);
    if (!strtab || stroff < 0)
        FAIL("%s is a corrupt ELF file (its string table DT_STRTAB 0x%llx is not in a "
             "loaded segment)", name, (unsigned long long)strtab);
    if ((uint64_t)stroff > len || strsz > len - (uint64_t)stroff)
        strsz = len - (uint64_t)stroff; /* clip: each string is checked below */

#define STR(idx, dst, what) do {                                                         \
        uint64_t i_ = (idx);                                                             \
        if (i_ >= strsz || !memchr(buf + stroff + i_, '\0', (size_t)(strsz - i_)))       \
            FAIL("%s is a corrupt ELF file (%s at string offset %llu lies outside its "  \
                 "string table)", name, what, (unsigned long long)i_);                   \
        if (!((dst) = strdup((const char *)buf + stroff + i_)))                           \
            FAIL("out of memory");                                                       \
    } while (0)

    out->needed = calloc(nneeded + 1, sizeof *out->needed);
    if (!out->needed)
        FAIL("out of memory");
    for (size_t i = 0; i < nneeded; i++) {
        STR(needed[i], out->needed[i], "a DT_NEEDED name");
        out->nneeded++;
    }
    if (soname != UINT64_MAX)
        STR(soname, out->soname, "DT_SONAME");
    if (runpath != UINT64_MAX)
        STR(runpath, out->runpath, "DT_RUNPATH");
    else if (rpath != UINT64_MAX) /* ld.so ignores DT_RPATH when DT_RUNPATH is there */
        STR(rpath, out->rpath, "DT_RPATH");
#undef STR
done:
    free(needed);
    free(loads);
    return 0;
fail:
    free(needed);
    free(loads);
    elf_dyn_free(out);
    return -1;
}

int elf_dyn_read_file(const char *path, struct elf_dyn *out, char *err, size_t errlen)
{
    void *map;
    size_t size;
    int rc;

    memset(out, 0, sizeof *out);
    if (elf_map_file(path, "ELF file", &map, &size, err, errlen) < 0)
        return -1;
    rc = elf_dyn_read_buffer(map, size, path, out, err, errlen);
    munmap(map, size);
    return rc;
}
