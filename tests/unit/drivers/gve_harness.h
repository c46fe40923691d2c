/* The shared side of the gVNIC host tests (gve_harness.c). */
#ifndef TESTS_UNIT_DRIVERS_GVE_HARNESS_H
#define TESTS_UNIT_DRIVERS_GVE_HARNESS_H
#include <stddef.h>
#include <stdint.h>
#include "drivers/gve_dev.h"

#define RECEIVED_MAX 128
struct gve_received {
    size_t len;
    uint8_t data[NIC_FRAME_MAX];
};

extern struct gve g;
extern unsigned long dma_base;     /* buffers a failed earlier test left behind */
/* net/'s side: the frames the card handed up, copied. */
extern struct gve_received received[RECEIVED_MAX];
extern unsigned nreceived;

/* cmocka setup: a fresh model and card, the DMA and log shims emptied. */
int setup(void **state);
/* gve_attach on the model; net/'s receive function plugged in. */
int attach(void);
/* Detaches and checks the driver gave every DMA buffer back. */
void detach_clean(void);
void frame_pattern(uint8_t *f, size_t len, unsigned seed);
/* Sends a frame of len bytes, checks it on the wire and back through RX. */
void send_and_check(size_t len, unsigned seed);
/* Bring-up must fail cleanly: no card, the device reset, every DMA
 * buffer returned, a log line containing why. */
void expect_refused(const char *why);

#endif
