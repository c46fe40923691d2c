/* virtio-net (virtio 1.x, 5.1): one receive and one transmit queue, no
 * offloads.  net/ takes frames with nic->poll; with MSI-X the receive
 * queue interrupts and the handler only wakes net/'s thread (nic->wakeup);
 * without it net/ polls on a clock.
 *
 * Trust: the device is untrusted.  Receive buffers live in the DMA heap
 * (shared with the host under SEV); the virtqueue code checks every used
 * entry (a known head, a length within the buffer), and a frame shorter
 * than an Ethernet header or longer than NIC_FRAME_MAX is dropped with a
 * log line.  A frame is copied out of the shared buffer into private
 * memory (by net/, as it makes its packet buffer: one copy, not two)
 * before anyone parses it, so the device cannot change it after it was
 * checked.  Transmit frames are copied into the DMA heap: what goes on
 * the wire is the host's to read anyway. */
#include "drivers/virtio_pci.h"
#include "drivers/virtio_net.h"
#include "drivers/nic.h"
#include "mm/dma.h"
#include "lib/errno.h"
#include "lib/format.h"
#include "lib/log.h"
#include "lib/string.h"

#define F_MTU 3
#define F_MAC 5
#define F_STATUS 16
#define CFG_MAC 0
#define CFG_STATUS 6
#define CFG_MTU 10
#define S_LINK_UP 1
#define HDR_LEN 12                /* struct virtio_net_hdr with num_buffers */
#define BUF_SIZE 2048             /* a header and a whole frame */
#define RX_BUFS 64
#define TX_BUFS 32
#define QUEUE_RX 0
#define QUEUE_TX 1
#define VIRTQ_USED_F_NO_NOTIFY 1

static struct vnet {
    struct virtio_dev v;
    struct virtq *rx, *tx;
    struct dma_buffer rxmem, txmem;
    uint16_t rx_buf_of[RX_BUFS * 2];   /* by chain head: which buffer */
    int16_t tx_slot_of[TX_BUFS * 2];   /* by chain head: which slot, -1 none */
    bool tx_busy[TX_BUFS];
    unsigned rx_posted;
    struct nic nic;
    bool up;
} vn;

/* virtq_kick, less the notification when the device said it does not
 * want one (virtio 1.x 2.7.10: used ring flag 1, no VIRTIO_F_EVENT_IDX):
 * QEMU sets it while it is still working through the queue, so a burst of
 * frames costs one exit to the device, not one each.  A device that never
 * clears it only stalls its own traffic. */
static void kick(struct virtq *q)
{
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
    q->avail->idx = q->avail_idx;
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
    if (!(q->used->flags & VIRTQ_USED_F_NO_NOTIFY) && q->notify)
        q->notify(q);
}

static int post_rx(unsigned i)
{
    struct virtq_seg seg = { vn.rxmem.device + (uint64_t)i * BUF_SIZE, BUF_SIZE, true };
    uint16_t head;
    int err = virtq_add(vn.rx, &seg, 1, &head);
    if (err)
        return err;
    if (head >= sizeof(vn.rx_buf_of) / sizeof(vn.rx_buf_of[0])) {
        virtq_break(vn.rx, "a chain head past the driver's table");
        return -EIO;
    }
    vn.rx_buf_of[head] = (uint16_t)i;
    return 0;
}

static void device_failed(struct virtq *q)
{
    if (vn.nic.link_up)
        klog("virtio-net: %s: the device answered nonsense on its %s queue; the card is "
             "down", vn.nic.name, q == vn.rx ? "receive" : "transmit");
    vn.nic.link_up = false;
}

static void take_back_tx(void)
{
    struct virtq_done d;
    int r;
    while ((r = virtq_get_used(vn.tx, &d)) == 1) {
        int slot = vn.tx_slot_of[d.head];
        if (slot >= 0)
            vn.tx_busy[slot] = false;
        vn.tx_slot_of[d.head] = -1;
    }
    if (r < 0)
        device_failed(vn.tx);
}

static void poll(struct nic *nic)
{
    struct virtq_done d;
    int r, reposted = 0;
    while ((r = virtq_get_used(vn.rx, &d)) == 1) {
        unsigned i = vn.rx_buf_of[d.head];
        if (d.err == 0 && d.len >= HDR_LEN + 14 && d.len <= HDR_LEN + NIC_FRAME_MAX) {
            /* Straight from the shared buffer: the receiver's first act is
             * its private copy (nic.h); the length is our own checked one. */
            if (nic->receive)
                nic->receive(nic, (uint8_t *)vn.rxmem.va + (size_t)i * BUF_SIZE + HDR_LEN,
                             d.len - HDR_LEN);
        } else {
            klog_once(&vn.rx, "virtio-net: %s: dropped a received frame of %u bytes "
                      "(with its %d-byte header)", nic->name, d.len, HDR_LEN);
        }
        if (post_rx(i) == 0)
            reposted++;
    }
    if (r < 0)
        device_failed(vn.rx);
    if (reposted)
        kick(vn.rx);
    take_back_tx();
}

