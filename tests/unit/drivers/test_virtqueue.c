/* drivers/virtqueue.c driven by a fake device: the test plays the device,
 * reading the available ring and descriptor table and writing used-ring
 * entries, good ones and every kind of nonsense. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>
#include <setjmp.h>
#include <string.h>
#include <stdlib.h>
#include <cmocka.h>

#include "drivers/virtqueue.h"
#include "lib/errno.h"
#include "shim.h"

/* ---- the fake device ---- */

struct fake {
    struct virtq q;
    uint16_t avail_seen;       /* available entries the device has taken */
    unsigned notified;
};

static void fake_notify(struct virtq *q)
{
    struct fake *f = (struct fake *)q;     /* q is the first member */
    f->notified++;
}

static void fake_init(struct fake *f, uint16_t size)
{
    memset(f, 0, sizeof(*f));
    assert_int_equal(virtq_init(&f->q, 2, size, "test"), 0);
    f->q.notify = fake_notify;
}

static void fake_done(struct fake *f)
{
    virtq_destroy(&f->q);
    assert_int_equal(shim_dma_live, 0);
}

/* The device takes the next available chain; returns its head and the
 * chain's descriptor count and writable bytes, as the device sees them. */
static uint16_t dev_pop(struct fake *f, unsigned *ndesc, uint64_t *writable)
{
    struct virtq *q = &f->q;
    assert_true((uint16_t)(q->avail->idx - f->avail_seen) > 0);
    uint16_t head = q->avail->ring[f->avail_seen & (q->size - 1)];
    f->avail_seen++;
    unsigned n = 0;
    uint64_t w = 0;
    uint16_t d = head;
    for (;;) {
        assert_true(d < q->size);
        n++;
        if (q->desc[d].flags & VIRTQ_DESC_F_WRITE)
            w += q->desc[d].len;
        if (!(q->desc[d].flags & VIRTQ_DESC_F_NEXT))
            break;
        d = q->desc[d].next;
        assert_true(n <= q->size);
    }
    if (ndesc)
        *ndesc = n;
    if (writable)
        *writable = w;
    return head;
}

static void dev_push(struct fake *f, uint32_t id, uint32_t len)
{
    struct virtq *q = &f->q;
    q->used->ring[q->used->idx & (q->size - 1)].id = id;
    q->used->ring[q->used->idx & (q->size - 1)].len = len;
    q->used->idx++;
}

static const struct virtq_seg three[] = {
    { 0x1000, 16, false },
    { 0x2000, 512, true },
    { 0x3000, 1, true },
};

static uint16_t post(struct fake *f, const struct virtq_seg *segs, unsigned n)
{
    uint16_t head = 0xeeee;
    assert_int_equal(virtq_add(&f->q, segs, n, &head), 0);
    virtq_kick(&f->q);
    return head;
}

/* ---- tests ---- */

static void test_init_sizes(void **state)
{
    (void)state;
    struct virtq q;
    assert_int_equal(virtq_init(&q, 0, 0, "t"), -EINVAL);
    assert_int_equal(virtq_init(&q, 0, 3, "t"), -EINVAL);
    assert_int_equal(virtq_init(&q, 0, 96, "t"), -EINVAL);
    for (unsigned size = 1; size <= VIRTQ_MAX_SIZE; size *= 2) {
        assert_int_equal(virtq_init(&q, 0, (uint16_t)size, "t"), 0);
        assert_int_equal(q.desc_addr % 16, 0);
        assert_int_equal(q.avail_addr % 2, 0);
        assert_int_equal(q.used_addr % 4, 0);
        assert_true(q.avail_addr >= q.desc_addr + 16ull * size);
        assert_true(q.used_addr >= q.avail_addr + 6 + 2ull * size);
        assert_true(q.used_addr + 6 + 8ull * size <= q.desc_addr + q.ring.size);
        assert_int_equal(q.num_free, size);
        virtq_destroy(&q);
    }
    assert_int_equal(shim_dma_live, 0);
    assert_int_equal(shim_heap_live, 0);
}

