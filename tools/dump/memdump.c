/* Guest memory dumps: ELF core segments, the secret search, the report;
 * see memdump.h. */
#define _GNU_SOURCE
#include "memdump.h"

#include <elf.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

int memdump_parse_elf(const unsigned char *buf, size_t len, struct memdump_range **rp,
                      size_t *np, char *err, size_t errlen)
{
    Elf64_Ehdr eh;
    struct memdump_range *r;
    size_t n = 0;

    *rp = NULL;
    *np = 0;
    if (len < sizeof eh || memcmp(buf, ELFMAG, SELFMAG) != 0) {
        snprintf(err, errlen, "the dump is not an ELF file");
        return -1;
    }
    memcpy(&eh, buf, sizeof eh);
    if (eh.e_ident[EI_CLASS] != ELFCLASS64 || eh.e_ident[EI_DATA] != ELFDATA2LSB) {
        snprintf(err, errlen, "the dump is not a 64-bit little-endian ELF file");
        return -1;
    }
    if (eh.e_type != ET_CORE) {
        snprintf(err, errlen, "the dump is an ELF file but not a core file (type %u)",
                 eh.e_type);
        return -1;
    }
    if (eh.e_phentsize != sizeof(Elf64_Phdr) || eh.e_phoff > len ||
        (uint64_t)eh.e_phnum * sizeof(Elf64_Phdr) > len - eh.e_phoff) {
        snprintf(err, errlen, "the dump's program headers lie outside the file");
        return -1;
    }
    /* QEMU sets e_phnum to PN_XNUM and the real count in section 0's
     * sh_info when there are more than 65534 segments; a guest with that
     * many RAM blocks is not ours */
    if (eh.e_phnum == PN_XNUM) {
        snprintf(err, errlen, "the dump has too many segments (PN_XNUM)");
        return -1;
    }
    r = calloc(eh.e_phnum ? eh.e_phnum : 1, sizeof *r);
    if (!r) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    for (unsigned i = 0; i < eh.e_phnum; i++) {
        Elf64_Phdr ph;
        memcpy(&ph, buf + eh.e_phoff + (size_t)i * sizeof ph, sizeof ph);
        if (ph.p_type != PT_LOAD || ph.p_filesz == 0)
            continue;
        if (ph.p_offset > len || ph.p_filesz > len - ph.p_offset) {
            snprintf(err, errlen, "segment %u (guest-physical 0x%" PRIx64 ", 0x%" PRIx64
                     " bytes) lies past the end of the dump (truncated file?)", i,
                     (uint64_t)ph.p_paddr, (uint64_t)ph.p_filesz);
            free(r);
            return -1;
        }
        r[n++] = (struct memdump_range){ph.p_paddr, ph.p_offset, ph.p_filesz};
    }
    if (n == 0) {
        snprintf(err, errlen, "the dump holds no memory (no PT_LOAD segment)");
        free(r);
        return -1;
    }
    *rp = r;
    *np = n;
    return 0;
}

bool memdump_dma_from_log(const char *log, size_t len, uint64_t *phys, uint64_t *size)
{
    static const char tag[] = "dma-heap: phys=";
    const char *end = log + len, *p = log;

    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        const char *le = nl ? nl : end;
        const char *t = memmem(p, (size_t)(le - p), tag, sizeof tag - 1);
        if (t) {
            char line[256];
            size_t n = (size_t)(le - t);
            unsigned long long a, s;
            if (n >= sizeof line)
                n = sizeof line - 1;
            memcpy(line, t, n);
            line[n] = '\0';
            if (sscanf(line, "dma-heap: phys=0x%llx size=0x%llx", &a, &s) == 2 && s > 0) {
                *phys = a;
                *size = s;
                return true;
            }
        }
        p = nl ? nl + 1 : end;
    }
    return false;
}

static int add_hit(struct memdump_result *res, size_t *cap, uint64_t gpa, size_t len,
                   bool utf16, bool have_dma, uint64_t dphys, uint64_t dsize)
{
    enum memdump_where w;

    if (res->n == *cap) {
        size_t c = *cap ? *cap * 2 : 16;
        struct memdump_hit *h = realloc(res->hits, c * sizeof *h);
        if (!h)
            return -1;
        res->hits = h;
        *cap = c;
    }
    if (!have_dma)
        w = MEMDUMP_UNKNOWN;
    else if (gpa < dphys + dsize && gpa + len > dphys)
        w = MEMDUMP_SHARED;
    else
        w = MEMDUMP_PRIVATE;
    res->hits[res->n++] = (struct memdump_hit){gpa, utf16, w};
    if (w == MEMDUMP_PRIVATE)
        (*(utf16 ? &res->utf16_private : &res->bytes_private))++;
    else if (w == MEMDUMP_SHARED)
        (*(utf16 ? &res->utf16_shared : &res->bytes_shared))++;
    else
        (*(utf16 ? &res->utf16_unknown : &res->bytes_unknown))++;
    return 0;
}

