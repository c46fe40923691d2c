/* gVNIC queue page lists and the GQI-QPL transmit queue.
 *
 * A queue page list (QPL) is a set of DMA-heap pages registered with the
 * device once; descriptors then name bytes by their offset inside it, so
 * no other memory is ever shown to the device (under SEV only these pages
 * are shared).  Transmit copies each frame into a 2048-byte slot of the TX
 * QPL (a slot never crosses a page) and posts one packet descriptor; the
 * device finishes descriptors in order and counts them in its event
 * counter, which frees the oldest slots. */
#include "drivers/gve_dev.h"
#include "lib/errno.h"
#include "lib/log.h"
#include "lib/string.h"

int gve_qpl_alloc(struct gve_qpl *q, uint32_t id, unsigned pages)
{
    q->id = id;
    q->pages = pages;
    q->registered = false;
    return dma_alloc((size_t)pages * GVE_PAGE, GVE_PAGE, &q->mem);
}

void gve_qpl_free(struct gve_qpl *q)
{
    dma_free(&q->mem);
}

int gve_tx_alloc(struct gve *g)
{
    struct gve_tx *t = &g->tx;
    t->entries = g->d.tx_entries;
    t->slots = g->d.tx_pages * (GVE_PAGE / GVE_BUF);
    /* In flight at once: bounded by both the ring and the slots. */
    t->limit = t->slots < t->entries ? t->slots : t->entries;
    t->req = t->done = 0;
    t->next_slot = 0;
    int err = gve_qpl_alloc(&t->qpl, GVE_TX_QPL_ID, g->d.tx_pages);
    if (!err)
        err = dma_alloc((size_t)t->entries * GVE_TX_DESC_BYTES, GVE_PAGE, &t->ring);
    if (!err)
        err = dma_alloc(64, 64, &t->res);
    return err;
}

void gve_tx_free(struct gve *g)
{
    gve_qpl_free(&g->tx.qpl);
    dma_free(&g->tx.ring);
    dma_free(&g->tx.res);
}

/* Takes in the device's count of finished descriptors.  It may only move
 * forward, and never past what was posted. */
void gve_tx_reclaim(struct gve *g)
{
    struct gve_tx *t = &g->tx;
    if (g->dead || !t->created)
        return;
    uint32_t done = gve_be32((uint8_t *)g->counters.va + 4ull * t->counter_index);
    if (done - t->done > t->req - t->done) {
        klog("gve: %s: TX event counter %u, but %u descriptors posted and %u done before",
             g->name, done, t->req, t->done);
        gve_failed(g, "the device counted transmit descriptors it was never given");
        return;
    }
    t->done = done;
}

int gve_tx_send(struct gve *g, const void *frame, size_t len)
{
    struct gve_tx *t = &g->tx;
    if (g->dead || !t->created)
        return -EIO;
    if (len < 14 || len > NIC_FRAME_MAX)
        return -EINVAL;
    if (t->req - t->done >= t->limit) {
        gve_tx_reclaim(g);
        if (g->dead)
            return -EIO;
        if (t->req - t->done >= t->limit)
            return -EAGAIN;
    }
    unsigned slot = t->next_slot;
    t->next_slot = (slot + 1) % t->slots;
    memcpy((uint8_t *)t->qpl.mem.va + (size_t)slot * GVE_BUF, frame, len);
    uint8_t *d = (uint8_t *)t->ring.va + (size_t)(t->req & (t->entries - 1)) * GVE_TX_DESC_BYTES;
    d[0] = GVE_TXD_STD;            /* no checksum offload */
    d[1] = 0;
    d[2] = 0;
    d[3] = 1;                      /* one descriptor for the packet */
    gve_put16(d + 4, (uint16_t)len);
    gve_put16(d + 6, (uint16_t)len);
    gve_put64(d + 8, (uint64_t)slot * GVE_BUF);
    t->req++;
    gve_doorbell_write(g, t->db_index, t->req);
    return 0;
}
