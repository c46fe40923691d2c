/* NVMe staged writes (drivers/block_stage.h): a few buffers in the DMA
 * heap that the caller fills itself (one copy, straight where the
 * controller reads, also under SEV) and posts without waiting, so that
 * the controller writes one while the caller fills the next.  Each buffer
 * has its own PRP list page (held by the controller, nvme.h).  Buffers are allocated as they are needed and
 * freed by the drain (fsync): DMA memory is held only while a program is
 * writing.  Commands that go one at a time (nvme_blk.c, flush) wait for
 * every staged write first; the controller does not order commands in
 * flight.
 *
 * A controller that stops answering is disabled (nvme.c): the writes in
 * flight are abandoned, but their data is still in the buffers, so it is
 * enabled again and they are posted again, one at a time until they are
 * done, with block.c's waits (twice as long each time, dead after the
 * give-up time; then they fail: -EIO at the drain). */
#include "drivers/nvme.h"
#include "drivers/block_stage.h"
#include "lib/errno.h"
#include "lib/log.h"
#include "lib/format.h"

#define STAGE_BYTES_MAX (512u << 10)
#define STAGE_BYTES_MIN (64u << 10)

static void pool_free(struct nvme_ctrl *c)
{
    for (unsigned i = 0; i < NVME_STAGE_SLOTS; i++)
        dma_free(&c->stage[i].data);
    c->stage_bytes = 0;
}

/* Buffer size: a sixteenth of the DMA heap (four take a quarter), at most
 * 512 KiB and what one command may carry (MDTS). */
static uint32_t pool_buffer_bytes(struct nvme_ctrl *c)
{
    uint64_t heap_phys, heap_size;
    dma_range(&heap_phys, &heap_size);
    uint64_t bytes = heap_size / 16;
    if (bytes > STAGE_BYTES_MAX)
        bytes = STAGE_BYTES_MAX;
    if (bytes > (uint64_t)c->max_pages * NVME_PAGE)
        bytes = (uint64_t)c->max_pages * NVME_PAGE;
    bytes &= ~(uint64_t)(NVME_PAGE - 1);
    return bytes < STAGE_BYTES_MIN ? 0 : (uint32_t)bytes;
}

static bool pool_start(struct nvme_ctrl *c)
{
    uint32_t bytes = pool_buffer_bytes(c);
    if (!bytes)
        return false;
    for (unsigned i = 0; i < NVME_STAGE_SLOTS; i++)
        c->stage[i] = (struct nvme_stage){ .busy = false };
    c->stage_bytes = bytes;
    return true;
}

static void fail_stage(struct nvme_ns *ns, int err)
{
    if (!ns->stage_err)
        ns->stage_err = err;
}

/* The controller is gone: every write in flight failed, for its namespace. */
static void fail_all(struct nvme_ctrl *c)
{
    for (unsigned i = 0; i < NVME_STAGE_SLOTS; i++) {
        struct nvme_stage *s = &c->stage[i];
        if (s->posted) {
            fail_stage(s->ns, -EIO);
            s->posted = s->busy = s->requeue = false;
        }
    }
    c->stage_inflight = 0;
}

/* Puts slot i (lba and count set) on the I/O queue. */
static int submit(struct nvme_ctrl *c, unsigned i)
{
    struct nvme_stage *s = &c->stage[i];
    struct nvme_seg seg = { s->data.device, s->count << s->ns->lba_shift };
    struct nvme_sqe cmd = { .opcode = NVME_CMD_WRITE, .nsid = s->ns->nsid };
    uint64_t *list = (uint64_t *)((uint8_t *)c->prp_lists.va + (1 + i) * NVME_PAGE);
    int err = nvme_prp_build(&seg, 1, list, c->prp_lists.device + (1 + i) * NVME_PAGE, 1, &cmd.prp1, &cmd.prp2);
    if (err)
        return err;
    cmd.cdw10 = (uint32_t)s->lba;
    cmd.cdw11 = (uint32_t)(s->lba >> 32);
    cmd.cdw12 = s->count - 1;
    err = nvme_queue_submit(&c->io[0], &cmd);
    if (!err)
        s->cid = cmd.cid;
    return err;
}

static int requeue_one(struct nvme_ctrl *c)
{
    for (unsigned i = 0; i < NVME_STAGE_SLOTS; i++) {
        if (c->stage[i].requeue) {
            c->stage[i].requeue = false;
            return submit(c, i) < 0 ? -EIO : 0;
        }
    }
    return 0;
}

/* After a timeout (the controller disabled): enable it again and post the
 * abandoned writes one at a time (all at once, a throttled device would
 * spend the next wait on them all and time out again). */
static int restart(struct nvme_ctrl *c)
{
    if (nvme_restart(c) < 0)
        return -EIO;
    klog("nvme: %s: posting %u staged write(s) again after a reset, one at a time", c->name,
         c->stage_inflight);
    for (unsigned i = 0; i < NVME_STAGE_SLOTS; i++)
        c->stage[i].requeue = c->stage[i].posted;
    return requeue_one(c);
}

/* Waits for one completion under block.c's policy: after each timeout
 * restart, post again and wait twice as long, until the give-up time;
 * then the device is dead. */
static int wait_answer(struct nvme_ctrl *c, struct nvme_cqe *cqe)
{
    uint64_t first = block_first_wait_ns(), wait = first, waited = 0;
    int err;
    while ((err = nvme_wait(c, &c->io[0], wait, cqe)) == -ETIMEDOUT) {
        waited += wait;
        if (waited >= first * BLOCK_GIVE_UP_FACTOR || restart(c) < 0) {
            klog("nvme: %s: staged writes: no answer for %lu s: the device stopped answering", c->name,
                 (unsigned long)(waited / 1000000000ull));
            for (unsigned i = 0; i < c->nns; i++)
                c->ns[i]->bd.dead = true;
            break;
        }
        wait *= 2;
    }
    return err;
}

