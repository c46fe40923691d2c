/* A MODEL of a gVNIC (see gve_model.h).  Written from the protocol facts:
 * its constants are spelled out here again, not taken from the driver's
 * headers, so a misread offset on one side shows up as a failed test.
 * Untested against a real device; where the real one behaves differently,
 * this model is wrong too. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "gve_model.h"
#include "shim.h"

struct gve;                       /* the driver's state: not looked into */

struct gve_model gm;

/* registers (BAR0, big-endian on the bus; values here are CPU order) */
enum {
    R_DEVICE_STATUS = 0x00, R_DRIVER_STATUS = 0x04, R_MAX_TX = 0x08, R_MAX_RX = 0x0c,
    R_AQ_PFN = 0x10, R_AQ_DOORBELL = 0x14, R_AQ_EVENTS = 0x18, R_AQ_HI = 0x20,
    R_AQ_LO = 0x24, R_AQ_LENGTH = 0x28,
};
enum { DS_RESET = 1u << 1, DS_LINK = 1u << 2, DS_IS_RESET = 1u << 4, DR_RUN = 1, DR_RESET = 2 };
enum {
    OP_DESCRIBE = 1, OP_CONFIGURE, OP_REGISTER, OP_UNREGISTER, OP_CREATE_TX, OP_CREATE_RX,
    OP_DESTROY_TX, OP_DESTROY_RX, OP_DECONFIGURE, OP_SET_PARAM = 0x0b,
};
enum { ST_PASSED = 1, ST_INVALID_ARGUMENT = 0xfffffff7, ST_UNIMPLEMENTED = 0xfffffffe };

/* ---- model time: each look at the clock is 1 ms later ---- */

static uint64_t now_ns;
uint64_t clock_monotonic_ns(void)
{
    return now_ns += 1000000;
}

uint64_t gm_clock_ns(void)
{
    return now_ns;
}

/* ---- helpers ---- */

static uint32_t be32(const uint8_t *p) { return (uint32_t)p[0] << 24 | p[1] << 16 | p[2] << 8 | p[3]; }
static uint16_t be16(const uint8_t *p) { return (uint16_t)(p[0] << 8 | p[1]); }
static uint64_t be64(const uint8_t *p) { return (uint64_t)be32(p) << 32 | be32(p + 4); }
static void put16(uint8_t *p, uint16_t v) { p[0] = v >> 8; p[1] = (uint8_t)v; }
static void put32(uint8_t *p, uint32_t v) { put16(p, v >> 16); put16(p + 2, (uint16_t)v); }
static void put64(uint8_t *p, uint64_t v) { put32(p, v >> 32); put32(p + 4, (uint32_t)v); }

static void violation(const char *what, unsigned long long v)
{
    gm.violations++;
    snprintf(gm.violation, sizeof(gm.violation), "%s (%llu)", what, v);
    fprintf(stderr, "# gve model: driver violation: %s\n", gm.violation);
}

/* A device address the driver gave us: it must lie in the DMA heap. */
static uint8_t *dma(uint64_t addr, size_t len, const char *what)
{
    if (!shim_dma_contains(addr, len)) {
        violation(what, addr);
        return NULL;
    }
    return (uint8_t *)(uintptr_t)addr;
}

/* Byte `off` of queue page list `id`, with `len` bytes in the same page. */
static uint8_t *qpl_at(uint32_t id, uint64_t off, size_t len)
{
    if (id >= GM_QPL_MAX || !gm.qpl_live[id] || off / 4096 >= gm.qpl_pages[id] ||
        off % 4096 + len > 4096)
        return NULL;
    return (uint8_t *)(uintptr_t)gm.qpl_page[id][off / 4096] + off % 4096;
}

