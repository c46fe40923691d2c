/* virtio-net: a network card for net/ (drivers/nic.h). */
#ifndef DRIVERS_VIRTIO_NET_H
#define DRIVERS_VIRTIO_NET_H
#include "drivers/pci.h"

#define VIRTIO_ID_NET 1

/* Probe (devices.c): 0 when the card is registered with nic_register. */
int virtio_net_probe(struct pci_device *pci);

#endif
