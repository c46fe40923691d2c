/* kernel/drivers/gve*.c (the gVNIC driver) against a MODEL of the device
 * (gve_model.c).  The model is written from the protocol facts (register
 * map, admin commands, GQI-QPL descriptor layouts); neither it nor the
 * driver has met a real gVNIC, so these tests prove the driver consistent
 * with our reading of the protocol, and robust against a device answering
 * nonsense, not that it works on Google Cloud.
 *
 * Covered here: the admin command sequence of bring-up and teardown
 * (opcodes in order, their fields as the model reads them), both admin
 * queue set-ups (PCI revision 0 and >= 1), the MTU and link state the
 * device describes, frames of several sizes through TX and RX with their
 * bytes checked, ring wrap-around, a full TX queue.  A device answering
 * nonsense: test_gve_faults.c; interrupts: test_gve_irq.c. */
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
    };
    return cmocka_run_group_tests_name("drivers_gve", tests, NULL, NULL);
}
