/* Block devices: what disk drivers (virtio-blk, virtio-scsi, later NVMe)
 * offer and file systems use.  Buffers are ordinary private kernel memory;
 * a driver moves data through the DMA interface (mm/dma.h), never by
 * handing the device a private address. */
#ifndef DRIVERS_BLOCK_H
#define DRIVERS_BLOCK_H
#include <stdint.h>
#include <stdbool.h>

#define BLOCK_NAME_MAX 32

struct block_stage_ops;

struct block_device {
    char name[BLOCK_NAME_MAX];     /* "vda", "sda", ... for logs */
    char serial[BLOCK_NAME_MAX];   /* device serial if it has one, else "" */
    uint64_t sectors;              /* capacity in sectors */
    uint32_t sector_size;          /* bytes, usually 512 */
    bool read_only;
    /* Each returns 0 or a negative errno (-EIO when the device failed or
     * answered nonsense).  count is in sectors; lba + count <= sectors is
     * checked by the caller (block_read/block_write). */
    int (*read)(struct block_device *dev, uint64_t lba, uint32_t count, void *buf);
    int (*write)(struct block_device *dev, uint64_t lba, uint32_t count, const void *buf);
    /* Returns once everything written before is on stable storage. */
    int (*flush)(struct block_device *dev);
    void *driver;                  /* the driver's own state */
    /* Optional: staged writes, several in flight (drivers/block_stage.h). */
    const struct block_stage_ops *stage;
};

#define BLOCK_MAX_DEVICES 16

/* Drivers register what they find; file systems look devices up. */
int block_register(struct block_device *dev);
unsigned block_count(void);
struct block_device *block_get(unsigned index);

/* Range-checked I/O in sectors: -EINVAL past the end, -EROFS on writes to a
 * read-only device. */
int block_read(struct block_device *dev, uint64_t lba, uint32_t count, void *buf);
int block_write(struct block_device *dev, uint64_t lba, uint32_t count, const void *buf);
int block_flush(struct block_device *dev);

#endif
