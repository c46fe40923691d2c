/* virtio-blk staged writes: a few buffers in the DMA heap that the caller
 * fills itself (one copy, straight where the device reads, also under
 * SEV) and posts without waiting, so that the device writes one while the
 * caller fills the next.  Buffers are allocated as they are needed and
 * freed by the drain (fsync): DMA memory is held only while a program is
 * writing.  Requests the driver makes one at a time (blk_io, flush) wait
 * for every staged write first: virtio_request drops answers that are not
 * its own, and the device does not order requests in flight.
 *
 * A device that stops answering is reset by the transport (-ETIMEDOUT):
 * the writes in flight are abandoned, but their data is still in the
 * buffers, so the device is restarted and they are posted again (one at a
 * time until they are done), with block.c's waits (twice as long each time, dead after the give-up time;
 * then they fail: -EIO at the drain). */
#include "drivers/virtio_blk.h"
#include "drivers/block_stage.h"
#include "lib/errno.h"
#include "lib/log.h"

#define STAGE_BYTES_MAX (512u << 10)
#define STAGE_BYTES_MIN (64u << 10)

static struct vblk_header *stage_header(struct vblk *b, unsigned i)
{
    return (struct vblk_header *)((uint8_t *)b->stage_hdr.va + 32 * i);
}

static volatile uint8_t *stage_status(struct vblk *b, unsigned i)
{
    return (uint8_t *)b->stage_hdr.va + 32 * i + 16;
}

static void pool_free(struct vblk *b)
{
    for (unsigned i = 0; i < VBLK_STAGE_SLOTS; i++)
        dma_free(&b->stage[i].data);
    dma_free(&b->stage_hdr);
    b->stage_bytes = 0;
}

/* Buffer size: a sixteenth of the DMA heap (four of them take a quarter),
 * at most 512 KiB, and few enough segments that every buffer fits in the
 * queue at once. */
static uint32_t pool_buffer_bytes(struct vblk *b)
{
    uint64_t heap_phys, heap_size;
    dma_range(&heap_phys, &heap_size);
    uint64_t bytes = heap_size / 16;
    if (bytes > STAGE_BYTES_MAX)
        bytes = STAGE_BYTES_MAX;
    unsigned segs = b->q->size / VBLK_STAGE_SLOTS - 2u;
    if (segs > b->data_segs)
        segs = b->data_segs;
    if (b->size_max && bytes > (uint64_t)segs * b->size_max)
        bytes = (uint64_t)segs * b->size_max;
    bytes &= ~4095ull;
    return bytes < STAGE_BYTES_MIN || bytes % b->bd.sector_size ? 0 : (uint32_t)bytes;
}

/* The headers; the buffers come one at a time, as they are needed (each
 * is zeroed by dma_alloc: a short burst pays for one, not four). */
static bool pool_alloc(struct vblk *b)
{
    uint32_t bytes = pool_buffer_bytes(b);
    if (!bytes || b->q->size < 4 * VBLK_STAGE_SLOTS)
        return false;
    if (dma_alloc(32 * VBLK_STAGE_SLOTS, 64, &b->stage_hdr) != 0)
        return false;
    for (unsigned i = 0; i < VBLK_STAGE_SLOTS; i++)
        b->stage[i] = (struct vblk_stage){ .busy = false };
    b->stage_bytes = bytes;
    return true;
}

static void fail_stage(struct vblk *b, int err)
{
    if (!b->stage_err)
        b->stage_err = err;
}

