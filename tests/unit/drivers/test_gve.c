/* kernel/drivers/gve*.c (the gVNIC driver) against a MODEL of the device
 * (gve_model.c).  The model is written from the protocol facts (register
 * map, admin commands, GQI-QPL descriptor layouts); neither it nor the
 * driver has met a real gVNIC, so these tests prove the driver consistent
 * with our reading of the protocol, and robust against a device answering
 * nonsense, not that it works on Google Cloud.
 *
 * Covered: the admin command sequence of bring-up and teardown (opcodes in
 * order, their fields as the model reads them), both admin queue set-ups
 * (PCI revision 0 and >= 1), frames of several sizes through TX and RX
 * with their bytes checked, ring wrap-around, a full TX queue, and every
 * misbehaviour the model can act out: each one refused or dropped with a
 * log line, the card marked down where it must be, nothing faulting (the
 * tests run under ASan and UBSan). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>
#include <setjmp.h>
#include <string.h>
#include <stdlib.h>
#include <cmocka.h>

#include "drivers/gve_dev.h"
#include "lib/errno.h"
#include "gve_model.h"
#include "shim.h"

static struct gve g;
static unsigned long dma_base;    /* buffers a failed earlier test left behind */

/* net/'s side: the frames the card handed up, copied. */
#define RECEIVED_MAX 128
static struct { size_t len; uint8_t data[NIC_FRAME_MAX]; } received[RECEIVED_MAX];
static unsigned nreceived;

static void receive(struct nic *nic, const void *frame, size_t len)
{
    assert_ptr_equal(nic, &g.nic);
    assert_true(len >= 14 && len <= NIC_FRAME_MAX);
    received[nreceived % RECEIVED_MAX].len = len;
    memcpy(received[nreceived % RECEIVED_MAX].data, frame, len);
    nreceived++;
}

static int setup(void **state)
{
    (void)state;
    memset(&g, 0, sizeof(g));
    gm_reset_model();
    nreceived = 0;
    shim_dma_fail = false;
    shim_klog_history[0] = 0;
    dma_base = shim_dma_live;
    return 0;
}

static int attach(void)
{
    int err = gve_attach(&g, "gve-test", (void *)1, (void *)1, gm.cfg.bar2_size, gm.cfg.revision);
    if (!err)
        g.nic.receive = receive;
    return err;
}

/* Detaches and checks the driver gave every DMA buffer back. */
static void detach_clean(void)
{
    gve_detach(&g);
    assert_false(g.leaked);
    assert_int_equal(shim_dma_live, dma_base);
}

static void expect_refused(const char *why);
static void send_and_check(size_t len, unsigned seed);

static void frame_pattern(uint8_t *f, size_t len, unsigned seed)
{
    for (size_t i = 0; i < len; i++)
        f[i] = (uint8_t)(seed * 131 + i * 7 + (i >> 8));
}

/* ---- bring-up and teardown ---- */

static void check_bringup_log(unsigned tx_pages, unsigned rx_pages)
{
    const struct gm_cmd *c = gm.log;
    assert_true(gm.nlog >= 6);
    /* DESCRIBE_DEVICE: version 1, a 4096-byte buffer */
    assert_int_equal(c[0].opcode, 0x01);
    assert_int_equal(c[0].payload[11], 1);
    assert_int_equal(c[0].payload[14] << 8 | c[0].payload[15], 4096);
    /* CONFIGURE_DEVICE_RESOURCES: all counters, 2 notify blocks of 64
     * bytes, management vector last, GQI-QPL */
    assert_int_equal(c[1].opcode, 0x02);
    assert_int_equal(gm.num_counters, gm.cfg.counters);
    assert_int_equal(gm.num_irq_dbs, 2);
    assert_int_equal(gm.irq_db_stride, 64);
    assert_int_equal(c[1].payload[31], 0);
    assert_int_equal(gm.queue_format, 2);
    /* REGISTER_PAGE_LIST id 0 (TX), then CREATE_TX_QUEUE on it */
    assert_int_equal(c[2].opcode, 0x03);
    assert_int_equal(c[2].payload[3], 0);
    assert_int_equal(c[2].payload[6] << 8 | c[2].payload[7], tx_pages);
    assert_int_equal(c[2].payload[22] << 8 | c[2].payload[23], 4096);   /* page_size */
    assert_int_equal(c[3].opcode, 0x05);
    assert_int_equal(c[3].payload[27], 0);             /* QPL id */
    assert_int_equal(c[3].payload[31], 0);             /* notify block 0 */
    assert_int_equal(gm.tx_size, gm.cfg.tx_entries);
    /* REGISTER_PAGE_LIST id 1 (RX), then CREATE_RX_QUEUE */
    assert_int_equal(c[4].opcode, 0x03);
    assert_int_equal(c[4].payload[3], 1);
    assert_int_equal(c[4].payload[6] << 8 | c[4].payload[7], rx_pages);
    assert_int_equal(c[5].opcode, 0x06);
    assert_int_equal(c[5].payload[15], 1);             /* notify block 1 */
    assert_int_equal(c[5].payload[43], 1);             /* QPL id */
    assert_int_equal(gm.rx_buf_size, 2048);
    assert_int_equal(gm.rx_size, gm.cfg.rx_entries);
    assert_true(gm.qpl_live[0] && gm.qpl_live[1] && gm.tx_live && gm.rx_live);
    /* every receive buffer posted, both notify blocks masked */
    assert_int_equal(gm.rx_fill, gm.cfg.rx_entries);
    assert_int_equal(gm.irq_db_writes, 2);
}

