#include "drivers/pci.h"
#include "drivers/acpi.h"
#include "arch/x86_64/cpu.h"
#include "mm/mmio.h"
#include "mm/layout.h"
#include "lib/errno.h"
#include "lib/log.h"
#include "lib/string.h"

#define CONFIG_ADDRESS 0xcf8
#define CONFIG_DATA 0xcfc
#define MAX_CAPS 48
#define MAX_BUSES 256

/* ECAM: each function's 4 KiB of configuration space is mapped the first
 * time it is touched (mapping whole 1 MiB buses costs more than the scan). */
static bool use_ecam;
static uint8_t ecam_mapped[MAX_BUSES][32];     /* bit fn of [bus][slot] */

static volatile uint8_t *ecam_addr(unsigned bus, unsigned slot, unsigned fn, unsigned off)
{
    uint64_t phys = acpi.mcfg_base + ((uint64_t)bus << 20) + (slot << 15) + (fn << 12);
    if (!(ecam_mapped[bus][slot] & (1u << fn))) {
        if (!mmio_map(phys, 4096))
            return 0;
        ecam_mapped[bus][slot] |= (uint8_t)(1u << fn);
    }
    /* mmio_map places every mapping at MMIO_MAP_BASE + phys. */
    return (volatile uint8_t *)(MMIO_MAP_BASE + phys + off);
}

static bool ecam_covers(unsigned bus)
{
    return use_ecam && bus >= acpi.mcfg_bus_start && bus <= acpi.mcfg_bus_end;
}

static uint32_t port_address(unsigned bus, unsigned slot, unsigned fn, unsigned off)
{
    return 0x80000000u | (bus << 16) | (slot << 11) | (fn << 8) | (off & 0xfc);
}

static uint32_t cfg_read(unsigned bus, unsigned slot, unsigned fn, unsigned off, unsigned width)
{
    off &= PCI_CFG_SIZE - 1;
    if (ecam_covers(bus)) {
        volatile uint8_t *p = ecam_addr(bus, slot, fn, off & ~(width - 1));
        if (!p)
            return ~0u;
        if (width == 1)
            return *p;
        if (width == 2)
            return *(volatile uint16_t *)p;
        return *(volatile uint32_t *)p;
    }
    outl(CONFIG_ADDRESS, port_address(bus, slot, fn, off));
    if (width == 1)
        return inb(CONFIG_DATA + (off & 3));
    if (width == 2)
        return inw(CONFIG_DATA + (off & 2));
    return inl(CONFIG_DATA);
}

static void cfg_write(unsigned bus, unsigned slot, unsigned fn, unsigned off, unsigned width, uint32_t v)
{
    off &= PCI_CFG_SIZE - 1;
    if (ecam_covers(bus)) {
        volatile uint8_t *p = ecam_addr(bus, slot, fn, off & ~(width - 1));
        if (!p)
            return;
        if (width == 2)
            *(volatile uint16_t *)p = (uint16_t)v;
        else
            *(volatile uint32_t *)p = v;
        return;
    }
    outl(CONFIG_ADDRESS, port_address(bus, slot, fn, off));
    if (width == 2)
        outw(CONFIG_DATA + (off & 2), (uint16_t)v);
    else
        outl(CONFIG_DATA, v);
}

uint8_t pci_read8(const struct pci_device *d, unsigned off) { return (uint8_t)cfg_read(d->bus, d->slot, d->fn, off, 1); }
uint16_t pci_read16(const struct pci_device *d, unsigned off) { return (uint16_t)cfg_read(d->bus, d->slot, d->fn, off, 2); }
uint32_t pci_read32(const struct pci_device *d, unsigned off) { return cfg_read(d->bus, d->slot, d->fn, off, 4); }
void pci_write16(const struct pci_device *d, unsigned off, uint16_t v) { cfg_write(d->bus, d->slot, d->fn, off, 2, v); }
void pci_write32(const struct pci_device *d, unsigned off, uint32_t v) { cfg_write(d->bus, d->slot, d->fn, off, 4, v); }

const char *pci_access_method(void)
{
    return use_ecam ? "ECAM" : "ports";
}

/* ---- capabilities (pure) ---- */

unsigned pci_cap_list(const uint8_t *cfg, size_t len, uint8_t *offsets, unsigned max)
{
    if (len < 0x40 || !((cfg[PCI_STATUS] | cfg[PCI_STATUS + 1] << 8) & PCI_STATUS_CAP_LIST))
        return 0;
    uint8_t seen[PCI_CFG_SIZE / 8] = { 0 };
    unsigned n = 0;
    unsigned off = cfg[PCI_CAP_PTR] & 0xfc;
    for (unsigned steps = 0; off && steps < MAX_CAPS && n < max; steps++) {
        /* A capability starts after the standard header and has at least
         * its ID and next pointer inside what we read. */
        if (off < 0x40 || off + 2 > len || off >= PCI_CFG_SIZE)
            break;
        if (seen[off / 8] & (1u << (off % 8)))
            break;                               /* a loop */
        seen[off / 8] |= (uint8_t)(1u << (off % 8));
        offsets[n++] = (uint8_t)off;
        off = cfg[off + 1] & 0xfc;
    }
    return n;
}

