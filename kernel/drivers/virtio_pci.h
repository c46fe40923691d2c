/* The virtio 1.x PCI transport ("modern" only: devices 0x1040 + type, as
 * QEMU makes them with disable-legacy=on), and the drivers built on it.
 *
 * Start-up follows the spec's order: reset, ACKNOWLEDGE, DRIVER, features
 * (VIRTIO_F_VERSION_1 always, VIRTIO_F_ACCESS_PLATFORM whenever offered),
 * FEATURES_OK (checked that it stuck), queues, DRIVER_OK; any failure sets
 * FAILED and logs why.  Requests are synchronous: the caller posts a chain
 * and waits, halted until the queue's MSI-X interrupt (polling when the
 * device has no MSI-X), at most v->timeout_ns (VIRTIO_TIMEOUT_NS if 0).
 * A device that does not answer in time is reset at once (-ETIMEDOUT: its
 * requests are abandoned, their memory is the driver's again) and waits
 * for virtio_restart; whether and when to restart is the caller's policy
 * (drivers/block.c for disks). */
#ifndef DRIVERS_VIRTIO_PCI_H
#define DRIVERS_VIRTIO_PCI_H
#include <stdint.h>
#include <stdbool.h>
#include <stddef.h>
#include "drivers/pci.h"
#include "drivers/virtqueue.h"
#include "drivers/device_wait.h"

#define VIRTIO_VENDOR 0x1af4
#define VIRTIO_MODERN_BASE 0x1040
#define VIRTIO_ID_BLOCK 2
#define VIRTIO_ID_RNG 4
#define VIRTIO_ID_SCSI 8

#define VIRTIO_F_VERSION_1 32
#define VIRTIO_F_ACCESS_PLATFORM 33
#define VIRTIO_F_ORDER_PLATFORM 36

#define VIRTIO_STATUS_ACKNOWLEDGE 1
#define VIRTIO_STATUS_DRIVER 2
#define VIRTIO_STATUS_DRIVER_OK 4
#define VIRTIO_STATUS_FEATURES_OK 8
#define VIRTIO_STATUS_NEEDS_RESET 64
#define VIRTIO_STATUS_FAILED 128

#define VIRTIO_PCI_CAP_COMMON_CFG 1
#define VIRTIO_PCI_CAP_NOTIFY_CFG 2
#define VIRTIO_PCI_CAP_ISR_CFG 3
#define VIRTIO_PCI_CAP_DEVICE_CFG 4

/* For requests nobody set a timeout for (probing, virtio-rng); disks get
 * theirs from drivers/block.c.  Generous: a slow device is not a dead one. */
#define VIRTIO_TIMEOUT_NS 30000000000ull
/* An answer later than this is logged (a slow device, not yet a dead one). */
#define VIRTIO_SLOW_NS 5000000000ull
/* How long a reset after a timeout may take before the device is given up
 * (QEMU completes it at once, after finishing what was in flight). */
#define VIRTIO_RESET_WAIT_NS 10000000000ull
#define VIRTIO_MAX_QUEUES 8      /* virtio-console: ports 1 and 2 are queues 4 to 7 */

/* Under SEV a device must go through the platform's DMA path (bounce
 * buffers in shared memory): when this is set, devices that do not offer
 * VIRTIO_F_ACCESS_PLATFORM are refused.  Set before devices_init(). */
extern bool virtio_require_access_platform;
void virtio_set_require_access_platform(bool on);

/* Where a virtio structure lies: a BAR and a range inside it. */
struct virtio_pci_region {
    bool present;
    uint8_t bar;
    uint32_t offset, length;
};
struct virtio_pci_caps {
    struct virtio_pci_region common, notify, isr, device;
    uint32_t notify_multiplier;
};
/* Pure (exposed for tests): finds the first usable capability of each type
 * in a configuration-space snapshot, skipping any whose fields do not fit
 * in the capability, the snapshot or the BAR.  0, or -ENODEV when the
 * common, notify or ISR structure is missing. */
int virtio_pci_parse_caps(const uint8_t *cfg, size_t len, const uint64_t bar_size[6],
                          struct virtio_pci_caps *out);

