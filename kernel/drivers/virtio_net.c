/* virtio-net (virtio 1.x, 5.1): one receive and one transmit queue.  net/
 * takes frames with nic->poll; with MSI-X the receive queue interrupts and
 * the handler only wakes net/'s thread (nic->wakeup); without it net/
 * polls on a clock.  Offloads, where the device offers them (QEMU's tap
 * back end does, its user network does not): mergeable receive buffers,
 * the receive checksum (GUEST_CSUM) and large TCP segments on receive
 * (GUEST_TSO4/6); virtio_net_rx.c takes the received packets.  On
 * transmit, the device completes TCP checksums (CSUM; net/netif_tx.c).
 *
 * Trust: the device is untrusted.  Receive buffers live in the DMA heap
 * (shared with the host under SEV); the virtqueue code checks every used
 * entry (a known head, a length within the buffer), virtio_net_rx.c every
 * header field and count.  A packet is copied out of the shared buffers
 * into private memory (by net/, as it makes its packet buffer: one copy,
 * not two) before anyone parses it, so the device cannot change it after
 * it was checked.  Believing the device's "checksum already checked"
 * (DATA_VALID, NEEDS_CSUM) gives the host nothing: it writes every packet
 * we receive, and could forge any with a right checksum.  Transmit frames
 * are copied into the DMA heap: what goes on the wire is the host's to
 * read anyway. */
#include "drivers/virtio_net.h"
#include "drivers/virtio_net_int.h"
#include "lib/errno.h"
#include "lib/format.h"
#include "lib/log.h"
#include "lib/string.h"

#define CFG_MAC 0
#define CFG_STATUS 6
#define CFG_MTU 10
#define S_LINK_UP 1
#define QUEUE_RX 0
#define QUEUE_TX 1
#define VIRTQ_USED_F_NO_NOTIFY 1

struct vnet vn;

/* virtq_kick, less the notification when the device said it does not
 * want one (virtio 1.x 2.7.10: used ring flag 1, no VIRTIO_F_EVENT_IDX):
 * QEMU sets it while it is still working through the queue, so a burst of
 * frames costs one exit to the device, not one each.  A device that never
 * clears it only stalls its own traffic. */
void vnet_kick(struct virtq *q)
{
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
    q->avail->idx = q->avail_idx;
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
    if (!(q->used->flags & VIRTQ_USED_F_NO_NOTIFY) && q->notify)
        q->notify(q);
}

void vnet_device_failed(struct virtq *q)
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
        vnet_device_failed(vn.tx);
}

static void poll(struct nic *nic)
{
    vnet_rx_poll(nic);
    take_back_tx();
}

/* One frame into a free transmit slot: the header (the checksum to
 * complete, with CSUM), the pieces after it. */
