/* gVNIC, Google Cloud's virtual network card (PCI 1ae0:0042): drives it
 * with one GQI-QPL queue pair and registers it as a nic (drivers/nic.h). */
#ifndef DRIVERS_GVE_H
#define DRIVERS_GVE_H
#include "drivers/pci.h"

#define GVE_PCI_VENDOR 0x1ae0
#define GVE_PCI_DEVICE 0x0042

int gve_probe(struct pci_device *pci);

#endif
