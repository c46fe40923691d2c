/* gVNIC GQI-QPL receive queue.
 *
 * Two rings advance together: the data ring (8-byte slots the driver
 * writes: the QPL offset of a free 2048-byte buffer) and the descriptor
 * ring (64-byte entries the device writes: length, flags, and a sequence
 * number cycling 1..7).  Entry i always uses buffer i (offset i * 2048), so
 * the driver never needs the device's word for where a frame is: a
 * scribbled data ring changes nothing we read.
 *
 * An entry is new when its sequence number is the one expected next; an
 * entry not yet rewritten still holds what it held a lap ago (0 before the
 * first lap).  Ring sizes are powers of two, never multiples of 7, so the
 * two never coincide; any third value is nonsense and stops the card.  A
 * frame is copied into private memory before net/ sees it. */
#include "drivers/gve_dev.h"
#include "lib/errno.h"
#include "lib/log.h"
#include "lib/string.h"

int gve_rx_alloc(struct gve *g)
{
    struct gve_rx *r = &g->rx;
    r->entries = g->d.rx_entries;
    r->cnt = r->fill_cnt = 0;
    r->seqno = 1;
    r->dropping = false;
    memset(r->last_seq, 0, sizeof(r->last_seq));
    int err = gve_qpl_alloc(&r->qpl, GVE_RX_QPL_ID, g->d.rx_pages);
    if (!err)
        err = dma_alloc((size_t)r->entries * GVE_RX_DESC_BYTES, GVE_PAGE, &r->desc);
    if (!err)
        err = dma_alloc((size_t)r->entries * 8, GVE_PAGE, &r->data);
    if (!err)
        err = dma_alloc(64, 64, &r->res);
    return err;
}

void gve_rx_free(struct gve *g)
{
    gve_qpl_free(&g->rx.qpl);
    dma_free(&g->rx.desc);
    dma_free(&g->rx.data);
    dma_free(&g->rx.res);
}

static void post(struct gve_rx *r, unsigned i)
{
    gve_put64((uint8_t *)r->data.va + 8ull * i, (uint64_t)i * GVE_BUF);
    r->fill_cnt++;
}

/* Every buffer to the device, once the queue exists. */
void gve_rx_post_all(struct gve *g)
{
    struct gve_rx *r = &g->rx;
    for (unsigned i = 0; i < r->entries; i++)
        post(r, i);
    gve_doorbell_write(g, r->db_index, r->fill_cnt);
}

/* One entry's frame, checked, copied out, handed to net/. */
static void take(struct gve *g, unsigned i, uint16_t flags_seq, uint16_t len)
{
    struct gve_rx *r = &g->rx;
    bool cont = flags_seq & GVE_RXF_CONT, was_dropping = r->dropping;
    r->dropping = cont;
    if (was_dropping || cont) {
        klog_once(&r->dropping, "gve: %s: dropped a frame spread over several buffers "
                  "(larger than %u bytes)", g->name, NIC_FRAME_MAX);
        return;
    }
    if (flags_seq & GVE_RXF_ERR) {
        klog_once(&r->cnt, "gve: %s: dropped a frame the device flagged as bad", g->name);
        return;
    }
    if (len < GVE_RX_PAD + 14 || len > GVE_RX_PAD + NIC_FRAME_MAX) {
        klog_once(&r->frame, "gve: %s: dropped a received frame of %u bytes (with its "
                  "%d-byte pad)", g->name, len, GVE_RX_PAD);
        return;
    }
    size_t n = len - GVE_RX_PAD;
    memcpy(r->frame, (uint8_t *)r->qpl.mem.va + (size_t)i * GVE_BUF + GVE_RX_PAD, n);
    if (g->nic.receive)
        g->nic.receive(&g->nic, r->frame, n);
}

bool gve_rx_pending(struct gve *g)
{
    struct gve_rx *r = &g->rx;
    if (g->dead || !r->created)
        return false;
    unsigned i = r->cnt & (r->entries - 1);
    const uint8_t *d = (const uint8_t *)r->desc.va + (size_t)i * GVE_RX_DESC_BYTES;
    return (gve_be16(d + 62) & GVE_RX_SEQ_MASK) != r->last_seq[i];
}

unsigned gve_rx_poll(struct gve *g)
{
    struct gve_rx *r = &g->rx;
    unsigned reposted = 0;
    while (!g->dead && r->created) {
        unsigned i = r->cnt & (r->entries - 1);
        const uint8_t *d = (const uint8_t *)r->desc.va + (size_t)i * GVE_RX_DESC_BYTES;
        uint16_t flags_seq = gve_be16(d + 62);
        uint8_t seq = flags_seq & GVE_RX_SEQ_MASK;
        if (seq == r->last_seq[i])
            break;                         /* not written since last lap */
        if (seq != r->seqno) {
            klog("gve: %s: RX entry %u has sequence number %u, expected %u (or %u: not yet "
                 "written)", g->name, i, seq, r->seqno, r->last_seq[i]);
            gve_failed(g, "the device wrote receive descriptors out of order");
            break;
        }
        gve_fence();                       /* the sequence number before the rest */
        uint16_t len = gve_be16(d + 60);
        if (len > GVE_BUF) {
            klog("gve: %s: RX entry %u claims %u bytes in a %u-byte buffer", g->name, i, len,
                 GVE_BUF);
            gve_failed(g, "the device wrote past a receive buffer");
            break;
        }
        take(g, i, flags_seq, len);
        r->last_seq[i] = seq;
        r->seqno = r->seqno == 7 ? 1 : r->seqno + 1;
        r->cnt++;
        post(r, i);
        reposted++;
    }
    if (reposted && !g->dead)
        gve_doorbell_write(g, r->db_index, r->fill_cnt);
    return reposted;
}
