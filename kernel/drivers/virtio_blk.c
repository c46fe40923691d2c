/* virtio-blk (virtio 1.x, 5.2): disks vda, vdb, ...  A request is a
 * device-readable header {type, reserved, sector}, the data, and a status
 * byte the device writes; header and status live in the DMA heap, data
 * goes through virtio_map_buffer().  Staged writes, several in flight,
 * are in virtio_blk_stage.c. */
#include "drivers/virtio_blk.h"
#include "mm/heap.h"
#include "mm/dma.h"
#include "lib/errno.h"
#include "lib/log.h"
#include "lib/string.h"
#include "lib/format.h"

#define BLK_F_SIZE_MAX 1
#define BLK_F_SEG_MAX 2
#define BLK_F_RO 5
#define BLK_F_BLK_SIZE 6
#define BLK_F_FLUSH 9

#define CFG_CAPACITY 0
#define CFG_SIZE_MAX 8
#define CFG_SEG_MAX 12
#define CFG_BLK_SIZE 20

#define S_UNSUPP 2

#define ID_BYTES 20
#define QUEUE_MAX 128

static unsigned ndisks;

static struct vblk_header *header(struct vblk *b) { return b->dma.va; }
static volatile uint8_t *status(struct vblk *b) { return (uint8_t *)b->dma.va + 16; }

/* One request: header, optional data, status. */
static int blk_request(struct vblk *b, uint32_t type, uint64_t sector, void *data, size_t len,
                       bool device_writes)
{
    header(b)->type = type;
    header(b)->reserved = 0;
    header(b)->sector = sector;
    *status(b) = 0xff;                     /* a device that never writes it fails */
    unsigned n = 0;
    b->segs[n++] = (struct virtq_seg){ b->dma.device, sizeof(struct vblk_header), false };
    int err = 0;
    if (len) {
        if (type == VBLK_T_GET_ID) {
            b->segs[n++] = (struct virtq_seg){ b->dma.device + 32, (uint32_t)len, true };
        } else {
            err = virtio_map_buffer(data, len, device_writes, b->piece_max, b->segs, b->maps,
                                    1 + b->data_segs, &n);
            if (err)
                return err;
        }
    }
    b->segs[n++] = (struct virtq_seg){ b->dma.device + 16, 1, true };
    uint32_t written = 0;
    err = virtio_request(&b->v, b->q, b->segs, n, &written);
    if (len && type != VBLK_T_GET_ID)
        virtio_unmap_buffer(b->maps + 1, n - 2);
    if (err)
        return err;
    uint8_t st = *status(b);
    if (st == VBLK_S_OK)
        return 0;
    if (st == S_UNSUPP)
        return -ENOTSUP;
    if (type != VBLK_T_GET_ID)
        klog("virtio-blk: %s: request type %u at sector %lu failed (status %u)", b->bd.name, type,
             (unsigned long)sector, st);
    return -EIO;
}

static int blk_io(struct block_device *dev, uint64_t lba, uint32_t count, void *buf, bool write)
{
    struct vblk *b = dev->driver;
    b->v.timeout_ns = dev->timeout_ns;   /* block.c's wait for this call */
    vblk_stage_settle(b);
    uint8_t *p = buf;
    while (count) {
        uint32_t n = count < b->chunk ? count : b->chunk;
        /* Page pieces: data_segs of them hold whole pages after the first
         * page's tail (an aligned buffer fills every segment). */
        if (b->piece_max == 4096) {
            uint64_t fit = (uint64_t)b->data_segs * 4096 - ((uintptr_t)p & 4095);
            uint64_t most = fit / dev->sector_size;
            if (most > n)
                n = (uint32_t)(count < most ? count : most);
        }
        size_t bytes = (size_t)n * dev->sector_size;
        int err = blk_request(b, write ? VBLK_T_OUT : VBLK_T_IN, lba * b->units, p, bytes, !write);
        if (err)
            return err;
        p += bytes;
        lba += n;
        count -= n;
    }
    return 0;
}

static int blk_read(struct block_device *dev, uint64_t lba, uint32_t count, void *buf)
{
    return blk_io(dev, lba, count, buf, false);
}

static int blk_write(struct block_device *dev, uint64_t lba, uint32_t count, const void *buf)
{
    return blk_io(dev, lba, count, (void *)buf, true);
}

static int blk_flush(struct block_device *dev)
{
    struct vblk *b = dev->driver;
    b->v.timeout_ns = dev->timeout_ns;   /* block.c's wait for this call */
    vblk_stage_settle(b);
    if (!virtio_has_feature(&b->v, BLK_F_FLUSH))
        return 0;                      /* no volatile cache to flush */
    return blk_request(b, VBLK_T_FLUSH, 0, 0, 0, false);
}

/* After a timeout (block.c's retry policy): the device was reset by the
 * transport; start it again. */
static int blk_reset(struct block_device *dev)
{
    struct vblk *b = dev->driver;
    return virtio_restart(&b->v);
}

static void read_serial(struct vblk *b)
{
    if (blk_request(b, VBLK_T_GET_ID, 0, 0, ID_BYTES, true) != 0)
        return;
    const uint8_t *id = (uint8_t *)b->dma.va + 32;
    unsigned i = 0;
    for (; i < ID_BYTES && i + 1 < sizeof(b->bd.serial) && id[i]; i++)
        b->bd.serial[i] = id[i] >= 0x20 && id[i] < 0x7f ? (char)id[i] : '?';
    b->bd.serial[i] = 0;
}

