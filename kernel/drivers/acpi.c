#include "drivers/acpi.h"
#include "mm/layout.h"
#include "lib/string.h"
#include "lib/log.h"

struct acpi_info acpi;

struct sdt_header {
    char signature[4];
    uint32_t length;
    uint8_t revision, checksum;
    char oem_id[6], oem_table_id[8];
    uint32_t oem_revision, creator_id, creator_revision;
} __attribute__((packed));

static uint64_t limit;

static bool readable(uint64_t phys, uint64_t len)
{
    return phys && phys < limit && len <= limit - phys;
}

static bool checksum_ok(const void *p, uint64_t len)
{
    uint8_t sum = 0;
    for (uint64_t i = 0; i < len; i++)
        sum += ((const uint8_t *)p)[i];
    return sum == 0;
}

/* A table we may trust enough to read: reachable, sane length, good sum. */
static const struct sdt_header *table_at(uint64_t phys)
{
    if (!readable(phys, sizeof(struct sdt_header)))
        return 0;
    const struct sdt_header *h = phys_to_virt(phys);
    if (h->length < sizeof(*h) || h->length > (16u << 20) || !readable(phys, h->length))
        return 0;
    if (!checksum_ok(h, h->length)) {
        klog("acpi: table %.4s at %lx has a bad checksum, ignored", h->signature, phys);
        return 0;
    }
    return h;
}

static uint64_t find_rsdp(void)
{
    /* The EBDA's first KiB, then the BIOS area 0xe0000-0xfffff. */
    uint64_t ebda = (uint64_t)(*(const uint16_t *)phys_to_virt(0x40e)) << 4;
    uint64_t areas[2][2] = { { ebda, 1024 }, { 0xe0000, 0x20000 } };
    for (int a = 0; a < 2; a++) {
        if (!areas[a][0])
            continue;
        for (uint64_t p = areas[a][0]; p + 20 <= areas[a][0] + areas[a][1]; p += 16)
            if (!memcmp(phys_to_virt(p), "RSD PTR ", 8) && checksum_ok(phys_to_virt(p), 20))
                return p;
    }
    return 0;
}

bool acpi_find_s5(const uint8_t *aml, uint64_t len, uint8_t *type_a, uint8_t *type_b)
{
    for (uint64_t i = 0; i + 4 < len; i++) {
        if (memcmp(aml + i, "_S5_", 4))
            continue;
        /* NameOp (0x08), optionally preceded by a root prefix '\'. */
        if (!(i >= 1 && (aml[i - 1] == 0x08 || (i >= 2 && aml[i - 1] == '\\' && aml[i - 2] == 0x08))))
            continue;
        uint64_t p = i + 4;
        if (p >= len || aml[p] != 0x12)          /* PackageOp */
            continue;
        p++;
        if (p >= len)
            return false;
        p += ((aml[p] >> 6) & 3) + 1;             /* PkgLength */
        p++;                                       /* NumElements */
        uint8_t vals[2];
        for (int k = 0; k < 2; k++) {
            if (p >= len)
                return false;
            if (aml[p] == 0x0a) {                  /* BytePrefix */
                if (p + 1 >= len)
                    return false;
                vals[k] = aml[p + 1];
                p += 2;
            } else if (aml[p] == 0x00 || aml[p] == 0x01) {  /* ZeroOp / OneOp */
                vals[k] = aml[p];
                p += 1;
            } else {
                return false;
            }
        }
        *type_a = vals[0];
        *type_b = vals[1];
        return true;
    }
    return false;
}

