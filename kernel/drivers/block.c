#include "drivers/block.h"
#include "lib/errno.h"
#include "lib/log.h"
#include "mm/user_window.h"

static struct block_device *devices[BLOCK_MAX_DEVICES];
static unsigned ndevices;

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
    err = dev->read(dev, lba, count, buf);
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
    err = dev->write(dev, lba, count, buf);
    unpin(buf, len);
    return err;
}

int block_flush(struct block_device *dev)
{
    return dev->flush ? dev->flush(dev) : 0;
}
