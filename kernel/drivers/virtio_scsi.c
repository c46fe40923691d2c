/* virtio-scsi (virtio 1.x, 5.6): a SCSI host with one request queue (queue
 * 2; the control and event queues are not used).  Targets 0..SCAN_TARGETS-1
 * are probed at LUN 0 with INQUIRY; each direct-access disk is sized with
 * READ CAPACITY(16) and registered as sda, sdb, ...  Reads and writes are
 * READ(16)/WRITE(16), a flush is SYNCHRONIZE CACHE(10).  Every command's
 * virtio response, SCSI status, sense data and residual are checked. */
#include "drivers/virtio_pci.h"
#include "drivers/block.h"
#include "mm/heap.h"
#include "mm/dma.h"
#include "lib/errno.h"
#include "lib/log.h"
#include "lib/string.h"
#include "lib/format.h"

#define CFG_SEG_MAX 4
#define CFG_MAX_SECTORS 8
#define CFG_SENSE_SIZE 20
#define CFG_CDB_SIZE 24
#define CFG_MAX_TARGET 30

#define REQUEST_QUEUE 2
#define QUEUE_MAX 128
#define DATA_SEGS_MAX 64
#define SCAN_TARGETS 8
#define CDB_SIZE 32
#define SENSE_SIZE 96

/* Layout of our DMA block: request header, response, small data. */
#define REQ_OFF 0
#define RESP_OFF 512
#define SMALL_OFF 768
#define SMALL_SIZE 256
#define REQ_CDB 19                 /* lun[8], id, task_attr, prio, crn */
#define RESP_SENSE 12              /* sense_len, resid, status_qualifier, status, response */

#define VS_OK 0
#define VS_BAD_TARGET 3

#define SCSI_GOOD 0x00
#define SCSI_CHECK_CONDITION 0x02
#define SCSI_BUSY 0x08
#define SCSI_TASK_SET_FULL 0x28

#define SENSE_NOT_READY 0x2
#define SENSE_UNIT_ATTENTION 0x6

struct vscsi {
    struct virtio_dev v;
    struct virtq *q;
    struct dma_buffer dma;
    uint32_t cdb_size, sense_size;
    uint32_t max_blocks;               /* per command, from max_sectors */
    unsigned data_segs;
    uint64_t tag;
    struct virtq_seg segs[DATA_SEGS_MAX + 2];
    struct dma_mapping maps[DATA_SEGS_MAX + 2];
};

struct scsi_disk {
    struct block_device bd;
    struct vscsi *host;
    uint8_t target;
    uint32_t chunk;                    /* blocks per command */
};

enum dir { DIR_NONE, DIR_IN, DIR_OUT };

static unsigned ndisks;

unsigned virtio_scsi_disk_count(void)
{
    return ndisks;
}

static uint8_t *dma_at(struct vscsi *h, unsigned off) { return (uint8_t *)h->dma.va + off; }

static uint32_t get_le32(const volatile uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static void put_be32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24); p[1] = (uint8_t)(v >> 16); p[2] = (uint8_t)(v >> 8); p[3] = (uint8_t)v;
}

static void put_be64(uint8_t *p, uint64_t v)
{
    put_be32(p, (uint32_t)(v >> 32));
    put_be32(p + 4, (uint32_t)v);
}

static uint32_t get_be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* Runs one command on `target`, LUN 0.  buf/len: the data; `small` data
 * lives in our DMA block instead (INQUIRY and the like).  Returns 0, or
 * -ENODEV (no such target), -EIO (failed; logged). */
