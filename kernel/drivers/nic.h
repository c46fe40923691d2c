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

/* A received frame with what the card says of it (virtio-net's offloads):
 * its bytes in pieces (shared memory, as above: copied out before any
 * byte is looked at), their checked total, and the card's claims, each
 * checked by the driver against the total only: net/ checks them against
 * the frame's contents, in its private copy. */
#define NIC_RX_MAX 65535          /* a large receive segment, lwIP's pbuf limit */
#define NIC_RX_PIECES 64
enum nic_csum {
    NIC_CSUM_CHECK,               /* nothing claimed: every checksum is checked */
    NIC_CSUM_TRUSTED,             /* the TCP/UDP checksum was checked by the device, or
                                   * left partial by the host's own stack (virtio's
                                   * DATA_VALID, NEEDS_CSUM) */
};
enum nic_gso { NIC_GSO_NONE, NIC_GSO_TCP4, NIC_GSO_TCP6 };
struct nic_frame {
    struct { const void *data; size_t len; } piece[NIC_RX_PIECES];
    unsigned npieces;
    size_t len;                   /* the pieces' sum: 14..NIC_RX_MAX */
    enum nic_csum csum;
    enum nic_gso gso;             /* a TCP segment larger than the MTU */
    uint16_t gso_size;            /* its MSS on the wire (1..), when gso */
};
typedef void (*nic_receive_frame_fn)(struct nic *nic, const struct nic_frame *f);

/* A frame to send, in pieces of private memory, and the checksum the card
 * is to complete (a card with tx_csum): the TCP checksum from `start` to
 * the end, into the field at start + offset, which holds the pseudo-header's
 * sum in the card's copy (the caller's frame keeps what lwIP put there);
 * offset 0: nothing to complete. */
#define NIC_TX_PIECES 8
struct nic_tx {
    struct { const void *data; size_t len; } piece[NIC_TX_PIECES];
    unsigned npieces;
    size_t len;                   /* the pieces' sum: 14..NIC_FRAME_MAX */
    uint16_t csum_start, csum_offset;
    uint16_t csum_pseudo;         /* the pseudo-header's sum, for the field */
};

struct nic {
    char name[32];
    uint8_t mac[6];
    uint16_t mtu;
    bool link_up;
    /* Copies the frame out to the device: 0, -EAGAIN (no room now: the
     * caller may drop it, as a full NIC queue does), -EIO (device dead). */
    int (*send)(struct nic *nic, const void *frame, size_t len);
    /* The same from pieces, with the checksum to complete (optional). */
    int (*send_tx)(struct nic *nic, const struct nic_tx *tx);
    bool tx_csum;                 /* the card completes TCP checksums (send_tx) */
    /* Hands every frame received since the last call to `receive`, and
     * takes back the transmit buffers the device is done with. */
    void (*poll)(struct nic *nic);
    nic_receive_fn receive;       /* set by net/ (nic_set_receive) */
    nic_receive_frame_fn receive_frame;   /* the same for nic_frame (set with it) */
    /* The card interrupts when frames arrive (MSI-X): it calls wakeup
     * (set by net/, nic_set_wakeup) from its interrupt handler, and need
     * not be polled on a clock. */
    bool interrupts;
    void (*wakeup)(void);
    /* Optional, for a card whose receive interrupt turns itself off until
     * net/ has taken the frames: turns it back on; true if frames came
     * meanwhile (net/ polls again rather than sleeping). */
    bool (*rearm)(struct nic *nic);
    void *driver;
};

void nic_register(struct nic *nic);
unsigned nic_count(void);
struct nic *nic_get(unsigned i);
void nic_set_receive(struct nic *nic, nic_receive_fn fn);
void nic_set_receive_frame(struct nic *nic, nic_receive_frame_fn fn);
void nic_set_wakeup(struct nic *nic, void (*fn)(void));
/* A random, locally administered, unicast MAC (a card without one). */
void nic_random_mac(uint8_t mac[6]);

#endif
