/* virtio console (virtio 1.x, 5.3): with MULTIPORT, as cloak's QEMU command
 * line makes it, input on port 2 and output on port 1; without, port 0
 * both ways.  A byte pipe
 * to the host; what the bytes mean (stdin framing, end of input) is
 * unix/console.c's business.  Every buffer the device sees comes from the
 * DMA heap, so the driver works the same under SEV. */
#ifndef DRIVERS_VIRTIO_CONSOLE_H
#define DRIVERS_VIRTIO_CONSOLE_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "drivers/pci.h"

#define VIRTIO_ID_CONSOLE 3

/* Probe (devices.c): 0 when the console runs. */
int virtio_console_probe(struct pci_device *pci);
/* True once a virtio console is running. */
bool vcon_present(void);
/* Copies what the host has sent, at most len bytes, without waiting:
 * the count (0 when nothing is there), or -EIO when the device failed
 * (logged once; nothing more will come). */
int64_t vcon_read(void *buf, size_t len);
/* True when vcon_read would return something now (or fail). */
bool vcon_input_ready(void);
/* The receive queue's interrupt (MSI-X), or NULL when the queue is polled:
 * a reader with nothing to read sleeps on its wait queue. */
struct device_irq *vcon_input_irq(void);
/* fn(arg) runs in the receive interrupt's handler (it may only wake). */
void vcon_set_input_hook(void (*fn)(void *arg), void *arg);
/* Sends len bytes to the host, waiting until the device has taken them:
 * len, or -EIO (device failed). */
int64_t vcon_write(const void *buf, size_t len);

#endif
