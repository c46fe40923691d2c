#ifndef DRIVERS_DEVICES_H
#define DRIVERS_DEVICES_H

/* Finds and starts the devices cloak drives (PCI: virtio-blk, virtio-scsi,
 * virtio-rng).  Called once at boot after memory, interrupts and the clock
 * are up. */
void devices_init(void);

#endif
