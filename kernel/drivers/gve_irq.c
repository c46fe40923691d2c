/* gVNIC interrupts (GQI): MSI-X entry i for notify block i, the management
 * vector on the entry after the last block (as Linux's gve arranges them,
 * and as the driver told the device in CONFIGURE_DEVICE_RESOURCES with an
 * MSI-X base of 0).  Only the RX block (1) is armed: its handler masks it
 * (writes MASK to the block's IRQ doorbell) and wakes net/'s thread, which
 * polls, then acknowledges and arms it again (ACK | EVENT), and looks once
 * more for a frame that arrived while it was masked (no interrupt for that
 * one).  The TX block stays masked: transmit buffers are taken back on the
 * next send.  The management vector tells of a status change (link, a
 * reset request): the next poll reads the status register.
 *
 * Fallbacks: no MSI-X (or too few entries, no vector left, the kernel word
 * dev-poll) leaves the card polled; a card whose RX interrupt never comes
 * (frames found by net/'s backstop poll, GVE_IRQ_MISSED_MAX times in a row,
 * with no interrupt since arming) is switched to polling, logged. */
#include "drivers/gve_dev.h"
#include "drivers/device_wait.h"
#include "drivers/pci.h"
#include "arch/x86_64/irq.h"
#include "lib/log.h"

static void rx_doorbell(struct gve *g, uint32_t v)
{
    gve_doorbell_write(g, g->irq_index[GVE_NOTIFY_RX], v);
}

void gve_irq_rx(void *arg)
{
    struct gve *g = arg;
    __atomic_add_fetch(&g->rx_irqs, 1, __ATOMIC_RELEASE);
    rx_doorbell(g, GVE_IRQ_DB_MASK);       /* no more until the poll arms it */
    if (g->nic.wakeup)
        g->nic.wakeup();
}

void gve_irq_mgmt(void *arg)
{
    struct gve *g = arg;
    __atomic_add_fetch(&g->mgmt_irqs, 1, __ATOMIC_RELEASE);
    __atomic_store_n(&g->status_pending, true, __ATOMIC_RELEASE);
    if (g->nic.wakeup)
        g->nic.wakeup();
}

void gve_irq_start(struct gve *g)
{
    g->irqs = true;
    g->nic.interrupts = true;
    g->rx_irqs_seen = __atomic_load_n(&g->rx_irqs, __ATOMIC_ACQUIRE);
    g->missed = 0;
    rx_doorbell(g, 0);                     /* armed (Linux's turn-up writes 0) */
}

/* The RX interrupt does not come: net/ polls the card from now on. */
static void give_up(struct gve *g)
{
    klog("gve: %s: %u polls in a row found frames and no receive interrupt came: the card is "
         "polled from now on", g->name, GVE_IRQ_MISSED_MAX);
    g->irqs = false;
    g->nic.interrupts = false;
    rx_doorbell(g, GVE_IRQ_DB_MASK);
}

void gve_irq_rearm(struct gve *g, bool took)
{
    if (!g->irqs || g->dead)
        return;
    uint64_t irqs = __atomic_load_n(&g->rx_irqs, __ATOMIC_ACQUIRE);
    if (irqs != g->rx_irqs_seen)
        g->missed = 0;
    else if (took && !g->self_woken && ++g->missed >= GVE_IRQ_MISSED_MAX) {
        give_up(g);
        return;
    }
    g->rx_irqs_seen = irqs;
    g->self_woken = false;
    rx_doorbell(g, GVE_IRQ_DB_ACK | GVE_IRQ_DB_EVENT);
    gve_fence();                           /* armed before we look again */
    if (gve_rx_pending(g)) {
        rx_doorbell(g, GVE_IRQ_DB_MASK);
        g->self_woken = true;
        if (g->nic.wakeup)
            g->nic.wakeup();
    }
}

/* One MSI-X entry aimed at the CPU that takes MSI-X messages, through a
 * vector of its own: the vector, or 0 when none is left. */
static unsigned route(struct pci_msix *m, unsigned entry, irq_fn fn, struct gve *g)
{
    int vector = irq_alloc_vector(fn, g);
    if (vector <= 0)
        return 0;
    pci_msix_set(m, entry, irq_msi_address(), irq_msi_data((unsigned)vector));
    return (unsigned)vector;
}

bool gve_irq_attach(struct gve *g, struct pci_device *pci)
{
    static struct pci_msix msix;           /* one card (gve.c) */
    if (device_wait_polled()) {
        klog("gve: %s: polled (kernel word dev-poll)", g->name);
        return false;
    }
    if (pci_msix_parse(pci->cfg, PCI_CFG_SIZE, pci->bar_size, &msix) < 0 || msix.entries < GVE_MSIX_ENTRIES ||
        pci_msix_enable(pci, &msix) < 0) {
        klog("gve: %s: no usable MSI-X (%u entries needed): polled", g->name, GVE_MSIX_ENTRIES);
        return false;
    }
    g->rx_vector = route(&msix, GVE_NOTIFY_RX, gve_irq_rx, g);
    g->mgmt_vector = route(&msix, GVE_NOTIFY_BLOCKS, gve_irq_mgmt, g);
    if (!g->rx_vector) {
        klog("gve: %s: no interrupt vector left: polled", g->name);
        if (g->mgmt_vector)
            irq_free_vector(g->mgmt_vector);
        pci_msix_disable(pci, &msix);
        return false;
    }
    gve_irq_start(g);
    klog("gve: %s: MSI-X: receive (notify block %u) on vector %#x, management on %#x", g->name,
         GVE_NOTIFY_RX, g->rx_vector, g->mgmt_vector);
    return true;
}