static void test_init_out_of_memory(void **state)
{
    (void)state;
    struct virtq q;
    for (long n = 0; n < 2; n++) {
        shim_heap_fail_after = n;
        assert_int_equal(virtq_init(&q, 0, 8, "t"), -ENOMEM);
        shim_heap_fail_after = -1;
        assert_int_equal(shim_heap_live, 0);
    }
    shim_dma_fail = true;
    assert_int_equal(virtq_init(&q, 0, 8, "t"), -ENOMEM);
    shim_dma_fail = false;
    assert_int_equal(shim_heap_live, 0);
    assert_int_equal(shim_dma_live, 0);
}

static void test_round_trip(void **state)
{
    (void)state;
    struct fake f;
    fake_init(&f, 8);
    uint16_t head = post(&f, three, 3);
    assert_int_equal(f.notified, 1);
    assert_int_equal(f.q.avail->idx, 1);
    assert_int_equal(f.q.num_free, 5);
    assert_int_equal(f.q.outstanding, 1);

    /* The chain as the device sees it. */
    uint16_t d = head;
    assert_int_equal(f.q.desc[d].addr, 0x1000);
    assert_int_equal(f.q.desc[d].len, 16);
    assert_int_equal(f.q.desc[d].flags, VIRTQ_DESC_F_NEXT);
    d = f.q.desc[d].next;
    assert_int_equal(f.q.desc[d].addr, 0x2000);
    assert_int_equal(f.q.desc[d].flags, VIRTQ_DESC_F_NEXT | VIRTQ_DESC_F_WRITE);
    d = f.q.desc[d].next;
    assert_int_equal(f.q.desc[d].addr, 0x3000);
    assert_int_equal(f.q.desc[d].flags, VIRTQ_DESC_F_WRITE);

    struct virtq_done done;
    assert_int_equal(virtq_get_used(&f.q, &done), 0);      /* nothing yet */
    unsigned n;
    uint64_t w;
    assert_int_equal(dev_pop(&f, &n, &w), head);
    assert_int_equal(n, 3);
    assert_int_equal(w, 513);
    dev_push(&f, head, 513);
    assert_int_equal(virtq_get_used(&f.q, &done), 1);
    assert_int_equal(done.head, head);
    assert_int_equal(done.len, 513);
    assert_int_equal(done.err, 0);
    assert_int_equal(f.q.num_free, 8);
    assert_int_equal(f.q.outstanding, 0);
    assert_int_equal(virtq_get_used(&f.q, &done), 0);
    assert_false(f.q.broken);
    fake_done(&f);
}

/* Many requests of varying length, answered in and out of order, across
 * the 16-bit index wrap; the device scribbles over the descriptor table's
 * links after each answer (the driver must not follow them). */
static void test_many_requests_and_wrap(void **state)
{
    (void)state;
    struct fake f;
    fake_init(&f, 16);
    struct virtq_seg segs[6];
    for (unsigned i = 0; i < 6; i++)
        segs[i] = (struct virtq_seg){ 0x10000 + i * 0x1000, 100, i >= 2 };
    for (unsigned round = 0; round < 70000; round++) {
        unsigned n1 = 1 + round % 6, n2 = 1 + (round / 6) % 6;
        uint16_t h1 = post(&f, segs + 6 - n1, n1);
        uint16_t h2 = post(&f, segs + 6 - n2, n2);
        assert_int_equal(dev_pop(&f, 0, 0), h1);
        assert_int_equal(dev_pop(&f, 0, 0), h2);
        /* answer the second first */
        dev_push(&f, h2, 0);
        dev_push(&f, h1, 0);
        for (unsigned i = 0; i < f.q.size; i++)
            f.q.desc[i].next = (uint16_t)(round * 7 + i * 3);
        struct virtq_done done;
        assert_int_equal(virtq_get_used(&f.q, &done), 1);
        assert_int_equal(done.head, h2);
        assert_int_equal(virtq_get_used(&f.q, &done), 1);
        assert_int_equal(done.head, h1);
        assert_int_equal(f.q.num_free, 16);
    }
    assert_false(f.q.broken);
    /* Every descriptor can still be used at once. */
    struct virtq_seg all[16];
    for (unsigned i = 0; i < 16; i++)
        all[i] = (struct virtq_seg){ 0x1000 * (i + 1), 8, i >= 8 };
    uint16_t head = post(&f, all, 16);
    unsigned n;
    uint64_t w;
    assert_int_equal(dev_pop(&f, &n, &w), head);
    assert_int_equal(n, 16);
    assert_int_equal(w, 64);
    fake_done(&f);
}

