#include "drivers/virtio_pci.h"
#include "drivers/device_wait.h"
#include "drivers/clock.h"
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/irq.h"
#include "arch/x86_64/lapic.h"
#include "sched/sched.h"
#include "lib/errno.h"
#include "lib/log.h"
#include "lib/string.h"
#include "lib/format.h"

/* Common configuration structure (virtio 1.x, 4.1.4.3). */
#define COMMON_DEVICE_FEATURE_SELECT 0x00
#define COMMON_DEVICE_FEATURE 0x04
#define COMMON_DRIVER_FEATURE_SELECT 0x08
#define COMMON_DRIVER_FEATURE 0x0c
#define COMMON_CONFIG_MSIX_VECTOR 0x10
#define COMMON_NUM_QUEUES 0x12
#define COMMON_DEVICE_STATUS 0x14
#define COMMON_CONFIG_GENERATION 0x15
#define COMMON_QUEUE_SELECT 0x16
#define COMMON_QUEUE_SIZE 0x18
#define COMMON_QUEUE_MSIX_VECTOR 0x1a
#define COMMON_QUEUE_ENABLE 0x1c
#define COMMON_QUEUE_NOTIFY_OFF 0x1e
#define COMMON_QUEUE_DESC 0x20
#define COMMON_QUEUE_DRIVER 0x28
#define COMMON_QUEUE_DEVICE 0x30
#define COMMON_MIN_LENGTH 0x38
#define VIRTIO_MSI_NO_VECTOR 0xffff

bool virtio_require_access_platform;

void virtio_set_require_access_platform(bool on)
{
    virtio_require_access_platform = on;
}

/* ---- capability parsing (pure) ---- */

static uint32_t le32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

int virtio_pci_parse_caps(const uint8_t *cfg, size_t len, const uint64_t bar_size[6],
                          struct virtio_pci_caps *out)
{
    memset(out, 0, sizeof(*out));
    uint8_t offs[48];
    unsigned n = pci_cap_list(cfg, len, offs, 48);
    for (unsigned i = 0; i < n; i++) {
        unsigned c = offs[i];
        if (cfg[c] != PCI_CAP_ID_VENDOR)
            continue;
        /* struct virtio_pci_cap: vndr, next, len, type, bar, id, pad[2],
         * offset, length (16 bytes); the notify one adds a multiplier. */
        if (c + 16 > len)
            continue;
        unsigned cap_len = cfg[c + 2], type = cfg[c + 3], bar = cfg[c + 4];
        if (cap_len < 16 || c + cap_len > len)
            continue;
        if (bar > 5)
            continue;
        uint32_t offset = le32(cfg + c + 8), length = le32(cfg + c + 12);
        if (!pci_range_ok(offset, length, bar_size[bar]))
            continue;
        struct virtio_pci_region r = { true, (uint8_t)bar, offset, length };
        switch (type) {
        case VIRTIO_PCI_CAP_COMMON_CFG:
            if (!out->common.present && length >= COMMON_MIN_LENGTH)
                out->common = r;
            break;
        case VIRTIO_PCI_CAP_NOTIFY_CFG:
            if (!out->notify.present && cap_len >= 20 && length >= 2) {
                out->notify = r;
                out->notify_multiplier = le32(cfg + c + 16);
            }
            break;
        case VIRTIO_PCI_CAP_ISR_CFG:
            if (!out->isr.present && length >= 1)
                out->isr = r;
            break;
        case VIRTIO_PCI_CAP_DEVICE_CFG:
            if (!out->device.present)
                out->device = r;
            break;
        default:
            break;
        }
    }
    return out->common.present && out->notify.present && out->isr.present ? 0 : -ENODEV;
}

/* ---- register access ---- */

