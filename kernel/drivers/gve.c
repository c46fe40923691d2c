/* gVNIC (Google Virtual Ethernet, "gve"), GQI-QPL format, one TX and one RX
 * queue.  net/'s thread calls nic->poll; with MSI-X the RX notify block's
 * interrupt wakes that thread (nic->wakeup, gve_irq.c), without it net/
 * polls the card on a clock.
 *
 * Trust: the device is untrusted.  It only ever sees the DMA heap: the
 * admin queue, the descriptor rings, the counters and the queue page lists
 * (under SEV the host reads those anyway).  Every answer it gives is
 * checked (gve_adminq.c, gve_rx.c, gve_tx.c); nonsense during bring-up
 * means the card is refused, later it means the card is marked down.  A
 * received frame is copied to private memory before anyone parses it.
 *
 * Unproven: this driver has been tested only against a model of the device
 * written from the protocol facts (tests/unit/drivers/gve_model.c), never
 * against a real gVNIC on Google Cloud. */
#include "drivers/gve.h"
#include "drivers/gve_dev.h"
#include "drivers/pci.h"
#include "lib/errno.h"
#include "lib/format.h"
#include "lib/log.h"
#include "lib/string.h"

#define STATUS_EVERY 64           /* polls between reads of device_status */

void gve_check_status(struct gve *g)
{
    if (g->dead)
        return;
    uint32_t s = gve_reg_read32(g, GVE_REG_DEVICE_STATUS);
    if (s & GVE_DEVICE_STATUS_RESET) {
        gve_failed(g, "the device asked for a reset (not supported yet)");
        return;
    }
    bool up = s & GVE_DEVICE_STATUS_LINK;
    if (up != g->nic.link_up)
        klog("gve: %s: link %s", g->name, up ? "up" : "down");
    g->nic.link_up = up;
}

static void poll(struct nic *nic)
{
    struct gve *g = nic->driver;
    bool status = __atomic_exchange_n(&g->status_pending, false, __ATOMIC_ACQ_REL);
    if (status || g->polls++ % STATUS_EVERY == 0)
        gve_check_status(g);
    unsigned took = gve_rx_poll(g);
    gve_tx_reclaim(g);
    gve_irq_rearm(g, took != 0);
}

static int send(struct nic *nic, const void *frame, size_t len)
{
    struct gve *g = nic->driver;
    if (!nic->link_up)
        return -EIO;
    if (len > (size_t)nic->mtu + 14)
        return -EINVAL;                    /* past the device's MTU: it would drop it */
    return gve_tx_send(g, frame, len);
}

/* The queues, in the order Linux and Nanos create them. */
static int bring_up(struct gve *g)
{
    int err = gve_describe(g);
    if (!err && !g->d.offers_gqi_qpl)
        klog("gve: %s: the device lists no GQI-QPL option; trying it anyway (as Nanos does)",
             g->name);
    if (!err)
        err = gve_configure(g);
    if (!err)
        err = gve_tx_alloc(g);
    if (!err)
        err = gve_register_qpl(g, &g->tx.qpl);
    if (!err)
        err = gve_create_tx(g);
    if (!err)
        err = gve_rx_alloc(g);
    if (!err)
        err = gve_register_qpl(g, &g->rx.qpl);
    if (!err)
        err = gve_create_rx(g);
    if (!err)
        gve_rx_post_all(g);
    return err;
}