static void test_bad_requests(void **state)
{
    (void)state;
    struct fake f;
    fake_init(&f, 4);
    uint16_t head;
    struct virtq_seg bad_order[] = { { 0x1000, 8, true }, { 0x2000, 8, false } };
    struct virtq_seg zero[] = { { 0x1000, 0, false } };
    struct virtq_seg five[5];
    for (unsigned i = 0; i < 5; i++)
        five[i] = (struct virtq_seg){ 0x1000, 8, false };
    assert_int_equal(virtq_add(&f.q, three, 0, &head), -EINVAL);
    assert_int_equal(virtq_add(&f.q, bad_order, 2, &head), -EINVAL);
    assert_int_equal(virtq_add(&f.q, zero, 1, &head), -EINVAL);
    assert_int_equal(virtq_add(&f.q, five, 5, &head), -ENOSPC);
    assert_int_equal(virtq_add(&f.q, three, 3, &head), 0);
    assert_int_equal(virtq_add(&f.q, three, 3, &head), -ENOSPC);   /* 1 left */
    assert_int_equal(f.q.num_free, 1);
    assert_int_equal(f.q.outstanding, 1);
    fake_done(&f);
}

/* After the queue broke, nothing more goes through it. */
static void assert_broken(struct fake *f)
{
    struct virtq_done done;
    uint16_t head;
    assert_true(f->q.broken);
    assert_int_equal(virtq_get_used(&f->q, &done), -EIO);
    assert_int_equal(virtq_add(&f->q, three, 3, &head), -EIO);
}

static void test_used_index_jumps(void **state)
{
    (void)state;
    struct fake f;
    fake_init(&f, 8);
    uint16_t head = post(&f, three, 3);
    dev_push(&f, head, 1);
    f.q.used->idx++;                       /* claims two answers, one outstanding */
    struct virtq_done done;
    unsigned before = shim_klog_count;
    assert_int_equal(virtq_get_used(&f.q, &done), -EIO);
    assert_true(shim_klog_count > before);
    assert_non_null(strstr(shim_klog_last, "broken"));
    assert_broken(&f);
    fake_done(&f);
}

static void test_used_index_backwards(void **state)
{
    (void)state;
    struct fake f;
    fake_init(&f, 8);
    post(&f, three, 3);
    f.q.used->idx = (uint16_t)(f.q.used->idx - 1);
    struct virtq_done done;
    assert_int_equal(virtq_get_used(&f.q, &done), -EIO);
    assert_broken(&f);
    fake_done(&f);
}

static void test_used_index_with_nothing_outstanding(void **state)
{
    (void)state;
    struct fake f;
    fake_init(&f, 8);
    f.q.used->idx = 1;
    struct virtq_done done;
    assert_int_equal(virtq_get_used(&f.q, &done), -EIO);
    assert_broken(&f);
    fake_done(&f);
}

static void test_used_id_out_of_range(void **state)
{
    (void)state;
    struct fake f;
    fake_init(&f, 8);
    post(&f, three, 3);
    dev_push(&f, 8, 1);
    struct virtq_done done;
    assert_int_equal(virtq_get_used(&f.q, &done), -EIO);
    assert_non_null(strstr(shim_klog_last, "broken"));
    assert_broken(&f);
    fake_done(&f);

    fake_init(&f, 8);
    post(&f, three, 3);
    dev_push(&f, 0xffffffffu, 1);
    assert_int_equal(virtq_get_used(&f.q, &done), -EIO);
    assert_broken(&f);
    fake_done(&f);
}