unsigned pci_find_cap(const uint8_t *cfg, size_t len, uint8_t id)
{
    uint8_t offs[MAX_CAPS];
    unsigned n = pci_cap_list(cfg, len, offs, MAX_CAPS);
    for (unsigned i = 0; i < n; i++)
        if (cfg[offs[i]] == id)
            return offs[i];
    return 0;
}

static uint32_t le32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

int pci_msix_parse(const uint8_t *cfg, size_t len, const uint64_t bar_size[6], struct pci_msix *m)
{
    memset(m, 0, sizeof(*m));
    unsigned cap = pci_find_cap(cfg, len, PCI_CAP_ID_MSIX);
    if (!cap)
        return -ENODEV;
    if (cap + 12 > len)
        return -EINVAL;
    unsigned control = cfg[cap + 2] | cfg[cap + 3] << 8;
    uint32_t table = le32(cfg + cap + 4);
    m->entries = (control & 0x7ff) + 1;
    m->table_bar = table & 7;
    m->table_offset = table & ~7u;
    if (m->table_bar > 5 || !pci_range_ok(m->table_offset, (uint64_t)m->entries * 16, bar_size[m->table_bar]))
        return -EINVAL;
    m->cap = cap;
    return 0;
}

/* ---- BARs ---- */

void pci_size_bars(struct pci_device *d)
{
    if ((d->header_type & 0x7f) != 0)
        return;
    /* Every write to the command register makes the hypervisor rebuild its
     * memory map (QEMU: a few hundred microseconds under TCG), so there are
     * two: decoding off for the probe, then back on with memory space and
     * bus mastering enabled.  Unassigned BARs (base 0) are not probed. */
    uint16_t cmd = pci_read16(d, PCI_COMMAND);
    uint32_t lo[6];
    for (unsigned i = 0; i < 6; i++)
        lo[i] = pci_read32(d, PCI_BAR0 + 4 * i);
    pci_write16(d, PCI_COMMAND, cmd & ~(PCI_COMMAND_MEMORY | PCI_COMMAND_IO));
    for (unsigned i = 0; i < 6; i++) {
        unsigned reg = PCI_BAR0 + 4 * i;
        d->bar[i] = d->bar_size[i] = 0;
        if (lo[i] & 1)
            continue;                            /* I/O space: not used */
        bool is64 = ((lo[i] >> 1) & 3) == 2;
        if (is64 && i == 5)
            break;
        uint64_t base = lo[i] & ~0xfull;
        if (is64)
            base |= (uint64_t)lo[i + 1] << 32;
        if (!base) {
            i += is64;
            continue;
        }
        pci_write32(d, reg, ~0u);
        uint64_t mask = pci_read32(d, reg) & ~0xfull;
        pci_write32(d, reg, lo[i]);
        if (is64) {
            pci_write32(d, reg + 4, ~0u);
            mask |= (uint64_t)pci_read32(d, reg + 4) << 32;
            pci_write32(d, reg + 4, lo[i + 1]);
        } else {
            mask |= 0xffffffff00000000ull;
        }
        uint64_t size = ~mask + 1;
        if (mask && size && !(size & (size - 1)) && base + size > base) {
            d->bar[i] = base;
            d->bar_size[i] = size;
        }
        i += is64;
    }
    pci_write16(d, PCI_COMMAND, (cmd & ~PCI_COMMAND_IO) | PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER);
}

void pci_enable(struct pci_device *d)
{
    uint16_t cmd = pci_read16(d, PCI_COMMAND);
    uint16_t want = cmd | PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER;
    if (want != cmd)
        pci_write16(d, PCI_COMMAND, want);
}

/* BARs larger than this are mapped only in part (what a driver asks for). */
#define BAR_MAP_MAX (1ull << 20)

volatile void *pci_map_bar(struct pci_device *d, unsigned bar, uint64_t off, uint64_t len)
{
    if (bar > 5 || !d->bar[bar] || !pci_range_ok(off, len, d->bar_size[bar]))
        return 0;
    if (!d->bar_va[bar] || !pci_range_ok(off, len, d->bar_mapped[bar])) {
        uint64_t want = d->bar_size[bar] <= BAR_MAP_MAX ? d->bar_size[bar] : off + len;
        void *va = mmio_map(d->bar[bar], want);
        if (!va)
            return 0;
        d->bar_va[bar] = va;
        d->bar_mapped[bar] = want;
    }
    return (volatile uint8_t *)d->bar_va[bar] + off;
}

/* ---- MSI-X ---- */

#define MSIX_ENABLE 0x8000
#define MSIX_FUNCTION_MASK 0x4000
#define MSIX_VECTOR_MASKED 1u

int pci_msix_enable(struct pci_device *d, struct pci_msix *m)
{
    if (!m->cap)
        return -ENODEV;
    m->table = pci_map_bar(d, m->table_bar, m->table_offset, (uint64_t)m->entries * 16);
    if (!m->table)
        return -EINVAL;
    uint16_t control = pci_read16(d, m->cap + 2);
    pci_write16(d, m->cap + 2, control | MSIX_ENABLE | MSIX_FUNCTION_MASK);
    for (unsigned i = 0; i < m->entries; i++)
        m->table[i * 4 + 3] |= MSIX_VECTOR_MASKED;
    pci_write16(d, m->cap + 2, (control | MSIX_ENABLE) & ~MSIX_FUNCTION_MASK);
    return 0;
}

