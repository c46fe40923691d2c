#include "drivers/devices.h"

/* No device drivers yet: PCI and virtio arrive with the drivers work. */
void devices_init(void)
{
}