static void check_teardown_log(unsigned from)
{
    static const uint32_t order[] = { 0x08, 0x04, 0x07, 0x04, 0x09 };
    assert_int_equal(gm.nlog, from + 5);
    for (unsigned i = 0; i < 5; i++)
        assert_int_equal(gm.log[from + i].opcode, order[i]);
    assert_int_equal(gm.log[from + 1].payload[3], 1);   /* RX QPL first */
    assert_int_equal(gm.log[from + 3].payload[3], 0);
}

static void test_bringup_revision1(void **state)
{
    (void)state;
    assert_int_equal(attach(), 0);
    assert_int_equal(gm.aq_length, 4096);
    assert_int_equal(gm.driver_status, 1);              /* RUN */
    assert_int_equal(gm.nlog, 6);
    check_bringup_log(16, 32);
    assert_memory_equal(g.nic.mac, gm.cfg.mac, 6);
    assert_int_equal(g.nic.mtu, 1460);
    assert_int_equal(gm.mtu_set, 0);
    assert_true(g.nic.link_up);
    assert_int_equal(gm.violations, 0);
    gve_detach(&g);
    check_teardown_log(6);
    assert_int_equal(gm.resets, 1);
    assert_false(gm.configured || gm.tx_live || gm.rx_live || gm.qpl_live[0] || gm.qpl_live[1]);
    assert_int_equal(shim_dma_live, dma_base);
    assert_int_equal(gm.violations, 0);
}

static void test_bringup_revision0(void **state)
{
    (void)state;
    gm.cfg.revision = 0;
    shim_dma_low = true;          /* a page number must fit the 32-bit register */
    int err = attach();
    shim_dma_low = false;
    assert_int_equal(err, 0);
    assert_int_not_equal(gm.adminq_pfn, 0);
    assert_int_equal(gm.aq_length, 0);
    check_bringup_log(16, 32);
    assert_int_equal(gm.violations, 0);
    detach_clean();
    assert_int_equal(gm.resets, 1);
    assert_int_equal(gm.adminq_pfn, 0);
    assert_int_equal(gm.violations, 0);
}

/* On a revision 0 device the admin queue's page number must fit 32 bits:
 * above 16 TiB the driver refuses instead of truncating it. */
static void test_revision0_high_admin_queue(void **state)
{
    (void)state;
    gm.cfg.revision = 0;
    expect_refused("out of reach of the PFN register");
    assert_int_equal(gm.nlog, 0);
    assert_int_equal(gm.adminq_pfn, 0);
}

/* A jumbo-frame device is told 1500: our buffers hold 1514-byte frames. */
static void test_large_device_mtu_lowered(void **state)
{
    (void)state;
    gm.cfg.mtu = 8896;
    assert_int_equal(attach(), 0);
    assert_int_equal(gm.log[1].opcode, 0x0b);           /* right after DESCRIBE */
    assert_int_equal(gm.mtu_set, 1500);
    assert_int_equal(g.nic.mtu, 1500);
    send_and_check(1514, 1);                            /* a full 1500-byte payload */
    assert_int_equal(gm.violations, 0);
    detach_clean();
}

