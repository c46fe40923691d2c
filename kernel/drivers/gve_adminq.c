/* gVNIC admin queue: one page of 64-byte commands, issued one at a time
 * (doorbell = commands issued so far), completed when the device's event
 * counter reaches the doorbell value, within a deadline.  Every answer is
 * checked: the status, the event counter (it may only move to the value we
 * rang), and every number the device writes back (ring sizes, counter and
 * doorbell indices).  Nonsense = a log line and an error, never a fault. */
#include "drivers/gve_dev.h"
#include "drivers/clock.h"
#include "mm/heap.h"
#include "lib/errno.h"
#include "lib/log.h"
#include "lib/string.h"

#define AQ_WAIT_NS 2000000000ull      /* Linux: 100 polls of 20 ms */
#define RESET_WAIT_NS 10000000000ull  /* Linux: 500 polls of 20 ms */
#define DESC_BYTES 40
#define DESC_BUF 4096
#define PARAM_MTU 1
#define OP_SET_DRIVER_PARAMETER 0x0b

static const char *op_name(uint32_t op)
{
    static const char *const names[] = {
        "?", "DESCRIBE_DEVICE", "CONFIGURE_DEVICE_RESOURCES", "REGISTER_PAGE_LIST",
        "UNREGISTER_PAGE_LIST", "CREATE_TX_QUEUE", "CREATE_RX_QUEUE", "DESTROY_TX_QUEUE",
        "DESTROY_RX_QUEUE", "DECONFIGURE_DEVICE_RESOURCES", "?", "SET_DRIVER_PARAMETER",
    };
    return op < sizeof(names) / sizeof(names[0]) ? names[op] : "?";
}

static const char *status_name(uint32_t s)
{
    static const char *const errors[] = {
        "ABORTED", "ALREADY_EXISTS", "CANCELLED", "DATALOSS", "DEADLINE_EXCEEDED",
        "FAILED_PRECONDITION", "INTERNAL_ERROR", "INVALID_ARGUMENT", "NOT_FOUND",
        "OUT_OF_RANGE", "PERMISSION_DENIED", "UNAUTHENTICATED", "RESOURCE_EXHAUSTED",
        "UNAVAILABLE", "UNIMPLEMENTED", "UNKNOWN_ERROR",
    };
    if (s == 0)
        return "UNSET";
    return s >= 0xfffffff0u ? errors[s - 0xfffffff0u] : "not a status code";
}

static inline void cpu_relax(void)
{
    __asm__ volatile("pause" ::: "memory");
}

void gve_failed(struct gve *g, const char *why)
{
    if (!g->dead)
        klog("gve: %s: %s; the card is down", g->name, why);
    g->dead = true;
    g->nic.link_up = false;
}

int gve_adminq_start(struct gve *g)
{
    int err = dma_alloc(GVE_AQ_BYTES, GVE_PAGE, &g->aq);
    if (err)
        return err;
    g->aq_prod = 0;
    if (g->revision == 0) {
        if (g->aq.device >> 44) {
            klog("gve: %s: admin queue above 16 TiB, out of reach of the PFN register", g->name);
            dma_free(&g->aq);
            return -EIO;
        }
        gve_reg_write32(g, GVE_REG_ADMINQ_PFN, (uint32_t)(g->aq.device / GVE_PAGE));
    } else {
        gve_reg_write16(g, GVE_REG_ADMINQ_LENGTH, GVE_AQ_BYTES);
        gve_reg_write32(g, GVE_REG_ADMINQ_ADDR_HI, (uint32_t)(g->aq.device >> 32));
        gve_reg_write32(g, GVE_REG_ADMINQ_ADDR_LO, (uint32_t)g->aq.device);
        gve_reg_write32(g, GVE_REG_DRIVER_STATUS, GVE_DRIVER_STATUS_RUN);
    }
    g->aq_live = true;
    return 0;
}

bool gve_reset(struct gve *g)
{
    uint64_t deadline = clock_monotonic_ns() + RESET_WAIT_NS;
    bool done = false;
    if (g->revision == 0) {
        gve_reg_write32(g, GVE_REG_ADMINQ_PFN, 0);
        while (!(done = gve_reg_read32(g, GVE_REG_ADMINQ_PFN) == 0) &&
               clock_monotonic_ns() < deadline)
            cpu_relax();
    } else {
        gve_reg_write32(g, GVE_REG_DRIVER_STATUS, GVE_DRIVER_STATUS_RESET);
        while (!(done = gve_reg_read32(g, GVE_REG_DEVICE_STATUS) & GVE_DEVICE_STATUS_IS_RESET) &&
               clock_monotonic_ns() < deadline)
            cpu_relax();
    }
    if (!done) {
        klog("gve: %s: the device did not confirm its reset in %llu s; its memory is left to "
             "it", g->name, RESET_WAIT_NS / 1000000000ull);
        return false;
    }
    g->aq_live = false;
    g->configured = g->tx.created = g->rx.created = false;
    g->tx.qpl.registered = g->rx.qpl.registered = false;
    return true;
}

