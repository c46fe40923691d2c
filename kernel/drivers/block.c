#include "drivers/block.h"
#include "lib/errno.h"
#include "lib/log.h"

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

int block_read(struct block_device *dev, uint64_t lba, uint32_t count, void *buf)
{
    if (!in_range(dev, lba, count))
        return -EINVAL;
    return dev->read(dev, lba, count, buf);
}

int block_write(struct block_device *dev, uint64_t lba, uint32_t count, const void *buf)
{
    if (!in_range(dev, lba, count))
        return -EINVAL;
    if (dev->read_only)
        return -EROFS;
    return dev->write(dev, lba, count, buf);
}

int block_flush(struct block_device *dev)
{
    return dev->flush ? dev->flush(dev) : 0;
}
