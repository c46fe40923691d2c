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

/* What one reading gathers from the headers before the strings are
 * copied out. */
struct dyn_scan {
    struct load *loads;   /* PT_LOAD segments, to map DT_STRTAB */
    size_t nloads;
    uint64_t dyn_off, dyn_size;
    uint64_t strtab, strsz, flags1;
    uint64_t rpath, runpath, soname; /* string offsets; UINT64_MAX: absent */
    uint64_t *needed;     /* DT_NEEDED string offsets */
    size_t nneeded;
};

#define FAIL(...) do { snprintf(err, errlen, __VA_ARGS__); return -1; } while (0)

/* The program headers: PT_LOAD segments, the PT_INTERP path and where
 * PT_DYNAMIC is; each checked against the file's length. */
static int read_program_headers(const unsigned char *buf, size_t len, const char *name,
                                struct elf_dyn *out, struct dyn_scan *s, char *err,
                                size_t errlen)
{
    uint64_t phoff = rd64(buf + 32);
    uint16_t phentsize = rd16(buf + 54), phnum = rd16(buf + 56);

    if (phnum && phentsize != sizeof(Elf64_Phdr))
        FAIL("%s is a corrupt ELF file (program header size %u)", name, phentsize);
    if (phoff > len || (uint64_t)phnum * sizeof(Elf64_Phdr) > len - phoff)
        FAIL("%s is a truncated ELF file (program headers past its end)", name);
    s->loads = calloc(phnum ? phnum : 1, sizeof *s->loads);
    if (!s->loads)
        FAIL("out of memory");
    for (unsigned i = 0; i < phnum; i++) {
        const unsigned char *ph = buf + phoff + (uint64_t)i * sizeof(Elf64_Phdr);
        uint32_t type = rd32(ph);
        uint64_t off = rd64(ph + 8), vaddr = rd64(ph + 16), filesz = rd64(ph + 32);

        if (type == PT_LOAD) {
            s->loads[s->nloads++] = (struct load){vaddr, off, filesz};
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
            s->dyn_off = off;
            s->dyn_size = filesz;
        }
    }
    return 0;
}

/* The dynamic section's entries, up to DT_NULL: the tags ld.so's search
 * needs. */
static int read_dynamic_tags(const unsigned char *buf, struct dyn_scan *s, char *err,
                             size_t errlen)
{
    s->needed = calloc(s->dyn_size / 16 + 1, sizeof *s->needed);
    if (!s->needed)
        FAIL("out of memory");
    for (uint64_t p = s->dyn_off; p + 16 <= s->dyn_off + s->dyn_size; p += 16) {
        int64_t tag = (int64_t)rd64(buf + p);
        uint64_t val = rd64(buf + p + 8);

        if (tag == DT_NULL)
            break;
        switch (tag) {
        case DT_NEEDED: s->needed[s->nneeded++] = val; break;
        case DT_STRTAB: s->strtab = val; break;
        case DT_STRSZ: s->strsz = val; break;
        case DT_RPATH: s->rpath = val; break;
        case DT_RUNPATH: s->runpath = val; break;
        case DT_SONAME: s->soname = val; break;
        case DT_FLAGS_1: s->flags1 = val; break;
        default: break;
        }
    }
    return 0;
}

/* A copy of the string at offset idx of the string table (at file offset
 * stroff, strsz bytes): it must start and end inside it. */
static int copy_string(const unsigned char *buf, int64_t stroff, uint64_t strsz, uint64_t idx,
                       char **dst, const char *name, const char *what, char *err,
                       size_t errlen)
{
    if (idx >= strsz || !memchr(buf + stroff + idx, '\0', (size_t)(strsz - idx)))
        FAIL("%s is a corrupt ELF file (%s at string offset %llu lies outside its "
             "string table)", name, what, (unsigned long long)idx);
    if (!(*dst = strdup((const char *)buf + stroff + idx)))
        FAIL("out of memory");
    return 0;
}

/* The names the tags point at: DT_NEEDED, DT_SONAME, and DT_RUNPATH or
 * else DT_RPATH (ld.so ignores DT_RPATH when DT_RUNPATH is there). */
