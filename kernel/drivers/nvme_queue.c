/* NVMe queues and PRP lists: the driver's logic that touches no register
 * but the doorbells it is given, so that the host tests can run it against
 * a model controller (tests/unit/drivers/test_nvme.c). */
#include "drivers/nvme.h"
#include "lib/errno.h"
#include "lib/log.h"
#include "lib/string.h"

/* Our entries are written before the doorbell, and the completion's phase
 * tag is read before the rest of the entry. */
static inline void fence(void)
{
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
}

int nvme_queue_init(struct nvme_queue *q, uint16_t id, uint16_t size, const char *name)
{
    memset(q, 0, sizeof(*q));
    strlcpy(q->name, name, sizeof(q->name));
    if (size < 2)
        return -EINVAL;
    q->id = id;
    q->size = size;
    /* Both rings page-aligned: the controller wants queue bases on a page
     * boundary (and one PRP entry per queue, i.e. within one page here). */
    int err = dma_alloc((size_t)size * sizeof(struct nvme_sqe), NVME_PAGE, &q->sq);
    if (!err)
        err = dma_alloc((size_t)size * sizeof(struct nvme_cqe), NVME_PAGE, &q->cq);
    if (err) {
        nvme_queue_free(q);
        return err;
    }
    nvme_queue_reset(q);
    return 0;
}

void nvme_queue_free(struct nvme_queue *q)
{
    dma_free(&q->sq);
    dma_free(&q->cq);
}

void nvme_queue_reset(struct nvme_queue *q)
{
    /* The controller forgot both rings; so do we (no stale command left to
     * read as one in flight). */
    memset(q->sq.va, 0, (size_t)q->size * sizeof(struct nvme_sqe));
    memset(q->cq.va, 0, (size_t)q->size * sizeof(struct nvme_cqe));
    q->sq_tail = q->cq_head = 0;
    q->phase = 1;                    /* the controller's first pass writes 1 */
    nvme_queue_abandon(q);
}

void nvme_queue_abandon(struct nvme_queue *q)
{
    memset(q->used, 0, sizeof(q->used));
    q->inflight = 0;
}

int nvme_queue_submit(struct nvme_queue *q, struct nvme_sqe *cmd)
{
    /* One entry stays free: a full ring would look empty to the controller. */
    if (q->inflight == NVME_INFLIGHT_MAX || q->inflight + 1u >= q->size)
        return -EBUSY;
    unsigned slot = 0;
    while (q->used[slot])
        slot++;
    /* Command ids cycle; 0xffff is left out (it means "no command" in some
     * error reports). */
    cmd->cid = q->next_cid;
    q->next_cid = (uint16_t)(q->next_cid + 1 == 0xffff ? 0 : q->next_cid + 1);
    struct nvme_sqe *entry = (struct nvme_sqe *)q->sq.va + q->sq_tail;
    *entry = *cmd;
    q->sq_tail = (uint16_t)((q->sq_tail + 1) % q->size);
    q->used[slot] = true;
    q->cids[slot] = cmd->cid;
    q->inflight++;
    fence();
    *q->sq_doorbell = q->sq_tail;
    return 0;
}

int nvme_queue_poll(struct nvme_queue *q, struct nvme_cqe *out)
{
    volatile struct nvme_cqe *e = (volatile struct nvme_cqe *)q->cq.va + q->cq_head;
    uint16_t status = e->status;
    if ((status & 1) != q->phase)
        return 0;                    /* nothing new (or a stale entry) */
    fence();
    struct nvme_cqe c = { e->dw0, e->dw1, e->sq_head, e->sq_id, e->cid, status };
    if (!q->inflight) {
        klog("nvme: %s: completion (cid %u) with no command in flight: refused", q->name, c.cid);
        return -EIO;
    }
    unsigned slot = 0;
    while (slot < NVME_INFLIGHT_MAX && !(q->used[slot] && q->cids[slot] == c.cid))
        slot++;
    if (slot == NVME_INFLIGHT_MAX) {
        klog("nvme: %s: completion for command id %u, which is not in flight: refused", q->name, c.cid);
        return -EIO;
    }
    if (c.sq_id != q->id || c.sq_head >= q->size) {
        klog("nvme: %s: completion names queue %u, head %u (ours: queue %u of %u entries): refused",
             q->name, c.sq_id, c.sq_head, q->id, q->size);
        return -EIO;
    }
    q->cq_head = (uint16_t)(q->cq_head + 1);
    if (q->cq_head == q->size) {
        q->cq_head = 0;
        q->phase ^= 1;
    }
    q->used[slot] = false;
    q->inflight--;
    *q->cq_doorbell = q->cq_head;
    *out = c;
    return 1;
}

/* ---- PRP lists ---- */

static uint64_t page_of(uint64_t a) { return a & ~(uint64_t)(NVME_PAGE - 1); }

/* Checks the pieces against the PRP rules; the number of pages they touch,
 * or 0 if they break a rule. */
static uint64_t count_pages(const struct nvme_seg *segs, unsigned n)
{
    if (!n || (segs[0].addr & 3))
        return 0;
    uint64_t pages = 0;
    for (unsigned i = 0; i < n; i++) {
        uint64_t a = segs[i].addr, len = segs[i].len;
        if (!len || a + len < a)
            return 0;
        if (i > 0 && (a & (NVME_PAGE - 1)))
            return 0;                /* only the first piece may start inside a page */
        if (i + 1 < n && ((a + len) & (NVME_PAGE - 1)))
            return 0;                /* only the last may end inside one */
        pages += (page_of(a + len - 1) - page_of(a)) / NVME_PAGE + 1;
    }
    return pages;
}

unsigned nvme_prp_entries(const struct nvme_seg *segs, unsigned n)
{
    uint64_t pages = count_pages(segs, n);
    if (pages <= 2)
        return 0;
    /* Each full list page but the last gives its last entry to the link. */
    uint64_t entries = pages - 1, total = entries;
    while (entries > NVME_PRP_PER_PAGE) {
        entries -= NVME_PRP_PER_PAGE - 1;
        total++;
    }
    return (unsigned)total;
}

int nvme_prp_build(const struct nvme_seg *segs, unsigned n, uint64_t *list, uint64_t list_dev,
                   unsigned list_pages, uint64_t *prp1, uint64_t *prp2)
{
    uint64_t pages = count_pages(segs, n);
    if (!pages)
        return -EINVAL;
    if (nvme_prp_entries(segs, n) > (uint64_t)list_pages * NVME_PRP_PER_PAGE)
        return -E2BIG;
    *prp1 = segs[0].addr;
    *prp2 = 0;
    if (pages == 1)
        return 0;
    /* The page addresses after PRP1's page, in order. */
    uint64_t left = pages - 1;
    unsigned slot = 0, page = 0;
    bool listed = pages > 2;
    if (listed)
        *prp2 = list_dev;
    for (unsigned i = 0; i < n; i++) {
        uint64_t first = i == 0 ? page_of(segs[0].addr) + NVME_PAGE : segs[i].addr;
        uint64_t end = segs[i].addr + segs[i].len;
        for (uint64_t p = first; p < end; p += NVME_PAGE) {
            if (!listed) {
                *prp2 = p;
                continue;
            }
            if (slot == NVME_PRP_PER_PAGE - 1 && left > 1) {
                /* Last entry of a full list page: the link to the next one. */
                page++;
                list[(page - 1) * NVME_PRP_PER_PAGE + slot] = list_dev + (uint64_t)page * NVME_PAGE;
                slot = 0;
            }
            list[page * NVME_PRP_PER_PAGE + slot++] = p;
            left--;
        }
    }
    return 0;
}