static void test_link_down_at_start(void **state)
{
    (void)state;
    gm.cfg.link_up = false;
    assert_int_equal(attach(), 0);
    assert_false(g.nic.link_up);
    uint8_t f[60] = { 0 };
    assert_int_equal(g.nic.send(&g.nic, f, sizeof(f)), -EIO);
    gm.cfg.link_up = true;
    g.nic.poll(&g.nic);                                 /* first poll reads the status */
    assert_true(g.nic.link_up);
    assert_int_equal(g.nic.send(&g.nic, f, sizeof(f)), 0);
    detach_clean();
}

/* ---- transmit and receive ---- */

static void send_and_check(size_t len, unsigned seed)
{
    uint8_t f[NIC_FRAME_MAX];
    frame_pattern(f, len, seed);
    unsigned sent = gm.nsent, got = nreceived;
    assert_int_equal(g.nic.send(&g.nic, f, len), 0);
    if (sent < GM_FRAMES_MAX) {
        assert_int_equal(gm.nsent, sent + 1);
        assert_int_equal(gm.sent[sent].len, len);
        assert_memory_equal(gm.sent[sent].data, f, len);
    }
    g.nic.poll(&g.nic);
    assert_int_equal(nreceived, got + 1);
    unsigned r = got % RECEIVED_MAX;
    assert_int_equal(received[r].len, len);
    assert_memory_equal(received[r].data, f, len);
}

static void test_frames_of_several_sizes(void **state)
{
    (void)state;
    assert_int_equal(attach(), 0);
    static const size_t sizes[] = { 14, 42, 60, 64, 65, 577, 1000, 1473, 1474 };
    for (unsigned i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++)
        send_and_check(sizes[i], i);
    uint8_t f[NIC_FRAME_MAX + 1] = { 0 };
    assert_int_equal(g.nic.mtu, 1460);                  /* the device's (GCP's default) */
    assert_int_equal(g.nic.send(&g.nic, f, 1460 + 14 + 1), -EINVAL);
    assert_int_equal(g.nic.send(&g.nic, f, 13), -EINVAL);
    assert_int_equal(g.nic.send(&g.nic, f, NIC_FRAME_MAX + 1), -EINVAL);
    assert_int_equal(gm.violations, 0);
    detach_clean();
}

/* 1000 frames: the 64-entry RX ring laps 15 times (the sequence numbers
 * 1..7 wrap against it), the 256-entry TX ring and its 32 slots lap too. */
static void test_many_frames_wrap(void **state)
{
    (void)state;
    assert_int_equal(attach(), 0);
    for (unsigned i = 0; i < 1000; i++)
        send_and_check(60 + (i * 37) % (1474 - 59), i);     /* up to the MTU of 1460 */
    assert_int_equal(g.rx.cnt, 1000);
    assert_int_equal(g.tx.req, 1000);
    assert_int_equal(g.tx.done, 1000);
    assert_true(g.nic.link_up);
    assert_int_equal(gm.violations, 0);
    detach_clean();
}

/* Frames arriving faster than they are polled: the ring fills, the
 * device drops the rest, what arrived comes up in order. */
static void test_burst_fills_rx_ring(void **state)
{
    (void)state;
    assert_int_equal(attach(), 0);
    uint8_t f[200];
    for (unsigned i = 0; i < 100; i++) {
        frame_pattern(f, sizeof(f), i);
        gm_deliver(f, sizeof(f));
    }
    assert_int_equal(gm.rx_dropped, 100 - 64);
    g.nic.poll(&g.nic);
    assert_int_equal(nreceived, 64);
    for (unsigned i = 0; i < 64; i++) {
        frame_pattern(f, sizeof(f), i);
        assert_memory_equal(received[i].data, f, sizeof(f));
    }
    assert_int_equal(gm.rx_fill - gm.rx_head, 64);      /* all buffers back */
    assert_true(gm_deliver(f, sizeof(f)));
    g.nic.poll(&g.nic);
    assert_int_equal(nreceived, 65);
    detach_clean();
}

/* A device slow to finish transmits: 32 slots in flight, then -EAGAIN. */
static void test_tx_queue_full(void **state)
{
    (void)state;
    assert_int_equal(attach(), 0);
    gm.tx_hold = true;
    gm.loopback = false;
    uint8_t f[100] = { 0 };
    for (unsigned i = 0; i < 32; i++)
        assert_int_equal(g.nic.send(&g.nic, f, sizeof(f)), 0);
    assert_int_equal(g.nic.send(&g.nic, f, sizeof(f)), -EAGAIN);
    gm_tx_flush();
    assert_int_equal(gm.nsent, 32);
    assert_int_equal(g.nic.send(&g.nic, f, sizeof(f)), 0);
    assert_true(g.nic.link_up);
    assert_int_equal(gm.violations, 0);
    detach_clean();
}