static inline uint8_t rd8(volatile uint8_t *b, unsigned o) { return *(volatile uint8_t *)(b + o); }
static inline uint16_t rd16(volatile uint8_t *b, unsigned o) { return *(volatile uint16_t *)(b + o); }
static inline uint32_t rd32(volatile uint8_t *b, unsigned o) { return *(volatile uint32_t *)(b + o); }
static inline void wr8(volatile uint8_t *b, unsigned o, uint8_t v) { *(volatile uint8_t *)(b + o) = v; }
static inline void wr16(volatile uint8_t *b, unsigned o, uint16_t v) { *(volatile uint16_t *)(b + o) = v; }
static inline void wr32(volatile uint8_t *b, unsigned o, uint32_t v) { *(volatile uint32_t *)(b + o) = v; }
static inline void wr64(volatile uint8_t *b, unsigned o, uint64_t v)
{
    wr32(b, o, (uint32_t)v);
    wr32(b, o + 4, (uint32_t)(v >> 32));
}

static void set_status(struct virtio_dev *v, uint8_t bits)
{
    wr8(v->common, COMMON_DEVICE_STATUS, rd8(v->common, COMMON_DEVICE_STATUS) | bits);
}

/* The reset is done when the status reads back 0 (true); a device that
 * does not get there within wait_ns is left to its caller. */
static bool reset(struct virtio_dev *v, uint64_t wait_ns)
{
    wr8(v->common, COMMON_DEVICE_STATUS, 0);
    uint64_t deadline = clock_monotonic_ns() + wait_ns;
    while (rd8(v->common, COMMON_DEVICE_STATUS) && clock_monotonic_ns() < deadline)
        cpu_relax();
    return rd8(v->common, COMMON_DEVICE_STATUS) == 0;
}

/* At start-up a device that does not reset at once is not used. */
#define START_RESET_WAIT_NS 100000000ull

void virtio_fail(struct virtio_dev *v, const char *why)
{
    klog("virtio: %s: %s; device marked FAILED", v->name, why);
    if (v->common)
        set_status(v, VIRTIO_STATUS_FAILED);
}

bool virtio_has_feature(const struct virtio_dev *v, unsigned bit)
{
    return (v->features >> bit) & 1;
}

/* Tells the device v->features and sets FEATURES_OK: true if it stuck. */
static bool write_features(struct virtio_dev *v)
{
    wr32(v->common, COMMON_DRIVER_FEATURE_SELECT, 0);
    wr32(v->common, COMMON_DRIVER_FEATURE, (uint32_t)v->features);
    wr32(v->common, COMMON_DRIVER_FEATURE_SELECT, 1);
    wr32(v->common, COMMON_DRIVER_FEATURE, (uint32_t)(v->features >> 32));
    set_status(v, VIRTIO_STATUS_FEATURES_OK);
    return rd8(v->common, COMMON_DEVICE_STATUS) & VIRTIO_STATUS_FEATURES_OK;
}

static volatile uint8_t *map_region(struct virtio_dev *v, const struct virtio_pci_region *r)
{
    if (!r->present)
        return 0;
    return pci_map_bar(v->pci, r->bar, r->offset, r->length);
}

