/* virtio-net's parts, shared by its files: virtio_net.c (the card:
 * features, transmit, start-up) and virtio_net_rx.c (receive buffers and
 * received packets). */
#ifndef DRIVERS_VIRTIO_NET_INT_H
#define DRIVERS_VIRTIO_NET_INT_H
#include "drivers/virtio_pci.h"
#include "drivers/nic.h"
#include "mm/dma.h"

/* Feature bits (virtio 1.x, 5.1.3). */
#define VNET_F_CSUM 0
#define VNET_F_GUEST_CSUM 1
#define VNET_F_MTU 3
#define VNET_F_MAC 5
#define VNET_F_GUEST_TSO4 7
#define VNET_F_GUEST_TSO6 8
#define VNET_F_MRG_RXBUF 15
#define VNET_F_STATUS 16

/* struct virtio_net_hdr (5.1.6), with num_buffers (always there in 1.x). */
struct vnet_hdr {
    uint8_t flags;
    uint8_t gso_type;
    uint16_t hdr_len;
    uint16_t gso_size;
    uint16_t csum_start;
    uint16_t csum_offset;
    uint16_t num_buffers;
};
#define VNET_HDR_LEN 12
#define VNET_HDR_F_NEEDS_CSUM 1
#define VNET_HDR_F_DATA_VALID 2
#define VNET_GSO_NONE 0
#define VNET_GSO_TCPV4 1
#define VNET_GSO_TCPV6 4
#define VNET_GSO_ECN 0x80

#define VNET_RX_MAX_BUFS 128
#define VNET_TX_MAX_BUFS 128
#define VNET_TX_BUF_SIZE 2048     /* a header and a whole frame */

/* A packet being gathered from several receive buffers (MRG_RXBUF). */
struct vnet_pending {
    struct vnet_hdr hdr;          /* the private copy of the first buffer's header */
    uint16_t buf[NIC_RX_PIECES];  /* receive buffers, in order */
    uint32_t len[NIC_RX_PIECES];  /* bytes the device says it wrote in each */
    unsigned have, need;
};

struct vnet {
    struct virtio_dev v;
    struct virtq *rx, *tx;
    struct dma_buffer rxmem, txmem;
    unsigned rx_bufs, rx_buf_size;   /* chosen at start-up (merged buffers or not) */
    uint16_t rx_buf_of[VNET_RX_MAX_BUFS * 2];   /* by chain head: which buffer */
    int16_t tx_slot_of[VNET_TX_MAX_BUFS * 2];   /* by chain head: which slot, -1 none */
    bool tx_busy[VNET_TX_MAX_BUFS];
    unsigned tx_bufs;             /* transmit slots, chosen at start-up */
    unsigned rx_posted;
    bool mergeable, offloads;     /* MRG_RXBUF; GUEST_CSUM (and perhaps TSO) */
    struct vnet_pending pend;
    struct nic_frame frame;       /* what is handed to net/ (pieces: shared memory) */
    struct nic nic;
    bool up;
};
extern struct vnet vn;

void vnet_kick(struct virtq *q);
void vnet_device_failed(struct virtq *q);
/* Receive buffers from the DMA heap, posted: 0 or -ENOMEM. */
int vnet_rx_setup(void);
/* Hands every packet received to net/ and posts their buffers again. */
void vnet_rx_poll(struct nic *nic);

#endif