static int send_tx(struct nic *nic, const struct nic_tx *tx)
{
    (void)nic;
    if (!vn.nic.link_up || vn.v.dead)
        return -EIO;
    if (tx->len < 14 || tx->len > NIC_FRAME_MAX || tx->npieces > NIC_TX_PIECES)
        return -EINVAL;
    bool csum = tx->csum_offset != 0;
    if (csum && (!vn.nic.tx_csum || (size_t)tx->csum_start + tx->csum_offset + 2 > tx->len))
        return -EINVAL;
    take_back_tx();
    int slot = -1;
    for (int s = 0; s < (int)vn.tx_bufs && slot < 0; s++)
        if (!vn.tx_busy[s])
            slot = s;
    if (slot < 0)
        return -EAGAIN;
    uint8_t *buf = (uint8_t *)vn.txmem.va + (size_t)slot * VNET_TX_BUF_SIZE;
    struct vnet_hdr h = { 0 };
    if (csum) {
        h.flags = VNET_HDR_F_NEEDS_CSUM;
        h.csum_start = tx->csum_start;
        h.csum_offset = tx->csum_offset;
    }
    memcpy(buf, &h, VNET_HDR_LEN);
    size_t at = VNET_HDR_LEN;
    for (unsigned i = 0; i < tx->npieces; i++) {
        if (at + tx->piece[i].len > VNET_HDR_LEN + tx->len)
            return -EINVAL;
        memcpy(buf + at, tx->piece[i].data, tx->piece[i].len);
        at += tx->piece[i].len;
    }
    if (at != VNET_HDR_LEN + tx->len)
        return -EINVAL;
    if (csum) {                         /* the pseudo-header's sum, big-endian */
        buf[VNET_HDR_LEN + tx->csum_start + tx->csum_offset] = (uint8_t)(tx->csum_pseudo >> 8);
        buf[VNET_HDR_LEN + tx->csum_start + tx->csum_offset + 1] = (uint8_t)tx->csum_pseudo;
    }
    struct virtq_seg seg = { vn.txmem.device + (uint64_t)slot * VNET_TX_BUF_SIZE,
                             (uint32_t)at, false };
    uint16_t head;
    int err = virtq_add(vn.tx, &seg, 1, &head);
    if (err)
        return err == -ENOSPC ? -EAGAIN : -EIO;
    vn.tx_busy[slot] = true;
    vn.tx_slot_of[head] = (int16_t)slot;
    vnet_kick(vn.tx);
    return 0;
}

static int send(struct nic *nic, const void *frame, size_t len)
{
    struct nic_tx tx = { .npieces = 1, .len = len };
    tx.piece[0].data = frame;
    tx.piece[0].len = len;
    return send_tx(nic, &tx);
}

/* The MAC from the device, else a random locally administered one. */
static void read_identity(void)
{
    if (virtio_has_feature(&vn.v, VNET_F_MAC)) {
        for (int i = 0; i < 6; i++)
            vn.nic.mac[i] = virtio_cfg8(&vn.v, CFG_MAC + i);
    } else {
        nic_random_mac(vn.nic.mac);
    }
    uint16_t mtu = virtio_has_feature(&vn.v, VNET_F_MTU) ? virtio_cfg16(&vn.v, CFG_MTU) : 1500;
    vn.nic.mtu = mtu >= 576 && mtu <= 1500 ? mtu : 1500;
    vn.nic.link_up = !virtio_has_feature(&vn.v, VNET_F_STATUS) ||
                     (virtio_cfg16(&vn.v, CFG_STATUS) & S_LINK_UP);
}

/* Interrupt context: frames arrived; the network thread takes them, and
 * until it has (rearm), the device need not interrupt again: a burst of
 * frames costs one interrupt and one wake-up, not one each. */
static void rx_interrupt(void *arg)
{
    struct nic *nic = arg;
    virtq_set_no_interrupt(vn.rx, true);
    if (nic->wakeup)
        nic->wakeup();
}

/* Interrupts back on, then a look at the used ring: a frame the device
 * put there before it saw the flag brings no interrupt. */
static bool rearm(struct nic *nic)
{
    (void)nic;
    if (!vn.nic.interrupts || vn.rx->broken)
        return false;
    virtq_set_no_interrupt(vn.rx, false);
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
    return vn.rx->used->idx != vn.rx->last_used;
}

/* Which offloads the device gave us; false if the combination is one a
 * conforming device cannot offer (large segments need the receive
 * checksum, 5.1.3.1) or one we cannot receive (large segments without
 * merged buffers would need 64 KiB buffers). */
static bool offloads_usable(void)
{
    bool tso = virtio_has_feature(&vn.v, VNET_F_GUEST_TSO4) ||
               virtio_has_feature(&vn.v, VNET_F_GUEST_TSO6);
    vn.mergeable = virtio_has_feature(&vn.v, VNET_F_MRG_RXBUF);
    vn.offloads = virtio_has_feature(&vn.v, VNET_F_GUEST_CSUM);
    vn.nic.tx_csum = virtio_has_feature(&vn.v, VNET_F_CSUM);
    if (tso && (!vn.offloads || !vn.mergeable)) {
        virtio_fail(&vn.v, "large receive segments offered without the receive checksum "
                    "or merged buffers");
        return false;
    }
    return true;
}

