/* Split virtqueues (virtio 1.x, section 2.7): the descriptor table, the
 * available ring (driver -> device) and the used ring (device -> driver),
 * all in one allocation from the shared DMA heap.
 *
 * The device is not trusted.  The driver keeps its own private copy of
 * every chain it posts (which descriptors, how many bytes the device may
 * write), never reads back the descriptor table, and checks each used-ring
 * entry: an index that advances by more than the requests outstanding, an
 * ID that is not the head of an outstanding chain, or a length beyond the
 * whole chain fail with -EIO and a log line.  (A length beyond the writable
 * part alone is clamped, not refused: QEMU's virtio-scsi counts the
 * data-out bytes too.)  The first two break
 * the queue (no request can be matched to its answer any more): every later
 * call fails with -EIO until the transport resets the device (and then
 * the queue, virtq_reset).
 *
 * This file knows nothing of PCI or of waiting: the transport (virtio_pci.c)
 * sets `notify` and decides how to wait.  Host unit tests drive it with a
 * fake device (tests/unit/drivers). */
#ifndef DRIVERS_VIRTQUEUE_H
#define DRIVERS_VIRTQUEUE_H
#include <stdint.h>
#include <stdbool.h>
#include "mm/dma.h"

#define VIRTQ_DESC_F_NEXT 1
#define VIRTQ_DESC_F_WRITE 2
#define VIRTQ_AVAIL_F_NO_INTERRUPT 1
#define VIRTQ_MAX_SIZE 32768

/* The layouts the device sees (little-endian, as x86 is). */
struct virtq_desc {
    uint64_t addr;
    uint32_t len;
    uint16_t flags;
    uint16_t next;
};
struct virtq_avail {
    uint16_t flags;
    uint16_t idx;
    uint16_t ring[];
};
struct virtq_used_elem {
    uint32_t id;
    uint32_t len;
};
struct virtq_used {
    uint16_t flags;
    uint16_t idx;
    struct virtq_used_elem ring[];
};

/* One buffer of a request: a device address (from dma_alloc or dma_map),
 * its length, and whether the device writes it (else it reads it). */
struct virtq_seg {
    uint64_t addr;
    uint32_t len;
    bool device_writes;
};

/* What the driver remembers of a posted chain, indexed by its head. */
struct virtq_chain {
    bool outstanding;
    uint16_t ndesc;
    uint64_t writable;            /* bytes the device may write */
    uint64_t total;               /* bytes in the whole chain */
};

struct virtq {
    uint16_t index;               /* queue number on the device */
    uint16_t size;                /* descriptors, a power of two */
    volatile struct virtq_desc *desc;
    volatile struct virtq_avail *avail;
    volatile struct virtq_used *used;
    struct dma_buffer ring;       /* the three parts above */
    uint64_t desc_addr, avail_addr, used_addr;   /* device addresses */
    uint16_t *link;               /* private: next descriptor of a chain / free list */
    struct virtq_chain *chains;   /* private, by head */
    uint16_t free_head, num_free;
    uint16_t avail_idx;           /* next available-ring slot (private copy) */
    uint16_t last_used;           /* used-ring entries consumed */
    unsigned outstanding;         /* chains posted and not yet answered */
    bool broken;
    const char *name;             /* for log lines, e.g. "vda" */
    /* Set by the transport: tells the device the available ring moved. */
    void (*notify)(struct virtq *q);
    void *transport;
    unsigned msix_vector;         /* CPU vector, 0 when the queue is polled */
    /* Called from the queue's interrupt handler, if set (virtio-net wakes
     * the network thread): it must only wake, never touch the queue. */
    void (*on_interrupt)(void *arg);
    void *interrupt_arg;
};

/* The result of one answered request. */
struct virtq_done {
    uint16_t head;
    uint32_t len;                 /* bytes the device says it wrote, at most
                                   * the chain's writable bytes */
    int err;                      /* 0, or -EIO for a nonsense length */
};

/* Sizes the rings need for `size` descriptors (queue size). */
uint64_t virtq_ring_bytes(uint16_t size);
/* size: a power of two, 1..VIRTQ_MAX_SIZE.  0, -EINVAL or -ENOMEM. */
int virtq_init(struct virtq *q, uint16_t index, uint16_t size, const char *name);
/* Frees the rings; only once the device has been reset (it may still be
 * using them otherwise). */
void virtq_destroy(struct virtq *q);
/* Only once the device has been reset: forgets every request (their
 * answers will never come), zeroes the rings for the device to be given
 * them again, and un-breaks the queue.  The rings keep their memory. */
void virtq_reset(struct virtq *q);

/* Posts one request: `n` segments, those the device reads first, then those
 * it writes.  On success *head identifies it.  -EINVAL (bad segments),
 * -ENOSPC (not enough free descriptors), -EIO (queue broken). */
int virtq_add(struct virtq *q, const struct virtq_seg *segs, unsigned n, uint16_t *head);
/* Makes posted requests visible to the device and notifies it. */
void virtq_kick(struct virtq *q);
/* Takes the next answer from the used ring: 1 and *done filled, 0 if there
 * is none yet, -EIO if the device answered nonsense (queue now broken). */
int virtq_get_used(struct virtq *q, struct virtq_done *done);
/* Marks the queue broken (e.g. after a timeout): later calls fail. */
void virtq_break(struct virtq *q, const char *why);
/* Asks the device not to interrupt (polled queues). */
void virtq_set_no_interrupt(struct virtq *q, bool on);

#endif
