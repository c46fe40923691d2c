/* virtio console (see virtio_console.h).
 *
 * Why MULTIPORT, and output on port 1, input on port 2: QEMU's port 0 must
 * be a "virtconsole", which drops whatever its chardev does not take at
 * once (a full pipe on cloak's stdout loses output); the other ports are
 * "virtserialport"s, which hold the queue until the chardev drains.  And a
 * port whose chardev reaches the end of its input is closed by QEMU, which
 * then throws away what the guest sends on it: so the program's output has
 * a port of its own that never sees an end of input.  The driver negotiates
 * MULTIPORT and opens both ports with control messages (DEVICE_READY,
 * PORT_READY, PORT_OPEN; virtio 1.x 5.3.6.2), sent blind: the device's own
 * control messages (PORT_ADD, the host's PORT_OPEN) are not needed, since
 * the end of input is framed by cloak inside the byte stream
 * (unix/console.c); the control receive queue is left unused and QEMU drops
 * them.  A device without MULTIPORT is driven on port 0 (receiveq0,
 * transmitq0).
 *
 * Receive: RX_BUFS device-writable buffers stay posted; the reader takes
 * answered ones in order and posts each again once it has been copied out
 * and zeroed.  Transmit: one buffer, zeroed after each send; each write
 * waits for the device to hand it back (a
 * host that reads slowly slows the program, as a pipe would: the request
 * timeout is therefore practically unbounded). */
#include "drivers/virtio_console.h"
#include "drivers/virtio_pci.h"
#include "mm/dma.h"
#include "lib/errno.h"
#include "lib/log.h"
#include "lib/string.h"
#include "lib/format.h"

#define RX_BUFS 16
#define RX_BUF_SIZE 4096
#define TX_BUF_SIZE 65536
#define F_MULTIPORT 1
/* Queues: port 0 has 0 and 1, the control queues are 2 and 3, port n > 0
 * has 2 + 2n and 3 + 2n. */
#define QUEUE_CTRL_TX 3
#define PORT_OUT 1
#define PORT_IN 2
#define QUEUE_PORT_TX (3 + 2 * PORT_OUT)
#define QUEUE_PORT_RX (2 + 2 * PORT_IN)
#define CTRL_DEVICE_READY 0
#define CTRL_PORT_READY 3
#define CTRL_PORT_OPEN 6
/* A reader of the program's output may stop for as long as it likes. */
#define TX_TIMEOUT_NS (1ull << 62)

static struct {
    struct virtio_dev v;
    struct virtq *rxq, *txq, *ctrlq;
    struct dma_buffer rx, tx;
    bool multiport;
    uint16_t head[RX_BUFS];       /* the chain each posted buffer is */
    bool posted[RX_BUFS];
    int cur;                      /* buffer being read out, or -1 */
    uint32_t cur_off, cur_len;
    bool up, failed;
} con = { .cur = -1 };

bool vcon_present(void)
{
    return con.up;
}

static void fail(const char *why, int err)
{
    if (!con.failed)
        klog("virtio-console: %s (%d): no more console input or output", why, err);
    con.failed = true;
}

static int post_rx(int i)
{
    struct virtq_seg seg = { con.rx.device + (uint64_t)i * RX_BUF_SIZE, RX_BUF_SIZE, true };
    int err = virtq_add(con.rxq, &seg, 1, &con.head[i]);
    if (err)
        return err;
    con.posted[i] = true;
    virtq_kick(con.rxq);
    return 0;
}

/* The next buffer the device filled, as con.cur: 1, 0 (none yet), -EIO. */
static int next_rx(void)
{
    struct virtq_done done;
    int r = virtq_get_used(con.rxq, &done);
    if (r <= 0)
        return r < 0 ? -EIO : 0;
    for (int i = 0; i < RX_BUFS; i++) {
        if (con.posted[i] && con.head[i] == done.head) {
            con.posted[i] = false;
            con.cur = i;
            con.cur_off = 0;
            con.cur_len = done.err ? 0 : done.len;   /* never past RX_BUF_SIZE: checked */
            return 1;
        }
    }
    return -EIO;                  /* virtqueue.c matched it to a chain we lack */
}

int64_t vcon_read(void *buf, size_t len)
{
    if (!con.up || con.failed)
        return -EIO;
    uint8_t *out = buf;
    size_t got = 0;
    while (got < len) {
        if (con.cur < 0) {
            int r = next_rx();
            if (r < 0) {
                fail("receive queue broken", r);
                return got ? (int64_t)got : -EIO;
            }
            if (r == 0)
                break;
        }
        uint32_t left = con.cur_len - con.cur_off;
        size_t n = len - got < left ? len - got : left;
        memcpy(out + got, (uint8_t *)con.rx.va + (size_t)con.cur * RX_BUF_SIZE + con.cur_off, n);
        got += n;
        con.cur_off += (uint32_t)n;
        if (con.cur_off == con.cur_len) {
            /* Shared memory keeps no copy of what the program read. */
            memset((uint8_t *)con.rx.va + (size_t)con.cur * RX_BUF_SIZE, 0, con.cur_len);
            int err = post_rx(con.cur);
            con.cur = -1;
            if (err) {
                fail("cannot post a receive buffer again", err);
                break;
            }
        }
    }
    return (int64_t)got;
}

static unsigned rx_index(void)
{
    return con.multiport ? QUEUE_PORT_RX : 0;
}