/* Block size and transfer limits from config space, each checked: a
 * device's nonsense answer is ignored or refuses the device, never trusted. */
static int read_limits(struct vblk *b, const char *name, uint32_t *blk_size_out)
{
    uint32_t blk_size = 512;
    if (virtio_has_feature(&b->v, BLK_F_BLK_SIZE)) {
        uint32_t s = virtio_cfg32(&b->v, CFG_BLK_SIZE);
        if (s >= 512 && s <= 4096 && !(s & (s - 1)))
            blk_size = s;
        else
            klog("virtio-blk: %s: ignoring block size %u", name, s);
    }
    b->units = blk_size / 512;
    b->piece_max = 4096;
    if (virtio_has_feature(&b->v, BLK_F_SIZE_MAX)) {
        uint32_t s = virtio_cfg32(&b->v, CFG_SIZE_MAX);
        if (s >= 512)
            b->size_max = s & ~511u;
        if (s >= 512 && s < b->piece_max)
            b->piece_max = s & ~511u;
    }
    /* Segments per request: our array, the queue (header and status take
     * two), and what the device says it takes. */
    b->data_segs = VBLK_DATA_SEGS_MAX;
    if (b->q->size - 2u < b->data_segs)
        b->data_segs = b->q->size - 2u;
    if (virtio_has_feature(&b->v, BLK_F_SEG_MAX)) {
        uint32_t s = virtio_cfg32(&b->v, CFG_SEG_MAX);
        if (s >= 2 && s < b->data_segs)
            b->data_segs = s;
    }
    if (b->data_segs < 2 || b->piece_max < blk_size) {
        virtio_fail(&b->v, "device limits leave no room for a request");
        return -ENODEV;
    }
    /* Any buffer alignment: n pieces cover at least (n - 1) * piece_max. */
    b->chunk = (uint32_t)((b->data_segs - 1) * (uint64_t)b->piece_max / blk_size);
    if (b->chunk == 0)
        b->chunk = 1;
    *blk_size_out = blk_size;
    return 0;
}

/* vda .. vdz, then vdaa .. as Linux names them. */
static void name_disk(struct vblk *b)
{
    unsigned i = ndisks++;
    if (i < 26)
        snprintf(b->bd.name, sizeof(b->bd.name), "vd%c", 'a' + i);
    else
        snprintf(b->bd.name, sizeof(b->bd.name), "vd%c%c", 'a' + i / 26 - 1, 'a' + i % 26);
}

static void fill_block_device(struct vblk *b, uint32_t blk_size)
{
    uint64_t capacity = virtio_cfg64(&b->v, CFG_CAPACITY);
    b->bd.sectors = capacity / b->units;
    b->bd.sector_size = blk_size;
    b->bd.read_only = virtio_has_feature(&b->v, BLK_F_RO);
    b->bd.read = blk_read;
    b->bd.write = blk_write;
    b->bd.flush = blk_flush;
    b->bd.reset = blk_reset;
    vblk_stage_init(b);
    b->bd.driver = b;
}

int virtio_blk_probe(struct pci_device *pci)
{
    struct vblk *b = kzalloc(sizeof(*b));
    if (!b)
        return -ENOMEM;
    char name[32];
    snprintf(name, sizeof(name), "virtio-blk %02x:%02x.%u", pci->bus, pci->slot, pci->fn);
    uint64_t wanted = (1ull << BLK_F_SIZE_MAX) | (1ull << BLK_F_SEG_MAX) | (1ull << BLK_F_RO) |
                      (1ull << BLK_F_BLK_SIZE) | (1ull << BLK_F_FLUSH);
    uint32_t blk_size;
    int err = virtio_start(&b->v, pci, name, wanted);
    if (err)
        goto fail;
    err = virtio_setup_queue(&b->v, 0, QUEUE_MAX, &b->q);
    if (err)
        goto fail;
    err = dma_alloc(64, 64, &b->dma);
    if (err) {
        virtio_fail(&b->v, "out of DMA memory");
        goto fail;
    }
    err = read_limits(b, name, &blk_size);
    if (err)
        goto fail;
    fill_block_device(b, blk_size);
    virtio_ready(&b->v);

    name_disk(b);
    read_serial(b);
    klog("virtio-blk: %s at %02x:%02x.%u: %lu sectors of %u bytes (%lu MiB)%s%s%s, %s%s",
         b->bd.name, pci->bus, pci->slot, pci->fn, (unsigned long)b->bd.sectors, blk_size,
         (unsigned long)(b->bd.sectors * blk_size >> 20), b->bd.serial[0] ? ", serial " : "",
         b->bd.serial, b->bd.read_only ? ", read-only" : "",
         b->q->msix_vector ? "MSI-X" : "polled",
         virtio_has_feature(&b->v, BLK_F_FLUSH) ? ", flush" : "");
    strlcpy(b->v.name, b->bd.name, sizeof(b->v.name));
    if (b->v.dead)
        return -EIO;
    return block_register(&b->bd);

fail:
    /* The device keeps nothing of ours unless a queue was set up; those
     * rings stay allocated (the device may not have been reset). */
    if (!b->q)
        kfree(b);
    return err;
}