static int scsi_exec_opt(struct vscsi *h, const char *who, unsigned target, const uint8_t *cdb,
                         unsigned cdb_len, void *buf, size_t len, enum dir dir, bool small,
                         uint32_t *resid_out, bool quiet)
{
    for (int attempt = 0; attempt < 4; attempt++) {
        uint8_t *req = dma_at(h, REQ_OFF);
        volatile uint8_t *resp = dma_at(h, RESP_OFF);
        memset(req, 0, REQ_CDB + h->cdb_size);
        req[0] = 1;                                  /* single-level LUN structure */
        req[1] = (uint8_t)target;
        req[2] = 0x40;                               /* flat addressing, LUN 0 */
        req[3] = 0;
        uint64_t tag = ++h->tag;
        memcpy(req + 8, &tag, 8);
        memcpy(req + REQ_CDB, cdb, cdb_len);
        memset((void *)resp, 0, RESP_SENSE + h->sense_size);
        resp[11] = 0xff;                             /* response: unset */

        unsigned n = 0, data_first = 0, data_n = 0;
        h->segs[n++] = (struct virtq_seg){ h->dma.device + REQ_OFF, REQ_CDB + h->cdb_size, false };
        int err = 0;
        if (dir == DIR_OUT) {
            data_first = n;
            err = virtio_map_buffer(buf, len, false, 4096, h->segs, h->maps, 1 + h->data_segs, &n);
            data_n = n - data_first;
        }
        if (err)
            return err;
        h->segs[n++] = (struct virtq_seg){ h->dma.device + RESP_OFF, RESP_SENSE + h->sense_size, true };
        if (dir == DIR_IN && small) {
            h->segs[n++] = (struct virtq_seg){ h->dma.device + SMALL_OFF, (uint32_t)len, true };
        } else if (dir == DIR_IN) {
            data_first = n;
            err = virtio_map_buffer(buf, len, true, 4096, h->segs, h->maps, 2 + h->data_segs, &n);
            data_n = n - data_first;
            if (err)
                return err;
        }
        uint32_t written = 0;
        err = virtio_request(&h->v, h->q, h->segs, n, &written);
        if (data_n)
            virtio_unmap_buffer(h->maps + data_first, data_n);
        if (err)
            return err;

        uint8_t response = resp[11], status = resp[10];
        uint32_t resid = get_le32(resp + 4);
        if (response == VS_BAD_TARGET)
            return -ENODEV;
        if (response != VS_OK) {
            klog("virtio-scsi: %s: command %02x: virtio response %u", who, cdb[0], response);
            return -EIO;
        }
        if (status == SCSI_BUSY || status == SCSI_TASK_SET_FULL)
            continue;
        if (status == SCSI_CHECK_CONDITION) {
            uint32_t slen = get_le32(resp);
            if (slen > h->sense_size)
                slen = h->sense_size;
            const volatile uint8_t *s = resp + RESP_SENSE;
            unsigned key = 0, asc = 0, ascq = 0;
            if (slen >= 14 && (s[0] & 0x7e) == 0x70) {
                key = s[2] & 0xf; asc = s[12]; ascq = s[13];
            } else if (slen >= 4 && (s[0] & 0x7e) == 0x72) {
                key = s[1] & 0xf; asc = s[2]; ascq = s[3];
            }
            if (key == SENSE_UNIT_ATTENTION || key == SENSE_NOT_READY)
                continue;
            if (!quiet)
                klog("virtio-scsi: %s: command %02x failed: sense key %x, asc %02x, ascq %02x", who, cdb[0],
                 key, asc, ascq);
            return -EIO;
        }
        if (status != SCSI_GOOD) {
            klog("virtio-scsi: %s: command %02x: SCSI status %02x", who, cdb[0], status);
            return -EIO;
        }
        if (resid > len) {
            klog("virtio-scsi: %s: command %02x: residual %u beyond the %zu-byte buffer", who, cdb[0],
                 resid, len);
            return -EIO;
        }
        if (resid_out)
            *resid_out = resid;
        else if (resid) {
            klog("virtio-scsi: %s: command %02x: short transfer (%u of %zu bytes missing)", who, cdb[0],
                 resid, len);
            return -EIO;
        }
        return 0;
    }
    klog("virtio-scsi: %s: command %02x: still failing after retries", who, cdb[0]);
    return -EIO;
}

static int scsi_exec(struct vscsi *h, const char *who, unsigned target, const uint8_t *cdb,
                     unsigned cdb_len, void *buf, size_t len, enum dir dir, bool small,
                     uint32_t *resid_out)
{
    return scsi_exec_opt(h, who, target, cdb, cdb_len, buf, len, dir, small, resid_out, false);
}

static int disk_io(struct block_device *dev, uint64_t lba, uint32_t count, void *buf, bool write)
{
    struct scsi_disk *d = dev->driver;
    d->host->v.timeout_ns = dev->timeout_ns;     /* block.c's wait for this call */
    uint8_t *p = buf;
    while (count) {
        uint32_t n = count < d->chunk ? count : d->chunk;
        uint8_t cdb[16] = { write ? 0x8a : 0x88 };   /* WRITE(16) / READ(16) */
        put_be64(cdb + 2, lba);
        put_be32(cdb + 10, n);
        size_t bytes = (size_t)n * dev->sector_size;
        int err = scsi_exec(d->host, dev->name, d->target, cdb, 16, p, bytes, write ? DIR_OUT : DIR_IN,
                            false, 0);
        if (err)
            return err == -ENODEV ? -EIO : err;
        p += bytes;
        lba += n;
        count -= n;
    }
    return 0;
}

