/* virtio-net's receive side: buffers from the DMA heap, posted once and
 * posted again as soon as their packet was handed on (no allocation per
 * packet), and the packets the device writes into them.
 *
 * With mergeable receive buffers (MRG_RXBUF) one packet may fill several
 * buffers: the first starts with the virtio-net header, whose num_buffers
 * says how many used entries make the packet.  Everything the device says
 * is checked: the header is copied out of the shared buffer once, to
 * private memory, and only that copy is read; num_buffers must fit the
 * largest packet we take (NIC_RX_MAX) in our buffers (a count that does
 * not leaves no way to tell where the next packet starts: the card is
 * given up, as a broken queue is); every length must lie within its
 * buffer (virtqueue.c), the sum within NIC_RX_MAX; flags, GSO type and
 * checksum offsets must be ones we negotiated, within the packet.  A bad
 * packet is dropped with a log line (once per kind).  What the header
 * claims about the packet's contents (a segment's IP and TCP headers) is
 * checked by net/ on its private copy (net/netif_rx.c). */
#include "drivers/virtio_net_int.h"
#include "lib/errno.h"
#include "lib/log.h"
#include "lib/string.h"

static int post_rx(unsigned i)
{
    struct virtq_seg seg = { vn.rxmem.device + (uint64_t)i * vn.rx_buf_size, vn.rx_buf_size, true };
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

/* Merged buffers: 4 KiB each, up to 128 (a 64 KiB segment takes 17) and
 * at most a quarter of the DMA heap (the disks' bounce buffers live there
 * too; a 64 MiB guest has 2 MiB of it); else one buffer must hold a whole
 * frame: 2 KiB, 64.  Half as many if the heap is short even so. */
int vnet_rx_setup(void)
{
    uint64_t heap_phys, heap_size;
    dma_range(&heap_phys, &heap_size);
    vn.rx_buf_size = vn.mergeable ? 4096 : 2048;
    vn.rx_bufs = vn.mergeable ? VNET_RX_MAX_BUFS : 64;
    while (vn.mergeable && vn.rx_bufs > 32 && (uint64_t)vn.rx_bufs * vn.rx_buf_size > heap_size / 4)
        vn.rx_bufs /= 2;
    if (vn.rx_bufs > vn.rx->size)
        vn.rx_bufs = vn.rx->size;
    int err;
    while ((err = dma_alloc((size_t)vn.rx_bufs * vn.rx_buf_size, 4096, &vn.rxmem)) != 0 &&
           vn.rx_bufs > 16)
        vn.rx_bufs /= 2;
    if (err)
        return err;
    for (unsigned i = 0; i < vn.rx_bufs && post_rx(i) == 0; i++)
        vn.rx_posted++;
    return 0;
}

static uint8_t *rx_buf(unsigned i)
{
    return (uint8_t *)vn.rxmem.va + (size_t)i * vn.rx_buf_size;
}

/* The most buffers one packet of NIC_RX_MAX bytes (and its header) needs. */
static unsigned max_buffers(void)
{
    unsigned n = (NIC_RX_MAX + VNET_HDR_LEN + vn.rx_buf_size - 1) / vn.rx_buf_size;
    if (!vn.mergeable)
        n = 1;
    return n < vn.rx_bufs ? n : vn.rx_bufs;
}

/* The header's claims against what we negotiated and the packet's length
 * (`total`, without the header); NULL, or why the packet is refused. */
static const char *header_refused(const struct vnet_hdr *h, size_t total)
{
    uint8_t known = VNET_HDR_F_NEEDS_CSUM | VNET_HDR_F_DATA_VALID;
    if (h->flags & ~known || (h->flags && !vn.offloads))
        return "flags we did not negotiate";
    if ((h->flags & VNET_HDR_F_NEEDS_CSUM) &&
        (uint32_t)h->csum_start + h->csum_offset + 2 > total)
        return "a checksum offset past the packet";
    if (h->gso_type == VNET_GSO_NONE)
        return total > NIC_FRAME_MAX ? "a packet larger than the MTU, not marked as a segment" : 0;
    if (!(h->gso_type == VNET_GSO_TCPV4 && virtio_has_feature(&vn.v, VNET_F_GUEST_TSO4)) &&
        !(h->gso_type == VNET_GSO_TCPV6 && virtio_has_feature(&vn.v, VNET_F_GUEST_TSO6)))
        return "a GSO type we did not negotiate";
    if (h->gso_size == 0 || h->gso_size >= total)
        return "a GSO size of 0 or beyond the packet";
    return 0;
}

/* The gathered packet: checked, handed to net/, its buffers posted again. */
static void finish_packet(struct nic *nic, int *reposted)
{
    struct vnet_pending *p = &vn.pend;
    struct nic_frame *f = &vn.frame;
    size_t total = 0;
    bool empty_piece = false;
    for (unsigned k = 0; k < p->have; k++) {
        total += p->len[k];
        empty_piece |= k > 0 && p->len[k] == 0;
    }
    total -= VNET_HDR_LEN;                /* the first length is at least the header */
    const char *why = empty_piece ? "an empty or bad buffer inside it"
                      : total < 14 || total > NIC_RX_MAX ? "a length outside 14..65535"
                      : header_refused(&p->hdr, total);
    if (why) {
        klog_once(why, "virtio-net: %s: dropped a received packet of %lu bytes in %u "
                  "buffer(s): %s (flags %#x, gso type %#x, gso size %u)", nic->name,
                  (unsigned long)total, p->have, why, p->hdr.flags, p->hdr.gso_type,
                  p->hdr.gso_size);
    } else {
        f->npieces = 0;
        for (unsigned k = 0; k < p->have; k++) {
            size_t skip = k == 0 ? VNET_HDR_LEN : 0;
            if (p->len[k] > skip) {
                f->piece[f->npieces].data = rx_buf(p->buf[k]) + skip;
                f->piece[f->npieces].len = p->len[k] - skip;
                f->npieces++;
            }
        }
        f->len = total;
        f->csum = p->hdr.flags ? NIC_CSUM_TRUSTED : NIC_CSUM_CHECK;
        f->gso = p->hdr.gso_type == VNET_GSO_TCPV4 ? NIC_GSO_TCP4
                 : p->hdr.gso_type == VNET_GSO_TCPV6 ? NIC_GSO_TCP6 : NIC_GSO_NONE;
        f->gso_size = p->hdr.gso_size;
        if (nic->receive_frame)
            nic->receive_frame(nic, f);
    }
    for (unsigned k = 0; k < p->have; k++)
        if (post_rx(p->buf[k]) == 0)
            (*reposted)++;
    p->have = 0;
}

/* One used buffer: the start of a packet or the next piece of one.  False
 * when the device lost us the packets' boundaries (the card is failed). */
static bool take_buffer(struct nic *nic, const struct virtq_done *d, int *reposted)
{
    struct vnet_pending *p = &vn.pend;
    unsigned i = vn.rx_buf_of[d->head];
    uint32_t len = d->err ? 0 : d->len;
    if (p->have == 0) {
        if (len < VNET_HDR_LEN && !vn.mergeable) {
            klog_once(&vn.pend, "virtio-net: %s: dropped a received buffer of %u bytes, "
                      "shorter than its header", nic->name, d->len);
            if (post_rx(i) == 0)
                (*reposted)++;
            return true;
        }
        if (len < VNET_HDR_LEN) {
            klog("virtio-net: %s: a received buffer of %u bytes, shorter than its header",
                 nic->name, d->len);
            return false;
        }
        memcpy(&p->hdr, rx_buf(i), VNET_HDR_LEN);    /* the one read of the shared header */
        p->need = vn.mergeable ? p->hdr.num_buffers : 1;
        if (p->need == 0 || p->need > max_buffers()) {
            klog("virtio-net: %s: a packet said to span %u receive buffers (1..%u "
                 "possible)", nic->name, p->hdr.num_buffers, max_buffers());
            return false;
        }
    }
    p->buf[p->have] = (uint16_t)i;
    p->len[p->have] = len;
    if (++p->have == p->need)
        finish_packet(nic, reposted);
    return true;
}

void vnet_rx_poll(struct nic *nic)
{
    struct virtq_done d;
    int r, reposted = 0;
    while ((r = virtq_get_used(vn.rx, &d)) == 1) {
        if (!take_buffer(nic, &d, &reposted)) {
            virtq_break(vn.rx, "packet boundaries lost");
            r = -EIO;
            break;
        }
    }
    if (r < 0)
        vnet_device_failed(vn.rx);
    if (reposted)
        vnet_kick(vn.rx);
}