/* Puts slot i (lba, units and data set) on the queue. */
static int submit(struct vblk *b, unsigned i)
{
    struct vblk_stage *s = &b->stage[i];
    *stage_header(b, i) = (struct vblk_header){ VBLK_T_OUT, 0, s->lba };
    *stage_status(b, i) = 0xff;            /* a device that never writes it fails */
    struct virtq_seg *segs = b->segs;      /* free: one request at a time otherwise */
    unsigned n = 0;
    segs[n++] = (struct virtq_seg){ b->stage_hdr.device + 32 * i, sizeof(struct vblk_header), false };
    uint64_t bytes = s->units * 512;
    uint32_t piece = b->size_max ? b->size_max : b->stage_bytes;
    for (uint64_t off = 0; off < bytes; off += piece) {
        uint64_t len = bytes - off < piece ? bytes - off : piece;
        segs[n++] = (struct virtq_seg){ s->data.device + off, (uint32_t)len, false };
    }
    segs[n++] = (struct virtq_seg){ b->stage_hdr.device + 32 * i + 16, 1, true };
    return virtq_add(b->q, segs, n, &s->head);
}

static void fail_all(struct vblk *b)
{
    for (unsigned i = 0; i < VBLK_STAGE_SLOTS; i++)
        if (b->stage[i].posted)
            b->stage[i].posted = b->stage[i].busy = b->stage[i].requeue = false;
    b->in_flight = 0;
    fail_stage(b, -EIO);
}

/* Puts the next write a reset abandoned back on the queue, if any. */
static int requeue_one(struct vblk *b)
{
    for (unsigned i = 0; i < VBLK_STAGE_SLOTS; i++) {
        if (b->stage[i].requeue) {
            b->stage[i].requeue = false;
            if (submit(b, i) < 0)
                return -EIO;
            virtq_kick(b->q);
            return 0;
        }
    }
    return 0;
}

/* After a reset: the device again, and the writes in flight posted again
 * one at a time (all at once, a throttled device would spend the next
 * wait on them all and time out again). */
static int restart(struct vblk *b)
{
    if (virtio_restart(&b->v) < 0)
        return -EIO;
    klog("virtio-blk: %s: posting %u staged write(s) again after a reset, one at a time", b->bd.name,
         b->in_flight);
    for (unsigned i = 0; i < VBLK_STAGE_SLOTS; i++)
        b->stage[i].requeue = b->stage[i].posted;
    return requeue_one(b);
}

/* Waits for one answer under block.c's policy: after each timeout (the
 * device reset) restart, post again and wait twice as long, until the
 * give-up time; then the device is dead. */
static int wait_answer(struct vblk *b, struct virtq_done *done)
{
    uint64_t first = block_first_wait_ns(), wait = first, waited = 0;
    uint64_t saved = b->v.timeout_ns;
    b->v.timeout_ns = first;
    int err;
    while ((err = virtio_wait_used(&b->v, b->q, done)) == -ETIMEDOUT) {
        waited += wait;
        if (waited >= first * BLOCK_GIVE_UP_FACTOR || restart(b) < 0) {
            klog("virtio-blk: %s: staged writes: no answer for %lu s: the device stopped answering",
                 b->bd.name, (unsigned long)(waited / 1000000000ull));
            b->bd.dead = true;
            break;
        }
        wait *= 2;
        b->v.timeout_ns = wait;
    }
    b->v.timeout_ns = saved;
    return err;
}

/* Takes one answer; a staged write it finishes is free again. */
static int reap(struct vblk *b)
{
    struct virtq_done done;
    if (wait_answer(b, &done) < 0) {
        /* The device is gone (logged): nothing in flight will finish. */
        fail_all(b);
        return -EIO;
    }
    for (unsigned i = 0; i < VBLK_STAGE_SLOTS; i++) {
        struct vblk_stage *s = &b->stage[i];
        if (!s->posted || s->requeue || s->head != done.head)
            continue;
        uint8_t st = *stage_status(b, i);
        if (done.err || st != VBLK_S_OK) {
            klog("virtio-blk: %s: staged write at sector %lu failed (status %u)", b->bd.name,
                 (unsigned long)s->lba, st);
            fail_stage(b, -EIO);
        }
        s->posted = s->busy = false;
        b->in_flight--;
        if (requeue_one(b) < 0) {
            fail_all(b);
            return -EIO;
        }
        return 0;
    }
    return 0;                  /* not ours (cannot happen: see the top) */
}