static int disk_read(struct block_device *dev, uint64_t lba, uint32_t count, void *buf)
{
    return disk_io(dev, lba, count, buf, false);
}

static int disk_write(struct block_device *dev, uint64_t lba, uint32_t count, const void *buf)
{
    return disk_io(dev, lba, count, (void *)buf, true);
}

static int disk_flush(struct block_device *dev)
{
    struct scsi_disk *d = dev->driver;
    d->host->v.timeout_ns = dev->timeout_ns;
    uint8_t cdb[10] = { 0x35 };                         /* SYNCHRONIZE CACHE(10) */
    int err = scsi_exec(d->host, dev->name, d->target, cdb, 10, 0, 0, DIR_NONE, false, 0);
    return err == -ENODEV ? -EIO : err;
}

/* After a timeout (block.c's retry policy) the transport has reset the
 * host: start it again (once for all its disks) with the CDB and sense
 * sizes its requests are laid out for.  The disks then report a unit
 * attention, which scsi_exec retries. */
static int disk_reset(struct block_device *dev)
{
    struct vscsi *h = ((struct scsi_disk *)dev->driver)->host;
    if (!h->v.stalled)
        return h->v.dead ? -EIO : 0;
    int err = virtio_restart(&h->v);
    if (err)
        return err;
    virtio_cfg_write32(&h->v, CFG_CDB_SIZE, h->cdb_size);
    virtio_cfg_write32(&h->v, CFG_SENSE_SIZE, h->sense_size);
    if (virtio_cfg32(&h->v, CFG_CDB_SIZE) != h->cdb_size || virtio_cfg32(&h->v, CFG_SENSE_SIZE) != h->sense_size) {
        virtio_fail(&h->v, "CDB or sense size changed across a reset; not used any more");
        h->v.dead = true;
        return -EIO;
    }
    return 0;
}

static void copy_text(char *dst, size_t size, const uint8_t *src, size_t len)
{
    size_t n = 0;
    for (size_t i = 0; i < len && n + 1 < size; i++)
        dst[n++] = src[i] >= 0x20 && src[i] < 0x7f ? (char)src[i] : '?';
    while (n && dst[n - 1] == ' ')
        n--;
    dst[n] = 0;
}

static void probe_target(struct vscsi *h, unsigned t)
{
    char who[32];
    snprintf(who, sizeof(who), "%s target %u", h->v.name, t);
    uint8_t *small = dma_at(h, SMALL_OFF);
    uint8_t inquiry[6] = { 0x12, 0, 0, 0, 36, 0 };
    memset(small, 0, SMALL_SIZE);
    uint32_t resid = 0;
    if (scsi_exec(h, who, t, inquiry, 6, 0, 36, DIR_IN, true, &resid) != 0 || 36 - resid < 5)
        return;
    uint8_t qualifier = small[0] >> 5, type = small[0] & 0x1f;
    if (qualifier != 0)
        return;
    char vendor[9], product[17];
    copy_text(vendor, sizeof(vendor), small + 8, 8);
    copy_text(product, sizeof(product), small + 16, 16);
    if (type != 0) {
        klog("virtio-scsi: %s: %s %s is of device type %u, not a disk: ignored", who, vendor, product, type);
        return;
    }
    uint8_t rc16[16] = { 0x9e, 0x10 };                  /* READ CAPACITY(16) */
    put_be32(rc16 + 10, 32);
    memset(small, 0, SMALL_SIZE);
    resid = 0;
    if (scsi_exec(h, who, t, rc16, 16, 0, 32, DIR_IN, true, &resid) != 0 || 32 - resid < 12) {
        klog("virtio-scsi: %s: cannot read its capacity: ignored", who);
        return;
    }
    uint64_t last = (uint64_t)get_be32(small) << 32 | get_be32(small + 4);
    uint32_t block = get_be32(small + 8);
    if (block < 512 || block > 4096 || (block & (block - 1)) || last == ~0ull) {
        klog("virtio-scsi: %s: unusable geometry (block size %u): ignored", who, block);
        return;
    }

    struct scsi_disk *d = kzalloc(sizeof(*d));
    if (!d)
        return;
    /* Unit serial number (VPD page 0x80), if the disk has one. */
    uint8_t vpd[6] = { 0x12, 0x01, 0x80, 0, 252, 0 };
    memset(small, 0, SMALL_SIZE);
    resid = 0;
    if (scsi_exec_opt(h, who, t, vpd, 6, 0, 252, DIR_IN, true, &resid, true) == 0 && small[1] == 0x80) {
        size_t got = 252 - resid, plen = small[3];
        if (plen + 4 > got)
            plen = got > 4 ? got - 4 : 0;
        const uint8_t *s = small + 4;
        while (plen && *s == ' ') {
            s++;
            plen--;
        }
        copy_text(d->bd.serial, sizeof(d->bd.serial), s, plen);
    }
    d->host = h;
    d->target = (uint8_t)t;
    d->bd.sectors = last + 1;
    d->bd.sector_size = block;
    d->bd.read = disk_read;
    d->bd.write = disk_write;
    d->bd.flush = disk_flush;
    d->bd.reset = disk_reset;
    d->bd.driver = d;
    /* n pieces cover at least (n - 1) pages, whatever the alignment. */
    uint64_t chunk = (uint64_t)(h->data_segs - 1) * 4096 / block;
    if (h->max_blocks && chunk > h->max_blocks)
        chunk = h->max_blocks;
    d->chunk = chunk ? (uint32_t)chunk : 1;
    unsigned i = ndisks++;
    if (i < 26)
        snprintf(d->bd.name, sizeof(d->bd.name), "sd%c", 'a' + i);
    else
        snprintf(d->bd.name, sizeof(d->bd.name), "sd%c%c", 'a' + i / 26 - 1, 'a' + i % 26);
    klog("virtio-scsi: %s: target %u lun 0: %s %s, %lu sectors of %u bytes (%lu MiB)%s%s", d->bd.name, t,
         vendor, product, (unsigned long)d->bd.sectors, block,
         (unsigned long)(d->bd.sectors * block >> 20), d->bd.serial[0] ? ", serial " : "", d->bd.serial);
    block_register(&d->bd);
}