/* Issues one command and waits for it: 0, or -EIO with a log line. */
static int aq_exec(struct gve *g, uint32_t op, const uint8_t *payload, size_t len)
{
    if (g->dead || !g->aq_live)
        return -EIO;
    volatile uint8_t *cmd = (volatile uint8_t *)g->aq.va + (g->aq_prod % GVE_AQ_SLOTS) * GVE_AQ_CMD_BYTES;
    for (unsigned i = 0; i < GVE_AQ_CMD_BYTES; i++)
        cmd[i] = 0;
    gve_put32(cmd, op);
    for (size_t i = 0; i < len && i < GVE_AQ_CMD_BYTES - GVE_AQ_PAYLOAD; i++)
        cmd[GVE_AQ_PAYLOAD + i] = payload[i];
    uint32_t before = g->aq_prod++;
    gve_fence();
    gve_reg_write32(g, GVE_REG_ADMINQ_DOORBELL, g->aq_prod);
    uint64_t deadline = clock_monotonic_ns() + g->aq_timeout_ns;
    for (;;) {
        uint32_t ev = gve_reg_read32(g, GVE_REG_ADMINQ_EVENT_COUNTER);
        if (ev == g->aq_prod)
            break;
        if (ev != before) {
            klog("gve: %s: %s: event counter %u, expected %u or %u", g->name, op_name(op), ev,
                 before, g->aq_prod);
            gve_failed(g, "the admin queue's event counter jumped");
            return -EIO;
        }
        if (clock_monotonic_ns() >= deadline) {
            klog("gve: %s: %s: no completion in %llu ms", g->name, op_name(op),
                 (unsigned long long)(g->aq_timeout_ns / 1000000));
            gve_failed(g, "the admin queue stopped answering");
            return -EIO;
        }
        cpu_relax();
    }
    gve_fence();
    uint32_t status = gve_be32(cmd + 4);
    if (status != GVE_STATUS_PASSED) {
        klog("gve: %s: %s failed: status 0x%x (%s)", g->name, op_name(op), status,
             status_name(status));
        return -EIO;
    }
    return 0;
}

static bool pow2_in(unsigned v, unsigned lo, unsigned hi)
{
    return v >= lo && v <= hi && (v & (v - 1)) == 0;
}

/* The options after the descriptor: each must end inside total_length. */
static int parse_options(struct gve *g, const uint8_t *desc, unsigned total)
{
    unsigned n = gve_be16(desc + 30), off = DESC_BYTES;
    for (unsigned i = 0; i < n; i++) {
        if (off + 8 > total || off + 8 + gve_be16(desc + off + 2) > total) {
            klog("gve: %s: device option %u of %u runs past the descriptor's %u bytes",
                 g->name, i + 1, n, total);
            return -EIO;
        }
        if (gve_be16(desc + off) == GVE_OPTION_GQI_QPL)
            g->d.offers_gqi_qpl = true;
        off += 8 + gve_be16(desc + off + 2);
    }
    return 0;
}