void pci_msix_disable(struct pci_device *d, struct pci_msix *m)
{
    if (!m->cap)
        return;
    uint16_t control = pci_read16(d, m->cap + 2);
    pci_write16(d, m->cap + 2, control & ~MSIX_ENABLE);
}

void pci_msix_set(struct pci_msix *m, unsigned entry, uint64_t address, uint32_t data)
{
    if (!m->table || entry >= m->entries)
        return;
    volatile uint32_t *e = m->table + entry * 4;
    e[3] |= MSIX_VECTOR_MASKED;
    e[0] = (uint32_t)address;
    e[1] = (uint32_t)(address >> 32);
    e[2] = data;
    e[3] &= ~MSIX_VECTOR_MASKED;
}

void pci_msix_mask(struct pci_msix *m, unsigned entry, bool masked)
{
    if (!m->table || entry >= m->entries)
        return;
    if (masked)
        m->table[entry * 4 + 3] |= MSIX_VECTOR_MASKED;
    else
        m->table[entry * 4 + 3] &= ~MSIX_VECTOR_MASKED;
}

/* ---- enumeration ---- */

static void read_config(struct pci_device *d, unsigned len)
{
    for (unsigned off = 0; off < len; off += 4) {
        uint32_t v = cfg_read(d->bus, d->slot, d->fn, off, 4);
        d->cfg[off] = (uint8_t)v;
        d->cfg[off + 1] = (uint8_t)(v >> 8);
        d->cfg[off + 2] = (uint8_t)(v >> 16);
        d->cfg[off + 3] = (uint8_t)(v >> 24);
    }
}

void pci_snapshot(struct pci_device *d)
{
    read_config(d, PCI_CFG_SIZE);
}

struct scan {
    struct pci_device *out;
    unsigned max, n;
    uint8_t bus_seen[MAX_BUSES / 8];
};

static void scan_bus(struct scan *s, unsigned bus, unsigned depth);

static void add_function(struct scan *s, unsigned bus, unsigned slot, unsigned fn, uint32_t id,
                         unsigned depth)
{
    /* Only what enumeration needs (IDs, class, header type); a driver reads
     * the rest with pci_snapshot(). */
    uint32_t class_rev = cfg_read(bus, slot, fn, PCI_CLASS_REVISION, 4);
    uint8_t header = (uint8_t)(cfg_read(bus, slot, fn, 0x0c, 4) >> 16);
    if (s->n < s->max) {
        struct pci_device *d = &s->out[s->n];
        memset(d, 0, sizeof(*d));
        d->bus = (uint8_t)bus;
        d->slot = (uint8_t)slot;
        d->fn = (uint8_t)fn;
        d->vendor = (uint16_t)id;
        d->device = (uint16_t)(id >> 16);
        d->prog_if = (uint8_t)(class_rev >> 8);
        d->subclass = (uint8_t)(class_rev >> 16);
        d->class_code = (uint8_t)(class_rev >> 24);
        d->header_type = header;
    }
    s->n++;
    /* A PCI-to-PCI bridge: its secondary bus lies behind it. */
    if ((header & 0x7f) == 1) {
        unsigned secondary = (uint8_t)cfg_read(bus, slot, fn, PCI_SECONDARY_BUS, 1);
        if (secondary && secondary != bus && depth < 8)
            scan_bus(s, secondary, depth + 1);
    }
}

static void scan_bus(struct scan *s, unsigned bus, unsigned depth)
{
    if (s->bus_seen[bus / 8] & (1u << (bus % 8)))
        return;
    s->bus_seen[bus / 8] |= (uint8_t)(1u << (bus % 8));
    for (unsigned slot = 0; slot < 32; slot++) {
        uint32_t id = cfg_read(bus, slot, 0, PCI_VENDOR_ID, 4);
        if ((uint16_t)id == 0xffff)
            continue;
        bool multi = (cfg_read(bus, slot, 0, 0x0c, 4) >> 16) & 0x80;
        add_function(s, bus, slot, 0, id, depth);
        if (!multi)
            continue;
        for (unsigned fn = 1; fn < 8; fn++) {
            id = cfg_read(bus, slot, fn, PCI_VENDOR_ID, 4);
            if ((uint16_t)id != 0xffff)
                add_function(s, bus, slot, fn, id, depth);
        }
    }
}

unsigned pci_enumerate(struct pci_device *out, unsigned max)
{
    use_ecam = acpi.mcfg_base != 0 && acpi.mcfg_bus_start <= acpi.mcfg_bus_end;
    static struct scan s;
    memset(&s, 0, sizeof(s));
    s.out = out;
    s.max = max;
    unsigned root = use_ecam ? acpi.mcfg_bus_start : 0;
    scan_bus(&s, root, 0);
    return s.n;
}