void gm_reset_model(void)
{
    memset(&gm, 0, sizeof(gm));
    gm.cfg = (struct gm_config){
        .revision = 1, .max_tx_queues = 16, .max_rx_queues = 16, .max_registered_pages = 1024,
        .tx_entries = 256, .rx_entries = 64, .default_queues = 1, .mtu = 1460, .counters = 32,
        .tx_pages = 16, .rx_pages = 32, .mac = { 0x42, 0x01, 0x0a, 0x80, 0x00, 0x02 },
        .offer_gqi_qpl = true, .bar2_size = GM_BAR2_SIZE, .link_up = true,
    };
    gm.faults = (struct gm_faults){
        .tx_db_index = 2, .rx_db_index = 3, .tx_counter_index = 5, .rx_counter_index = 6,
        .irq_index_base = 16,
    };
    gm.loopback = true;
    gm.rx_seq = 1;
}

static void device_reset(void)
{
    struct gm_config cfg = gm.cfg;
    struct gm_faults faults = gm.faults;
    bool loopback = gm.loopback;
    unsigned resets = gm.resets + 1, nlog = gm.nlog, violations = gm.violations;
    struct gm_cmd log[GM_LOG_MAX];
    memcpy(log, gm.log, sizeof(log));
    char why[256];
    memcpy(why, gm.violation, sizeof(why));
    memset(&gm, 0, sizeof(gm));
    gm.cfg = cfg;
    gm.faults = faults;
    gm.loopback = loopback;
    gm.resets = resets;
    gm.nlog = nlog;
    memcpy(gm.log, log, sizeof(log));
    gm.violations = violations;
    memcpy(gm.violation, why, sizeof(why));
    gm.rx_seq = 1;
}

/* ---- admin commands ---- */

static uint32_t describe(const uint8_t *p)
{
    uint64_t addr = be64(p);
    uint32_t version = be32(p + 8), avail = be32(p + 12);
    uint8_t *d = dma(addr, avail, "DESCRIBE_DEVICE buffer outside the DMA heap");
    if (!d || version != 1 || avail < 64)
        return ST_INVALID_ARGUMENT;
    memset(d, 0, avail);
    const struct gm_config *c = &gm.cfg;
    put64(d, c->max_registered_pages);
    put16(d + 10, c->tx_entries);
    put16(d + 12, c->rx_entries);
    put16(d + 14, c->default_queues);
    put16(d + 16, c->mtu);
    put16(d + 18, c->counters);
    put16(d + 20, c->tx_pages);
    put16(d + 22, c->rx_pages);
    memcpy(d + 24, c->mac, 6);
    unsigned total = 40, n = 0;
    if (c->offer_gqi_qpl) {              /* id 3, length 4, mask 0; data: features 0 */
        put16(d + total, 3);
        put16(d + total + 2, 4);
        total += 12;
        n++;
    }
    if (gm.faults.options_overrun) {     /* claims 200 bytes, 0 follow */
        put16(d + total, 8);
        put16(d + total + 2, 200);
        total += 8;
        n++;
    }
    put16(d + 30, (uint16_t)n);
    put16(d + 32, (uint16_t)total);
    return ST_PASSED;
}

static uint32_t configure(const uint8_t *p)
{
    gm.counter_array = be64(p);
    gm.irq_db = be64(p + 8);
    gm.num_counters = be32(p + 16);
    gm.num_irq_dbs = be32(p + 20);
    gm.irq_db_stride = be32(p + 24);
    gm.queue_format = p[32];
    if (gm.configured || gm.num_counters != gm.cfg.counters || gm.irq_db_stride < 4 ||
        gm.num_irq_dbs == 0 || be32(p + 28) > 1)
        return ST_INVALID_ARGUMENT;
    if (!dma(gm.counter_array, 4ull * gm.num_counters, "counter array outside the DMA heap") ||
        !dma(gm.irq_db, (uint64_t)gm.irq_db_stride * gm.num_irq_dbs, "IRQ doorbell array outside the DMA heap"))
        return ST_INVALID_ARGUMENT;
    if (gm.queue_format != 2)            /* this model only does GQI-QPL */
        return ST_UNIMPLEMENTED;
    for (uint32_t i = 0; i < gm.num_irq_dbs; i++) {
        put32((uint8_t *)(uintptr_t)gm.irq_db + i * gm.irq_db_stride, gm.faults.irq_index_base + i);
        if (i < GM_BLOCKS_MAX)
            gm.block_masked[i] = true;      /* until the driver arms it */
    }
    gm.configured = true;
    return ST_PASSED;
}