struct device_irq *vcon_input_irq(void)
{
    if (!con.up || con.failed || !con.rxq || !con.rxq->msix_vector)
        return 0;
    return &con.v.irqs[rx_index()];
}

void vcon_set_input_hook(void (*fn)(void *arg), void *arg)
{
    if (!con.rxq)
        return;
    con.rxq->interrupt_arg = arg;
    __atomic_store_n(&con.rxq->on_interrupt, fn, __ATOMIC_RELEASE);
}

bool vcon_input_ready(void)
{
    if (!con.up || con.failed)
        return true;
    if (con.cur < 0 && next_rx() != 0)
        return true;              /* data, or a failure the read will report */
    return con.cur >= 0;
}

int64_t vcon_write(const void *buf, size_t len)
{
    if (!con.up || con.failed)
        return -EIO;
    const uint8_t *in = buf;
    size_t done = 0;
    while (done < len) {
        size_t n = len - done < TX_BUF_SIZE ? len - done : TX_BUF_SIZE;
        memcpy(con.tx.va, in + done, n);
        struct virtq_seg seg = { con.tx.device, (uint32_t)n, false };
        uint32_t written;
        int err = virtio_request(&con.v, con.txq, &seg, 1, &written);
        memset(con.tx.va, 0, n);  /* nor of what it wrote, once the host has it */
        if (err) {
            fail("transmit failed", err);
            return done ? (int64_t)done : -EIO;
        }
        done += n;
    }
    return (int64_t)done;
}

/* One control message (struct virtio_console_control: le32 id, le16
 * event, le16 value) on the control transmit queue. */
static int control(uint32_t id, uint16_t event, uint16_t value)
{
    uint8_t *m = con.tx.va;
    m[0] = (uint8_t)id;
    m[1] = (uint8_t)(id >> 8);
    m[2] = (uint8_t)(id >> 16);
    m[3] = (uint8_t)(id >> 24);
    m[4] = (uint8_t)event;
    m[5] = (uint8_t)(event >> 8);
    m[6] = (uint8_t)value;
    m[7] = (uint8_t)(value >> 8);
    struct virtq_seg seg = { con.tx.device, 8, false };
    uint32_t written;
    return virtio_request(&con.v, con.ctrlq, &seg, 1, &written);
}

static int setup_queues(bool multiport)
{
    int err;
    if (multiport) {
        if (virtio_cfg_size(&con.v) < 8 || virtio_cfg32(&con.v, 4) <= PORT_IN) {
            virtio_fail(&con.v, "MULTIPORT with fewer than 3 ports");
            return -ENODEV;
        }
        /* In this order: QEMU gives the device few MSI-X entries, and the
         * control queue, used once, can do without. */
        err = virtio_setup_queue(&con.v, QUEUE_PORT_RX, RX_BUFS, &con.rxq);
        if (!err)
            err = virtio_setup_queue(&con.v, QUEUE_PORT_TX, 4, &con.txq);
        if (!err)
            err = virtio_setup_queue(&con.v, QUEUE_CTRL_TX, 4, &con.ctrlq);
    } else {
        err = virtio_setup_queue(&con.v, 0, RX_BUFS, &con.rxq);
        if (!err)
            err = virtio_setup_queue(&con.v, 1, 4, &con.txq);
    }
    return err;
}

static int setup(bool multiport)
{
    int err = setup_queues(multiport);
    if (err)
        return err;
    if (dma_alloc((size_t)RX_BUFS * RX_BUF_SIZE, 4096, &con.rx) ||
        dma_alloc(TX_BUF_SIZE, 4096, &con.tx)) {
        virtio_fail(&con.v, "out of DMA memory");
        return -ENOMEM;
    }
    virtio_ready(&con.v);
    for (int i = 0; i < RX_BUFS && i < con.rxq->size; i++) {
        if ((err = post_rx(i)) != 0) {
            virtio_fail(&con.v, "cannot post receive buffers");
            return err;
        }
    }
    if (multiport && ((err = control(0, CTRL_DEVICE_READY, 1)) != 0 ||
                      (err = control(PORT_OUT, CTRL_PORT_READY, 1)) != 0 ||
                      (err = control(PORT_OUT, CTRL_PORT_OPEN, 1)) != 0 ||
                      (err = control(PORT_IN, CTRL_PORT_READY, 1)) != 0 ||
                      (err = control(PORT_IN, CTRL_PORT_OPEN, 1)) != 0)) {
        virtio_fail(&con.v, "control message not taken");
        return err;
    }
    return 0;
}

int virtio_console_probe(struct pci_device *pci)
{
    if (con.up)
        return -EBUSY;            /* the program has one console */
    char name[32];
    snprintf(name, sizeof(name), "virtio-console %02x:%02x.%u", pci->bus, pci->slot, pci->fn);
    int err = virtio_start(&con.v, pci, name, 1ull << F_MULTIPORT);
    if (err)
        return err;
    con.v.timeout_ns = TX_TIMEOUT_NS;
    con.multiport = virtio_has_feature(&con.v, F_MULTIPORT);
    if ((err = setup(con.multiport)) != 0)
        return err;
    con.up = true;
    klog("virtio-console: %s: the program's stdin and stdout (%s; %u receive buffers, %s)",
         name, con.multiport ? "ports 2 and 1" : "port 0",
         (unsigned)(RX_BUFS < con.rxq->size ? RX_BUFS : con.rxq->size),
         con.txq->msix_vector ? "MSI-X" : "polled");
    return 0;
}
