/* PCI: configuration space (PCIe ECAM from the ACPI MCFG table when there is
 * one, else the legacy 0xcf8/0xcfc ports), enumeration of bus 0 and the
 * buses behind bridges, BARs, capabilities and MSI-X.
 *
 * A device is not trusted: every capability offset and length is bounded to
 * the 256 bytes of configuration space the walk reads, and every region a
 * driver maps is bounded to the size of the BAR it lies in. */
#ifndef DRIVERS_PCI_H
#define DRIVERS_PCI_H
#include <stdint.h>
#include <stddef.h>
#include <stdbool.h>

#define PCI_CFG_SIZE 256          /* what is snapshot and walked */

#define PCI_VENDOR_ID 0x00
#define PCI_DEVICE_ID 0x02
#define PCI_COMMAND 0x04
#define PCI_STATUS 0x06
#define PCI_CLASS_REVISION 0x08
#define PCI_HEADER_TYPE 0x0e
#define PCI_BAR0 0x10
#define PCI_SECONDARY_BUS 0x19
#define PCI_CAP_PTR 0x34

#define PCI_COMMAND_IO 0x1
#define PCI_COMMAND_MEMORY 0x2
#define PCI_COMMAND_MASTER 0x4
#define PCI_COMMAND_INTX_DISABLE 0x400
#define PCI_STATUS_CAP_LIST 0x10

#define PCI_CAP_ID_MSIX 0x11
#define PCI_CAP_ID_VENDOR 0x09

struct pci_device {
    uint8_t bus, slot, fn;
    uint16_t vendor, device;
    uint8_t class_code, subclass, prog_if, header_type;
    uint8_t cfg[PCI_CFG_SIZE];    /* filled by pci_snapshot(), zero until then */
    uint64_t bar[6];              /* memory BAR base (0: none, I/O or unassigned) */
    uint64_t bar_size[6];         /* 0 until pci_size_bars(), or if none */
    void *bar_va[6];              /* mapped lazily by pci_map_bar() */
    uint64_t bar_mapped[6];       /* how many bytes bar_va covers */
};

/* Up to `max` functions found on the machine, in bus/slot/function order;
 * returns how many were found (more may exist past `max`). */
unsigned pci_enumerate(struct pci_device *out, unsigned max);
/* Reads all 256 bytes of configuration space into d->cfg (a driver does
 * this before it walks the capabilities). */
void pci_snapshot(struct pci_device *d);
/* "ECAM" or "ports": how configuration space is reached (after enumerate). */
const char *pci_access_method(void);

uint8_t pci_read8(const struct pci_device *d, unsigned off);
uint16_t pci_read16(const struct pci_device *d, unsigned off);
uint32_t pci_read32(const struct pci_device *d, unsigned off);
void pci_write16(const struct pci_device *d, unsigned off, uint16_t v);
void pci_write32(const struct pci_device *d, unsigned off, uint32_t v);

/* Reads base and size of every assigned memory BAR (decoding is switched
 * off while the BARs are probed), then turns on memory space and bus
 * mastering (I/O space stays off: cloak's drivers use none). */
void pci_size_bars(struct pci_device *d);
void pci_enable(struct pci_device *d);
/* Kernel address of [off, off+len) in memory BAR `bar`, or NULL if the BAR
 * is absent or the range does not fit in it. */
volatile void *pci_map_bar(struct pci_device *d, unsigned bar, uint64_t off, uint64_t len);

/* Pure helpers on a configuration-space snapshot (exposed for tests). */
/* Offsets of the capabilities in list order, at most `max`; the walk stops
 * at a pointer outside [0x40, len - 2], a loop, or after 48 entries. */
unsigned pci_cap_list(const uint8_t *cfg, size_t len, uint8_t *offsets, unsigned max);
/* Offset of the first capability with this ID, 0 if none. */
unsigned pci_find_cap(const uint8_t *cfg, size_t len, uint8_t id);
/* True if [off, off+len) fits inside a region of `size` bytes. */
static inline bool pci_range_ok(uint64_t off, uint64_t len, uint64_t size)
{
    return len <= size && off <= size - len;
}

/* MSI-X */
struct pci_msix {
    unsigned cap;                 /* capability offset, 0 if none */
    unsigned entries;             /* table size */
    uint8_t table_bar;
    uint32_t table_offset;
    volatile uint32_t *table;     /* mapped by pci_msix_enable() */
};
/* Parses the MSI-X capability against the BAR sizes: 0, or -ENODEV if there
 * is none, or -EINVAL if its table does not fit in its BAR. */
int pci_msix_parse(const uint8_t *cfg, size_t len, const uint64_t bar_size[6], struct pci_msix *m);
/* Maps the table, masks every entry and enables MSI-X (INTx goes off). */
int pci_msix_enable(struct pci_device *d, struct pci_msix *m);
void pci_msix_disable(struct pci_device *d, struct pci_msix *m);
/* Points entry at (address, data) and unmasks it. */
void pci_msix_set(struct pci_msix *m, unsigned entry, uint64_t address, uint32_t data);
void pci_msix_mask(struct pci_msix *m, unsigned entry, bool masked);

#endif