static void parse_fadt(const struct sdt_header *h)
{
    const uint8_t *f = (const uint8_t *)h;
    uint32_t len = h->length;
    uint32_t u32;
    if (len >= 80) {
        memcpy(&u32, f + 76, 4);
        acpi.pm_timer_port = (uint16_t)u32;
        memcpy(&u32, f + 64, 4);
        acpi.pm1a_control = (uint16_t)u32;
        memcpy(&u32, f + 68, 4);
        acpi.pm1b_control = (uint16_t)u32;
    }
    if (len >= 116) {
        memcpy(&u32, f + 112, 4);
        acpi.pm_timer_32bit = u32 & (1u << 8);
    }
    uint64_t dsdt = 0;
    if (len >= 44) {
        memcpy(&u32, f + 40, 4);
        dsdt = u32;
    }
    if (len >= 148) {
        uint64_t x;
        memcpy(&x, f + 140, 8);
        if (x)
            dsdt = x;
    }
    const struct sdt_header *d = table_at(dsdt);
    if (d && !memcmp(d->signature, "DSDT", 4))
        acpi.s5_valid = acpi_find_s5((const uint8_t *)d + sizeof(*d), d->length - sizeof(*d),
                                     &acpi.s5_type_a, &acpi.s5_type_b);
}

static void parse_mcfg(const struct sdt_header *h)
{
    const uint8_t *m = (const uint8_t *)h;
    /* header, 8 reserved bytes, then 16-byte allocation entries */
    for (uint32_t off = 44; off + 16 <= h->length; off += 16) {
        uint64_t base;
        uint16_t segment;
        memcpy(&base, m + off, 8);
        memcpy(&segment, m + off + 8, 2);
        if (segment == 0) {
            acpi.mcfg_base = base;
            acpi.mcfg_bus_start = m[off + 10];
            acpi.mcfg_bus_end = m[off + 11];
            return;
        }
    }
}

static void visit(uint64_t phys)
{
    const struct sdt_header *h = table_at(phys);
    if (!h)
        return;
    if (!memcmp(h->signature, "FACP", 4))
        parse_fadt(h);
    else if (!memcmp(h->signature, "MCFG", 4))
        parse_mcfg(h);
    else if (!memcmp(h->signature, "APIC", 4) && !acpi.madt_seen) {
        acpi.madt_seen = true;
        if (!madt_parse(h, h->length, &acpi.madt))
            klog("acpi: MADT at %lx is invalid (%s): the boot CPU alone will run", phys, acpi.madt.error);
    }
}

void acpi_init(uint64_t rsdp, uint64_t readable_below)
{
    limit = readable_below;
    if (!rsdp)
        rsdp = find_rsdp();
    if (!readable(rsdp, 36)) {
        klog("acpi: no RSDP found; no ACPI power-off or PM timer");
        return;
    }
    const uint8_t *r = phys_to_virt(rsdp);
    if (memcmp(r, "RSD PTR ", 8) || !checksum_ok(r, 20)) {
        klog("acpi: RSDP at %lx is invalid", rsdp);
        return;
    }
    uint32_t rsdt;
    memcpy(&rsdt, r + 16, 4);
    uint64_t xsdt = 0;
    if (r[15] >= 2)
        memcpy(&xsdt, r + 24, 8);
    const struct sdt_header *root = xsdt ? table_at(xsdt) : 0;
    unsigned entry = 8;
    if (!root) {
        root = table_at(rsdt);
        entry = 4;
    }
    if (!root) {
        klog("acpi: no valid RSDT/XSDT");
        return;
    }
    acpi.found = true;
    const uint8_t *e = (const uint8_t *)root + sizeof(*root);
    uint32_t n = (root->length - sizeof(*root)) / entry;
    for (uint32_t i = 0; i < n; i++) {
        uint64_t p = 0;
        memcpy(&p, e + i * entry, entry);
        visit(p);
    }
    klog("acpi: pm timer port %x%s, pm1a %x, S5 %s (%u), mcfg %lx",
         acpi.pm_timer_port, acpi.pm_timer_32bit ? " (32-bit)" : "", acpi.pm1a_control,
         acpi.s5_valid ? "found" : "missing", acpi.s5_type_a, acpi.mcfg_base);
}
