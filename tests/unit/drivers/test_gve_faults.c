/* kernel/drivers/gve*.c (the gVNIC driver) against a MODEL of the device
 * (gve_model.c) acting out every misbehaviour it can: bad status on each
 * admin command, absurd descriptions, bad indices, timeouts, a reset never
 * confirmed, DMA memory running out, receive descriptors out of order or
 * past their buffer, a scribbled data ring, a TX counter ahead of what was
 * sent, a reset request; each one refused or dropped with a log line, the
 * card marked down where it must be, nothing faulting (the tests run under
 * ASan and UBSan).  Neither the model nor the driver has met a real gVNIC. */
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
#include "gve_harness.h"
#include "gve_model.h"
#include "shim.h"

/* ---- a device answering nonsense during bring-up ---- */

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
    return cmocka_run_group_tests_name("drivers_gve_faults", tests, NULL, NULL);
}