static int search_one(const unsigned char *buf, const struct memdump_range *r, size_t n,
                      const unsigned char *needle, size_t nlen, bool utf16,
                      struct memdump_result *res, size_t *cap, bool have_dma, uint64_t dphys,
                      uint64_t dsize)
{
    for (size_t i = 0; i < n; i++) {
        const unsigned char *base = buf + r[i].offset, *p = base, *end = base + r[i].size;
        while (p < end && (size_t)(end - p) >= nlen) {
            const unsigned char *hit = memmem(p, (size_t)(end - p), needle, nlen);
            if (!hit)
                break;
            if (add_hit(res, cap, r[i].gpa + (uint64_t)(hit - base), nlen, utf16, have_dma,
                        dphys, dsize) < 0)
                return -1;
            p = hit + 1;
        }
    }
    return 0;
}

int memdump_search(const unsigned char *buf, const struct memdump_range *r, size_t n,
                   const char *secret, size_t slen, bool have_dma, uint64_t dphys,
                   uint64_t dsize, struct memdump_result *res)
{
    size_t cap = 0;
    unsigned char *wide;

    memset(res, 0, sizeof *res);
    res->nranges = n;
    for (size_t i = 0; i < n; i++)
        res->ram_bytes += r[i].size;
    if (slen == 0)
        return 0;
    if (search_one(buf, r, n, (const unsigned char *)secret, slen, false, res, &cap, have_dma,
                   dphys, dsize) < 0)
        goto oom;
    if (!(wide = calloc(slen, 2)))
        goto oom;
    for (size_t i = 0; i < slen; i++)
        wide[2 * i] = (unsigned char)secret[i];
    int rc = search_one(buf, r, n, wide, 2 * slen, true, res, &cap, have_dma, dphys, dsize);
    free(wide);
    if (rc < 0)
        goto oom;
    return 0;
oom:
    memdump_result_free(res);
    return -1;
}

void memdump_result_free(struct memdump_result *res)
{
    free(res->hits);
    res->hits = NULL;
    res->n = 0;
}

static const char *copies(size_t n)
{
    return n == 1 ? "copy" : "copies";
}

static void mib(char *out, size_t len, uint64_t bytes)
{
    if (bytes >= (1ull << 20) && bytes % (1ull << 20) == 0)
        snprintf(out, len, "%" PRIu64 " MiB", bytes >> 20);
    else if (bytes >= 1024 && bytes % 1024 == 0)
        snprintf(out, len, "%" PRIu64 " KiB", bytes >> 10);
    else
        snprintf(out, len, "%" PRIu64 " bytes", bytes);
}

int memdump_report(FILE *out, const struct memdump_result *res, const char *secret,
                   size_t slen, bool have_dma, uint64_t dphys, uint64_t dsize,
                   size_t max_listed)
{
    size_t nbytes = res->bytes_private + res->bytes_shared + res->bytes_unknown;
    size_t nwide = res->utf16_private + res->utf16_shared + res->utf16_unknown;
    char ram[32], dma[32];

    mib(ram, sizeof ram, res->ram_bytes);
    fprintf(out, "searched %s of guest memory (%zu range%s) for the secret (%zu bytes) and "
            "its UTF-16LE form\n", ram, res->nranges, res->nranges == 1 ? "" : "s", slen);
    if (have_dma) {
        mib(dma, sizeof dma, dsize);
        fprintf(out, "shared memory (the DMA heap, from the kernel log): 0x%" PRIx64
                "-0x%" PRIx64 " (%s); everything else is private\n", dphys, dphys + dsize,
                dma);
    } else {
        fprintf(out, "shared memory: unknown (the kernel log has no \"dma-heap:\" line), so "
                "copies are not classified\n");
    }
    for (size_t i = 0; i < res->n && i < max_listed; i++) {
        const struct memdump_hit *h = &res->hits[i];
        fprintf(out, "  0x%016" PRIx64 "  %s%s\n", h->gpa,
                h->where == MEMDUMP_PRIVATE ? "private" :
                h->where == MEMDUMP_SHARED ? "shared" : "memory",
                h->utf16 ? "  (UTF-16LE)" : "");
    }
    if (res->n > max_listed)
        fprintf(out, "  ... and %zu more\n", res->n - max_listed);
    (void)secret;
    if (nbytes == 0 && nwide == 0) {
        fprintf(out, "secret not found: 0 copies in %s of guest memory (0 as UTF-16LE)\n", ram);
        return 0;
    }
    if (have_dma)
        fprintf(out, "SECRET FOUND: %zu %s (%zu in private memory, %zu in shared memory)\n",
                nbytes, copies(nbytes), res->bytes_private, res->bytes_shared);
    else
        fprintf(out, "SECRET FOUND: %zu %s (private or shared unknown: no dma-heap line in "
                "the kernel log)\n", nbytes, copies(nbytes));
    if (have_dma)
        fprintf(out, "UTF-16LE: %zu %s (%zu in private memory, %zu in shared memory)\n", nwide,
                copies(nwide), res->utf16_private, res->utf16_shared);
    else
        fprintf(out, "UTF-16LE: %zu %s\n", nwide, copies(nwide));
    return 1;
}
