#include "unix/elf.h"
#include "lib/string.h"

#define PT_LOAD 1
#define PT_INTERP 3
#define PT_PHDR 6
#define PT_GNU_STACK 0x6474e551
#define PF_X 1
#define PF_W 2
#define PF_R 4
#define ET_EXEC 2
#define ET_DYN 3
#define EM_X86_64 62
#define PAGE 4096ull

struct ehdr {
    uint8_t ident[16];
    uint16_t type, machine;
    uint32_t version;
    uint64_t entry, phoff, shoff;
    uint32_t flags;
    uint16_t ehsize, phentsize, phnum, shentsize, shnum, shstrndx;
};

struct phdr {
    uint32_t type, flags;
    uint64_t offset, vaddr, paddr, filesz, memsz, align;
};

#define FAIL(msg) do { *why = msg; return -1; } while (0)

int elf_check(const uint8_t *data, uint64_t size, uint64_t user_top, struct elf_image *img, const char **why)
{
    return elf_check_at(data, size, user_top, PIE_LOAD_BASE, img, why);
}

uint64_t elf_span(const struct elf_image *img)
{
    uint64_t lo = UINT64_MAX, hi = 0;
    for (unsigned k = 0; k < img->nseg; k++) {
        uint64_t s = img->seg[k].vaddr & ~(PAGE - 1), e = img->seg[k].vaddr + img->seg[k].memsz;
        if (s < lo)
            lo = s;
        if (e > hi)
            hi = e;
    }
    return img->nseg ? ((hi - lo + PAGE - 1) & ~(PAGE - 1)) : 0;
}

/* The ELF header: identity, type, and program headers inside the file. */
static int check_header(const uint8_t *data, uint64_t size, struct ehdr *eh, const char **why)
{
    if (size < sizeof(struct ehdr))
        FAIL("file is shorter than an ELF header");
    memcpy(eh, data, sizeof(*eh));
    if (memcmp(eh->ident, "\177ELF", 4))
        FAIL("not an ELF file (bad magic)");
    if (eh->ident[4] != 2)
        FAIL("not a 64-bit ELF");
    if (eh->ident[5] != 1)
        FAIL("not a little-endian ELF");
    if (eh->ident[6] != 1 || eh->version != 1)
        FAIL("unknown ELF version");
    if (eh->machine != EM_X86_64)
        FAIL("ELF is not for x86-64");
    if (eh->type != ET_EXEC && eh->type != ET_DYN)
        FAIL("ELF is not an executable (not ET_EXEC or ET_DYN)");
    if (eh->phentsize != sizeof(struct phdr))
        FAIL("unexpected program header size");
    if (eh->phnum == 0 || eh->phnum > 128)
        FAIL("bad number of program headers");
    if (eh->phoff > size || (uint64_t)eh->phnum * sizeof(struct phdr) > size - eh->phoff)
        FAIL("program headers run past the end of the file");
    return 0;
}

/* One PT_LOAD segment (memsz > 0), checked and appended to img->seg. */
static int add_load(uint64_t size, const struct phdr *ph, uint64_t user_top, struct elf_image *img,
                    const char **why)
{
    if (img->nseg == ELF_MAX_SEGMENTS)
        FAIL("too many PT_LOAD segments");
    if (ph->filesz > ph->memsz)
        FAIL("segment file size exceeds its memory size");
    if (ph->offset > size || ph->filesz > size - ph->offset)
        FAIL("segment data runs past the end of the file");
    if ((ph->vaddr % PAGE) != (ph->offset % PAGE))
        FAIL("segment address and file offset are not congruent modulo the page size");
    if (ph->vaddr > user_top || ph->memsz > user_top - ph->vaddr)
        FAIL("segment lies outside the user address space");
    for (unsigned k = 0; k < img->nseg; k++) {
        struct elf_segment *o = &img->seg[k];
        if (ph->vaddr < o->vaddr + o->memsz && o->vaddr < ph->vaddr + ph->memsz)
            FAIL("PT_LOAD segments overlap");
    }
    if (img->nseg && ph->vaddr < img->seg[img->nseg - 1].vaddr)
        FAIL("PT_LOAD segments are not in ascending address order");
    struct elf_segment *s = &img->seg[img->nseg++];
    s->vaddr = ph->vaddr;
    s->memsz = ph->memsz;
    s->offset = ph->offset;
    s->filesz = ph->filesz;
    s->prot = ((ph->flags & PF_R) ? 1 : 0) | ((ph->flags & PF_W) ? 2 : 0) | ((ph->flags & PF_X) ? 4 : 0);
    return 0;
}

