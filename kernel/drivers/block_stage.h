/* Staged writes: a block device may offer a few buffers of its own that
 * the caller fills and posts without waiting, so that the device writes
 * one while the caller fills the next (several requests in flight), and so
 * that data is copied once, straight where the device reads it (under SEV
 * that memory is in the DMA heap, shared with the host: only data bound
 * for the disk goes there).  dev->stage is NULL when the driver has none;
 * the block_stage_* helpers below then say so and the caller writes the
 * ordinary way.
 *
 * Ordering: a posted write waits for any earlier one it overlaps, and the
 * device's read, write and flush wait for every posted one first, so a
 * read finds the newest data and a flush covers what was posted. */
#ifndef DRIVERS_BLOCK_STAGE_H
#define DRIVERS_BLOCK_STAGE_H
#include "drivers/block.h"
#include "lib/errno.h"

struct block_stage_ops {
    /* A buffer of *bytes (a whole number of sectors), waiting for one to
     * come back if all are in flight; NULL when there is none. */
    void *(*get)(struct block_device *dev, uint32_t *bytes);
    /* Sends count sectors of the buffer to lba and returns at once; the
     * buffer comes back by itself.  An error here means it was not sent. */
    int (*post)(struct block_device *dev, void *stage, uint64_t lba, uint32_t count);
    /* Gives back a buffer that was not posted. */
    void (*put)(struct block_device *dev, void *stage);
    /* Waits for every posted write: the first error since the last drain
     * (a write that failed in flight is reported here, once). */
    int (*drain)(struct block_device *dev);
};

static inline void *block_stage_get(struct block_device *dev, uint32_t *bytes)
{
    return dev->stage && !dev->read_only ? dev->stage->get(dev, bytes) : 0;
}

static inline int block_stage_post(struct block_device *dev, void *stage, uint64_t lba, uint32_t count)
{
    if (!count || lba >= dev->sectors || count > dev->sectors - lba) {
        dev->stage->put(dev, stage);
        return -EINVAL;
    }
    return dev->stage->post(dev, stage, lba, count);
}

static inline void block_stage_put(struct block_device *dev, void *stage)
{
    dev->stage->put(dev, stage);
}

static inline int block_stage_drain(struct block_device *dev)
{
    return dev->stage ? dev->stage->drain(dev) : 0;
}

#endif
