#include "drivers/virtqueue.h"
#include "mm/heap.h"
#include "lib/errno.h"
#include "lib/log.h"
#include "lib/string.h"

#define NO_DESC 0xffff

/* Orders our ring writes before the device can see them, and the device's
 * used index before the entries it covers. */
static inline void fence(void)
{
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
}

static uint64_t align_up(uint64_t v, uint64_t a)
{
    return (v + a - 1) & ~(a - 1);
}

/* Layout inside one DMA allocation: descriptors (16-byte aligned), the
 * available ring right after them, the used ring at the next 4-byte
 * boundary (the alignments virtio 1.x asks for). */
static uint64_t avail_offset(uint16_t size) { return 16ull * size; }
static uint64_t used_offset(uint16_t size) { return align_up(avail_offset(size) + 6 + 2ull * size, 4); }

uint64_t virtq_ring_bytes(uint16_t size)
{
    return used_offset(size) + 6 + 8ull * size;
}

/* The free list holds every descriptor, nothing is outstanding, and the
 * rings read as after virtq_init. */
static void fresh_state(struct virtq *q)
{
    for (uint16_t i = 0; i < q->size; i++)
        q->link[i] = (uint16_t)(i + 1 < q->size ? i + 1 : NO_DESC);
    memset(q->chains, 0, sizeof(struct virtq_chain) * q->size);
    q->free_head = 0;
    q->num_free = q->size;
    q->avail_idx = 0;
    q->last_used = 0;
    q->outstanding = 0;
}

int virtq_init(struct virtq *q, uint16_t index, uint16_t size, const char *name)
{
    memset(q, 0, sizeof(*q));
    q->name = name ? name : "virtq";
    if (size == 0 || size > VIRTQ_MAX_SIZE || (size & (size - 1)))
        return -EINVAL;
    q->link = kmalloc(sizeof(uint16_t) * size);
    q->chains = kzalloc(sizeof(struct virtq_chain) * size);
    if (!q->link || !q->chains) {
        kfree(q->link);
        kfree(q->chains);
        q->link = 0;
        q->chains = 0;
        return -ENOMEM;
    }
    int err = dma_alloc(virtq_ring_bytes(size), 4096, &q->ring);
    if (err) {
        kfree(q->link);
        kfree(q->chains);
        q->link = 0;
        q->chains = 0;
        return err;
    }
    q->index = index;
    q->size = size;
    q->desc = q->ring.va;
    q->avail = (void *)((uint8_t *)q->ring.va + avail_offset(size));
    q->used = (void *)((uint8_t *)q->ring.va + used_offset(size));
    q->desc_addr = q->ring.device;
    q->avail_addr = q->ring.device + avail_offset(size);
    q->used_addr = q->ring.device + used_offset(size);
    fresh_state(q);
    return 0;
}

void virtq_reset(struct virtq *q)
{
    if (!q->size)
        return;
    memset(q->ring.va, 0, virtq_ring_bytes(q->size));
    fresh_state(q);
    q->broken = false;
}

void virtq_destroy(struct virtq *q)
{
    dma_free(&q->ring);
    kfree(q->link);
    kfree(q->chains);
    q->link = 0;
    q->chains = 0;
    q->size = 0;
}

void virtq_break(struct virtq *q, const char *why)
{
    if (!q->broken)
        klog("virtio: %s: queue %u broken: %s", q->name, q->index, why);
    q->broken = true;
}

void virtq_set_no_interrupt(struct virtq *q, bool on)
{
    q->avail->flags = on ? VIRTQ_AVAIL_F_NO_INTERRUPT : 0;
}

int virtq_add(struct virtq *q, const struct virtq_seg *segs, unsigned n, uint16_t *head)
{
    if (q->broken || !q->size)
        return -EIO;
    if (n == 0)
        return -EINVAL;
    uint64_t writable = 0, total = 0;
    bool seen_writable = false;
    for (unsigned i = 0; i < n; i++) {
        if (segs[i].len == 0)
            return -EINVAL;
        total += segs[i].len;
        if (segs[i].device_writes) {
            seen_writable = true;
            writable += segs[i].len;
        } else if (seen_writable) {
            return -EINVAL;        /* device-readable buffers come first */
        }
    }
    if (n > q->num_free)
        return -ENOSPC;
    uint16_t first = q->free_head, d = first, prev = NO_DESC;
    for (unsigned i = 0; i < n; i++) {
        uint16_t next = q->link[d];
        q->desc[d].addr = segs[i].addr;
        q->desc[d].len = segs[i].len;
        q->desc[d].flags = (uint16_t)((segs[i].device_writes ? VIRTQ_DESC_F_WRITE : 0) |
                                      (i + 1 < n ? VIRTQ_DESC_F_NEXT : 0));
        q->desc[d].next = i + 1 < n ? next : 0;
        prev = d;
        d = next;
    }
    /* `link` already chains the taken descriptors in order; the free list
     * continues after the last one. */
    q->free_head = d;
    q->link[prev] = NO_DESC;
    q->num_free = (uint16_t)(q->num_free - n);
    q->chains[first].outstanding = true;
    q->chains[first].ndesc = (uint16_t)n;
    q->chains[first].writable = writable;
    q->chains[first].total = total;
    q->outstanding++;
    q->avail->ring[q->avail_idx & (q->size - 1)] = first;
    q->avail_idx++;
    *head = first;
    return 0;
}

void virtq_kick(struct virtq *q)
{
    fence();
    q->avail->idx = q->avail_idx;
    fence();
    if (q->notify)
        q->notify(q);
}

/* Returns a chain's descriptors to the free list, following our own links
 * (the descriptor table is shared: the device could have rewritten it). */
static void free_chain(struct virtq *q, uint16_t head)
{
    struct virtq_chain *c = &q->chains[head];
    uint16_t last = head;
    for (uint16_t i = 1; i < c->ndesc; i++)
        last = q->link[last];
    q->link[last] = q->free_head;
    q->free_head = head;
    q->num_free = (uint16_t)(q->num_free + c->ndesc);
    c->outstanding = false;
    c->ndesc = 0;
    c->writable = 0;
    c->total = 0;
    q->outstanding--;
}

int virtq_get_used(struct virtq *q, struct virtq_done *done)
{
    if (q->broken || !q->size)
        return -EIO;
    uint16_t idx = q->used->idx;
    uint16_t fresh = (uint16_t)(idx - q->last_used);
    if (fresh == 0)
        return 0;
    if (fresh > q->outstanding) {
        klog("virtio: %s: device moved the used index of queue %u by %u with %u request(s) outstanding",
             q->name, q->index, fresh, q->outstanding);
        virtq_break(q, "nonsense used index");
        return -EIO;
    }
    fence();
    volatile struct virtq_used_elem *e = &q->used->ring[q->last_used & (q->size - 1)];
    uint32_t id = e->id, len = e->len;
    if (id >= q->size || !q->chains[id].outstanding) {
        klog("virtio: %s: device answered queue %u with id %u, which is not an outstanding request",
             q->name, q->index, id);
        virtq_break(q, "nonsense used id");
        return -EIO;
    }
    q->last_used++;
    done->head = (uint16_t)id;
    done->len = len;
    done->err = 0;
    if (len > q->chains[id].total) {
        klog("virtio: %s: device says it wrote %u bytes into a %lu-byte buffer (queue %u)",
             q->name, len, (unsigned long)q->chains[id].total, q->index);
        done->err = -EIO;
    } else if (len > q->chains[id].writable) {
        done->len = (uint32_t)q->chains[id].writable;
    }
    free_chain(q, (uint16_t)id);
    return 1;
}
