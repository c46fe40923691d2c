/* NVMe namespaces as block devices: which namespaces are there, and Read,
 * Write and Flush on the I/O queue of the calling thread's CPU (queues are
 * shared by the controller's namespaces), one command at a time (the big
 * kernel lock lets one CPU in at a time), under block.c's retry policy.
 *
 * Data reaches the controller through the DMA interface only: without
 * bouncing each page of the buffer is dma_map()ed and becomes one PRP
 * entry; with bouncing (SEV) the whole piece goes through one contiguous
 * bounce buffer in the DMA heap (halved until the heap has room).  A
 * buffer that is not dword aligned (PRP1 must be) is copied through a
 * bounce buffer of the driver's own, in the DMA heap too.  Transfers are
 * split at the controller's limit (MDTS) and ours (NVME_MAX_PAGES, one
 * PRP list page). */
#include "drivers/nvme.h"
#include "lib/errno.h"
#include "lib/log.h"
#include "lib/string.h"
#include "lib/format.h"
#include "mm/heap.h"

static void unmap(struct nvme_ctrl *c, void *buf, size_t len, bool device_writes)
{
    for (unsigned i = 0; i < c->nmaps; i++)
        dma_unmap(&c->maps[i]);
    c->nmaps = 0;
    if (c->bounce.size) {
        if (device_writes)
            memcpy(buf, c->bounce.va, len);
        dma_free(&c->bounce);
    }
}

/* The device's view of [buf, buf+len): c->segs, *nsegs pieces. */
static int map(struct nvme_ctrl *c, void *buf, size_t len, bool device_writes, unsigned *nsegs)
{
    enum dma_direction dir = device_writes ? DMA_FROM_DEVICE : DMA_TO_DEVICE;
    c->nmaps = 0;
    if ((uintptr_t)buf & 3) {
        int err = dma_alloc(len, NVME_PAGE, &c->bounce);
        if (err)
            return err;
        if (!device_writes)
            memcpy(c->bounce.va, buf, len);
        c->segs[0] = (struct nvme_seg){ c->bounce.device, (uint32_t)len };
        *nsegs = 1;
        return 0;
    }
    if (dma_bounce_enabled()) {
        int err = dma_map(buf, len, dir, &c->maps[0]);
        if (err)
            return err;
        c->nmaps = 1;
        c->segs[0] = (struct nvme_seg){ c->maps[0].device, (uint32_t)len };
        *nsegs = 1;
        return 0;
    }
    uint8_t *p = buf;
    while (len) {
        size_t in_page = NVME_PAGE - ((uintptr_t)p & (NVME_PAGE - 1));
        size_t piece = len < in_page ? len : in_page;
        if (c->nmaps == NVME_MAX_PAGES + 1) {
            unmap(c, buf, 0, false);
            return -E2BIG;
        }
        int err = dma_map(p, piece, dir, &c->maps[c->nmaps]);
        if (err) {
            unmap(c, buf, 0, false);
            return err;
        }
        c->segs[c->nmaps] = (struct nvme_seg){ c->maps[c->nmaps].device, (uint32_t)piece };
        c->nmaps++;
        p += piece;
        len -= piece;
    }
    *nsegs = c->nmaps;
    return 0;
}

/* One Read or Write of count blocks (count fits one command). */
static int rw_command(struct nvme_ns *ns, bool write, uint64_t lba, uint32_t count, void *buf)
{
    struct nvme_ctrl *c = ns->c;
    size_t len = (size_t)count << ns->lba_shift;
    unsigned nsegs;
    int err = map(c, buf, len, !write, &nsegs);
    if (err)
        return err;
    struct nvme_sqe cmd = { .opcode = write ? NVME_CMD_WRITE : NVME_CMD_READ, .nsid = ns->nsid };
    err = nvme_prp_build(c->segs, nsegs, c->prp_lists.va, c->prp_lists.device, 1, &cmd.prp1, &cmd.prp2);
    if (err) {
        klog("nvme: %s: %s of %u blocks at %lu: no PRP list for it (%d)", ns->bd.name, write ? "write" : "read",
             count, (unsigned long)lba, err);
        unmap(c, buf, len, false);
        return -EIO;
    }
    cmd.cdw10 = (uint32_t)lba;
    cmd.cdw11 = (uint32_t)(lba >> 32);
    cmd.cdw12 = count - 1;
    struct nvme_cqe cqe;
    err = nvme_run(c, nvme_io_queue(c), &cmd, ns->bd.timeout_ns, &cqe);
    if (!err) {
        char what[64];
        snprintf(what, sizeof(what), "%s: %s of %u blocks at %lu", ns->bd.name, write ? "write" : "read", count,
                 (unsigned long)lba);
        err = nvme_status_error(c, what, &cqe);
    }
    /* Answered, or the controller was disabled: it touches none of it. */
    unmap(c, buf, len, !write && !err);
    return err;
}

/* Blocks per command for a buffer at p: whole pages after p's offset, up
 * to the page limit. */