int virtio_start(struct virtio_dev *v, struct pci_device *pci, const char *name, uint64_t wanted)
{
    memset(v, 0, sizeof(*v));
    v->pci = pci;
    strlcpy(v->name, name, sizeof(v->name));
    pci_snapshot(pci);
    pci_size_bars(pci);
    if (virtio_pci_parse_caps(pci->cfg, PCI_CFG_SIZE, pci->bar_size, &v->caps) < 0) {
        klog("virtio: %s: no usable virtio capabilities (legacy-only device?), ignored", v->name);
        return -ENODEV;
    }
    pci_enable(pci);
    v->common = map_region(v, &v->caps.common);
    v->notify = map_region(v, &v->caps.notify);
    v->isr = map_region(v, &v->caps.isr);
    v->device_cfg = map_region(v, &v->caps.device);
    if (!v->common || !v->notify || !v->isr) {
        klog("virtio: %s: cannot map its registers, ignored", v->name);
        return -ENODEV;
    }

    if (!reset(v, START_RESET_WAIT_NS)) {
        klog("virtio: %s: device does not reset, ignored", v->name);
        return -ENODEV;
    }
    set_status(v, VIRTIO_STATUS_ACKNOWLEDGE);
    set_status(v, VIRTIO_STATUS_DRIVER);

    wr32(v->common, COMMON_DEVICE_FEATURE_SELECT, 0);
    uint64_t offered = rd32(v->common, COMMON_DEVICE_FEATURE);
    wr32(v->common, COMMON_DEVICE_FEATURE_SELECT, 1);
    offered |= (uint64_t)rd32(v->common, COMMON_DEVICE_FEATURE) << 32;

    if (!(offered & (1ull << VIRTIO_F_VERSION_1))) {
        virtio_fail(v, "device does not offer VIRTIO_F_VERSION_1");
        return -ENODEV;
    }
    if (!(offered & (1ull << VIRTIO_F_ACCESS_PLATFORM)) && virtio_require_access_platform) {
        virtio_fail(v, "refused: device does not offer VIRTIO_F_ACCESS_PLATFORM, required here (SEV)");
        return -ENODEV;
    }
    uint64_t want = wanted | (1ull << VIRTIO_F_VERSION_1) | (1ull << VIRTIO_F_ACCESS_PLATFORM) |
                    (1ull << VIRTIO_F_ORDER_PLATFORM);
    v->features = offered & want;
    if (!write_features(v)) {
        virtio_fail(v, "device did not accept our features (FEATURES_OK did not stick)");
        return -ENODEV;
    }

    /* MSI-X when the device has it; else the queues are polled. */
    if (device_wait_polled()) {
        klog("virtio: %s: queues polled (kernel word dev-poll)", v->name);
    } else if (pci_msix_parse(pci->cfg, PCI_CFG_SIZE, pci->bar_size, &v->msix) == 0 &&
        pci_msix_enable(pci, &v->msix) == 0) {
        v->msix_on = true;
        wr16(v->common, COMMON_CONFIG_MSIX_VECTOR, VIRTIO_MSI_NO_VECTOR);
    } else if (v->msix.cap == 0) {
        klog("virtio: %s: no MSI-X, polling", v->name);
    } else {
        klog("virtio: %s: MSI-X table does not fit its BAR, polling", v->name);
        v->msix.cap = 0;
    }
    return 0;
}

static void notify_queue(struct virtq *q)
{
    volatile uint8_t *addr = q->transport;
    *(volatile uint16_t *)addr = q->index;
}

static void queue_interrupt(void *arg)
{
    struct virtq *q = arg;
    if (q->on_interrupt)
        q->on_interrupt(q->interrupt_arg);
}

