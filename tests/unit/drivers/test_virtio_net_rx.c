/* drivers/virtio_net_rx.c against a fake device: the test plays QEMU's
 * virtio-net, taking posted receive buffers, writing headers and packets
 * into them and used entries, good ones (single and merged buffers, large
 * segments, checksum flags) and every kind of nonsense (num_buffers 0 or
 * too many, flags, GSO types and sizes not negotiated, checksum offsets
 * past the packet, over-long packets). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>
#include <setjmp.h>
#include <string.h>
#include <stdlib.h>
#include <cmocka.h>

#include "drivers/virtio_net_int.h"
#include "lib/errno.h"
#include "shim.h"

/* ---- what virtio_net.c and virtio_pci.c give the receive side ---- */

struct vnet vn;
static unsigned kicks, failures;

void vnet_kick(struct virtq *q)
{
    q->avail->idx = q->avail_idx;
    kicks++;
}

void vnet_device_failed(struct virtq *q)
{
    (void)q;
    failures++;
}

/* The DMA heap's size, as a 64 MiB guest has it (tests change it). */
static uint64_t heap_size = 2u << 20;

void dma_range(uint64_t *phys, uint64_t *size)
{
    *phys = 0x100000;
    *size = heap_size;
}

bool virtio_has_feature(const struct virtio_dev *v, unsigned bit)
{
    return (v->features >> bit) & 1;
}

/* ---- net/, receiving ---- */

static struct {
    unsigned count, npieces;
    uint8_t data[NIC_RX_MAX];
    size_t len;
    enum nic_csum csum;
    enum nic_gso gso;
    uint16_t gso_size;
} got;

static void receive_frame(struct nic *nic, const struct nic_frame *f)
{
    (void)nic;
    size_t at = 0;
    for (unsigned i = 0; i < f->npieces; i++) {
        assert_true(at + f->piece[i].len <= sizeof(got.data));
        memcpy(got.data + at, f->piece[i].data, f->piece[i].len);
        at += f->piece[i].len;
    }
    assert_int_equal(at, f->len);
    got.count++;
    got.npieces = f->npieces;
    got.len = f->len;
    got.csum = f->csum;
    got.gso = f->gso;
    got.gso_size = f->gso_size;
}

/* ---- the fake device ---- */

static struct virtq rxq;
static uint16_t avail_seen;

#define ALL_OFFLOADS ((1ull << VNET_F_MRG_RXBUF) | (1ull << VNET_F_GUEST_CSUM) | \
                      (1ull << VNET_F_GUEST_TSO4) | (1ull << VNET_F_GUEST_TSO6))

static void start(uint64_t features)
{
    memset(&vn, 0, sizeof(vn));
    memset(&got, 0, sizeof(got));
    kicks = failures = 0;
    avail_seen = 0;
    shim_klog_history[0] = 0;
    assert_int_equal(virtq_init(&rxq, 0, 256, "rx"), 0);
    vn.rx = &rxq;
    vn.v.features = features;
    vn.mergeable = features & (1ull << VNET_F_MRG_RXBUF);
    vn.offloads = features & (1ull << VNET_F_GUEST_CSUM);
    vn.nic.receive_frame = receive_frame;
    strcpy(vn.nic.name, "test-net");
    assert_int_equal(vnet_rx_setup(), 0);
    assert_int_equal(vn.rx_posted, vn.mergeable ? 128 : 64);
    vnet_kick(&rxq);
}

static void stop(void)
{
    dma_free(&vn.rxmem);
    virtq_destroy(&rxq);
    assert_int_equal(shim_dma_live, 0);
}

/* The device takes the next posted buffer: its head and memory. */
static uint16_t dev_pop(uint8_t **buf, uint32_t *len)
{
    assert_true((uint16_t)(rxq.avail->idx - avail_seen) > 0);
    uint16_t head = rxq.avail->ring[avail_seen & (rxq.size - 1)];
    avail_seen++;
    assert_true(head < rxq.size);
    assert_int_equal(rxq.desc[head].flags, VIRTQ_DESC_F_WRITE);
    *buf = (uint8_t *)(uintptr_t)rxq.desc[head].addr;
    *len = rxq.desc[head].len;
    return head;
}