/* Checks a private copy of the device descriptor and keeps its values. */
static int check_descriptor(struct gve *g, const uint8_t *desc)
{
    struct gve_describe *d = &g->d;
    unsigned total = gve_be16(desc + 32);
    d->max_registered_pages = gve_be64(desc);
    d->tx_entries = gve_be16(desc + 10);
    d->rx_entries = gve_be16(desc + 12);
    d->mtu = gve_be16(desc + 16);
    d->counters = gve_be16(desc + 18);
    d->tx_pages = gve_be16(desc + 20);
    d->rx_pages = gve_be16(desc + 22);
    memcpy(d->mac, desc + 24, 6);
    const char *bad = 0;
    if (total < DESC_BYTES || total > DESC_BUF)
        bad = "a descriptor length out of range";
    else if (!pow2_in(d->tx_entries, GVE_RING_MIN, GVE_RING_MAX) ||
             !pow2_in(d->rx_entries, GVE_RING_MIN, GVE_RING_MAX))
        bad = "a ring size that is not a power of two in [16, 4096]";
    else if (d->mtu < 576 || d->mtu > 9216)
        bad = "an MTU outside [576, 9216]";
    else if (d->counters < 2 || d->counters > 4096)
        bad = "an event counter count outside [2, 4096]";
    else if (d->tx_pages == 0 || d->tx_pages > GVE_QPL_PAGES_MAX ||
             d->rx_pages > GVE_QPL_PAGES_MAX || (unsigned)d->rx_pages * 2 < d->rx_entries)
        bad = "queue page list sizes out of range";
    else if ((uint64_t)d->tx_pages + d->rx_pages > d->max_registered_pages)
        bad = "more pages per queue than it lets us register";
    else if ((d->mac[0] & 1) || !(d->mac[0] | d->mac[1] | d->mac[2] | d->mac[3] | d->mac[4] | d->mac[5]))
        bad = "a multicast or zero MAC address";
    if (bad) {
        klog("gve: %s: DESCRIBE_DEVICE: %s (tx %u rx %u entries, MTU %u, %u counters, "
             "%u+%u QPL pages of %llu, length %u)", g->name, bad, d->tx_entries, d->rx_entries,
             d->mtu, d->counters, d->tx_pages, d->rx_pages,
             (unsigned long long)d->max_registered_pages, total);
        return -EIO;
    }
    return parse_options(g, desc, total);
}

static int set_mtu(struct gve *g, uint16_t mtu)
{
    uint8_t p[16] = { 0 };
    gve_put32(p, PARAM_MTU);
    gve_put64(p + 8, mtu);
    return aq_exec(g, OP_SET_DRIVER_PARAMETER, p, sizeof(p));
}

int gve_describe(struct gve *g)
{
    struct dma_buffer buf;
    int err = dma_alloc(DESC_BUF, GVE_PAGE, &buf);
    if (err)
        return err;
    uint8_t p[16] = { 0 };
    gve_put64(p, buf.device);
    gve_put32(p + 8, 1);
    gve_put32(p + 12, DESC_BUF);
    err = aq_exec(g, GVE_OP_DESCRIBE_DEVICE, p, sizeof(p));
    uint8_t *copy = err ? 0 : kmalloc(DESC_BUF);
    if (!err && !copy)
        err = -ENOMEM;
    if (!err) {
        /* Checked and used from private memory: the device cannot change
         * a value between its check and its use. */
        memcpy(copy, buf.va, DESC_BUF);
        err = check_descriptor(g, copy);
    }
    kfree(copy);
    dma_free(&buf);
    /* Our buffers hold 1514-byte frames: a larger device MTU is lowered. */
    if (!err && g->d.mtu > 1500)
        err = set_mtu(g, 1500);
    return err;
}

/* A BAR2 doorbell index the device handed us, checked against the BAR. */
static bool doorbell_ok(struct gve *g, uint32_t index, const char *what)
{
    if ((uint64_t)index * 4 + 4 <= g->bar2_size)
        return true;
    klog("gve: %s: %s doorbell index %u is outside the %llu-byte doorbell BAR", g->name, what,
         index, (unsigned long long)g->bar2_size);
    return false;
}

int gve_configure(struct gve *g)
{
    size_t bytes = ((size_t)g->d.counters * 4 + GVE_PAGE - 1) / GVE_PAGE * GVE_PAGE;
    int err = dma_alloc(bytes, GVE_PAGE, &g->counters);
    if (!err)
        err = dma_alloc(GVE_NOTIFY_BLOCKS * GVE_IRQ_DB_STRIDE, GVE_IRQ_DB_STRIDE, &g->irq_db);
    if (err)
        return err;
    uint8_t p[40] = { 0 };
    gve_put64(p, g->counters.device);
    gve_put64(p + 8, g->irq_db.device);
    gve_put32(p + 16, g->d.counters);
    gve_put32(p + 20, GVE_NOTIFY_BLOCKS);
    gve_put32(p + 24, GVE_IRQ_DB_STRIDE);
    gve_put32(p + 28, 0);          /* block i = MSI-X vector i, management last */
    p[32] = GVE_QUEUE_FORMAT_GQI_QPL;
    if ((err = aq_exec(g, GVE_OP_CONFIGURE_RESOURCES, p, sizeof(p))) != 0)
        return err;
    g->configured = true;
    for (unsigned i = 0; i < GVE_NOTIFY_BLOCKS; i++) {
        g->irq_index[i] = gve_be32((uint8_t *)g->irq_db.va + i * GVE_IRQ_DB_STRIDE);
        if (!doorbell_ok(g, g->irq_index[i], "notify block"))
            return -EIO;
    }
    /* Masked until the queues are up; gve_irq.c arms the RX block. */
    for (unsigned i = 0; i < GVE_NOTIFY_BLOCKS; i++)
        gve_doorbell_write(g, g->irq_index[i], GVE_IRQ_DB_MASK);
    return 0;
}

