/* The list of network cards (drivers/nic.h). */
#include "drivers/nic.h"
#include "drivers/entropy.h"
#include "lib/log.h"

static struct nic *nics[NIC_MAX];
static unsigned count;

void nic_register(struct nic *nic)
{
    if (count == NIC_MAX) {
        klog("nic: %s: more than %d network cards; this one is not used", nic->name, NIC_MAX);
        return;
    }
    nics[count++] = nic;
}

unsigned nic_count(void)
{
    return count;
}

struct nic *nic_get(unsigned i)
{
    return i < count ? nics[i] : 0;
}

void nic_set_receive(struct nic *nic, nic_receive_fn fn)
{
    nic->receive = fn;
}

void nic_set_receive_frame(struct nic *nic, nic_receive_frame_fn fn)
{
    nic->receive_frame = fn;
}

void nic_set_wakeup(struct nic *nic, void (*fn)(void))
{
    nic->wakeup = fn;
}

void nic_random_mac(uint8_t mac[6])
{
    random_fill(mac, 6);
    mac[0] = (uint8_t)((mac[0] & 0xfe) | 0x02);
}
