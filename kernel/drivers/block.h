/* Block devices: what disk drivers (virtio-blk, virtio-scsi, later NVMe)
 * offer and file systems use.  Buffers are ordinary private kernel memory;
 * a driver moves data through the DMA interface (mm/dma.h), never by
 * handing the device a private address.
 *
 * A slow disk is not a dead disk.  block.c holds the one retry policy for
 * every driver: a driver waits dev->timeout_ns for any one request of a
 * call and otherwise gives up with -ETIMEDOUT, having reset the device so
 * that nothing it was given is touched any more; block.c then calls
 * dev->reset to bring the device back and runs the whole call again,
 * doubling the wait each time.  Only when the device has not completed a
 * call for the whole give-up time is it declared dead: that call and every
 * later one fail with -EIO, and the log names the device. */
#ifndef DRIVERS_BLOCK_H
#define DRIVERS_BLOCK_H
#include <stdint.h>
#include <stdbool.h>

#define BLOCK_NAME_MAX 32

struct block_stage_ops;

/* Why these numbers: a cloud persistent disk can stall for tens of seconds
 * (host-side throttling, live migration, a storage failover) and come back.
 * The first wait is 30 s (Linux's SCSI disks use 30 s per command too); each
 * retry after a reset waits twice as long, and a device is given up after
 * BLOCK_GIVE_UP_FACTOR times the first wait (5 minutes) without finishing
 * the call.  The kernel word disk-timeout=MS sets the first wait (tests use
 * a short one); the give-up time follows it. */
#define BLOCK_ATTEMPT_TIMEOUT_MS 30000ull
#define BLOCK_GIVE_UP_FACTOR 10

struct block_device {
    char name[BLOCK_NAME_MAX];     /* "vda", "sda", ... for logs */
    char serial[BLOCK_NAME_MAX];   /* device serial if it has one, else "" */
    uint64_t sectors;              /* capacity in sectors */
    uint32_t sector_size;          /* bytes, usually 512 */
    bool read_only;
    /* Each returns 0 or a negative errno: -EIO when the device failed or
     * answered nonsense, -ETIMEDOUT when one request had no answer within
     * timeout_ns (the device is then reset: it touches none of the call's
     * memory any more), -EAGAIN when an earlier request outside this call
     * (a staged write) timed out and the device waits for reset.  count is
     * in sectors; lba + count <= sectors is checked by the caller
     * (block_read/block_write). */
    int (*read)(struct block_device *dev, uint64_t lba, uint32_t count, void *buf);
    int (*write)(struct block_device *dev, uint64_t lba, uint32_t count, const void *buf);
    /* Returns once everything written before is on stable storage. */
    int (*flush)(struct block_device *dev);
    /* Optional: after -ETIMEDOUT or -EAGAIN, makes the device usable again
     * (0), or -EIO when it cannot; staged writes that were in flight are
     * the driver's to post again or to report at the next drain.  Without
     * it a timeout is final. */
    int (*reset)(struct block_device *dev);
    void *driver;                  /* the driver's own state */
    /* Optional: staged writes, several in flight (drivers/block_stage.h). */
    const struct block_stage_ops *stage;
    /* Kept by block.c. */
    uint64_t timeout_ns;           /* for the call in progress; drivers read it */
    bool busy;                     /* inside a driver call */
    bool dead;                     /* stopped answering: every call fails */
};

#define BLOCK_MAX_DEVICES 16

/* Drivers register what they find; file systems look devices up. */
int block_register(struct block_device *dev);
unsigned block_count(void);
struct block_device *block_get(unsigned index);

/* Range-checked I/O in sectors: -EINVAL past the end, -EROFS on writes to a
 * read-only device, -EIO from a dead device (or one that stopped answering
 * during this call), -EBUSY when called again from inside a call to the
 * same device (the program was ended in the middle of one). */
int block_read(struct block_device *dev, uint64_t lba, uint32_t count, void *buf);
int block_write(struct block_device *dev, uint64_t lba, uint32_t count, const void *buf);
int block_flush(struct block_device *dev);

/* The first wait for a request (default BLOCK_ATTEMPT_TIMEOUT_MS); 0 keeps
 * the default. */
void block_set_timeout_ms(uint64_t ms);
/* The first wait in ns, for drivers that wait outside a block_* call
 * (staged writes); the give-up time is BLOCK_GIVE_UP_FACTOR times it. */
uint64_t block_first_wait_ns(void);

#endif