int gve_deconfigure(struct gve *g)
{
    int err = aq_exec(g, GVE_OP_DECONFIGURE_RESOURCES, 0, 0);
    if (!err)
        g->configured = false;
    return err;
}

int gve_register_qpl(struct gve *g, struct gve_qpl *q)
{
    struct dma_buffer list;
    int err = dma_alloc((size_t)q->pages * 8, 8, &list);
    if (err)
        return err;
    for (unsigned i = 0; i < q->pages; i++)
        gve_put64((uint8_t *)list.va + 8 * i, q->mem.device + (uint64_t)i * GVE_PAGE);
    /* 24 bytes: current Linux adds page_size after the 16 bytes older
     * descriptions list; an older device sees zeros it ignores. */
    uint8_t p[24] = { 0 };
    gve_put32(p, q->id);
    gve_put32(p + 4, q->pages);
    gve_put64(p + 8, list.device);
    gve_put64(p + 16, GVE_PAGE);
    err = aq_exec(g, GVE_OP_REGISTER_PAGE_LIST, p, sizeof(p));
    /* The list is read while the command runs; after a timeout the device
     * may still read it, so it stays allocated (the card is dead anyway). */
    if (!g->dead)
        dma_free(&list);
    if (!err)
        q->registered = true;
    return err;
}

int gve_unregister_qpl(struct gve *g, struct gve_qpl *q)
{
    uint8_t p[4];
    gve_put32(p, q->id);
    int err = aq_exec(g, GVE_OP_UNREGISTER_PAGE_LIST, p, sizeof(p));
    if (!err)
        q->registered = false;
    return err;
}

/* The doorbell and counter indices the device wrote into a queue's
 * resources block. */
static int read_resources(struct gve *g, const struct dma_buffer *res, uint32_t *db,
                          uint32_t *counter, const char *what)
{
    *db = gve_be32(res->va);
    *counter = gve_be32((uint8_t *)res->va + 4);
    if (!doorbell_ok(g, *db, what))
        return -EIO;
    if (*counter >= g->d.counters) {
        klog("gve: %s: %s event counter index %u, but there are %u counters", g->name, what,
             *counter, g->d.counters);
        return -EIO;
    }
    return 0;
}

int gve_create_tx(struct gve *g)
{
    struct gve_tx *t = &g->tx;
    uint8_t p[48] = { 0 };
    gve_put32(p, 0);                       /* queue id */
    gve_put64(p + 8, t->res.device);
    gve_put64(p + 16, t->ring.device);
    gve_put32(p + 24, t->qpl.id);
    gve_put32(p + 28, 0);                  /* notify block 0 */
    gve_put16(p + 40, (uint16_t)t->entries);
    int err = aq_exec(g, GVE_OP_CREATE_TX_QUEUE, p, sizeof(p));
    if (err)
        return err;
    t->created = true;
    return read_resources(g, &t->res, &t->db_index, &t->counter_index, "TX queue");
}

int gve_create_rx(struct gve *g)
{
    struct gve_rx *r = &g->rx;
    uint8_t p[56] = { 0 };
    gve_put32(p, 0);                       /* queue id */
    gve_put32(p + 4, 0);                   /* index = queue id in GQI */
    gve_put32(p + 12, 1);                  /* notify block 1 */
    gve_put64(p + 16, r->res.device);
    gve_put64(p + 24, r->desc.device);
    gve_put64(p + 32, r->data.device);
    gve_put32(p + 40, r->qpl.id);
    gve_put16(p + 44, (uint16_t)r->entries);
    gve_put16(p + 46, GVE_BUF);
    int err = aq_exec(g, GVE_OP_CREATE_RX_QUEUE, p, sizeof(p));
    if (err)
        return err;
    r->created = true;
    return read_resources(g, &r->res, &r->db_index, &r->counter_index, "RX queue");
}

int gve_destroy_queue(struct gve *g, bool rx)
{
    uint8_t p[4];
    gve_put32(p, 0);
    int err = aq_exec(g, rx ? GVE_OP_DESTROY_RX_QUEUE : GVE_OP_DESTROY_TX_QUEUE, p, sizeof(p));
    if (!err) {
        if (rx)
            g->rx.created = false;
        else
            g->tx.created = false;
    }
    return err;
}