struct virtio_dev {
    struct pci_device *pci;
    char name[32];                /* "virtio-blk 00:03.0", then the disk name */
    volatile uint8_t *common, *notify, *isr, *device_cfg;
    struct virtio_pci_caps caps;
    uint64_t features;            /* negotiated */
    struct pci_msix msix;
    bool msix_on;
    unsigned msix_next;           /* next free table entry */
    struct virtq queues[VIRTIO_MAX_QUEUES];
    uint16_t queue_entry[VIRTIO_MAX_QUEUES]; /* MSI-X entry per queue, or 0xffff */
    struct device_irq irqs[VIRTIO_MAX_QUEUES]; /* per queue with MSI-X: its waiters */
    bool dead;                    /* reset after a failure: every request fails */
    bool stalled;                 /* reset after a timeout: virtio_restart next */
    unsigned restarts;
    uint64_t timeout_ns;          /* per request; 0: VIRTIO_TIMEOUT_NS */
};

/* Maps the structures and negotiates: `wanted` device features (bits the
 * driver understands; the transport adds VERSION_1 and ACCESS_PLATFORM).
 * Leaves the device at FEATURES_OK.  0 or a negative errno (logged, FAILED
 * set). */
int virtio_start(struct virtio_dev *v, struct pci_device *pci, const char *name, uint64_t wanted);
/* Sets up queue `index` with at most `max_size` descriptors. */
int virtio_setup_queue(struct virtio_dev *v, unsigned index, uint16_t max_size, struct virtq **out);
/* DRIVER_OK: the device is live. */
void virtio_ready(struct virtio_dev *v);
/* After a timeout (-ETIMEDOUT, the device already reset): the start-up
 * sequence again with the same features and queues (their rings emptied),
 * DRIVER_OK.  0, or -EIO when the device is dead. */
int virtio_restart(struct virtio_dev *v);
/* Sets FAILED and logs why. */
void virtio_fail(struct virtio_dev *v, const char *why);
bool virtio_has_feature(const struct virtio_dev *v, unsigned bit);

/* Device-specific configuration (bounded to its structure: reads outside
 * return 0).  Multi-byte fields are read under the config generation. */
uint8_t virtio_cfg8(struct virtio_dev *v, unsigned off);
uint16_t virtio_cfg16(struct virtio_dev *v, unsigned off);
uint32_t virtio_cfg32(struct virtio_dev *v, unsigned off);
uint64_t virtio_cfg64(struct virtio_dev *v, unsigned off);
void virtio_cfg_write32(struct virtio_dev *v, unsigned off, uint32_t val);
uint32_t virtio_cfg_size(const struct virtio_dev *v);

/* Posts one request and waits for its answer.  *written: the bytes the
 * device says it wrote.  0, or -ETIMEDOUT (no answer in time: the device
 * has been reset, see virtio_restart), -EIO (nonsense answer, dead device:
 * logged), -EAGAIN (an earlier request timed out and the device waits
 * for virtio_restart), -ENOSPC/-EINVAL from virtq_add. */
int virtio_request(struct virtio_dev *v, struct virtq *q, const struct virtq_seg *segs, unsigned n,
                   uint32_t *written);
/* Waits for the next answer on q, whichever request it is (for drivers
 * with several requests in flight, posted with virtq_add/virtq_kick):
 * 0 and *done, -ETIMEDOUT (no answer within the timeout: the device has
 * been reset, every request in flight is abandoned and its buffers may be
 * unmapped; see virtio_restart), or -EIO (nonsense answer, dead device:
 * logged). */
int virtio_wait_used(struct virtio_dev *v, struct virtq *q, struct virtq_done *done);

/* Data buffers (private kernel memory, only page-contiguous) go to the
 * device piece by piece: each piece within one page and at most
 * `piece_max` bytes is dma_map()ed (a bounce buffer under SEV, its physical
 * address otherwise) and becomes one segment.  Appends at most `max`
 * segments at segs[*n]; 0, or -ENOSPC / -ENOMEM (nothing left mapped). */
int virtio_map_buffer(void *buf, size_t len, bool device_writes, uint32_t piece_max,
                      struct virtq_seg *segs, struct dma_mapping *maps, unsigned max, unsigned *n);
/* Undoes maps[0..n) (copying bounced data back after a device write). */
void virtio_unmap_buffer(struct dma_mapping *maps, unsigned n);

/* The drivers: each takes a device found on the bus; 0 when it is running. */
int virtio_blk_probe(struct pci_device *pci);
int virtio_scsi_probe(struct pci_device *pci);
int virtio_rng_probe(struct pci_device *pci);
/* Disks the SCSI driver registered, for the summary line. */
unsigned virtio_scsi_disk_count(void);

#endif
