/* The shared side of the gVNIC host tests (test_gve.c, test_gve_faults.c):
 * the driver's card, net/'s receive function, bring-up and teardown with a
 * check that every DMA buffer came back, and a frame sent through the
 * model's loopback and checked on the way back. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>
#include <setjmp.h>
#include <string.h>
#include <stdlib.h>
#include <cmocka.h>

#include "gve_harness.h"
#include "gve_model.h"
#include "shim.h"

struct gve g;
unsigned long dma_base;    /* buffers a failed earlier test left behind */

/* net/'s side: the frames the card handed up, copied. */
struct gve_received received[RECEIVED_MAX];
unsigned nreceived;

static void receive(struct nic *nic, const void *frame, size_t len)
{
    assert_ptr_equal(nic, &g.nic);
    assert_true(len >= 14 && len <= NIC_FRAME_MAX);
    received[nreceived % RECEIVED_MAX].len = len;
    memcpy(received[nreceived % RECEIVED_MAX].data, frame, len);
    nreceived++;
}

int setup(void **state)
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

int attach(void)
{
    int err = gve_attach(&g, "gve-test", (void *)1, (void *)1, gm.cfg.bar2_size, gm.cfg.revision);
    if (!err)
        g.nic.receive = receive;
    return err;
}

/* Detaches and checks the driver gave every DMA buffer back. */
void detach_clean(void)
{
    gve_detach(&g);
    assert_false(g.leaked);
    assert_int_equal(shim_dma_live, dma_base);
}


void frame_pattern(uint8_t *f, size_t len, unsigned seed)
{
    for (size_t i = 0; i < len; i++)
        f[i] = (uint8_t)(seed * 131 + i * 7 + (i >> 8));
}

void send_and_check(size_t len, unsigned seed)
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

/* Bring-up must fail cleanly: no card, the device reset, every DMA
 * buffer returned, a log line containing `why`. */
void expect_refused(const char *why)
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