static uint32_t register_qpl(const uint8_t *p)
{
    uint32_t id = be32(p), n = be32(p + 4);
    uint64_t used = 0;
    for (unsigned i = 0; i < GM_QPL_MAX; i++)
        used += gm.qpl_live[i] ? gm.qpl_pages[i] : 0;
    uint64_t page_size = be64(p + 16);   /* newer drivers: 4096; older: 0 */
    if (page_size != 0 && page_size != 4096)
        return ST_INVALID_ARGUMENT;
    if (id >= GM_QPL_MAX || gm.qpl_live[id] || n == 0 || n > GM_QPL_PAGES ||
        used + n > gm.cfg.max_registered_pages)
        return ST_INVALID_ARGUMENT;
    uint8_t *list = dma(be64(p + 8), 8ull * n, "page list outside the DMA heap");
    if (!list)
        return ST_INVALID_ARGUMENT;
    for (uint32_t i = 0; i < n; i++) {
        uint64_t page = be64(list + 8 * i);
        if (page % 4096 || !dma(page, 4096, "QPL page outside the DMA heap"))
            return ST_INVALID_ARGUMENT;
        gm.qpl_page[id][i] = page;
    }
    gm.qpl_pages[id] = n;
    gm.qpl_live[id] = true;
    return ST_PASSED;
}

static uint32_t create_tx(const uint8_t *p)
{
    uint32_t qid = be32(p), qpl = be32(p + 24);
    uint8_t *res = dma(be64(p + 8), 64, "TX queue resources outside the DMA heap");
    gm.tx_ring = be64(p + 16);
    gm.tx_qpl = qpl;
    gm.tx_size = be16(p + 40);
    if (!gm.configured || gm.tx_live || qid != 0 || !res || qpl >= GM_QPL_MAX ||
        !gm.qpl_live[qpl] || gm.tx_size != gm.cfg.tx_entries ||
        !dma(gm.tx_ring, 16ull * gm.cfg.tx_entries, "TX ring outside the DMA heap"))
        return ST_INVALID_ARGUMENT;
    put32(res, gm.faults.tx_db_index);
    put32(res + 4, gm.faults.tx_counter_index);
    gm.tx_live = true;
    return ST_PASSED;
}

static uint32_t create_rx(const uint8_t *p)
{
    uint32_t qid = be32(p), qpl = be32(p + 40);
    uint8_t *res = dma(be64(p + 16), 64, "RX queue resources outside the DMA heap");
    gm.rx_desc = be64(p + 24);
    gm.rx_data = be64(p + 32);
    gm.rx_qpl = qpl;
    gm.rx_size = be16(p + 44);
    gm.rx_ntfy = be32(p + 12);
    gm.rx_buf_size = be16(p + 46);
    if (!gm.configured || gm.rx_live || qid != 0 || be32(p + 4) != 0 || !res ||
        qpl >= GM_QPL_MAX || !gm.qpl_live[qpl] || qpl == gm.tx_qpl ||
        gm.rx_size != gm.cfg.rx_entries || gm.rx_buf_size != 2048 || gm.rx_ntfy >= gm.num_irq_dbs ||
        !dma(gm.rx_desc, 64ull * gm.rx_size, "RX descriptor ring outside the DMA heap") ||
        !dma(gm.rx_data, 8ull * gm.rx_size, "RX data ring outside the DMA heap"))
        return ST_INVALID_ARGUMENT;
    put32(res, gm.faults.rx_db_index);
    put32(res + 4, gm.faults.rx_counter_index);
    gm.rx_live = true;
    gm.rx_seq = 1;
    return ST_PASSED;
}

