/* gVNIC interrupts (kernel/drivers/gve_irq.c) against the MODEL of the
 * device (gve_model.c), which raises MSI-X entry i for notify block i when
 * a frame arrives and the block is armed, and nothing when it is masked.
 * The test plays the CPU: a raised entry calls the handler wired to it
 * (gve_irq_rx on the RX block's entry 1, gve_irq_mgmt on the management
 * entry 2), and net/'s thread: nic->wakeup counts wake-ups, after which
 * the test calls nic->poll.  Neither the model nor the driver has met a
 * real gVNIC.
 *
 * Covered: a frame raises one interrupt, the handler masks the block and
 * wakes the thread, a frame while masked raises none, the poll hands both
 * up and acknowledges and arms the block again (ACK | EVENT); a frame that
 * lands while the block is still masked, just before the re-arm, is found
 * by the look after arming (the thread is woken again); a device whose
 * interrupts never come still delivers every frame on the backstop poll,
 * and after GVE_IRQ_MISSED_MAX such polls the card is switched to polling;
 * a link change raises the management interrupt and the next poll reads
 * the link state; without gve_irq_start (no MSI-X) nothing is armed. */
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
static unsigned nreceived, wakeups, handled[GM_MSIX_MAX];

static void receive(struct nic *nic, const void *frame, size_t len)
{
    (void)nic;
    (void)frame;
    (void)len;
    nreceived++;
}

static void wakeup(void)
{
    wakeups++;
}

/* The CPU: the vector wired to the entry runs its handler. */
static void msix(unsigned entry)
{
    handled[entry]++;
    if (entry == GVE_NOTIFY_RX)
        gve_irq_rx(&g);
    else if (entry == GVE_NOTIFY_BLOCKS)
        gve_irq_mgmt(&g);
    else
        fail_msg("MSI-X entry %u raised: no handler is wired to it", entry);
}

static int setup(void **state)
{
    (void)state;
    memset(&g, 0, sizeof(g));
    gm_reset_model();
    gm_msix_hook = msix;
    nreceived = wakeups = 0;
    memset(handled, 0, sizeof(handled));
    shim_dma_fail = false;
    shim_klog_history[0] = 0;
    assert_int_equal(gve_attach(&g, "gve-test", (void *)1, (void *)1, gm.cfg.bar2_size, gm.cfg.revision), 0);
    g.nic.receive = receive;
    g.nic.wakeup = wakeup;
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    gve_detach(&g);
    assert_int_equal(gm.violations, 0);
    return 0;
}

static void frame(uint8_t *f, size_t len, unsigned seed)
{
    for (size_t i = 0; i < len; i++)
        f[i] = (uint8_t)(seed * 13 + i);
}

static bool deliver(unsigned seed)
{
    uint8_t f[60];
    frame(f, sizeof(f), seed);
    return gm_deliver(f, sizeof(f));
}

static void test_rx_interrupt_masks_wakes_rearms(void **state)
{
    (void)state;
    assert_true(gm.block_masked[GVE_NOTIFY_RX]);        /* masked until started */
    gve_irq_start(&g);
    assert_true(g.nic.interrupts);
    assert_false(gm.block_masked[GVE_NOTIFY_RX]);
    assert_true(gm.block_masked[GVE_NOTIFY_TX]);        /* TX never interrupts */
    assert_int_equal(gm.rx_ntfy, GVE_NOTIFY_RX);

    assert_true(deliver(1));
    assert_int_equal(gm.msix_raised[GVE_NOTIFY_RX], 1);
    assert_int_equal(handled[GVE_NOTIFY_RX], 1);
    assert_int_equal(wakeups, 1);
    assert_true(gm.block_masked[GVE_NOTIFY_RX]);        /* the handler masked it */
    assert_int_equal(gm.block_last[GVE_NOTIFY_RX], GVE_IRQ_DB_MASK);

    assert_true(deliver(2));                            /* masked: no interrupt */
    assert_int_equal(gm.msix_raised[GVE_NOTIFY_RX], 1);
    assert_int_equal(gm.irq_held, 1);
    assert_int_equal(nreceived, 0);                     /* nothing until the thread polls */

    g.nic.poll(&g.nic);                                 /* the woken thread */
    assert_int_equal(nreceived, 2);
    assert_false(gm.block_masked[GVE_NOTIFY_RX]);
    assert_int_equal(gm.block_last[GVE_NOTIFY_RX], GVE_IRQ_DB_ACK | GVE_IRQ_DB_EVENT);
    assert_int_equal(gm.block_acks[GVE_NOTIFY_RX], 1);
    assert_int_equal(wakeups, 1);                       /* nothing left: no self wake-up */

    for (unsigned i = 0; i < 5; i++) {                  /* one interrupt per frame and poll */
        assert_true(deliver(3 + i));
        assert_int_equal(wakeups, 2 + i);
        g.nic.poll(&g.nic);
    }
    assert_int_equal(nreceived, 7);
    assert_int_equal(gm.msix_raised[GVE_NOTIFY_RX], 6);
    assert_int_equal(gm.msix_raised[GVE_NOTIFY_TX], 0);
    assert_int_equal(g.rx_irqs, 6);
}

/* Sent frames loop back into RX: the receive interrupt comes from inside
 * the send, as a real one may. */
static void test_loopback_send_interrupts(void **state)
{
    (void)state;
    gve_irq_start(&g);
    uint8_t f[100];
    frame(f, sizeof(f), 9);
    assert_int_equal(g.nic.send(&g.nic, f, sizeof(f)), 0);
    assert_int_equal(wakeups, 1);
    g.nic.poll(&g.nic);
    assert_int_equal(nreceived, 1);
    assert_false(gm.block_masked[GVE_NOTIFY_RX]);
}