static uint32_t fit(struct nvme_ns *ns, const void *p)
{
    struct nvme_ctrl *c = ns->c;
    uint64_t bytes = (uint64_t)c->max_pages * NVME_PAGE;
    if (!dma_bounce_enabled() && !((uintptr_t)p & 3))
        bytes -= (uintptr_t)p & (NVME_PAGE - 1);
    uint64_t blocks = bytes >> ns->lba_shift;
    return blocks ? (uint32_t)blocks : 1;
}

static int blk_io(struct block_device *dev, uint64_t lba, uint32_t count, void *buf, bool write)
{
    struct nvme_ns *ns = dev->driver;
    nvme_stage_settle(ns->c);
    uint8_t *p = buf;
    uint32_t shrink = 0;             /* halvings after the DMA heap ran short */
    while (count) {
        uint32_t most = fit(ns, p) >> shrink, n = count < most ? count : most;
        if (!n)
            n = 1;
        int err = rw_command(ns, write, lba, n, p);
        if (err == -ENOMEM && n > 1) {
            shrink++;                /* bounce buffers: ask for less */
            continue;
        }
        if (err)
            return err;
        p += (size_t)n << ns->lba_shift;
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
    struct nvme_ns *ns = dev->driver;
    struct nvme_ctrl *c = ns->c;
    nvme_stage_settle(c);
    if (!c->volatile_cache)
        return 0;                    /* what was written is on stable storage */
    struct nvme_sqe cmd = { .opcode = NVME_CMD_FLUSH, .nsid = ns->nsid };
    struct nvme_cqe cqe;
    int err = nvme_run(c, nvme_io_queue(c), &cmd, dev->timeout_ns, &cqe);
    char what[48];
    snprintf(what, sizeof(what), "%s: flush", dev->name);
    return err ? err : nvme_status_error(c, what, &cqe);
}

/* The controller is shared: the first namespace to ask restarts it. */
static int blk_reset(struct block_device *dev)
{
    struct nvme_ns *ns = dev->driver;
    return nvme_restart(ns->c);
}

static int add_namespace(struct nvme_ctrl *c, uint32_t nsid, const char *serial)
{
    struct nvme_namespace_info ni;
    int err = nvme_identify(c, 0, nsid);
    if (err || (err = nvme_parse_namespace(c->identify.va, c->name, nsid, &ni)) != 0)
        return err;
    struct nvme_ns *ns = kzalloc(sizeof(*ns));
    if (!ns)
        return -ENOMEM;
    ns->c = c;
    ns->nsid = nsid;
    ns->lba_shift = ni.lba_shift;
    struct block_device *bd = &ns->bd;
    snprintf(bd->name, sizeof(bd->name), "%sn%u", c->name, nsid);
    strlcpy(bd->serial, serial, sizeof(bd->serial));
    bd->sectors = ni.blocks;
    bd->sector_size = 1u << ni.lba_shift;
    bd->read = blk_read;
    bd->write = blk_write;
    bd->flush = blk_flush;
    bd->reset = blk_reset;
    bd->driver = ns;
    nvme_stage_init(ns);
    klog("nvme: %s at %02x:%02x.%u: namespace %u: %lu blocks of %u bytes (%lu MiB), serial \"%s\", up to %u KiB "
         "per command, %s%s", c->name, c->pci->bus, c->pci->slot, c->pci->fn, nsid, (unsigned long)ni.blocks,
         bd->sector_size, (unsigned long)((ni.blocks << ni.lba_shift) >> 20), serial, c->max_pages * 4,
         c->msix ? "MSI-X" : "polled", c->volatile_cache ? ", volatile write cache (flushed on fsync)" : "");
    err = block_register(bd);
    if (!err)
        c->ns[c->nns++] = ns;
    return err;
}

/* The active namespace list (Identify CNS 2, NVMe 1.1 on); a controller
 * that does not answer it: namespaces 1 to NN. */
static unsigned active_namespaces(struct nvme_ctrl *c, uint32_t nn, uint32_t *ids)
{
    if (nvme_identify(c, 2, 0) == 0) {
        unsigned n = nvme_parse_ns_list(c->identify.va, c->name, ids, NVME_MAX_NAMESPACES);
        if (n)
            return n;
    }
    unsigned n = 0;
    for (uint32_t id = 1; id <= nn && n < NVME_MAX_NAMESPACES; id++)
        ids[n++] = id;
    return n;
}

int nvme_add_namespaces(struct nvme_ctrl *c, const struct nvme_controller_info *ci)
{
    uint32_t ids[NVME_MAX_NAMESPACES];
    unsigned n = active_namespaces(c, ci->namespaces, ids);
    for (unsigned i = 0; i < n && !c->dead; i++)
        add_namespace(c, ids[i], ci->serial);      /* refusals are logged */
    if (!c->nns) {
        klog("nvme: %s: no usable namespace", c->name);
        return -ENODEV;
    }
    return 0;
}