/* ---- a device answering nonsense during bring-up ---- */

/* Bring-up must fail cleanly: no card, the device reset, every DMA
 * buffer returned, a log line containing `why`. */
static void expect_refused(const char *why)
{
    shim_klog_history[0] = 0;
    assert_int_not_equal(attach(), 0);
    if (!strstr(shim_klog_history, why))
        fail_msg("no log line with \"%s\" in:\n%s", why, shim_klog_history);
    assert_false(g.nic.link_up);
    assert_false(g.leaked);
    assert_int_equal(shim_dma_live, dma_base);
    /* the last line says the card is not used; the reason came before */
    assert_non_null(strstr(shim_klog_last, "not used"));
}

static void test_bad_status_on_each_command(void **state)
{
    static const uint32_t ops[] = { 0x01, 0x02, 0x03, 0x05, 0x06 };
    for (unsigned i = 0; i < sizeof(ops) / sizeof(ops[0]); i++) {
        setup(state);
        gm.faults.fail_opcode = ops[i];
        gm.faults.fail_status = i % 2 ? 0xfffffff7 : 0;   /* INVALID_ARGUMENT, UNSET */
        expect_refused(i % 2 ? "INVALID_ARGUMENT" : "UNSET");
        assert_int_equal(gm.resets, 1);
        assert_false(gm.configured || gm.tx_live || gm.rx_live);
        assert_int_equal(gm.violations, 0);
    }
}

static void test_absurd_descriptions(void **state)
{
    for (unsigned i = 0; i < 13; i++) {
        setup(state);
        struct gm_config *c = &gm.cfg;
        switch (i) {
        case 0: c->mtu = 100; break;
        case 1: c->mtu = 65535; break;
        case 2: c->tx_entries = 3; break;
        case 3: c->rx_entries = 0; break;
        case 4: c->rx_entries = 8192; break;
        case 5: c->tx_entries = 65535; break;
        case 6: c->counters = 0; break;
        case 7: c->counters = 65535; break;
        case 8: c->tx_pages = 0; break;
        case 9: c->rx_pages = 8; break;                 /* 16 buffers for 64 entries */
        case 10: c->max_registered_pages = 40; break;  /* 16 + 32 wanted */
        case 11: memset(c->mac, 0, 6); break;
        case 12: c->mac[0] = 0x01; break;              /* multicast */
        }
        expect_refused("DESCRIBE_DEVICE: ");
        assert_int_equal(gm.nlog, 1);                   /* nothing after DESCRIBE */
        assert_int_equal(gm.resets, 1);
    }
}

static void test_options_overrun(void **state)
{
    (void)state;
    gm.faults.options_overrun = true;
    expect_refused("runs past the descriptor");
    assert_int_equal(gm.nlog, 1);
}

static void test_no_queues(void **state)
{
    (void)state;
    gm.cfg.max_rx_queues = 0;
    assert_int_equal(attach(), -EIO);
    assert_int_equal(gm.nlog, 0);
    assert_int_equal(shim_dma_live, dma_base);
}

/* Doorbell, counter and notify-block indices the device hands back must
 * lie in BAR2 and in the counter array. */
static void test_bad_indices(void **state)
{
    for (unsigned i = 0; i < 4; i++) {
        setup(state);
        switch (i) {
        case 0: gm.faults.tx_db_index = GM_BAR2_SIZE / 4; break;
        case 1: gm.faults.rx_db_index = 0xffffffff; break;
        case 2: gm.faults.rx_counter_index = gm.cfg.counters; break;
        case 3: gm.faults.irq_index_base = GM_BAR2_SIZE / 4 - 1; break;
        }
        expect_refused(i == 2 ? "event counter index" : "doorbell index");
        assert_int_equal(gm.violations, 0);            /* no write outside BAR2 */
    }
}

/* An admin queue that stops answering: a bounded wait (2 s of model time),
 * then a reset, no hang. */
