/* gVNIC interrupts (kernel/drivers/gve_irq.c) against the MODEL of the
 * device (gve_model.c), which raises MSI-X entry i for notify block i when
 * a frame arrives and the block is armed, and nothing when it is masked.
 * The test plays PCI and the CPU: gve_irq_attach finds an MSI-X table of
 * the model's size, allocates vectors and writes them into table entries
 * (recorded here); a raised entry runs the handler of the vector the
 * driver wrote into that entry, as the CPU would.  It also plays net/'s
 * thread: nic->wakeup counts wake-ups, after which the test calls
 * nic->poll.  Neither the model nor the driver has met a real gVNIC.
 *
 * Covered: a frame raises one interrupt, the handler masks the block and
 * wakes the thread, a frame while masked raises none, the poll hands both
 * up and acknowledges and arms the block again (ACK | EVENT); a frame that
 * lands while the block is still masked, just before the re-arm, is found
 * by the look after arming (the thread is woken again); a device whose
 * interrupts never come still delivers every frame on the backstop poll,
 * and after GVE_IRQ_MISSED_MAX such polls the card is switched to polling;
 * a link change raises the management interrupt and the next poll reads
 * the link state; without MSI-X (none, too few entries, no vector left,
 * the kernel word dev-poll) nothing is armed and the card is polled. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>
#include <setjmp.h>
#include <string.h>
#include <stdlib.h>
#include <cmocka.h>

#include "drivers/gve_dev.h"
#include "drivers/pci.h"
#include "drivers/device_wait.h"
#include "arch/x86_64/irq.h"
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

/* ---- PCI and the CPU's vectors, played by the test ---- */

#define FIRST_VECTOR 0x30
static struct {
    unsigned table_entries;          /* the card's MSI-X table size */
    bool enable_fails, polled;       /* pci_msix_enable fails; dev-poll */
    unsigned vectors_left;
    irq_fn fn[16];                   /* by vector - FIRST_VECTOR */
    void *arg[16];
    uint32_t entry_data[GM_MSIX_MAX]; /* what the driver wrote: the vector */
    bool enabled;
} P;
static struct pci_device pci_dev;

int pci_msix_parse(const uint8_t *cfg, size_t len, const uint64_t bar_size[6], struct pci_msix *m)
{
    (void)cfg; (void)len; (void)bar_size;
    if (!P.table_entries)
        return -ENODEV;
    *m = (struct pci_msix){ .cap = 0x40, .entries = P.table_entries };
    return 0;
}
int pci_msix_enable(struct pci_device *d, struct pci_msix *m)
{
    (void)d; (void)m;
    if (P.enable_fails)
        return -EINVAL;
    P.enabled = true;
    return 0;
}
void pci_msix_disable(struct pci_device *d, struct pci_msix *m) { (void)d; (void)m; P.enabled = false; }
void pci_msix_set(struct pci_msix *m, unsigned entry, uint64_t address, uint32_t data)
{
    assert_true(entry < m->entries && entry < GM_MSIX_MAX);
    assert_int_equal(address, 0xfee00000u);
    P.entry_data[entry] = data;
}
int irq_alloc_vector(irq_fn fn, void *arg)
{
    if (!P.vectors_left)
        return -ENOSPC;
    unsigned i = 16 - P.vectors_left--;
    P.fn[i] = fn;
    P.arg[i] = arg;
    return (int)(FIRST_VECTOR + i);
}
void irq_free_vector(unsigned vector) { P.fn[vector - FIRST_VECTOR] = 0; }
uint64_t irq_msi_address(void) { return 0xfee00000u; }
uint32_t irq_msi_data(unsigned vector) { return vector; }
bool device_wait_polled(void) { return P.polled; }

/* The CPU: the message of an entry carries the vector the driver wrote
 * there; that vector's handler runs. */
static void msix(unsigned entry)
{
    handled[entry]++;
    assert_true(P.enabled);
    unsigned v = P.entry_data[entry];
    if (v < FIRST_VECTOR || v >= FIRST_VECTOR + 16 || !P.fn[v - FIRST_VECTOR])
        fail_msg("MSI-X entry %u raised: no vector is wired to it", entry);
    P.fn[v - FIRST_VECTOR](P.arg[v - FIRST_VECTOR]);
}

/* gve_irq_attach on a card with MSI-X: true. */
static void start(void)
{
    assert_true(gve_irq_attach(&g, &pci_dev));
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
    memset(&P, 0, sizeof(P));
    P.table_entries = GVE_MSIX_ENTRIES;
    P.vectors_left = 16;
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
    start();
    assert_non_null(strstr(shim_klog_history, "MSI-X: receive (notify block 1) on vector 0x30, management on 0x31"));
    assert_int_equal(P.entry_data[GVE_NOTIFY_TX], 0);   /* TX: no vector */
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
    start();
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
    start();
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
    start();
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
    start();
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
    start();
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
    P.table_entries = 0;
    assert_false(gve_irq_attach(&g, &pci_dev));
    assert_non_null(strstr(shim_klog_history, "no usable MSI-X"));
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

/* Every other way to end up polled: too few table entries, a table that
 * cannot be enabled, no vector left, the kernel word dev-poll. */
static void test_other_polled_fallbacks(void **state)
{
    (void)state;
    P.table_entries = GVE_MSIX_ENTRIES - 1;
    assert_false(gve_irq_attach(&g, &pci_dev));
    P.table_entries = GVE_MSIX_ENTRIES;
    P.enable_fails = true;
    assert_false(gve_irq_attach(&g, &pci_dev));
    P.enable_fails = false;
    P.vectors_left = 0;
    assert_false(gve_irq_attach(&g, &pci_dev));
    assert_false(P.enabled);                            /* given back */
    assert_non_null(strstr(shim_klog_history, "no interrupt vector left: polled"));
    P.vectors_left = 16;
    P.polled = true;
    assert_false(gve_irq_attach(&g, &pci_dev));
    assert_non_null(strstr(shim_klog_history, "polled (kernel word dev-poll)"));
    assert_false(g.nic.interrupts);
    assert_true(gm.block_masked[GVE_NOTIFY_RX]);
    assert_true(deliver(1));
    assert_int_equal(gm.msix_raised[GVE_NOTIFY_RX], 0);
    g.nic.poll(&g.nic);
    assert_int_equal(nreceived, 1);
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
        cmocka_unit_test_setup_teardown(test_other_polled_fallbacks, setup, teardown),
    };
    return cmocka_run_group_tests(tests, 0, 0);
}