static void dev_used(uint16_t head, uint32_t len)
{
    rxq.used->ring[rxq.used->idx & (rxq.size - 1)].id = head;
    rxq.used->ring[rxq.used->idx & (rxq.size - 1)].len = len;
}

/* Writes HDR and LEN bytes of DATA across as many buffers as it takes
 * (each filled), publishing the first `publish` used entries (all if -1);
 * returns how many buffers it used. */
static unsigned dev_packet(const struct vnet_hdr *hdr, const uint8_t *data, size_t len, int publish)
{
    size_t at = 0;
    unsigned n = 0;
    bool first = true;
    while (first || at < len) {
        uint8_t *buf;
        uint32_t size, off = 0;
        uint16_t head = dev_pop(&buf, &size);
        if (first) {
            memcpy(buf, hdr, VNET_HDR_LEN);
            off = VNET_HDR_LEN;
            first = false;
        }
        size_t take = len - at < size - off ? len - at : size - off;
        memcpy(buf + off, data + at, take);
        at += take;
        dev_used(head, (uint32_t)(off + take));
        if (publish < 0 || (int)n < publish)
            rxq.used->idx++;
        n++;
    }
    return n;
}

static uint8_t packet[NIC_RX_MAX + 4096];

static void fill(size_t len)
{
    for (size_t i = 0; i < len; i++)
        packet[i] = (uint8_t)(i * 7 + (i >> 9));
}

static struct vnet_hdr hdr(uint8_t flags, uint8_t gso_type, uint16_t gso_size, uint16_t nbufs)
{
    struct vnet_hdr h = { flags, gso_type, 54, gso_size, 34, 16, nbufs };
    return h;
}

/* ---- tests ---- */

static void test_plain_frame(void **state)
{
    (void)state;
    start(0);
    assert_int_equal(vn.rx_buf_size, 2048);
    fill(1514);
    struct vnet_hdr h = hdr(0, 0, 0, 0);     /* num_buffers unused without MRG_RXBUF */
    dev_packet(&h, packet, 1514, -1);
    uint16_t before = rxq.avail_idx;
    vnet_rx_poll(&vn.nic);
    assert_int_equal(got.count, 1);
    assert_int_equal(got.len, 1514);
    assert_memory_equal(got.data, packet, 1514);
    assert_int_equal(got.csum, NIC_CSUM_CHECK);
    assert_int_equal(got.gso, NIC_GSO_NONE);
    assert_int_equal((uint16_t)(rxq.avail_idx - before), 1);    /* its buffer posted again */
    assert_int_equal(failures, 0);
    stop();
}

static void test_merged_segment(void **state)
{
    (void)state;
    start(ALL_OFFLOADS);
    assert_int_equal(vn.rx_buf_size, 4096);
    size_t len = 65000;
    fill(len);
    /* 65012 bytes with the header: 16 buffers of 4096 */
    struct vnet_hdr h = hdr(VNET_HDR_F_NEEDS_CSUM, VNET_GSO_TCPV4, 1448, 16);
    assert_int_equal(dev_packet(&h, packet, len, -1), 16);
    vnet_rx_poll(&vn.nic);
    assert_int_equal(got.count, 1);
    assert_int_equal(got.npieces, 16);
    assert_int_equal(got.len, len);
    assert_memory_equal(got.data, packet, len);
    assert_int_equal(got.csum, NIC_CSUM_TRUSTED);
    assert_int_equal(got.gso, NIC_GSO_TCP4);
    assert_int_equal(got.gso_size, 1448);
    /* an IPv6 one, checksum checked by the device */
    h = hdr(VNET_HDR_F_DATA_VALID, VNET_GSO_TCPV6, 1428, 3);
    assert_int_equal(dev_packet(&h, packet, 9000, -1), 3);
    vnet_rx_poll(&vn.nic);
    assert_int_equal(got.count, 2);
    assert_int_equal(got.gso, NIC_GSO_TCP6);
    assert_int_equal(got.csum, NIC_CSUM_TRUSTED);
    assert_memory_equal(got.data, packet, 9000);
    assert_int_equal(failures, 0);
    stop();
}