static void test_admin_timeout(void **state)
{
    (void)state;
    gm.faults.silent_opcode = 0x05;
    uint64_t t0 = gm_clock_ns();
    expect_refused("CREATE_TX_QUEUE: no completion in 2000 ms");
    uint64_t waited = gm_clock_ns() - t0;
    assert_true(waited >= 2000000000ull && waited < 2100000000ull);
    assert_int_equal(gm.nlog, 4);                       /* nothing sent after the silence */
    assert_true(g.dead);
    assert_int_equal(gm.resets, 1);
}

static void test_event_counter_jump(void **state)
{
    (void)state;
    gm.faults.jump_opcode = 0x02;
    expect_refused("event counter 3, expected 1 or 2");
    assert_int_equal(gm.nlog, 2);
}

/* A device that never confirms its reset keeps its memory: the driver
 * frees nothing it gave it. */
static void test_reset_never_confirmed(void **state)
{
    (void)state;
    gm.faults.fail_opcode = 0x06;
    gm.faults.fail_status = 0xfffffff6;
    gm.faults.no_reset = true;
    assert_int_not_equal(attach(), 0);
    assert_true(g.leaked);
    assert_true(shim_dma_live > dma_base);
    assert_non_null(strstr(shim_klog_history, "not used"));
    assert_non_null(strstr(shim_klog_history, "its memory is left to it"));
}

static void test_out_of_dma_memory(void **state)
{
    (void)state;
    shim_dma_fail = true;
    assert_int_equal(attach(), -ENOMEM);
    shim_dma_fail = false;
    assert_int_equal(shim_dma_live, dma_base);
}

/* ---- a device answering nonsense while running ---- */

static void expect_down(const char *why)
{
    assert_false(g.nic.link_up);
    assert_true(g.dead);
    assert_non_null(strstr(shim_klog_history, "the card is down"));
    if (!strstr(shim_klog_history, why))
        fail_msg("no log line with \"%s\" in:\n%s", why, shim_klog_history);
    uint8_t f[60] = { 0 };
    assert_int_equal(g.nic.send(&g.nic, f, sizeof(f)), -EIO);
    unsigned got = nreceived;
    gm_deliver(f, sizeof(f));
    g.nic.poll(&g.nic);
    assert_int_equal(nreceived, got);                   /* nothing taken any more */
    detach_clean();
}

static void test_wrong_sequence_number(void **state)
{
    (void)state;
    assert_int_equal(attach(), 0);
    send_and_check(100, 1);                             /* entry 0 had sequence 1 */
    gm.faults.bad_seq_next = 5;                         /* 2 expected, 0 = not yet */
    uint8_t f[100] = { 0 };
    assert_int_equal(g.nic.send(&g.nic, f, sizeof(f)), 0);
    g.nic.poll(&g.nic);
    assert_int_equal(nreceived, 1);
    expect_down("has sequence number 5, expected 2");
}

static void test_rx_length_past_buffer(void **state)
{
    (void)state;
    assert_int_equal(attach(), 0);
    gm.faults.rx_len_next = 4000;
    uint8_t f[100] = { 0 };
    assert_true(gm_deliver(f, sizeof(f)));
    g.nic.poll(&g.nic);
    assert_int_equal(nreceived, 0);
    expect_down("claims 4000 bytes");
}

/* Lengths that fit the buffer but not an Ethernet frame, a frame the
 * device flagged as bad, a frame over two buffers: dropped, card up. */
static void test_rx_frames_dropped(void **state)
{
    (void)state;
    assert_int_equal(attach(), 0);
    uint8_t f[100] = { 0 };
    gm.faults.rx_len_next = 1600;                       /* 1598 > 1514 */
    gm_deliver(f, sizeof(f));
    gm.faults.rx_len_next = 5;                          /* shorter than the pad + header */
    gm_deliver(f, sizeof(f));
    gm.faults.rx_flags_next = 1u << 11;                 /* ERR */
    gm_deliver(f, sizeof(f));
    gm.faults.rx_flags_next = 1u << 13;                 /* PKT_CONT: this and the next */
    gm_deliver(f, sizeof(f));
    gm_deliver(f, sizeof(f));
    g.nic.poll(&g.nic);
    assert_int_equal(nreceived, 0);
    assert_true(g.nic.link_up);
    assert_false(g.dead);
    for (unsigned i = 0; i < 70; i++)                   /* and the ring still works */
        send_and_check(60 + i, i);
    assert_int_equal(gm.violations, 0);
    detach_clean();
}