/* Takes one completion; the staged write it finishes is free again. */
static int reap(struct nvme_ctrl *c)
{
    struct nvme_cqe cqe;
    if (wait_answer(c, &cqe) < 0) {
        fail_all(c);                 /* the device is gone (logged) */
        return -EIO;
    }
    for (unsigned i = 0; i < NVME_STAGE_SLOTS; i++) {
        struct nvme_stage *s = &c->stage[i];
        if (!s->posted || s->requeue || s->cid != cqe.cid)
            continue;
        char what[64];
        snprintf(what, sizeof(what), "%s: staged write of %u blocks at %lu", s->ns->bd.name, s->count,
                 (unsigned long)s->lba);
        if (nvme_status_error(c, what, &cqe))
            fail_stage(s->ns, -EIO);
        s->posted = s->busy = false;
        c->stage_inflight--;
        if (requeue_one(c) < 0) {
            fail_all(c);
            return -EIO;
        }
        return 0;
    }
    klog("nvme: %s: completion for command id %u matches no staged write", c->name, cqe.cid);
    fail_all(c);
    return -EIO;
}

void nvme_stage_settle(struct nvme_ctrl *c)
{
    while (c->stage_inflight)
        if (reap(c) < 0)
            break;
}

static void *stage_get(struct block_device *dev, uint32_t *bytes)
{
    struct nvme_ns *ns = dev->driver;
    struct nvme_ctrl *c = ns->c;
    if (c->dead || c->stalled || dev->dead || (!c->stage_bytes && !pool_start(c)))
        return 0;
    for (;;) {
        /* A free buffer, else a new one, else wait for one in flight. */
        int fresh = -1;
        for (unsigned i = 0; i < NVME_STAGE_SLOTS; i++) {
            struct nvme_stage *s = &c->stage[i];
            if (!s->busy && s->data.size) {
                s->busy = true;
                s->ns = ns;
                *bytes = c->stage_bytes;
                return s->data.va;
            }
            if (!s->data.size && fresh < 0)
                fresh = (int)i;
        }
        if (fresh >= 0) {
            struct nvme_stage *s = &c->stage[fresh];
            if (dma_alloc(c->stage_bytes, NVME_PAGE, &s->data) == 0) {
                s->busy = true;
                s->ns = ns;
                *bytes = c->stage_bytes;
                return s->data.va;
            }
        }
        if (!c->stage_inflight || reap(c) < 0)
            return 0;
    }
}

static struct nvme_stage *slot_of(struct nvme_ctrl *c, void *stage, unsigned *index)
{
    for (unsigned i = 0; i < NVME_STAGE_SLOTS; i++) {
        struct nvme_stage *s = &c->stage[i];
        if (c->stage_bytes && s->busy && !s->posted && s->data.va == stage) {
            *index = i;
            return s;
        }
    }
    return 0;
}

static void stage_put(struct block_device *dev, void *stage)
{
    unsigned i;
    struct nvme_ns *ns = dev->driver;
    struct nvme_stage *s = slot_of(ns->c, stage, &i);
    if (s)
        s->busy = false;
}

static bool overlaps_in_flight(struct nvme_ctrl *c, struct nvme_ns *ns, uint64_t lba, uint64_t count)
{
    for (unsigned i = 0; i < NVME_STAGE_SLOTS; i++) {
        struct nvme_stage *s = &c->stage[i];
        if (s->posted && s->ns == ns && lba < s->lba + s->count && s->lba < lba + count)
            return true;
    }
    return false;
}

static int stage_post(struct block_device *dev, void *stage, uint64_t lba, uint32_t count)
{
    struct nvme_ns *ns = dev->driver;
    struct nvme_ctrl *c = ns->c;
    unsigned i;
    struct nvme_stage *s = slot_of(c, stage, &i);
    if (!s || s->ns != ns)
        return -EINVAL;
    if (((uint64_t)count << ns->lba_shift) > c->stage_bytes || c->dead || c->stalled) {
        s->busy = false;
        return c->dead || c->stalled ? -EIO : -EINVAL;
    }
    s->lba = lba;
    s->count = count;
    /* Commands in flight finish in any order: the same blocks are never in
     * flight twice. */
    while (overlaps_in_flight(c, ns, lba, count))
        if (reap(c) < 0) {
            s->busy = false;
            return -EIO;
        }
    int err;
    while ((err = submit(c, i)) == -EBUSY && c->stage_inflight)
        if (reap(c) < 0)
            break;
    if (err) {
        s->busy = false;
        return -EIO;
    }
    s->posted = true;
    c->stage_inflight++;
    return 0;
}

static int stage_drain(struct block_device *dev)
{
    struct nvme_ns *ns = dev->driver;
    struct nvme_ctrl *c = ns->c;
    nvme_stage_settle(c);
    int err = ns->stage_err;
    ns->stage_err = 0;
    bool handed_out = false;
    for (unsigned i = 0; i < NVME_STAGE_SLOTS; i++)
        handed_out |= c->stage[i].busy;
    if (c->stage_bytes && !handed_out)
        pool_free(c);
    return err;
}

static const struct block_stage_ops ops = { stage_get, stage_post, stage_put, stage_drain };

void nvme_stage_init(struct nvme_ns *ns)
{
    ns->bd.stage = &ops;
}
