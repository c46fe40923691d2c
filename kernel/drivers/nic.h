/* Network interface cards, as the net/ layer sees them: a MAC address, an
 * MTU, a way to send an Ethernet frame and a way to look for received ones.
 * A driver registers its card; net/ registers the function that takes the
 * frames the card received (the one upward call, through a pointer). */
#ifndef DRIVERS_NIC_H
#define DRIVERS_NIC_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define NIC_MAX 4
#define NIC_FRAME_MAX 1514        /* Ethernet header + 1500 bytes, no FCS */

struct nic;
/* `frame` may lie in memory the device shares (its receive buffer, which
 * it could rewrite at any time): the function copies it to private memory
 * before it looks at any byte, and keeps no pointer to it.  `len` is the
 * driver's checked length (14..NIC_FRAME_MAX). */
typedef void (*nic_receive_fn)(struct nic *nic, const void *frame, size_t len);

struct nic {
    char name[32];
    uint8_t mac[6];
    uint16_t mtu;
    bool link_up;
    /* Copies the frame out to the device: 0, -EAGAIN (no room now: the
     * caller may drop it, as a full NIC queue does), -EIO (device dead). */
    int (*send)(struct nic *nic, const void *frame, size_t len);
    /* Hands every frame received since the last call to `receive`, and
     * takes back the transmit buffers the device is done with. */
    void (*poll)(struct nic *nic);
    nic_receive_fn receive;       /* set by net/ (nic_set_receive) */
    /* The card interrupts when frames arrive (MSI-X): it calls wakeup
     * (set by net/, nic_set_wakeup) from its interrupt handler, and need
     * not be polled on a clock. */
    bool interrupts;
    void (*wakeup)(void);
    void *driver;
};

void nic_register(struct nic *nic);
unsigned nic_count(void);
struct nic *nic_get(unsigned i);
void nic_set_receive(struct nic *nic, nic_receive_fn fn);
void nic_set_wakeup(struct nic *nic, void (*fn)(void));
/* A random, locally administered, unicast MAC (a card without one). */
void nic_random_mac(uint8_t mac[6]);

#endif