/* A frame that lands after the poll looked and before the block is armed
 * again raises nothing: the look after arming must find it. */
static void test_frame_just_before_rearm(void **state)
{
    (void)state;
    gve_irq_start(&g);
    assert_true(deliver(1));
    assert_int_equal(wakeups, 1);
    frame(gm.faults.frame_before_ack, 60, 2);
    gm.faults.frame_before_ack_len = 60;
    g.nic.poll(&g.nic);
    assert_int_equal(nreceived, 1);
    assert_int_equal(gm.irq_held, 1);                   /* it came while masked */
    assert_int_equal(gm.msix_raised[GVE_NOTIFY_RX], 1);
    assert_int_equal(wakeups, 2);                       /* the driver woke the thread itself */
    assert_true(gm.block_masked[GVE_NOTIFY_RX]);        /* and masked the block again */
    g.nic.poll(&g.nic);
    assert_int_equal(nreceived, 2);
    assert_false(gm.block_masked[GVE_NOTIFY_RX]);
    assert_true(deliver(3));                            /* interrupts go on */
    assert_int_equal(gm.msix_raised[GVE_NOTIFY_RX], 2);
    assert_int_equal(wakeups, 3);
}

/* MSI-X messages that go nowhere: the backstop poll (net/'s thread sleeps
 * at most NET_IDLE_NS) still takes every frame; after GVE_IRQ_MISSED_MAX
 * such polls in a row the card says it is polled, so net/ polls it on its
 * short clock. */
static void test_device_never_interrupts(void **state)
{
    (void)state;
    gm.faults.never_interrupt = true;
    gve_irq_start(&g);
    for (unsigned i = 0; i < GVE_IRQ_MISSED_MAX; i++) {
        assert_true(g.nic.interrupts);
        assert_true(deliver(i));
        g.nic.poll(&g.nic);                             /* the backstop */
        assert_int_equal(nreceived, i + 1);
    }
    assert_int_equal(wakeups, 0);
    assert_int_equal(gm.irq_lost, GVE_IRQ_MISSED_MAX);
    assert_false(g.nic.interrupts);
    assert_false(g.irqs);
    assert_true(gm.block_masked[GVE_NOTIFY_RX]);
    assert_non_null(strstr(shim_klog_history, "no receive interrupt came: the card is polled"));
    assert_true(deliver(100));
    g.nic.poll(&g.nic);
    assert_int_equal(nreceived, GVE_IRQ_MISSED_MAX + 1);
}

/* Polls that find nothing, or frames after interrupts, never count as
 * missed interrupts. */
static void test_idle_polls_do_not_give_up(void **state)
{
    (void)state;
    gve_irq_start(&g);
    for (unsigned i = 0; i < 4 * GVE_IRQ_MISSED_MAX; i++) {
        g.nic.poll(&g.nic);
        if (i % 3 == 0) {
            assert_true(deliver(i));
            g.nic.poll(&g.nic);
        }
    }
    assert_true(g.nic.interrupts);
    assert_int_equal(nreceived, gm.msix_raised[GVE_NOTIFY_RX]);
}

static void test_link_change_interrupt(void **state)
{
    (void)state;
    gve_irq_start(&g);
    assert_true(g.nic.link_up);
    g.nic.poll(&g.nic);                                 /* the periodic status read is done */
    gm_set_link(false);
    assert_int_equal(gm.msix_raised[GVE_NOTIFY_BLOCKS], 1);
    assert_int_equal(handled[GVE_NOTIFY_BLOCKS], 1);
    assert_int_equal(wakeups, 1);
    assert_true(g.nic.link_up);                         /* not read in the handler */
    g.nic.poll(&g.nic);
    assert_false(g.nic.link_up);
    uint8_t f[60] = { 0 };
    assert_int_equal(g.nic.send(&g.nic, f, sizeof(f)), -EIO);
    gm_set_link(true);
    g.nic.poll(&g.nic);
    assert_true(g.nic.link_up);
    assert_int_equal(g.nic.send(&g.nic, f, sizeof(f)), 0);
    assert_non_null(strstr(shim_klog_history, "link down"));
}

/* No MSI-X: nothing armed, nothing raised, frames taken by polling. */
static void test_polled_without_msix(void **state)
{
    (void)state;
    assert_false(g.nic.interrupts);
    for (unsigned i = 0; i < 3; i++) {
        assert_true(deliver(i));
        g.nic.poll(&g.nic);
    }
    assert_int_equal(nreceived, 3);
    assert_int_equal(gm.msix_raised[GVE_NOTIFY_RX], 0);
    assert_int_equal(gm.irq_held, 3);
    assert_int_equal(wakeups, 0);
    assert_true(gm.block_masked[GVE_NOTIFY_RX]);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_rx_interrupt_masks_wakes_rearms, setup, teardown),
        cmocka_unit_test_setup_teardown(test_loopback_send_interrupts, setup, teardown),
        cmocka_unit_test_setup_teardown(test_frame_just_before_rearm, setup, teardown),
        cmocka_unit_test_setup_teardown(test_device_never_interrupts, setup, teardown),
        cmocka_unit_test_setup_teardown(test_idle_polls_do_not_give_up, setup, teardown),
        cmocka_unit_test_setup_teardown(test_link_change_interrupt, setup, teardown),
        cmocka_unit_test_setup_teardown(test_polled_without_msix, setup, teardown),
    };
    return cmocka_run_group_tests(tests, 0, 0);
}