static void test_used_id_not_a_head(void **state)
{
    (void)state;
    struct fake f;
    fake_init(&f, 8);
    uint16_t head = post(&f, three, 3);
    uint16_t second = f.q.desc[head].next;      /* inside the chain */
    dev_push(&f, second, 1);
    struct virtq_done done;
    assert_int_equal(virtq_get_used(&f.q, &done), -EIO);
    assert_broken(&f);
    fake_done(&f);

    /* a free descriptor */
    fake_init(&f, 8);
    head = post(&f, three, 3);
    dev_push(&f, (head + 5) % 8, 1);
    assert_int_equal(virtq_get_used(&f.q, &done), -EIO);
    assert_broken(&f);
    fake_done(&f);
}

static void test_used_id_twice(void **state)
{
    (void)state;
    struct fake f;
    fake_init(&f, 8);
    uint16_t h1 = post(&f, three, 3);
    post(&f, three, 1);
    dev_push(&f, h1, 0);
    dev_push(&f, h1, 0);                       /* the same request again */
    struct virtq_done done;
    assert_int_equal(virtq_get_used(&f.q, &done), 1);
    assert_int_equal(done.head, h1);
    assert_int_equal(virtq_get_used(&f.q, &done), -EIO);
    assert_broken(&f);
    fake_done(&f);
}

static void test_used_length(void **state)
{
    (void)state;
    struct fake f;
    fake_init(&f, 8);
    struct virtq_done done;

    /* Beyond the whole chain (16 + 512 + 1): this request fails, the queue
     * goes on. */
    uint16_t head = post(&f, three, 3);
    dev_push(&f, head, 530);
    unsigned before = shim_klog_count;
    assert_int_equal(virtq_get_used(&f.q, &done), 1);
    assert_int_equal(done.head, head);
    assert_int_equal(done.err, -EIO);
    assert_true(shim_klog_count > before);
    assert_non_null(strstr(shim_klog_last, "530 bytes"));
    assert_false(f.q.broken);
    assert_int_equal(f.q.num_free, 8);

    head = post(&f, three, 3);
    dev_push(&f, head, 0xffffffffu);
    assert_int_equal(virtq_get_used(&f.q, &done), 1);
    assert_int_equal(done.err, -EIO);

    /* Within the chain but beyond its writable part (as QEMU's virtio-scsi
     * reports writes): clamped. */
    head = post(&f, three, 3);
    dev_push(&f, head, 529);
    assert_int_equal(virtq_get_used(&f.q, &done), 1);
    assert_int_equal(done.err, 0);
    assert_int_equal(done.len, 513);

    /* A read-only chain: any length beyond the chain fails. */
    head = post(&f, three, 1);
    dev_push(&f, head, 17);
    assert_int_equal(virtq_get_used(&f.q, &done), 1);
    assert_int_equal(done.err, -EIO);
    head = post(&f, three, 1);
    dev_push(&f, head, 16);
    assert_int_equal(virtq_get_used(&f.q, &done), 1);
    assert_int_equal(done.err, 0);
    assert_int_equal(done.len, 0);

    /* The queue still works. */
    head = post(&f, three, 3);
    dev_push(&f, head, 100);
    assert_int_equal(virtq_get_used(&f.q, &done), 1);
    assert_int_equal(done.err, 0);
    assert_int_equal(done.len, 100);
    fake_done(&f);
}

static void test_break_and_interrupt_flag(void **state)
{
    (void)state;
    struct fake f;
    fake_init(&f, 8);
    virtq_set_no_interrupt(&f.q, true);
    assert_int_equal(f.q.avail->flags, VIRTQ_AVAIL_F_NO_INTERRUPT);
    virtq_set_no_interrupt(&f.q, false);
    assert_int_equal(f.q.avail->flags, 0);
    post(&f, three, 3);
    virtq_break(&f.q, "timeout");
    assert_non_null(strstr(shim_klog_last, "timeout"));
    assert_broken(&f);
    fake_done(&f);
}

