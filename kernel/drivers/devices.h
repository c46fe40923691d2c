#ifndef DRIVERS_DEVICES_H
#define DRIVERS_DEVICES_H
#include <stdbool.h>
#include <stddef.h>

/* Finds and starts the devices cloak drives (PCI: virtio-blk, virtio-scsi,
 * virtio-rng, virtio-console, NVMe).  Called once at boot after memory, interrupts and the clock
 * are up. */
void devices_init(void);

/* When on (the kernel command line word `blk-selftest`), devices_init()
 * ends with a self-test of every block device: it logs the first 16 bytes
 * of sector 7, writes a pattern to the last sector, flushes and reads it
 * back.  Disks with a GPT (signature "EFI PART" in sector 1) are only read.
 * Call before devices_init(). */
void devices_set_selftest(bool on);

/* Up to len bytes of entropy from the virtio-rng device: the count read,
 * or -ENODEV if there is none (-EIO if it failed). */
int virtio_rng_read(void *buf, size_t len);

#endif