/* What the program headers tell beyond the segments themselves. */
struct phdr_scan {
    uint64_t lowest;            /* lowest PT_LOAD address */
    uint64_t phdr_vaddr;        /* where the program headers are in memory */
    bool have_phdr;
};

static int scan_phdrs(const uint8_t *data, uint64_t size, const struct ehdr *eh, uint64_t user_top,
                      struct elf_image *img, struct phdr_scan *sc, const char **why)
{
    for (unsigned i = 0; i < eh->phnum; i++) {
        struct phdr ph;
        memcpy(&ph, data + eh->phoff + i * sizeof(ph), sizeof(ph));
        if (ph.type == PT_INTERP) {
            if (ph.offset > size || ph.filesz > size - ph.offset || ph.filesz < 2 || ph.filesz > 4096 ||
                data[ph.offset + ph.filesz - 1] != 0)
                FAIL("PT_INTERP does not hold a NUL-terminated path inside the file");
            img->has_interp = true;
            img->interp_offset = ph.offset;
            img->interp_size = ph.filesz;
        } else if (ph.type == PT_PHDR) {
            sc->phdr_vaddr = ph.vaddr;
            sc->have_phdr = true;
        } else if (ph.type == PT_GNU_STACK) {
            img->exec_stack = ph.flags & PF_X;
        } else if (ph.type == PT_LOAD && ph.memsz != 0) {
            if (add_load(size, &ph, user_top, img, why))
                return -1;
            if (ph.vaddr < sc->lowest)
                sc->lowest = ph.vaddr;
            /* Without PT_PHDR: the headers are where the segment holding
             * them in the file is loaded. */
            if (!sc->have_phdr && eh->phoff >= ph.offset && eh->phoff - ph.offset < ph.filesz) {
                sc->phdr_vaddr = ph.vaddr + (eh->phoff - ph.offset);
                sc->have_phdr = true;
            }
        }
    }
    return 0;
}

/* Places the image (its bias) and checks where it ends and its entry. */
static int place(const struct ehdr *eh, const struct phdr_scan *sc, uint64_t user_top, uint64_t load_base,
                 struct elf_image *img, const char **why)
{
    img->bias = img->pie ? load_base - (sc->lowest & ~(PAGE - 1)) : 0;
    if (!img->pie && sc->lowest < 0x10000)
        FAIL("segment below 64 KiB (the lowest page addresses are never mapped)");
    uint64_t end = 0;
    bool entry_ok = false;
    for (unsigned k = 0; k < img->nseg; k++) {
        struct elf_segment *s = &img->seg[k];
        uint64_t e = s->vaddr + s->memsz + img->bias;
        if (e > user_top)
            FAIL("segment lies outside the user address space");
        if (e > end)
            end = e;
        if (eh->entry >= s->vaddr && eh->entry - s->vaddr < s->memsz && (s->prot & 4))
            entry_ok = true;
    }
    if (!entry_ok)
        FAIL("entry point is not inside an executable segment");
    img->entry = eh->entry + img->bias;
    img->phdr = sc->have_phdr ? sc->phdr_vaddr + img->bias : 0;
    img->end = end;
    return 0;
}

int elf_check_at(const uint8_t *data, uint64_t size, uint64_t user_top, uint64_t load_base,
                 struct elf_image *img, const char **why)
{
    memset(img, 0, sizeof(*img));
    struct ehdr eh;
    if (check_header(data, size, &eh, why))
        return -1;
    img->pie = eh.type == ET_DYN;
    img->phnum = eh.phnum;
    img->phentsize = eh.phentsize;
    struct phdr_scan sc = { .lowest = UINT64_MAX };
    if (scan_phdrs(data, size, &eh, user_top, img, &sc, why))
        return -1;
    if (img->nseg == 0)
        FAIL("no loadable segments");
    return place(&eh, &sc, user_top, load_base, img, why);
}