/* The device publishes a packet's buffers over two polls. */
static void test_packet_across_polls(void **state)
{
    (void)state;
    start(ALL_OFFLOADS);
    fill(6000);
    struct vnet_hdr h = hdr(VNET_HDR_F_NEEDS_CSUM, VNET_GSO_TCPV4, 1448, 2);
    assert_int_equal(dev_packet(&h, packet, 6000, 1), 2);
    vnet_rx_poll(&vn.nic);
    assert_int_equal(got.count, 0);
    rxq.used->idx++;
    vnet_rx_poll(&vn.nic);
    assert_int_equal(got.count, 1);
    assert_memory_equal(got.data, packet, 6000);
    assert_int_equal(failures, 0);
    stop();
}

/* A num_buffers of 0, or more than a 64 KiB packet needs: the packets'
 * boundaries are lost, the card is failed (not a crash, not a guess). */
static void test_bad_num_buffers(void **state)
{
    (void)state;
    uint16_t bad[] = { 0, 18, 200, 0xffff };
    for (unsigned k = 0; k < sizeof(bad) / sizeof(bad[0]); k++) {
        start(ALL_OFFLOADS);
        fill(1000);
        struct vnet_hdr h = hdr(0, 0, 0, bad[k]);
        dev_packet(&h, packet, 1000, -1);
        vnet_rx_poll(&vn.nic);
        assert_int_equal(got.count, 0);
        assert_int_equal(failures, 1);
        assert_true(rxq.broken);
        assert_non_null(strstr(shim_klog_history, "receive buffers (1..17 possible)"));
        stop();
    }
}

/* A first buffer shorter than the header. */
static void test_short_first_buffer(void **state)
{
    (void)state;
    start(ALL_OFFLOADS);
    uint8_t *buf;
    uint32_t size;
    dev_used(dev_pop(&buf, &size), 5);
    rxq.used->idx++;
    vnet_rx_poll(&vn.nic);
    assert_int_equal(got.count, 0);
    assert_int_equal(failures, 1);
    stop();
    /* without merged buffers only that buffer is dropped */
    start(0);
    dev_used(dev_pop(&buf, &size), 5);
    rxq.used->idx++;
    fill(60);
    struct vnet_hdr h = hdr(0, 0, 0, 0);
    dev_packet(&h, packet, 60, -1);
    vnet_rx_poll(&vn.nic);
    assert_int_equal(got.count, 1);
    assert_int_equal(failures, 0);
    stop();
}

/* Claims we did not negotiate or that do not fit the packet: that packet
 * is dropped (logged), its buffers posted again, the next one taken. */
