/* Host-side checks of the program's ELF headers.  Reads the fields by hand
 * (with explicit little-endian loads) so that it can name what is wrong with
 * files for other machines, classes and byte orders. */
#include "elf_check.h"

#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

static uint16_t rd16(const unsigned char *p, bool le)
{
    return le ? (uint16_t)(p[0] | p[1] << 8) : (uint16_t)(p[1] | p[0] << 8);
}

static uint32_t rd32(const unsigned char *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t rd64(const unsigned char *p)
{
    return (uint64_t)rd32(p) | (uint64_t)rd32(p + 4) << 32;
}

const char *elf_machine_name(uint16_t m)
{
    switch (m) {
    case EM_X86_64: return "x86-64";
    case EM_386: return "i386";
    case EM_ARM: return "arm (32-bit)";
    case EM_AARCH64: return "aarch64";
    case EM_RISCV: return "riscv";
    case EM_PPC: return "powerpc";
    case EM_PPC64: return "ppc64";
    case EM_S390: return "s390x";
    case EM_MIPS: return "mips";
    case EM_SPARC: return "sparc";
    case EM_SPARCV9: return "sparc64";
    case EM_IA_64: return "ia64";
    case EM_68K: return "m68k";
    case EM_SH: return "superh";
    case EM_ALPHA: return "alpha";
    case EM_PARISC: return "hppa";
    case 258: return "loongarch"; /* EM_LOONGARCH, newer than some elf.h */
    case EM_BPF: return "bpf";
    default: return NULL;
    }
}

/* Is it an ELF at all, with a byte order and class we can read? */
static int check_ident(const unsigned char *buf, size_t len, const char *name, char *err,
                       size_t errlen)
{
    if (len >= 2 && buf[0] == '#' && buf[1] == '!') {
        snprintf(err, errlen, "%s is a script (it starts with #!), not an ELF program; "
                 "cloak runs x86-64 ELF programs", name);
        return -1;
    }
    if (len < SELFMAG || memcmp(buf, ELFMAG, SELFMAG) != 0) {
        snprintf(err, errlen, "%s is not an ELF program (no ELF magic number); "
                 "cloak runs x86-64 ELF programs", name);
        return -1;
    }
    if (len < EI_NIDENT + 4) {
        snprintf(err, errlen, "%s is a truncated ELF file (%zu bytes, shorter than its header)",
                 name, len);
        return -1;
    }
    if (buf[EI_DATA] != ELFDATA2LSB && buf[EI_DATA] != ELFDATA2MSB) {
        snprintf(err, errlen, "%s is a corrupt ELF file (unknown byte order %u)", name,
                 buf[EI_DATA]);
        return -1;
    }
    if (buf[EI_CLASS] != ELFCLASS64 && buf[EI_CLASS] != ELFCLASS32) {
        snprintf(err, errlen, "%s is a corrupt ELF file (unknown class %u)", name, buf[EI_CLASS]);
        return -1;
    }
    return 0;
}

/* x86-64, 64-bit, little-endian; the machine is named first, as it is the
 * likeliest mistake (a program built for another computer). */
static int check_machine(const unsigned char *buf, const char *name, char *err, size_t errlen)
{
    bool le = buf[EI_DATA] == ELFDATA2LSB;
    /* e_type and e_machine sit at the same offsets in both classes. */
    uint16_t machine = rd16(buf + 18, le);

    if (machine != EM_X86_64) {
        const char *m = elf_machine_name(machine);
        if (m)
            snprintf(err, errlen, "%s is an ELF for %s; cloak runs x86-64 programs only", name, m);
        else
            snprintf(err, errlen, "%s is an ELF for another machine (e_machine %u); "
                     "cloak runs x86-64 programs only", name, machine);
        return -1;
    }
    if (buf[EI_CLASS] != ELFCLASS64) {
        snprintf(err, errlen, "%s is a 32-bit ELF (x32 ABI); cloak runs 64-bit x86-64 programs "
                 "only", name);
        return -1;
    }
    if (!le) {
        snprintf(err, errlen, "%s is a big-endian ELF; x86-64 programs are little-endian", name);
        return -1;
    }
    return 0;
}

/* A program (ET_EXEC, or ET_DYN for PIE), not an object file or a core. */
static int check_type(uint16_t type, const char *name, char *err, size_t errlen)
{
    switch (type) {
    case ET_EXEC:
    case ET_DYN:
        return 0;
    case ET_REL:
        snprintf(err, errlen, "%s is an object file (ELF type REL), not a program; link it first",
                 name);
        return -1;
    case ET_CORE:
        snprintf(err, errlen, "%s is a core dump, not a program", name);
        return -1;
    default:
        snprintf(err, errlen, "%s is not an executable ELF (ELF type %u)", name, type);
        return -1;
    }
}

/* The program headers, all inside the file: notes PT_DYNAMIC and copies
 * the PT_INTERP path. */
static int read_program_headers(const unsigned char *buf, size_t len, const char *name,
                                struct elf_info *info, char *err, size_t errlen)
{
    uint64_t phoff = rd64(buf + 32);
    uint16_t phentsize = rd16(buf + 54, true), phnum = rd16(buf + 56, true);

    if (phnum == 0) {
        snprintf(err, errlen, "%s has no program headers; it cannot be loaded", name);
        return -1;
    }
    if (phentsize != sizeof(Elf64_Phdr)) {
        snprintf(err, errlen, "%s is a corrupt ELF file (program header size %u, expected %zu)",
                 name, phentsize, sizeof(Elf64_Phdr));
        return -1;
    }
    if (phoff > len || (uint64_t)phnum * phentsize > len - phoff) {
        snprintf(err, errlen, "%s is a truncated ELF file (its %u program headers at offset %llu "
                 "run past the end of the file, %zu bytes)", name, phnum,
                 (unsigned long long)phoff, len);
        return -1;
    }
    for (unsigned i = 0; i < phnum; i++) {
        const unsigned char *ph = buf + phoff + (uint64_t)i * phentsize;
        uint32_t ptype = rd32(ph);
        uint64_t off = rd64(ph + 8), filesz = rd64(ph + 32);

        if (ptype == PT_DYNAMIC)
            info->has_dynamic = true;
        if (ptype != PT_INTERP)
            continue;
        if (off > len || filesz > len - off || filesz == 0) {
            snprintf(err, errlen, "%s is a truncated ELF file (its interpreter path lies past "
                     "the end of the file)", name);
            return -1;
        }
        info->has_interp = true;
        size_t n = strnlen((const char *)buf + off, (size_t)filesz);
        if (n >= sizeof info->interp)
            n = sizeof info->interp - 1;
        memcpy(info->interp, buf + off, n);
        info->interp[n] = '\0';
    }
    return 0;
}

int elf_check_buffer(const unsigned char *buf, size_t len, const char *name,
                     struct elf_info *info, char *err, size_t errlen)
{
    memset(info, 0, sizeof *info);
    if (check_ident(buf, len, name, err, errlen) < 0 ||
        check_machine(buf, name, err, errlen) < 0)
        return -1;
    if (len < sizeof(Elf64_Ehdr)) {
        snprintf(err, errlen, "%s is a truncated ELF file (%zu bytes, the ELF header needs %zu)",
                 name, len, sizeof(Elf64_Ehdr));
        return -1;
    }
    uint16_t type = rd16(buf + 16, true);
    if (check_type(type, name, err, errlen) < 0)
        return -1;
    info->type = type;
    info->entry = rd64(buf + 24);
    return read_program_headers(buf, len, name, info, err, errlen);
}

int elf_map_file(const char *path, const char *what, void **map, size_t *size, char *err, size_t errlen)
{
    struct stat st;
    int fd;

    /* stat before open: opening a FIFO would wait for a writer */
    if (stat(path, &st) < 0) {
        snprintf(err, errlen, "cannot read %s: %s", path, strerror(errno));
        return -1;
    }
    if (!S_ISREG(st.st_mode)) {
        snprintf(err, errlen, "%s is not a regular file", path);
        return -1;
    }
    fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        snprintf(err, errlen, "cannot read %s: %s", path, strerror(errno));
        return -1;
    }
    if (st.st_size == 0) {
        close(fd);
        snprintf(err, errlen, "%s is empty, not an %s", path, what);
        return -1;
    }
    *map = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
    close(fd);
    if (*map == MAP_FAILED) {
        snprintf(err, errlen, "cannot read %s: %s", path, strerror(errno));
        return -1;
    }
    *size = (size_t)st.st_size;
    return 0;
}

int elf_check_file(const char *path, struct elf_info *info, char *err, size_t errlen)
{
    struct stat st;
    void *map;
    size_t size;
    int rc;

    memset(info, 0, sizeof *info);
    if (stat(path, &st) < 0) {
        if (errno == ENOENT)
            snprintf(err, errlen, "%s: no such file", path);
        else
            snprintf(err, errlen, "%s: %s", path, strerror(errno));
        return -1;
    }
    if (S_ISDIR(st.st_mode)) {
        snprintf(err, errlen, "%s is a directory, not a program", path);
        return -1;
    }
    if (elf_map_file(path, "ELF program", &map, &size, err, errlen) < 0)
        return -1;
    rc = elf_check_buffer(map, size, path, info, err, errlen);
    munmap(map, size);
    return rc;
}