static uint32_t run(uint32_t op, const uint8_t *p)
{
    switch (op) {
    case OP_DESCRIBE: return describe(p);
    case OP_CONFIGURE: return configure(p);
    case OP_REGISTER: return register_qpl(p);
    case OP_UNREGISTER: {
        uint32_t id = be32(p);
        if (id >= GM_QPL_MAX || !gm.qpl_live[id] || (gm.tx_live && id == gm.tx_qpl) ||
            (gm.rx_live && id == gm.rx_qpl))
            return ST_INVALID_ARGUMENT;
        gm.qpl_live[id] = false;
        return ST_PASSED;
    }
    case OP_CREATE_TX: return create_tx(p);
    case OP_CREATE_RX: return create_rx(p);
    case OP_DESTROY_TX:
    case OP_DESTROY_RX: {
        bool *live = op == OP_DESTROY_TX ? &gm.tx_live : &gm.rx_live;
        if (be32(p) != 0 || !*live)
            return ST_INVALID_ARGUMENT;
        *live = false;
        return ST_PASSED;
    }
    case OP_DECONFIGURE:
        if (!gm.configured || gm.tx_live || gm.rx_live)
            return ST_INVALID_ARGUMENT;
        gm.configured = false;
        return ST_PASSED;
    case OP_SET_PARAM:
        if (be32(p) != 1 || be64(p + 8) < 576 || be64(p + 8) > gm.cfg.mtu)
            return ST_INVALID_ARGUMENT;
        gm.mtu_set = be64(p + 8);
        return ST_PASSED;
    default:
        return ST_UNIMPLEMENTED;
    }
}

static uint8_t *admin_queue(void)
{
    uint64_t addr = gm.cfg.revision == 0 ? (uint64_t)gm.adminq_pfn * 4096
                                         : (uint64_t)gm.aq_hi << 32 | gm.aq_lo;
    if (!gm.aq_set || addr % 4096)
        return NULL;
    return dma(addr, 4096, "admin queue outside the DMA heap");
}

static void admin_doorbell(uint32_t v)
{
    gm.aq_doorbell = v;
    uint8_t *aq = admin_queue();
    if (!aq) {
        violation("admin doorbell rung before the admin queue was set up", v);
        return;
    }
    if (v - gm.aq_events > 64) {
        violation("admin doorbell past the ring", v);
        return;
    }
    while (gm.aq_events != v) {
        uint8_t *cmd = aq + (gm.aq_events % 64) * 64;
        uint32_t op = be32(cmd);
        if (gm.nlog < GM_LOG_MAX) {
            gm.log[gm.nlog].opcode = op;
            memcpy(gm.log[gm.nlog].payload, cmd + 8, 56);
            gm.nlog++;
        }
        if (op == gm.faults.silent_opcode)
            return;                      /* never completes: the driver must time out */
        uint32_t status = op == gm.faults.fail_opcode ? gm.faults.fail_status : run(op, cmd + 8);
        put32(cmd + 4, status);
        gm.aq_events += op == gm.faults.jump_opcode ? 2 : 1;
        if (op == gm.faults.jump_opcode)
            return;
    }
}

/* ---- registers ---- */

uint32_t gve_reg_read32(struct gve *g, unsigned off)
{
    (void)g;
    switch (off) {
    case R_DEVICE_STATUS:
        return (gm.cfg.link_up ? DS_LINK : 0) | (gm.faults.ask_reset ? DS_RESET : 0) |
               (gm.device_status & DS_IS_RESET);
    case R_MAX_TX: return gm.cfg.max_tx_queues;
    case R_MAX_RX: return gm.cfg.max_rx_queues;
    case R_AQ_PFN: return gm.adminq_pfn;
    case R_AQ_EVENTS: return gm.aq_events;
    case R_DRIVER_STATUS: return gm.driver_status;
    default:
        violation("read of an unknown register", off);
        return 0;
    }
}