static int send(struct nic *nic, const void *frame, size_t len)
{
    (void)nic;
    if (!vn.nic.link_up || vn.v.dead)
        return -EIO;
    if (len < 14 || len > NIC_FRAME_MAX)
        return -EINVAL;
    take_back_tx();
    int slot = -1;
    for (int s = 0; s < TX_BUFS && slot < 0; s++)
        if (!vn.tx_busy[s])
            slot = s;
    if (slot < 0)
        return -EAGAIN;
    uint8_t *buf = (uint8_t *)vn.txmem.va + (size_t)slot * BUF_SIZE;
    memset(buf, 0, HDR_LEN);            /* no offloads asked */
    memcpy(buf + HDR_LEN, frame, len);
    struct virtq_seg seg = { vn.txmem.device + (uint64_t)slot * BUF_SIZE,
                             (uint32_t)(HDR_LEN + len), false };
    uint16_t head;
    int err = virtq_add(vn.tx, &seg, 1, &head);
    if (err)
        return err == -ENOSPC ? -EAGAIN : -EIO;
    vn.tx_busy[slot] = true;
    vn.tx_slot_of[head] = (int16_t)slot;
    kick(vn.tx);
    return 0;
}

/* The MAC from the device, else a random locally administered one. */
static void read_identity(void)
{
    if (virtio_has_feature(&vn.v, F_MAC)) {
        for (int i = 0; i < 6; i++)
            vn.nic.mac[i] = virtio_cfg8(&vn.v, CFG_MAC + i);
    } else {
        nic_random_mac(vn.nic.mac);
    }
    uint16_t mtu = virtio_has_feature(&vn.v, F_MTU) ? virtio_cfg16(&vn.v, CFG_MTU) : 1500;
    vn.nic.mtu = mtu >= 576 && mtu <= 1500 ? mtu : 1500;
    vn.nic.link_up = !virtio_has_feature(&vn.v, F_STATUS) ||
                     (virtio_cfg16(&vn.v, CFG_STATUS) & S_LINK_UP);
}

/* Interrupt context: frames arrived; the network thread takes them. */
static void rx_interrupt(void *arg)
{
    struct nic *nic = arg;
    if (nic->wakeup)
        nic->wakeup();
}

static int setup_buffers(void)
{
    int err = virtio_setup_queue(&vn.v, QUEUE_RX, RX_BUFS, &vn.rx);
    if (!err)
        err = virtio_setup_queue(&vn.v, QUEUE_TX, TX_BUFS, &vn.tx);
    if (!err)
        err = dma_alloc((size_t)RX_BUFS * BUF_SIZE, 4096, &vn.rxmem);
    if (!err)
        err = dma_alloc((size_t)TX_BUFS * BUF_SIZE, 4096, &vn.txmem);
    if (err) {
        virtio_fail(&vn.v, "out of memory for its queues or buffers");
        return err;
    }
    /* Transmit buffers are taken back on the next send: no interrupt. */
    virtq_set_no_interrupt(vn.rx, vn.rx->msix_vector == 0);
    virtq_set_no_interrupt(vn.tx, true);
    vn.nic.interrupts = vn.rx->msix_vector != 0;
    vn.rx->on_interrupt = rx_interrupt;
    vn.rx->interrupt_arg = &vn.nic;
    for (unsigned i = 0; i < sizeof(vn.tx_slot_of) / sizeof(vn.tx_slot_of[0]); i++)
        vn.tx_slot_of[i] = -1;
    for (unsigned i = 0; i < RX_BUFS && post_rx(i) == 0; i++)
        vn.rx_posted++;
    return 0;
}

int virtio_net_probe(struct pci_device *pci)
{
    if (vn.up)
        return -EBUSY;                  /* one card for now */
    char name[32];
    snprintf(name, sizeof(name), "virtio-net %02x:%02x.%u", pci->bus, pci->slot, pci->fn);
    int err = virtio_start(&vn.v, pci, name, (1ull << F_MAC) | (1ull << F_STATUS) | (1ull << F_MTU));
    if (err)
        return err;
    if ((err = setup_buffers()) != 0)
        return err;
    read_identity();
    virtio_ready(&vn.v);
    virtq_kick(vn.rx);
    snprintf(vn.nic.name, sizeof(vn.nic.name), "%s", name);
    vn.nic.send = send;
    vn.nic.poll = poll;
    vn.nic.driver = &vn;
    vn.up = true;
    nic_register(&vn.nic);
    const uint8_t *m = vn.nic.mac;
    klog("virtio-net: %s: MAC %02x:%02x:%02x:%02x:%02x:%02x, MTU %u, link %s, %u receive "
         "buffers (%s)", name, m[0], m[1], m[2], m[3], m[4], m[5], vn.nic.mtu,
         vn.nic.link_up ? "up" : "down", vn.rx_posted,
         vn.nic.interrupts ? "MSI-X on receive" : "polled");
    return 0;
}