int virtio_setup_queue(struct virtio_dev *v, unsigned index, uint16_t max_size, struct virtq **out)
{
    if (index >= VIRTIO_MAX_QUEUES || index >= rd16(v->common, COMMON_NUM_QUEUES)) {
        virtio_fail(v, "device lacks a queue the driver needs");
        return -ENODEV;
    }
    struct virtq *q = &v->queues[index];
    wr16(v->common, COMMON_QUEUE_SELECT, (uint16_t)index);
    uint16_t dev_size = rd16(v->common, COMMON_QUEUE_SIZE);
    uint16_t size = dev_size < max_size ? dev_size : max_size;
    while (size & (size - 1))
        size &= (uint16_t)(size - 1);               /* round down to a power of two */
    if (size == 0) {
        virtio_fail(v, "queue size 0");
        return -ENODEV;
    }
    uint16_t notify_off = rd16(v->common, COMMON_QUEUE_NOTIFY_OFF);
    uint64_t at = (uint64_t)notify_off * v->caps.notify_multiplier;
    if (!pci_range_ok(at, 2, v->caps.notify.length)) {
        virtio_fail(v, "queue notify address outside its notify structure");
        return -EINVAL;
    }
    int err = virtq_init(q, (uint16_t)index, size, v->name);
    if (err) {
        virtio_fail(v, "out of memory for a virtqueue");
        return err;
    }
    q->notify = notify_queue;
    q->transport = (void *)(v->notify + at);
    wr16(v->common, COMMON_QUEUE_SIZE, size);
    wr64(v->common, COMMON_QUEUE_DESC, q->desc_addr);
    wr64(v->common, COMMON_QUEUE_DRIVER, q->avail_addr);
    wr64(v->common, COMMON_QUEUE_DEVICE, q->used_addr);

    bool msix = false;
    if (v->msix_on && v->msix_next < v->msix.entries) {
        char irq_name[sizeof(v->irqs[0].name)];
        snprintf(irq_name, sizeof(irq_name), "%.26s q%u", v->name, index);
        device_irq_init(&v->irqs[index], irq_name);
        v->irqs[index].notify = queue_interrupt;    /* a driver's own callback (virtio-net) */
        v->irqs[index].notify_arg = q;
        int vector = irq_alloc_vector(device_irq_handler, &v->irqs[index]);
        if (vector > 0) {
            unsigned entry = v->msix_next;
            pci_msix_set(&v->msix, entry, irq_msi_address(), irq_msi_data((unsigned)vector));
            wr16(v->common, COMMON_QUEUE_MSIX_VECTOR, (uint16_t)entry);
            if (rd16(v->common, COMMON_QUEUE_MSIX_VECTOR) == entry) {
                msix = true;
                v->msix_next++;
                q->msix_vector = (unsigned)vector;
            } else {
                pci_msix_mask(&v->msix, entry, true);
                irq_free_vector((unsigned)vector);
                klog("virtio: %s: device refused MSI-X entry %u for queue %u, polling", v->name, entry, index);
            }
        }
    }
    if (!msix)
        wr16(v->common, COMMON_QUEUE_MSIX_VECTOR, VIRTIO_MSI_NO_VECTOR);
    v->queue_entry[index] = msix ? (uint16_t)(v->msix_next - 1) : VIRTIO_MSI_NO_VECTOR;
    virtq_set_no_interrupt(q, !msix);
    wr16(v->common, COMMON_QUEUE_ENABLE, 1);
    *out = q;
    return 0;
}

void virtio_ready(struct virtio_dev *v)
{
    set_status(v, VIRTIO_STATUS_DRIVER_OK);
}

/* ---- device configuration ---- */

uint32_t virtio_cfg_size(const struct virtio_dev *v)
{
    return v->device_cfg ? v->caps.device.length : 0;
}

static bool cfg_ok(struct virtio_dev *v, unsigned off, unsigned width)
{
    return v->device_cfg && pci_range_ok(off, width, v->caps.device.length);
}

uint8_t virtio_cfg8(struct virtio_dev *v, unsigned off)
{
    return cfg_ok(v, off, 1) ? rd8(v->device_cfg, off) : 0;
}

uint16_t virtio_cfg16(struct virtio_dev *v, unsigned off)
{
    return cfg_ok(v, off, 2) ? rd16(v->device_cfg, off) : 0;
}

uint32_t virtio_cfg32(struct virtio_dev *v, unsigned off)
{
    return cfg_ok(v, off, 4) ? rd32(v->device_cfg, off) : 0;
}

uint64_t virtio_cfg64(struct virtio_dev *v, unsigned off)
{
    if (!cfg_ok(v, off, 8))
        return 0;
    for (int tries = 0; tries < 100; tries++) {
        uint8_t gen = rd8(v->common, COMMON_CONFIG_GENERATION);
        uint64_t val = rd32(v->device_cfg, off) | (uint64_t)rd32(v->device_cfg, off + 4) << 32;
        if (rd8(v->common, COMMON_CONFIG_GENERATION) == gen)
            return val;
    }
    return 0;
}

void virtio_cfg_write32(struct virtio_dev *v, unsigned off, uint32_t val)
{
    if (cfg_ok(v, off, 4))
        wr32(v->device_cfg, off, val);
}

/* ---- requests ---- */

/* Stops the device touching memory: a completed reset (after which it
 * uses none of the rings or buffers it was given), else bus mastering off
 * (it can then reach no memory at all).  True if the reset completed. */