void gve_reg_write32(struct gve *g, unsigned off, uint32_t v)
{
    (void)g;
    switch (off) {
    case R_AQ_PFN:
        if (gm.cfg.revision != 0)
            violation("PFN register written on a revision >= 1 device", v);
        if (v == 0) {
            if (!gm.faults.no_reset)
                device_reset();
            return;
        }
        gm.adminq_pfn = v;
        gm.aq_set = true;
        return;
    case R_AQ_DOORBELL: admin_doorbell(v); return;
    case R_AQ_HI: gm.aq_hi = v; return;
    case R_AQ_LO: gm.aq_lo = v; return;
    case R_DRIVER_STATUS:
        if (gm.cfg.revision == 0)
            violation("driver_status written on a revision 0 device", v);
        if (v & DR_RESET) {
            if (!gm.faults.no_reset) {
                device_reset();
                gm.device_status |= DS_IS_RESET;
            }
            return;
        }
        gm.driver_status = v;
        if ((v & DR_RUN) && gm.aq_length == 4096)
            gm.aq_set = true;
        else if (v & DR_RUN)
            violation("RUN without a 4096-byte admin queue length", gm.aq_length);
        return;
    default:
        violation("write to an unknown or read-only register", off);
    }
}

void gve_reg_write16(struct gve *g, unsigned off, uint16_t v)
{
    (void)g;
    if (off == R_AQ_LENGTH && gm.cfg.revision != 0)
        gm.aq_length = v;
    else
        violation("16-bit write to an unknown register", off);
}

/* ---- interrupts ---- */

void (*gm_msix_hook)(unsigned entry);

static void raise_msix(unsigned entry)
{
    if (gm.faults.never_interrupt) {
        gm.irq_lost++;
        return;
    }
    gm.msix_raised[entry]++;
    if (gm_msix_hook)
        gm_msix_hook(entry);
}

void gm_set_link(bool up)
{
    gm.cfg.link_up = up;
    if (gm.configured && gm.num_irq_dbs < GM_MSIX_MAX)
        raise_msix(gm.num_irq_dbs);          /* management: after the blocks */
}

static void irq_doorbell(unsigned block, uint32_t v)
{
    gm.irq_db_writes++;
    if (block >= GM_BLOCKS_MAX)
        return;
    if ((v & 0x80000000u) && gm.faults.frame_before_ack_len) {
        size_t len = gm.faults.frame_before_ack_len;
        gm.faults.frame_before_ack_len = 0;
        gm_deliver(gm.faults.frame_before_ack, len);
    }
    gm.block_last[block] = v;
    gm.block_acks[block] += (v & 0x80000000u) != 0;
    gm.block_masked[block] = (v & 0x40000000u) != 0;
}

/* ---- transmit and receive ---- */

bool gm_deliver(const void *frame, size_t len)
{
    if (!gm.rx_live || gm.rx_fill == gm.rx_head) {
        gm.rx_dropped++;
        return false;
    }
    unsigned i = gm.rx_head & (gm.rx_size - 1);
    uint8_t *slot = (uint8_t *)(uintptr_t)gm.rx_data + 8 * i;
    uint8_t *desc = (uint8_t *)(uintptr_t)gm.rx_desc + 64 * i;
    uint8_t *buf = qpl_at(gm.rx_qpl, be64(slot), 2048);
    if (!buf) {
        violation("RX data slot outside the RX queue page list", be64(slot));
        gm.rx_dropped++;
        return false;
    }
    memcpy(buf + 2, frame, len < 2046 ? len : 2046);   /* the 2-byte pad first */
    unsigned wire_len = gm.faults.rx_len_next ? gm.faults.rx_len_next : (unsigned)len + 2;
    uint8_t seq = gm.faults.bad_seq_next ? (uint8_t)gm.faults.bad_seq_next : gm.rx_seq;
    put16(desc + 60, (uint16_t)wire_len);
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
    put16(desc + 62, (uint16_t)(gm.faults.rx_flags_next | seq));
    gm.faults.rx_len_next = gm.faults.bad_seq_next = 0;
    gm.faults.rx_flags_next = 0;
    gm.rx_seq = gm.rx_seq == 7 ? 1 : gm.rx_seq + 1;
    gm.rx_head++;
    if (gm.rx_ntfy < GM_BLOCKS_MAX && gm.block_masked[gm.rx_ntfy])
        gm.irq_held++;
    else if (gm.rx_ntfy < GM_BLOCKS_MAX)
        raise_msix(gm.rx_ntfy);
    if (gm.faults.scribble_data_ring)
        put64(slot, 0xdead0000ull);      /* a hostile device may write shared memory */
    return true;
}

