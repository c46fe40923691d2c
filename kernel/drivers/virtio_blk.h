/* virtio-blk's own state, shared by its two files: virtio_blk.c (probe,
 * one request at a time) and virtio_blk_stage.c (staged writes, several
 * in flight).  Nothing else includes this. */
#ifndef DRIVERS_VIRTIO_BLK_H
#define DRIVERS_VIRTIO_BLK_H
#include "drivers/virtio_pci.h"
#include "drivers/block.h"
#include "mm/dma.h"

#define VBLK_DATA_SEGS_MAX 64
#define VBLK_STAGE_SLOTS 4

#define VBLK_T_IN 0
#define VBLK_T_OUT 1
#define VBLK_T_FLUSH 4
#define VBLK_T_GET_ID 8
#define VBLK_S_OK 0

struct vblk_header {
    uint32_t type;
    uint32_t reserved;
    uint64_t sector;
};

/* One staging buffer: handed out (busy), then posted (in flight). */
struct vblk_stage {
    struct dma_buffer data;
    uint64_t lba;                    /* device sectors (512-byte units) */
    uint64_t units;
    uint16_t head;
    bool busy, posted;
    bool requeue;                    /* abandoned by a reset, to be posted again */
};

struct vblk {
    struct block_device bd;
    struct virtio_dev v;
    struct virtq *q;
    struct dma_buffer dma;           /* header at 0, status at 16, ID at 32 */
    uint32_t units;                  /* 512-byte units per logical sector */
    uint32_t piece_max;              /* bytes per data segment */
    uint32_t size_max;               /* the device's segment limit, 0: none */
    unsigned data_segs;              /* data segments per request */
    uint32_t chunk;                  /* logical sectors per request */
    struct virtq_seg segs[VBLK_DATA_SEGS_MAX + 2];
    struct dma_mapping maps[VBLK_DATA_SEGS_MAX + 2];
    /* Staged writes (virtio_blk_stage.c); the pool exists between the
     * first stage_get and the next drain. */
    struct vblk_stage stage[VBLK_STAGE_SLOTS];
    struct dma_buffer stage_hdr;     /* per slot: header at 32 i, status at 32 i + 16 */
    uint32_t stage_bytes;            /* per buffer; 0 while there is no pool */
    unsigned in_flight;
    int stage_err;                   /* first error since the last drain */
};

/* Waits for every posted staged write (errors are kept for the drain). */
void vblk_stage_settle(struct vblk *b);
void vblk_stage_init(struct vblk *b);

#endif