static bool quiesce(struct virtio_dev *v)
{
    if (reset(v, VIRTIO_RESET_WAIT_NS))
        return true;
    pci_write16(v->pci, PCI_COMMAND, (uint16_t)(pci_read16(v->pci, PCI_COMMAND) & ~PCI_COMMAND_MASTER));
    klog("virtio: %s: does not complete a reset: bus mastering turned off", v->name);
    return false;
}

static void kill_device(struct virtio_dev *v, struct virtq *q, const char *why)
{
    virtq_break(q, why);
    if (!v->dead) {
        quiesce(v);
        virtio_fail(v, "reset after a failed request; it is not used any more");
        v->dead = true;
    }
}

/* No answer in time.  Only a completed reset makes the request's memory
 * ours again (a device that has finished a reset never touches the rings or
 * buffers it was given), so the device is reset here, before the caller
 * unmaps or frees anything, and the rings stay allocated for virtio_restart.
 * A device that does not complete even the reset loses bus mastering (it
 * can then reach no memory at all) and is dead. */
static int stall_device(struct virtio_dev *v, struct virtq *q, uint64_t waited_ns)
{
    klog("virtio: %s: queue %u: no answer after %lu ms: resetting the device", v->name, q->index,
         (unsigned long)(waited_ns / 1000000));
    for (unsigned i = 0; i < VIRTIO_MAX_QUEUES; i++)
        v->queues[i].broken = true;      /* until virtio_restart */
    if (!quiesce(v)) {
        virtio_fail(v, "not used any more");
        v->dead = true;
        return -EIO;
    }
    v->stalled = true;
    return -ETIMEDOUT;
}

int virtio_restart(struct virtio_dev *v)
{
    if (v->dead)
        return -EIO;
    if (!v->stalled)
        return 0;
    /* The start-up sequence again, with what was negotiated before. */
    set_status(v, VIRTIO_STATUS_ACKNOWLEDGE);
    set_status(v, VIRTIO_STATUS_DRIVER);
    if (!write_features(v)) {
        kill_device(v, &v->queues[0], "features refused after a reset");
        return -EIO;
    }
    if (v->msix_on)
        wr16(v->common, COMMON_CONFIG_MSIX_VECTOR, VIRTIO_MSI_NO_VECTOR);
    for (unsigned i = 0; i < VIRTIO_MAX_QUEUES; i++) {
        struct virtq *q = &v->queues[i];
        if (!q->size)
            continue;
        virtq_reset(q);
        wr16(v->common, COMMON_QUEUE_SELECT, q->index);
        wr16(v->common, COMMON_QUEUE_SIZE, q->size);
        wr64(v->common, COMMON_QUEUE_DESC, q->desc_addr);
        wr64(v->common, COMMON_QUEUE_DRIVER, q->avail_addr);
        wr64(v->common, COMMON_QUEUE_DEVICE, q->used_addr);
        wr16(v->common, COMMON_QUEUE_MSIX_VECTOR, v->queue_entry[i]);
        virtq_set_no_interrupt(q, !q->msix_vector);
        wr16(v->common, COMMON_QUEUE_ENABLE, 1);
    }
    set_status(v, VIRTIO_STATUS_DRIVER_OK);
    v->stalled = false;
    v->restarts++;
    klog("virtio: %s: running again after a reset (%u so far)", v->name, v->restarts);
    return 0;
}

int virtio_wait_used(struct virtio_dev *v, struct virtq *q, struct virtq_done *done)
{
    if (v->dead)
        return -EIO;
    if (v->stalled)
        return -EAGAIN;                  /* reset earlier: virtio_restart first */
    uint64_t start = clock_monotonic_ns();
    uint64_t timeout = v->timeout_ns ? v->timeout_ns : VIRTIO_TIMEOUT_NS;
    uint64_t deadline = start + timeout;
    struct device_wait w = { 0 };
    int err;
    for (;;) {
        int r = virtq_get_used(q, done);
        if (r < 0) {
            kill_device(v, q, "nonsense answer");
            err = -EIO;
            break;
        }
        if (r > 0) {
            uint64_t took = clock_monotonic_ns() - start;
            if (took >= VIRTIO_SLOW_NS)
                klog("virtio: %s: queue %u: slow answer, after %lu ms", v->name, q->index,
                     (unsigned long)(took / 1000000));
            err = 0;
            break;
        }
        if (clock_monotonic_ns() >= deadline) {
            err = stall_device(v, q, clock_monotonic_ns() - start);
            break;
        }
        device_wait_step(&w, q->msix_vector ? &v->irqs[q->index] : 0);
    }
    device_wait_end(&w);
    return err;
}