void vblk_stage_settle(struct vblk *b)
{
    while (b->in_flight)
        if (reap(b) < 0)
            break;
}

static void *stage_get(struct block_device *dev, uint32_t *bytes)
{
    struct vblk *b = dev->driver;
    if (b->v.dead || dev->dead || (!b->stage_bytes && !pool_alloc(b)))
        return 0;
    for (;;) {
        /* A free buffer, else a new one, else wait for one in flight. */
        int fresh = -1;
        for (unsigned i = 0; i < VBLK_STAGE_SLOTS; i++) {
            struct vblk_stage *s = &b->stage[i];
            if (!s->busy && s->data.size) {
                s->busy = true;
                *bytes = b->stage_bytes;
                return s->data.va;
            }
            if (!s->data.size && fresh < 0)
                fresh = (int)i;
        }
        if (fresh >= 0 && dma_alloc(b->stage_bytes, 4096, &b->stage[fresh].data) == 0) {
            b->stage[fresh].busy = true;
            *bytes = b->stage_bytes;
            return b->stage[fresh].data.va;
        }
        if (!b->in_flight || reap(b) < 0)
            return 0;
    }
}

static struct vblk_stage *slot_of(struct vblk *b, void *stage, unsigned *index)
{
    for (unsigned i = 0; i < VBLK_STAGE_SLOTS; i++) {
        if (b->stage_bytes && b->stage[i].busy && !b->stage[i].posted && b->stage[i].data.va == stage) {
            *index = i;
            return &b->stage[i];
        }
    }
    return 0;
}

static void stage_put(struct block_device *dev, void *stage)
{
    unsigned i;
    struct vblk_stage *s = slot_of(dev->driver, stage, &i);
    if (s)
        s->busy = false;
}

static bool overlaps_in_flight(struct vblk *b, uint64_t lba, uint64_t units)
{
    for (unsigned i = 0; i < VBLK_STAGE_SLOTS; i++) {
        struct vblk_stage *s = &b->stage[i];
        if (s->posted && lba < s->lba + s->units && s->lba < lba + units)
            return true;
    }
    return false;
}

static int stage_post(struct block_device *dev, void *stage, uint64_t lba, uint32_t count)
{
    struct vblk *b = dev->driver;
    unsigned i;
    struct vblk_stage *s = slot_of(b, stage, &i);
    if (!s)
        return -EINVAL;
    uint64_t bytes = (uint64_t)count * dev->sector_size;
    if (bytes > b->stage_bytes || b->v.dead) {
        s->busy = false;
        return b->v.dead ? -EIO : -EINVAL;
    }
    s->lba = lba * b->units;
    s->units = (uint64_t)count * b->units;
    /* The device may finish requests in any order: the same sectors are
     * never in flight twice. */
    while (overlaps_in_flight(b, s->lba, s->units))
        if (reap(b) < 0) {
            s->busy = false;
            return -EIO;
        }
    int err;
    while ((err = submit(b, i)) == -ENOSPC && b->in_flight)
        if (reap(b) < 0)
            break;
    if (err) {
        s->busy = false;
        return err == -ENOSPC ? -EIO : err;
    }
    s->posted = true;
    b->in_flight++;
    virtq_kick(b->q);
    return 0;
}

static int stage_drain(struct block_device *dev)
{
    struct vblk *b = dev->driver;
    vblk_stage_settle(b);
    int err = b->stage_err;
    b->stage_err = 0;
    bool handed_out = false;
    for (unsigned i = 0; i < VBLK_STAGE_SLOTS; i++)
        handed_out |= b->stage[i].busy;
    if (b->stage_bytes && !handed_out)
        pool_free(b);
    return err;
}

static const struct block_stage_ops ops = { stage_get, stage_post, stage_put, stage_drain };

void vblk_stage_init(struct vblk *b)
{
    b->bd.stage = &ops;
}