static int read_strings(const unsigned char *buf, size_t len, const char *name,
                        struct elf_dyn *out, struct dyn_scan *s, char *err, size_t errlen)
{
    int64_t stroff = vaddr_to_off(s->loads, s->nloads, s->strtab);
    uint64_t strsz = s->strsz;

    if (!s->strtab || stroff < 0)
        FAIL("%s is a corrupt ELF file (its string table DT_STRTAB 0x%llx is not in a "
             "loaded segment)", name, (unsigned long long)s->strtab);
    /* a PT_LOAD may claim file offsets past the end (a corrupt or hostile
     * file): the table must at least start inside the file */
    if ((uint64_t)stroff > len)
        FAIL("%s is a truncated ELF file (its string table lies past its end)", name);
    if (strsz > len - (uint64_t)stroff)
        strsz = len - (uint64_t)stroff; /* clip: each string is checked below */
    out->needed = calloc(s->nneeded + 1, sizeof *out->needed);
    if (!out->needed)
        FAIL("out of memory");
    for (size_t i = 0; i < s->nneeded; i++) {
        if (copy_string(buf, stroff, strsz, s->needed[i], &out->needed[i], name,
                        "a DT_NEEDED name", err, errlen) < 0)
            return -1;
        out->nneeded++;
    }
    if (s->soname != UINT64_MAX &&
        copy_string(buf, stroff, strsz, s->soname, &out->soname, name, "DT_SONAME", err,
                    errlen) < 0)
        return -1;
    if (s->runpath != UINT64_MAX)
        return copy_string(buf, stroff, strsz, s->runpath, &out->runpath, name, "DT_RUNPATH",
                           err, errlen);
    if (s->rpath != UINT64_MAX)
        return copy_string(buf, stroff, strsz, s->rpath, &out->rpath, name, "DT_RPATH", err,
                           errlen);
    return 0;
}

/* Everything after the identification: -1 with a message. */
static int read_x86_64(const unsigned char *buf, size_t len, const char *name,
                       struct elf_dyn *out, struct dyn_scan *s, char *err, size_t errlen)
{
    if (len < sizeof(Elf64_Ehdr))
        FAIL("%s is a truncated ELF file (%zu bytes)", name, len);
    out->compatible = true;
    if (read_program_headers(buf, len, name, out, s, err, errlen) < 0)
        return -1;
    if (!out->has_dynamic)
        return 0;
    if (read_dynamic_tags(buf, s, err, errlen) < 0)
        return -1;
    out->nodeflib = (s->flags1 & DF_1_NODEFLIB) != 0;
    if (!s->nneeded && s->rpath == UINT64_MAX && s->runpath == UINT64_MAX &&
        s->soname == UINT64_MAX)
        return 0;
    return read_strings(buf, len, name, out, s, err, errlen);
}

#undef FAIL

int elf_dyn_read_buffer(const unsigned char *buf, size_t len, const char *name,
                        struct elf_dyn *out, char *err, size_t errlen)
{
    struct dyn_scan s = {.rpath = UINT64_MAX, .runpath = UINT64_MAX, .soname = UINT64_MAX};
    int rc;

    memset(out, 0, sizeof *out);
    if (len < EI_NIDENT + 4 || memcmp(buf, ELFMAG, SELFMAG) != 0) {
        snprintf(err, errlen, "%s is not an ELF file", name);
        return -1;
    }
    out->elf_class = buf[EI_CLASS];
    out->data = buf[EI_DATA];
    out->machine = out->data == ELFDATA2MSB ? (uint16_t)(buf[18] << 8 | buf[19]) : rd16(buf + 18);
    if (out->elf_class != ELFCLASS64 || out->data != ELFDATA2LSB || out->machine != EM_X86_64)
        return 0; /* another class or machine: the caller decides */
    rc = read_x86_64(buf, len, name, out, &s, err, errlen);
    free(s.needed);
    free(s.loads);
    if (rc < 0)
        elf_dyn_free(out);
    return rc;
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