static void test_refused_headers(void **state)
{
    (void)state;
    struct {
        uint64_t features;
        struct vnet_hdr h;
        size_t len;
        const char *why;
    } cases[] = {
        { ALL_OFFLOADS, hdr(4, 0, 0, 1), 100, "flags we did not negotiate" },
        { 1ull << VNET_F_MRG_RXBUF, hdr(VNET_HDR_F_DATA_VALID, 0, 0, 1), 100,
          "flags we did not negotiate" },
        { ALL_OFFLOADS, { VNET_HDR_F_NEEDS_CSUM, 0, 0, 0, 90, 9, 1 }, 100,
          "a checksum offset past the packet" },
        { ALL_OFFLOADS, hdr(VNET_HDR_F_NEEDS_CSUM, VNET_GSO_TCPV4 | VNET_GSO_ECN, 1448, 2), 5000,
          "a GSO type we did not negotiate" },
        { ALL_OFFLOADS, hdr(VNET_HDR_F_NEEDS_CSUM, 3 /* UDP */, 1448, 2), 5000,
          "a GSO type we did not negotiate" },
        { ALL_OFFLOADS & ~(1ull << VNET_F_GUEST_TSO6),
          hdr(VNET_HDR_F_NEEDS_CSUM, VNET_GSO_TCPV6, 1448, 2), 5000,
          "a GSO type we did not negotiate" },
        { ALL_OFFLOADS, hdr(VNET_HDR_F_NEEDS_CSUM, VNET_GSO_TCPV4, 0, 2), 5000,
          "a GSO size of 0 or beyond the packet" },
        { ALL_OFFLOADS, hdr(VNET_HDR_F_NEEDS_CSUM, VNET_GSO_TCPV4, 6000, 2), 5000,
          "a GSO size of 0 or beyond the packet" },
        { ALL_OFFLOADS, hdr(0, 0, 0, 2), 5000,
          "a packet larger than the MTU, not marked as a segment" },
        { ALL_OFFLOADS, hdr(0, 0, 0, 1), 10, "a length outside 14..65535" },
        { ALL_OFFLOADS, hdr(VNET_HDR_F_NEEDS_CSUM, VNET_GSO_TCPV4, 1448, 17), NIC_RX_MAX + 1,
          "a length outside 14..65535" },
    };
    for (unsigned k = 0; k < sizeof(cases) / sizeof(cases[0]); k++) {
        start(cases[k].features);
        fill(cases[k].len);
        uint16_t before = rxq.avail_idx;
        unsigned n = dev_packet(&cases[k].h, packet, cases[k].len, -1);
        vnet_rx_poll(&vn.nic);
        assert_int_equal(got.count, 0);
        assert_int_equal(failures, 0);
        bool first = true;                 /* klog_once: each kind is logged once */
        for (unsigned j = 0; j < k; j++)
            first &= strcmp(cases[j].why, cases[k].why) != 0;
        if (first)
            assert_non_null(strstr(shim_klog_history, cases[k].why));
        assert_int_equal((uint16_t)(rxq.avail_idx - before), n);
        /* and the card goes on */
        struct vnet_hdr good = hdr(0, 0, 0, 1);
        dev_packet(&good, packet, 60, -1);
        vnet_rx_poll(&vn.nic);
        assert_int_equal(got.count, 1);
        assert_int_equal(got.len, 60);
        stop();
    }
}

/* A used length past a buffer (virtqueue.c refuses it) inside a merged
 * packet: the packet is dropped. */
static void test_bad_length_inside(void **state)
{
    (void)state;
    start(ALL_OFFLOADS);
    fill(6000);
    struct vnet_hdr h = hdr(VNET_HDR_F_NEEDS_CSUM, VNET_GSO_TCPV4, 1448, 2);
    dev_packet(&h, packet, 6000, -1);
    rxq.used->ring[1].len = 5000;          /* past its 4096-byte buffer */
    vnet_rx_poll(&vn.nic);
    assert_int_equal(got.count, 0);
    assert_int_equal(failures, 0);
    assert_non_null(strstr(shim_klog_history, "an empty or bad buffer inside it"));
    stop();
}

/* A small guest's DMA heap (512 KiB): a quarter of it for receive
 * buffers, and a 64 KiB segment still fits. */
static void test_small_heap(void **state)
{
    (void)state;
    heap_size = 512u << 10;
    memset(&vn, 0, sizeof(vn));
    assert_int_equal(virtq_init(&rxq, 0, 256, "rx"), 0);
    vn.rx = &rxq;
    vn.v.features = ALL_OFFLOADS;
    vn.mergeable = vn.offloads = true;
    assert_int_equal(vnet_rx_setup(), 0);
    assert_int_equal(vn.rx_bufs, 32);
    assert_int_equal(vn.rx_posted, 32);
    heap_size = 2u << 20;
    stop();
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_plain_frame),
        cmocka_unit_test(test_merged_segment),
        cmocka_unit_test(test_packet_across_polls),
        cmocka_unit_test(test_bad_num_buffers),
        cmocka_unit_test(test_short_first_buffer),
        cmocka_unit_test(test_refused_headers),
        cmocka_unit_test(test_bad_length_inside),
        cmocka_unit_test(test_small_heap),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