/* Transmit slots: 128 (several connections' windows at once: with 32, 8
 * connections of the Go server under wrk filled the ring and net/'s
 * backlog behind it), at most an eighth of the DMA heap (256 KiB of a
 * 64 MiB guest's 2 MiB), at least 32. */
static unsigned tx_buffers(void)
{
    uint64_t heap_phys, heap_size;
    dma_range(&heap_phys, &heap_size);
    unsigned n = VNET_TX_MAX_BUFS;
    while (n > 32 && (uint64_t)n * VNET_TX_BUF_SIZE > heap_size / 8)
        n /= 2;
    return n;
}

static int setup_buffers(void)
{
    vn.tx_bufs = tx_buffers();
    int err = virtio_setup_queue(&vn.v, QUEUE_RX, VNET_RX_MAX_BUFS, &vn.rx);
    if (!err)
        err = virtio_setup_queue(&vn.v, QUEUE_TX, (uint16_t)vn.tx_bufs, &vn.tx);
    if (!err)
        err = dma_alloc((size_t)vn.tx_bufs * VNET_TX_BUF_SIZE, 4096, &vn.txmem);
    if (!err)
        err = vnet_rx_setup();
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
    return 0;
}

static void log_card(const char *name)
{
    const uint8_t *m = vn.nic.mac;
    klog("virtio-net: %s: MAC %02x:%02x:%02x:%02x:%02x:%02x, MTU %u, link %s, %u receive "
         "buffers of %u bytes, %u transmit (%s)", name, m[0], m[1], m[2], m[3], m[4], m[5], vn.nic.mtu,
         vn.nic.link_up ? "up" : "down", vn.rx_posted, vn.rx_buf_size,
         vn.tx_bufs, vn.nic.interrupts ? "MSI-X on receive" : "polled");
    bool any = vn.mergeable || vn.offloads || vn.nic.tx_csum;
    klog("virtio-net: %s: offloads:%s%s%s%s%s%s", name, vn.mergeable ? " MRG_RXBUF" : "",
         vn.offloads ? " GUEST_CSUM" : "",
         virtio_has_feature(&vn.v, VNET_F_GUEST_TSO4) ? " GUEST_TSO4" : "",
         virtio_has_feature(&vn.v, VNET_F_GUEST_TSO6) ? " GUEST_TSO6" : "",
         vn.nic.tx_csum ? " CSUM" : "",
         any ? "" : " none (the device offers none)");
}

int virtio_net_probe(struct pci_device *pci)
{
    if (vn.up)
        return -EBUSY;                  /* one card for now */
    char name[32];
    snprintf(name, sizeof(name), "virtio-net %02x:%02x.%u", pci->bus, pci->slot, pci->fn);
    uint64_t want = (1ull << VNET_F_MAC) | (1ull << VNET_F_STATUS) | (1ull << VNET_F_MTU) |
                    (1ull << VNET_F_MRG_RXBUF) | (1ull << VNET_F_GUEST_CSUM) |
                    (1ull << VNET_F_GUEST_TSO4) | (1ull << VNET_F_GUEST_TSO6) |
                    (1ull << VNET_F_CSUM);
    int err = virtio_start(&vn.v, pci, name, want);
    if (err)
        return err;
    if (!offloads_usable())
        return -ENODEV;
    if ((err = setup_buffers()) != 0)
        return err;
    read_identity();
    virtio_ready(&vn.v);
    virtq_kick(vn.rx);
    snprintf(vn.nic.name, sizeof(vn.nic.name), "%s", name);
    vn.nic.send = send;
    vn.nic.send_tx = send_tx;
    vn.nic.rearm = rearm;
    vn.nic.poll = poll;
    vn.nic.driver = &vn;
    vn.up = true;
    nic_register(&vn.nic);
    log_card(name);
    return 0;
}