/* Random used-ring contents: never a crash, never an answer for a request
 * that was not outstanding, and the queue either works or is broken. */
static void test_random_answers(void **state)
{
    (void)state;
    srand(1234);
    for (unsigned trial = 0; trial < 2000; trial++) {
        struct fake f;
        fake_init(&f, 8);
        bool outstanding[8] = { false };
        for (unsigned step = 0; step < 20 && !f.q.broken; step++) {
            uint16_t head;
            unsigned n = 1 + (unsigned)rand() % 3;
            if (virtq_add(&f.q, three + 3 - n, n, &head) == 0) {
                outstanding[head] = true;
                virtq_kick(&f.q);
            }
            unsigned slot = (unsigned)rand() % 8;
            f.q.used->ring[slot].id = (uint32_t)rand() % 10;
            f.q.used->ring[slot].len = (uint32_t)rand() % 600;
            if (rand() % 2)
                f.q.used->idx = (uint16_t)(f.q.used->idx + rand() % 3);
            struct virtq_done done;
            int r;
            while ((r = virtq_get_used(&f.q, &done)) == 1) {
                assert_true(done.head < 8);
                assert_true(outstanding[done.head]);
                outstanding[done.head] = false;
            }
            assert_true(r == 0 || (r == -EIO && f.q.broken));
        }
        fake_done(&f);
    }
}

/* After a device reset: requests in flight are forgotten, the rings read
 * as new (same memory), the queue works again from index 0. */
static void test_reset_after_timeout(void **state)
{
    (void)state;
    struct fake f;
    fake_init(&f, 8);
    uint64_t desc = f.q.desc_addr;
    post(&f, three, 3);
    post(&f, three, 3);
    dev_pop(&f, 0, 0);
    virtq_break(&f.q, "timeout");
    uint16_t head;
    assert_int_equal(virtq_add(&f.q, three, 3, &head), -EIO);
    virtq_reset(&f.q);
    assert_false(f.q.broken);
    assert_int_equal(f.q.num_free, 8);
    assert_int_equal(f.q.outstanding, 0);
    assert_int_equal(f.q.desc_addr, desc);
    assert_int_equal(f.q.avail->idx, 0);
    assert_int_equal(f.q.used->idx, 0);
    assert_int_equal(f.q.desc[0].addr, 0);
    f.avail_seen = 0;                        /* the device starts over too */
    uint16_t h = post(&f, three, 3);
    unsigned n;
    assert_int_equal(dev_pop(&f, &n, 0), h);
    assert_int_equal(n, 3);
    dev_push(&f, h, 513);
    struct virtq_done done;
    assert_int_equal(virtq_get_used(&f.q, &done), 1);
    assert_int_equal(done.head, h);
    assert_int_equal(done.len, 513);
    assert_int_equal(f.q.num_free, 8);
    fake_done(&f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_init_sizes),
        cmocka_unit_test(test_init_out_of_memory),
        cmocka_unit_test(test_round_trip),
        cmocka_unit_test(test_many_requests_and_wrap),
        cmocka_unit_test(test_bad_requests),
        cmocka_unit_test(test_used_index_jumps),
        cmocka_unit_test(test_used_index_backwards),
        cmocka_unit_test(test_used_index_with_nothing_outstanding),
        cmocka_unit_test(test_used_id_out_of_range),
        cmocka_unit_test(test_used_id_not_a_head),
        cmocka_unit_test(test_used_id_twice),
        cmocka_unit_test(test_used_length),
        cmocka_unit_test(test_break_and_interrupt_flag),
        cmocka_unit_test(test_random_answers),
        cmocka_unit_test(test_reset_after_timeout),
    };
    return cmocka_run_group_tests_name("drivers_virtqueue", tests, NULL, NULL);
}