int gve_attach(struct gve *g, const char *name, volatile void *bar0, volatile void *bar2,
               uint64_t bar2_size, uint8_t revision)
{
    snprintf(g->name, sizeof(g->name), "%s", name);
    g->bar0 = bar0;
    g->bar2 = bar2;
    g->bar2_size = bar2_size;
    g->revision = revision;
    if (!g->aq_timeout_ns)
        g->aq_timeout_ns = 2000000000ull;
    uint32_t max_tx = gve_reg_read32(g, GVE_REG_MAX_TX_QUEUES);
    uint32_t max_rx = gve_reg_read32(g, GVE_REG_MAX_RX_QUEUES);
    if (max_tx == 0 || max_rx == 0) {
        klog("gve: %s: the device offers %u TX and %u RX queues; refused", name, max_tx, max_rx);
        return -EIO;
    }
    int err = gve_adminq_start(g);
    if (!err)
        err = bring_up(g);
    if (err) {
        klog("gve: %s: bring-up failed (%d); the card is not used", name, err);
        gve_detach(g);
        return err;
    }
    memcpy(g->nic.mac, g->d.mac, 6);
    g->nic.mtu = g->d.mtu > 1500 ? 1500 : g->d.mtu;
    snprintf(g->nic.name, sizeof(g->nic.name), "%s", name);
    g->nic.send = send;
    g->nic.poll = poll;
    g->nic.driver = g;
    g->polls = 0;
    gve_check_status(g);
    return 0;
}

/* Undoes what was done, newest first.  The device is reset at the end
 * whatever happened before: a reset releases everything it holds.  If it
 * does not confirm the reset, no memory it was given is freed. */
void gve_detach(struct gve *g)
{
    if (g->aq_live && !g->dead) {
        if (g->rx.created)
            gve_destroy_queue(g, true);
        if (g->rx.qpl.registered)
            gve_unregister_qpl(g, &g->rx.qpl);
        if (g->tx.created)
            gve_destroy_queue(g, false);
        if (g->tx.qpl.registered)
            gve_unregister_qpl(g, &g->tx.qpl);
        if (g->configured)
            gve_deconfigure(g);
    }
    g->nic.link_up = false;
    g->dead = true;
    if (g->aq.size && !gve_reset(g)) {
        g->leaked = true;
        return;
    }
    gve_rx_free(g);
    gve_tx_free(g);
    dma_free(&g->counters);
    dma_free(&g->irq_db);
    dma_free(&g->aq);
}

static struct gve card;

int gve_probe(struct pci_device *pci)
{
    if (card.nic.driver || card.leaked)
        return -EBUSY;                      /* one card for now */
    memset(&card, 0, sizeof(card));         /* after a failed attempt */
    char name[32];
    snprintf(name, sizeof(name), "gve %02x:%02x.%u", pci->bus, pci->slot, pci->fn);
    pci_size_bars(pci);
    pci_enable(pci);
    volatile void *bar0 = pci_map_bar(pci, 0, 0, GVE_BAR0_SIZE);
    volatile void *bar2 = pci->bar_size[2] ? pci_map_bar(pci, 2, 0, pci->bar_size[2]) : 0;
    if (!bar0 || !bar2) {
        klog("gve: %s: register BAR0 (%llu bytes) or doorbell BAR2 (%llu bytes) missing", name,
             (unsigned long long)pci->bar_size[0], (unsigned long long)pci->bar_size[2]);
        return -ENODEV;
    }
    uint8_t revision = pci_read8(pci, PCI_CLASS_REVISION);
    int err = gve_attach(&card, name, bar0, bar2, pci->bar_size[2], revision);
    if (err)
        return err;
    pci_snapshot(pci);
    gve_irq_attach(&card, pci);            /* else polled (logged) */
    nic_register(&card.nic);
    const uint8_t *m = card.nic.mac;
    klog("gve: %s: revision %u, MAC %02x:%02x:%02x:%02x:%02x:%02x, MTU %u (device %u), "
         "link %s, TX %u entries/%u QPL pages, RX %u entries/%u QPL pages (%s)", name,
         revision, m[0], m[1], m[2], m[3], m[4], m[5], card.nic.mtu, card.d.mtu,
         card.nic.link_up ? "up" : "down", card.tx.entries, card.tx.qpl.pages, card.rx.entries,
         card.rx.qpl.pages, card.irqs ? "MSI-X on receive" : "polled");
    return 0;
}
