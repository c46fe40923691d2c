/* Device registry, range checks, and the one retry policy for slow disks
 * (block.h says why and how long). */
#include "drivers/block.h"
#include "lib/errno.h"
#include "lib/log.h"
#include "mm/user_window.h"

static struct block_device *devices[BLOCK_MAX_DEVICES];
static unsigned ndevices;
static uint64_t first_wait_ms = BLOCK_ATTEMPT_TIMEOUT_MS;

void block_set_timeout_ms(uint64_t ms)
{
    first_wait_ms = ms ? ms : BLOCK_ATTEMPT_TIMEOUT_MS;
}

uint64_t block_first_wait_ns(void)
{
    return first_wait_ms * 1000000ull;
}

int block_register(struct block_device *dev)
{
    if (ndevices == BLOCK_MAX_DEVICES) {
        klog("block: too many devices, %s ignored", dev->name);
        return -ENOSPC;
    }
    devices[ndevices++] = dev;
    klog("block: %s: %lu sectors of %u bytes%s%s%s", dev->name, dev->sectors, dev->sector_size,
         dev->serial[0] ? ", serial " : "", dev->serial, dev->read_only ? ", read-only" : "");
    return 0;
}

unsigned block_count(void)
{
    return ndevices;
}

struct block_device *block_get(unsigned index)
{
    return index < ndevices ? devices[index] : 0;
}

static bool in_range(struct block_device *dev, uint64_t lba, uint32_t count)
{
    return count && lba < dev->sectors && count <= dev->sectors - lba;
}

enum op { OP_READ, OP_WRITE, OP_FLUSH };

static const char *const op_names[] = { "read", "write", "flush" };

static int call_driver(struct block_device *dev, enum op op, uint64_t lba, uint32_t count, void *buf)
{
    switch (op) {
    case OP_READ: return dev->read(dev, lba, count, buf);
    case OP_WRITE: return dev->write(dev, lba, count, buf);
    default: return dev->flush(dev);
    }
}

static int give_up(struct block_device *dev, enum op op, uint64_t lba, uint64_t waited_ms, unsigned resets,
                   const char *why)
{
    dev->dead = true;
    klog("block: %s: %s at sector %lu: no answer for %lu s over %u reset(s)%s: the device stopped answering; "
         "its I/O fails with EIO from now on", dev->name, op_names[op], (unsigned long)lba,
         (unsigned long)(waited_ms / 1000), resets, why);
    return -EIO;
}

/* Runs one call; after a timeout (the driver has reset the device), resets
 * and runs it again with twice the wait, until the give-up time is spent.
 * A call is run again whole: reads and writes of the same data are
 * idempotent, and the device finished or dropped the abandoned requests
 * before its reset completed. */
static int with_retries(struct block_device *dev, enum op op, uint64_t lba, uint32_t count, void *buf)
{
    if (dev->dead)
        return -EIO;
    if (dev->busy) {
        klog("block: %s: %s refused: called from inside another call to the device (the program was ended "
             "in the middle of one)", dev->name, op_names[op]);
        return -EBUSY;
    }
    uint64_t give_up_ms = first_wait_ms * BLOCK_GIVE_UP_FACTOR, wait_ms = first_wait_ms, waited_ms = 0;
    unsigned resets = 0;
    bool stale_reset = false;
    for (;;) {
        if (dev->dead)
            return -EIO;                 /* given up meanwhile (staged writes, drivers/block_stage.h) */
        if (wait_ms > give_up_ms - waited_ms)
            wait_ms = give_up_ms - waited_ms;
        dev->timeout_ns = wait_ms * 1000000ull;
        dev->busy = true;
        int err = call_driver(dev, op, lba, count, buf);
        dev->busy = false;
        if (err == -EAGAIN && !stale_reset) {
            /* Reset after a staged write timed out: restart, no wait spent. */
            stale_reset = true;
            klog("block: %s: restarting the device after an earlier timeout", dev->name);
            if (!dev->reset || dev->reset(dev) < 0)
                return give_up(dev, op, lba, waited_ms, resets, " (and it does not restart)");
            continue;
        }
        if (err == -EAGAIN)
            err = -EIO;
        if (err != -ETIMEDOUT) {
            if (resets)
                klog("block: %s: %s at sector %lu done after %u reset(s)", dev->name, op_names[op],
                     (unsigned long)lba, resets);
            return err;
        }
        waited_ms += wait_ms;
        if (waited_ms >= give_up_ms || !dev->reset)
            return give_up(dev, op, lba, waited_ms, resets, "");
        klog("block: %s: %s at sector %lu: no answer after %lu ms: device reset, trying again (waited %lu s "
             "of %lu s)", dev->name, op_names[op], (unsigned long)lba, (unsigned long)wait_ms,
             (unsigned long)(waited_ms / 1000), (unsigned long)(give_up_ms / 1000));
        resets++;
        if (dev->reset(dev) < 0)
            return give_up(dev, op, lba, waited_ms, resets, " (and it does not restart)");
        wait_ms *= 2;
    }
}

/* A program's buffer (a long read straight into it) goes towards a device
 * only pinned, inside the window its system call opened: every page
 * present and held until the transfer is over.  The DMA interface then
 * hands the device those frames, or bounces under SEV. */
static int pin(const void *buf, uint64_t len, bool device_writes)
{
    return user_address(buf) ? user_window_pin(buf, len, device_writes) : 0;
}

static void unpin(const void *buf, uint64_t len)
{
    if (user_address(buf))
        user_window_unpin(buf, len);
}

int block_read(struct block_device *dev, uint64_t lba, uint32_t count, void *buf)
{
    if (!in_range(dev, lba, count))
        return -EINVAL;
    uint64_t len = (uint64_t)count * dev->sector_size;
    int err = pin(buf, len, true);
    if (err)
        return err;
    err = with_retries(dev, OP_READ, lba, count, buf);
    unpin(buf, len);
    return err;
}

int block_write(struct block_device *dev, uint64_t lba, uint32_t count, const void *buf)
{
    if (!in_range(dev, lba, count))
        return -EINVAL;
    if (dev->read_only)
        return -EROFS;
    uint64_t len = (uint64_t)count * dev->sector_size;
    int err = pin(buf, len, false);
    if (err)
        return err;
    err = with_retries(dev, OP_WRITE, lba, count, (void *)buf);
    unpin(buf, len);
    return err;
}

int block_flush(struct block_device *dev)
{
    return dev->flush ? with_retries(dev, OP_FLUSH, 0, 0, 0) : 0;
}
