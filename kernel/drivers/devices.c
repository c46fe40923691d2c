/* devices_init: walk PCI, start a driver for each virtio device cloak knows
 * and each NVMe controller, log one line per function and one summary line. */
#include "drivers/devices.h"
#include "drivers/pci.h"
#include "drivers/virtio_pci.h"
#include "drivers/virtio_console.h"
#include "drivers/virtio_net.h"
#include "drivers/gve.h"
#include "drivers/block.h"
#include "drivers/nvme.h"
#include "drivers/clock.h"
#include "mm/heap.h"
#include "lib/errno.h"
#include "lib/log.h"
#include "lib/string.h"
#include "lib/format.h"

#define MAX_FUNCTIONS 64

static bool selftest;
static struct pci_device functions[MAX_FUNCTIONS];   /* drivers keep pointers */

void devices_set_selftest(bool on)
{
    selftest = on;
}

static const char *driver_for(const struct pci_device *d, int (**probe)(struct pci_device *))
{
    *probe = 0;
    if (d->vendor == GVE_PCI_VENDOR && d->device == GVE_PCI_DEVICE) {
        *probe = gve_probe;
        return "gVNIC (gve)";
    }
    if (d->class_code == 0x01 && d->subclass == 0x08 && d->prog_if == 0x02) {
        *probe = nvme_probe;         /* NVM Express, any vendor */
        return "nvme";
    }
    if (d->vendor != VIRTIO_VENDOR)
        return 0;
    switch (d->device) {
    case VIRTIO_MODERN_BASE + VIRTIO_ID_BLOCK: *probe = virtio_blk_probe; return "virtio-blk";
    case VIRTIO_MODERN_BASE + VIRTIO_ID_SCSI: *probe = virtio_scsi_probe; return "virtio-scsi";
    case VIRTIO_MODERN_BASE + VIRTIO_ID_RNG: *probe = virtio_rng_probe; return "virtio-rng";
    case VIRTIO_MODERN_BASE + VIRTIO_ID_NET: *probe = virtio_net_probe; return "virtio-net";
    case VIRTIO_MODERN_BASE + VIRTIO_ID_CONSOLE:
        *probe = virtio_console_probe;
        return "virtio-console";
    default:
        break;
    }
    if (d->device >= 0x1000 && d->device < 0x1040)
        return "virtio legacy/transitional device, unsupported (use disable-legacy=on)";
    return 0;
}

static void hex16(char *out, const uint8_t *p)
{
    static const char digits[] = "0123456789abcdef";
    for (int i = 0; i < 16; i++) {
        out[i * 3] = digits[p[i] >> 4];
        out[i * 3 + 1] = digits[p[i] & 15];
        out[i * 3 + 2] = i < 15 ? ' ' : 0;
    }
}

static void selftest_disk(struct block_device *b)
{
    uint32_t ss = b->sector_size;
    uint8_t *buf = kmalloc(ss), *pat = kmalloc(ss);
    if (!buf || !pat) {
        klog("selftest: %s: out of memory", b->name);
        goto out;
    }
    char hex[48];
    int err;
    if (b->sectors > 7) {
        err = block_read(b, 7, 1, buf);
        if (err) {
            klog("selftest: %s: reading sector 7 failed (%d)", b->name, err);
            goto out;
        }
        hex16(hex, buf);
        klog("selftest: %s: sector 7: %s", b->name, hex);
    }
    bool gpt = false;
    if (b->sectors > 1 && ss >= 512) {
        /* With 4096-byte sectors the GPT header is in sector 1 too. */
        err = block_read(b, 1, 1, buf);
        if (err == 0 && !memcmp(buf, "EFI PART", 8)) {
            gpt = true;
            klog("selftest: %s: GPT signature \"EFI PART\" in sector 1", b->name);
        }
    }
    if (gpt || b->read_only) {
        klog("selftest: %s: %s, not writing", b->name, gpt ? "has a partition table" : "read-only");
        goto out;
    }
    uint64_t last = b->sectors - 1;
    int n = snprintf((char *)pat, ss, "cloak-selftest %s lba %lu ", b->name, (unsigned long)last);
    for (uint32_t i = (uint32_t)n; i < ss; i++)
        pat[i] = pat[i % (uint32_t)n];
    pat[ss - 1] = '\n';
    if ((err = block_write(b, last, 1, pat)) != 0) {
        klog("selftest: %s: writing sector %lu failed (%d)", b->name, (unsigned long)last, err);
        goto out;
    }
    if ((err = block_flush(b)) != 0) {
        klog("selftest: %s: flush failed (%d)", b->name, err);
        goto out;
    }
    memset(buf, 0, ss);
    if ((err = block_read(b, last, 1, buf)) != 0) {
        klog("selftest: %s: reading back sector %lu failed (%d)", b->name, (unsigned long)last, err);
        goto out;
    }
    klog("selftest: %s: wrote, flushed and read back sector %lu: %s", b->name, (unsigned long)last,
         memcmp(buf, pat, ss) ? "MISMATCH" : "ok");
out:
    kfree(buf);
    kfree(pat);
}

void devices_init(void)
{
    uint64_t t0 = clock_monotonic_ns();
    unsigned found = pci_enumerate(functions, MAX_FUNCTIONS);
    if (found > MAX_FUNCTIONS) {
        klog("devices: %u PCI functions, only the first %u are looked at", found, MAX_FUNCTIONS);
        found = MAX_FUNCTIONS;
    }
    unsigned driven = 0;
    for (unsigned i = 0; i < found; i++) {
        struct pci_device *d = &functions[i];
        int (*probe)(struct pci_device *);
        const char *driver = driver_for(d, &probe);
        klog("pci %02x:%02x.%u %04x:%04x %s", d->bus, d->slot, d->fn, d->vendor, d->device,
             driver ? driver : "no driver");
        if (probe && probe(d) == 0)
            driven++;
    }
    char disks[96] = "";
    size_t len = 0;
    for (unsigned i = 0; i < block_count() && len + BLOCK_NAME_MAX + 2 < sizeof(disks); i++)
        len += (size_t)snprintf(disks + len, sizeof(disks) - len, "%s%s", i ? " " : "",
                                block_get(i)->name);
    uint64_t us = (clock_monotonic_ns() - t0) / 1000;
    klog("devices: %u PCI function(s) (config space via %s), %u driven; disks: %s; %lu us",
         found, pci_access_method(), driven, len ? disks : "none", (unsigned long)us);
    if (selftest)
        for (unsigned i = 0; i < block_count(); i++)
            selftest_disk(block_get(i));
}