int virtio_scsi_probe(struct pci_device *pci)
{
    struct vscsi *h = kzalloc(sizeof(*h));
    if (!h)
        return -ENOMEM;
    char name[32];
    snprintf(name, sizeof(name), "virtio-scsi %02x:%02x.%u", pci->bus, pci->slot, pci->fn);
    int err = virtio_start(&h->v, pci, name, 0);
    if (err)
        goto fail;
    /* Ask for the sizes we lay out for; use what the device then says. */
    virtio_cfg_write32(&h->v, CFG_CDB_SIZE, CDB_SIZE);
    virtio_cfg_write32(&h->v, CFG_SENSE_SIZE, SENSE_SIZE);
    h->cdb_size = virtio_cfg32(&h->v, CFG_CDB_SIZE);
    h->sense_size = virtio_cfg32(&h->v, CFG_SENSE_SIZE);
    if (h->cdb_size < 16 || REQ_CDB + h->cdb_size > RESP_OFF - REQ_OFF ||
        RESP_SENSE + h->sense_size > SMALL_OFF - RESP_OFF) {
        virtio_fail(&h->v, "unusable CDB or sense size");
        err = -ENODEV;
        goto fail;
    }
    err = virtio_setup_queue(&h->v, REQUEST_QUEUE, QUEUE_MAX, &h->q);
    if (err)
        goto fail;
    err = dma_alloc(1024, 64, &h->dma);
    if (err) {
        virtio_fail(&h->v, "out of DMA memory");
        goto fail;
    }
    h->data_segs = DATA_SEGS_MAX;
    if (h->q->size - 2u < h->data_segs)
        h->data_segs = h->q->size - 2u;
    uint32_t seg_max = virtio_cfg32(&h->v, CFG_SEG_MAX);
    if (seg_max >= 2 && seg_max < h->data_segs)
        h->data_segs = seg_max;
    h->max_blocks = virtio_cfg32(&h->v, CFG_MAX_SECTORS);
    if (h->data_segs < 2) {
        virtio_fail(&h->v, "device limits leave no room for a request");
        err = -ENODEV;
        goto fail;
    }
    virtio_ready(&h->v);
    unsigned max_target = virtio_cfg16(&h->v, CFG_MAX_TARGET);
    unsigned targets = max_target + 1 < SCAN_TARGETS ? max_target + 1 : SCAN_TARGETS;
    unsigned before = ndisks;
    for (unsigned t = 0; t < targets && !h->v.dead; t++)
        probe_target(h, t);
    klog("virtio-scsi: %s: %s, targets 0..%u scanned, %u disk(s)", name,
         h->q->msix_vector ? "MSI-X" : "polled", targets - 1, ndisks - before);
    return h->v.dead ? -EIO : 0;

fail:
    if (!h->q)
        kfree(h);
    return err;
}