int virtio_request(struct virtio_dev *v, struct virtq *q, const struct virtq_seg *segs, unsigned n,
                   uint32_t *written)
{
    if (v->dead)
        return -EIO;
    if (v->stalled)
        return -EAGAIN;
    uint16_t head;
    int err = virtq_add(q, segs, n, &head);
    if (err)
        return err;
    virtq_kick(q);
    for (;;) {
        struct virtq_done done;
        err = virtio_wait_used(v, q, &done);
        if (err)
            return err;
        if (done.head == head) {
            *written = done.len;
            return done.err;
        }
        /* another request's answer (not with one in flight) */
    }
}

/* ---- data buffers ---- */

/* With bounce buffering (SEV) the whole buffer goes through one bounce
 * buffer, contiguous in the DMA heap: one allocation and one copy instead
 * of one per page.  maps[] stays parallel to segs[]: the pieces after the
 * first carry no mapping of their own (unmapping them does nothing). */
static int map_bounced(void *buf, size_t len, bool device_writes, uint32_t piece_max, struct virtq_seg *segs,
                       struct dma_mapping *maps, unsigned max, unsigned *n)
{
    unsigned start = *n;
    unsigned pieces = (unsigned)((len + piece_max - 1) / piece_max);
    if (pieces > max - start)
        return -ENOSPC;
    int err = dma_map(buf, len, device_writes ? DMA_FROM_DEVICE : DMA_TO_DEVICE, &maps[start]);
    if (err)
        return err;
    uint64_t device = maps[start].device;
    for (unsigned i = 0; i < pieces; i++) {
        size_t piece = len - (size_t)i * piece_max < piece_max ? len - (size_t)i * piece_max : piece_max;
        if (i)
            maps[start + i] = (struct dma_mapping){ .bounce = { .size = 0 } };
        segs[start + i] = (struct virtq_seg){ device + (uint64_t)i * piece_max, (uint32_t)piece, device_writes };
    }
    *n = start + pieces;
    return 0;
}

int virtio_map_buffer(void *buf, size_t len, bool device_writes, uint32_t piece_max,
                      struct virtq_seg *segs, struct dma_mapping *maps, unsigned max, unsigned *n)
{
    unsigned start = *n;
    uint8_t *p = buf;
    if (piece_max == 0 || piece_max > 4096)
        piece_max = 4096;
    if (dma_bounce_enabled() && len) {
        int err = map_bounced(buf, len, device_writes, piece_max, segs, maps, max, n);
        if (err != -ENOMEM)
            return err;
        /* The DMA heap has no run that long: bounce page by page. */
    }
    while (len) {
        size_t in_page = 4096 - ((uintptr_t)p & 4095);
        size_t piece = len < in_page ? len : in_page;
        if (piece > piece_max)
            piece = piece_max;
        if (*n >= max) {
            virtio_unmap_buffer(maps + start, *n - start);
            *n = start;
            return -ENOSPC;
        }
        int err = dma_map(p, piece, device_writes ? DMA_FROM_DEVICE : DMA_TO_DEVICE, &maps[*n]);
        if (err) {
            virtio_unmap_buffer(maps + start, *n - start);
            *n = start;
            return err;
        }
        segs[*n] = (struct virtq_seg){ maps[*n].device, (uint32_t)piece, device_writes };
        (*n)++;
        p += piece;
        len -= piece;
    }
    return 0;
}

void virtio_unmap_buffer(struct dma_mapping *maps, unsigned n)
{
    for (unsigned i = 0; i < n; i++)
        dma_unmap(&maps[i]);
}