/* A device scribbling over the data ring (driver-written, device-read):
 * the driver never reads it back, rewrites each slot when it reposts the
 * buffer, and frames keep arriving intact. */
static void test_scribbled_data_ring(void **state)
{
    (void)state;
    assert_int_equal(attach(), 0);
    gm.faults.scribble_data_ring = true;
    for (unsigned i = 0; i < 200; i++)
        send_and_check(60 + i, i);
    assert_int_equal(gm.violations, 0);                 /* the model never saw an offset outside the QPL */
    assert_true(g.nic.link_up);
    detach_clean();
}

static void test_tx_counter_ahead(void **state)
{
    (void)state;
    assert_int_equal(attach(), 0);
    gm.faults.tx_counter_skew = 1000;
    uint8_t f[100] = { 0 };
    assert_int_equal(g.nic.send(&g.nic, f, sizeof(f)), 0);
    g.nic.poll(&g.nic);
    expect_down("TX event counter 1001");
}

static void test_device_asks_for_reset(void **state)
{
    (void)state;
    assert_int_equal(attach(), 0);
    gm.faults.ask_reset = true;
    for (unsigned i = 0; i < 64; i++)                   /* the status is read every 64 polls */
        g.nic.poll(&g.nic);
    expect_down("asked for a reset");
}

/* The model's own checks are not vacuous: a TX descriptor pointing past
 * the queue page list, and a doorbell nobody was given, are reported. */
static void test_model_catches_driver_errors(void **state)
{
    (void)state;
    assert_int_equal(attach(), 0);
    uint8_t *d = (uint8_t *)g.tx.ring.va + (g.tx.req & (g.tx.entries - 1)) * 16;
    memset(d, 0, 16);
    d[3] = 1;
    gve_put16(d + 4, 100);
    gve_put16(d + 6, 100);
    gve_put64(d + 8, (uint64_t)g.tx.qpl.pages * 4096);  /* just past the end */
    gve_doorbell_write(&g, g.tx.db_index, g.tx.req + 1);
    assert_int_equal(gm.violations, 1);
    assert_non_null(strstr(gm.violation, "outside the TX queue page list"));
    gve_doorbell_write(&g, 7, 1);
    assert_int_equal(gm.violations, 2);
    assert_non_null(strstr(gm.violation, "nobody was given"));
    g.tx.req++;                   /* keep the driver's count in step for teardown */
    gve_detach(&g);
    assert_int_equal(shim_dma_live, dma_base);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_bringup_revision1, setup),
        cmocka_unit_test_setup(test_bringup_revision0, setup),
        cmocka_unit_test_setup(test_revision0_high_admin_queue, setup),
        cmocka_unit_test_setup(test_large_device_mtu_lowered, setup),
        cmocka_unit_test_setup(test_link_down_at_start, setup),
        cmocka_unit_test_setup(test_frames_of_several_sizes, setup),
        cmocka_unit_test_setup(test_many_frames_wrap, setup),
        cmocka_unit_test_setup(test_burst_fills_rx_ring, setup),
        cmocka_unit_test_setup(test_tx_queue_full, setup),
        cmocka_unit_test_setup(test_bad_status_on_each_command, setup),
        cmocka_unit_test_setup(test_absurd_descriptions, setup),
        cmocka_unit_test_setup(test_options_overrun, setup),
        cmocka_unit_test_setup(test_no_queues, setup),
        cmocka_unit_test_setup(test_bad_indices, setup),
        cmocka_unit_test_setup(test_admin_timeout, setup),
        cmocka_unit_test_setup(test_event_counter_jump, setup),
        cmocka_unit_test_setup(test_reset_never_confirmed, setup),
        cmocka_unit_test_setup(test_out_of_dma_memory, setup),
        cmocka_unit_test_setup(test_wrong_sequence_number, setup),
        cmocka_unit_test_setup(test_rx_length_past_buffer, setup),
        cmocka_unit_test_setup(test_rx_frames_dropped, setup),
        cmocka_unit_test_setup(test_scribbled_data_ring, setup),
        cmocka_unit_test_setup(test_tx_counter_ahead, setup),
        cmocka_unit_test_setup(test_device_asks_for_reset, setup),
        cmocka_unit_test_setup(test_model_catches_driver_errors, setup),
    };
    return cmocka_run_group_tests_name("drivers_gve", tests, NULL, NULL);
}