/* One packet: a STD descriptor and desc_cnt - 1 SEG descriptors. */
static void transmit_one(void)
{
    const uint8_t *ring = (const uint8_t *)(uintptr_t)gm.tx_ring;
    const uint8_t *d = ring + 16 * (gm.tx_head & (gm.tx_size - 1));
    unsigned cnt = d[3], len = be16(d + 4), got = 0;
    struct gm_frame f = { 0 };
    if ((d[0] >> 4) != 0 || cnt == 0 || len > sizeof(f.data)) {
        violation("TX packet descriptor with a bad type, count or length", d[0] << 16 | cnt);
        gm.tx_head += cnt ? cnt : 1;
        return;
    }
    for (unsigned k = 0; k < cnt; k++) {
        const uint8_t *s = ring + 16 * ((gm.tx_head + k) & (gm.tx_size - 1));
        if (k > 0 && (s[0] >> 4) != 2)
            violation("TX continuation that is not a SEG descriptor", s[0]);
        unsigned seg = be16(s + 6);
        uint64_t off = be64(s + 8);
        const uint8_t *src = qpl_at(gm.tx_qpl, off, seg);
        if (!src || got + seg > len) {
            violation("TX segment outside the TX queue page list (or past the packet)", off);
            gm.tx_head += cnt;
            return;
        }
        memcpy(f.data + got, src, seg);
        got += seg;
    }
    gm.tx_head += cnt;
    if (got != len) {
        violation("TX segments do not add up to the packet length", got);
        return;
    }
    f.len = len;
    if (gm.nsent < GM_FRAMES_MAX)
        gm.sent[gm.nsent++] = f;
    if (gm.loopback)
        gm_deliver(f.data, f.len);
}

void gm_tx_flush(void)
{
    while (gm.tx_head != gm.tx_req)
        transmit_one();
    gm.tx_done = gm.tx_head;
    if (gm.faults.tx_counter_index < gm.num_counters)
        put32((uint8_t *)(uintptr_t)gm.counter_array + 4 * gm.faults.tx_counter_index,
              gm.tx_done + (uint32_t)gm.faults.tx_counter_skew);
}

void gve_doorbell_write(struct gve *g, uint32_t index, uint32_t v)
{
    (void)g;
    if ((uint64_t)index * 4 + 4 > gm.cfg.bar2_size) {
        violation("doorbell write outside BAR2", index);
        return;
    }
    if (gm.configured && index >= gm.faults.irq_index_base &&
        index < gm.faults.irq_index_base + gm.num_irq_dbs) {
        irq_doorbell(index - gm.faults.irq_index_base, v);
        return;
    }
    if (gm.tx_live && index == gm.faults.tx_db_index) {
        if (v - gm.tx_head > gm.tx_size) {
            violation("TX doorbell more than a ring ahead", v);
            return;
        }
        gm.tx_req = v;
        if (!gm.tx_hold)
            gm_tx_flush();
        return;
    }
    if (gm.rx_live && index == gm.faults.rx_db_index) {
        if (v - gm.rx_head > gm.rx_size)
            violation("RX fill count more than a ring ahead", v);
        else
            gm.rx_fill = v;
        return;
    }
    violation("write to a doorbell nobody was given", index);
}
