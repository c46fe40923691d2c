/* drivers/nvme_queue.c against a model controller: the test plays the
 * controller, taking submission entries up to the tail doorbell and
 * writing completion entries with the phase tag, good ones and nonsense
 * (a command id never sent, a stale phase, an error status, a queue id or
 * SQ head out of range, a completion nobody asked for).  And
 * drivers/nvme_identify.c: Identify answers with impossible sizes refused.
 * PRP lists: test_nvme_prp.c.  DMA memory comes from shim_dma.c. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>
#include <setjmp.h>
#include <string.h>
#include <stdlib.h>
#include <cmocka.h>

#include "drivers/nvme.h"
#include "lib/errno.h"
#include "shim.h"

/* glibc before 2.38 has no strlcpy; the kernel's lives in lib/string.c. */
size_t strlcpy(char *dst, const char *src, size_t size)
{
    size_t n = strlen(src);
    if (size) {
        size_t c = n < size - 1 ? n : size - 1;
        memcpy(dst, src, c);
        dst[c] = 0;
    }
    return n;
}

/* ---- the model controller ---- */

struct model {
    struct nvme_queue q;
    uint32_t sq_doorbell, cq_doorbell;
    uint16_t sq_head;            /* entries the controller has taken */
    uint16_t cq_tail;
    uint8_t phase;               /* what the controller writes this pass */
    struct nvme_sqe last;        /* the command it took last */
};

static void model_init(struct model *m, uint16_t id, uint16_t size)
{
    memset(m, 0, sizeof(*m));
    assert_int_equal(nvme_queue_init(&m->q, id, size, "test io"), 0);
    m->q.sq_doorbell = &m->sq_doorbell;
    m->q.cq_doorbell = &m->cq_doorbell;
    m->phase = 1;
}

static void model_done(struct model *m)
{
    nvme_queue_free(&m->q);
    assert_int_equal(shim_dma_live, 0);
}

/* Takes the next submitted command (there must be one). */
static struct nvme_sqe *model_take(struct model *m)
{
    assert_int_not_equal(m->sq_head, m->sq_doorbell);
    m->last = ((struct nvme_sqe *)m->q.sq.va)[m->sq_head];
    m->sq_head = (uint16_t)((m->sq_head + 1) % m->q.size);
    return &m->last;
}

/* Writes a completion at the CQ tail; `phase` may lie. */
static void model_complete(struct model *m, uint16_t cid, uint16_t sq_id, uint16_t sq_head, uint16_t code,
                           uint8_t phase)
{
    struct nvme_cqe *e = (struct nvme_cqe *)m->q.cq.va + m->cq_tail;
    *e = (struct nvme_cqe){ 0x1234, 0, sq_head, sq_id, cid, (uint16_t)(code << 1 | phase) };
    m->cq_tail = (uint16_t)(m->cq_tail + 1);
    if (m->cq_tail == m->q.size) {
        m->cq_tail = 0;
        m->phase ^= 1;
    }
}

static void model_answer(struct model *m, uint16_t code)
{
    struct nvme_sqe *c = model_take(m);
    model_complete(m, c->cid, m->q.id, m->sq_head, code, m->phase);
}

static void submit_read(struct model *m)
{
    struct nvme_sqe cmd = { .opcode = NVME_CMD_READ, .nsid = 1 };
    assert_int_equal(nvme_queue_submit(&m->q, &cmd), 0);
}

/* ---- queues ---- */

static void test_round_trips_wrap_the_phase(void **state)
{
    (void)state;
    struct model m;
    model_init(&m, 1, 8);
    for (unsigned i = 0; i < 8 * 3 + 5; i++) {
        submit_read(&m);
        assert_int_equal(m.sq_doorbell, (i + 1) % 8);
        struct nvme_cqe c;
        assert_int_equal(nvme_queue_poll(&m.q, &c), 0);        /* not answered yet */
        model_answer(&m, 0);
        assert_int_equal(nvme_queue_poll(&m.q, &c), 1);
        assert_int_equal(c.cid, m.last.cid);
        assert_int_equal(c.dw0, 0x1234);
        assert_int_equal(m.cq_doorbell, (i + 1) % 8);
        assert_int_equal(nvme_queue_poll(&m.q, &c), 0);        /* consumed once */
    }
    assert_int_equal(m.q.phase, m.phase);                       /* both wrapped 3 times */
    model_done(&m);
}

static void test_several_in_flight(void **state)
{
    (void)state;
    struct model m;
    model_init(&m, 1, 4);
    /* A ring of 4 holds 3 commands (one entry stays free). */
    for (int i = 0; i < 3; i++)
        submit_read(&m);
    struct nvme_sqe cmd = { .opcode = NVME_CMD_WRITE };
    assert_int_equal(nvme_queue_submit(&m.q, &cmd), -EBUSY);
    assert_int_equal(m.sq_doorbell, 3);                         /* nothing more rung */
    /* Answered out of order: the third, then the first, then the second. */
    uint16_t cids[3];
    for (int i = 0; i < 3; i++)
        cids[i] = model_take(&m)->cid;
    int order[3] = { 2, 0, 1 };
    struct nvme_cqe out;
    for (int i = 0; i < 3; i++) {
        model_complete(&m, cids[order[i]], 1, m.sq_head, 0, m.phase);
        assert_int_equal(nvme_queue_poll(&m.q, &out), 1);
        assert_int_equal(out.cid, cids[order[i]]);
    }
    assert_int_equal(m.q.inflight, 0);
    /* The same command id twice: the second is refused. */
    submit_read(&m);
    struct nvme_sqe *c = model_take(&m);
    model_complete(&m, c->cid, 1, m.sq_head, 0, m.phase);
    model_complete(&m, c->cid, 1, m.sq_head, 0, m.phase);
    assert_int_equal(nvme_queue_poll(&m.q, &out), 1);
    assert_int_equal(nvme_queue_poll(&m.q, &out), -EIO);
    model_done(&m);

    /* A big ring stops at NVME_INFLIGHT_MAX. */
    model_init(&m, 1, 64);
    for (int i = 0; i < NVME_INFLIGHT_MAX; i++)
        submit_read(&m);
    assert_int_equal(nvme_queue_submit(&m.q, &cmd), -EBUSY);
    model_done(&m);
}

static void test_bad_command_id_refused(void **state)
{
    (void)state;
    struct model m;
    model_init(&m, 1, 4);
    submit_read(&m);
    struct nvme_sqe *c = model_take(&m);
    model_complete(&m, (uint16_t)(c->cid + 7), 1, m.sq_head, 0, m.phase);
    unsigned logs = shim_klog_count;
    struct nvme_cqe out;
    assert_int_equal(nvme_queue_poll(&m.q, &out), -EIO);
    assert_true(shim_klog_count > logs);
    assert_non_null(strstr(shim_klog_last, "not in flight"));
    assert_int_equal(m.cq_doorbell, 0);                         /* not consumed */
    model_done(&m);
}

static void test_stale_phase_is_not_a_completion(void **state)
{
    (void)state;
    struct model m;
    model_init(&m, 1, 4);
    submit_read(&m);
    struct nvme_sqe *c = model_take(&m);
    /* The entry written with last pass's phase tag: not new. */
    model_complete(&m, c->cid, 1, m.sq_head, 0, (uint8_t)(m.phase ^ 1));
    struct nvme_cqe out;
    for (int i = 0; i < 3; i++)
        assert_int_equal(nvme_queue_poll(&m.q, &out), 0);
    assert_int_equal(m.q.inflight, 1);                          /* still waiting (a timeout ends it) */
    /* The controller then writes the real one in the same slot. */
    m.cq_tail = 0;
    model_complete(&m, c->cid, 1, m.sq_head, 0, m.phase);
    assert_int_equal(nvme_queue_poll(&m.q, &out), 1);
    model_done(&m);
}

static void test_error_status_reported(void **state)
{
    (void)state;
    struct model m;
    model_init(&m, 1, 4);
    submit_read(&m);
    struct nvme_sqe *c = model_take(&m);
    /* Status type 0, code 0x80 (LBA out of range), do-not-retry. */
    model_complete(&m, c->cid, 1, m.sq_head, 0x80 | 0x4000, m.phase);
    struct nvme_cqe out;
    assert_int_equal(nvme_queue_poll(&m.q, &out), 1);
    assert_int_equal(NVME_STATUS_SC(out.status), 0x80);
    assert_int_equal(NVME_STATUS_SCT(out.status), 0);
    assert_int_equal((out.status >> 15) & 1, 1);
    model_done(&m);
}

static void test_unasked_completion_refused(void **state)
{
    (void)state;
    struct model m;
    model_init(&m, 1, 4);
    model_complete(&m, 0, 1, 0, 0, m.phase);                    /* nothing was sent */
    struct nvme_cqe out;
    assert_int_equal(nvme_queue_poll(&m.q, &out), -EIO);
    assert_non_null(strstr(shim_klog_last, "no command in flight"));
    model_done(&m);
}

static void test_queue_id_and_head_checked(void **state)
{
    (void)state;
    struct model m;
    model_init(&m, 1, 4);
    submit_read(&m);
    struct nvme_sqe *c = model_take(&m);
    model_complete(&m, c->cid, 3, m.sq_head, 0, m.phase);       /* another queue's */
    struct nvme_cqe out;
    assert_int_equal(nvme_queue_poll(&m.q, &out), -EIO);
    model_done(&m);

    model_init(&m, 1, 4);
    submit_read(&m);
    c = model_take(&m);
    model_complete(&m, c->cid, 1, 999, 0, m.phase);             /* SQ head past the queue */
    assert_int_equal(nvme_queue_poll(&m.q, &out), -EIO);
    model_done(&m);
}

static void test_reset_and_abandon(void **state)
{
    (void)state;
    struct model m;
    model_init(&m, 1, 4);
    submit_read(&m);
    model_answer(&m, 0);
    struct nvme_cqe out;
    assert_int_equal(nvme_queue_poll(&m.q, &out), 1);
    submit_read(&m);                                            /* never answered: a timeout */
    nvme_queue_abandon(&m.q);
    nvme_queue_reset(&m.q);                                     /* the controller was reset too */
    memset(&m.sq_doorbell, 0, sizeof(m.sq_doorbell));
    m.sq_head = m.cq_tail = 0;
    m.phase = 1;
    submit_read(&m);
    assert_int_equal(m.sq_doorbell, 1);
    model_answer(&m, 0);
    assert_int_equal(nvme_queue_poll(&m.q, &out), 1);
    model_done(&m);
}

/* Random answers: whatever the model writes, poll returns 0, 1 or -EIO
 * and never reads outside the queue (ASan watches). */
static void test_random_answers(void **state)
{
    (void)state;
    srand(11);
    for (int round = 0; round < 200; round++) {
        struct model m;
        model_init(&m, 1, (uint16_t)(2 + rand() % 6));
        for (int i = 0; i < 20; i++) {
            if (!m.q.inflight)
                submit_read(&m);
            struct nvme_cqe *e = (struct nvme_cqe *)m.q.cq.va + rand() % m.q.size;
            e->cid = (uint16_t)rand();
            e->status = (uint16_t)rand();
            e->sq_id = (uint16_t)(rand() % 3);
            e->sq_head = (uint16_t)(rand() % 10);
            struct nvme_cqe out;
            int r = nvme_queue_poll(&m.q, &out);
            assert_true(r == 0 || r == 1 || r == -EIO);
            if (r == -EIO)
                nvme_queue_abandon(&m.q);
        }
        model_done(&m);
    }
}

/* ---- Identify answers ---- */

static void put_le(uint8_t *p, uint64_t v, unsigned bytes)
{
    for (unsigned i = 0; i < bytes; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

static void identify_controller_answer(uint8_t *id, const char *serial, uint8_t mdts, uint32_t nn, bool vwc)
{
    memset(id, 0, 4096);
    memset(id + 4, ' ', 20);
    memcpy(id + 4, serial, strlen(serial));
    id[77] = mdts;
    put_le(id + 516, nn, 4);
    id[525] = vwc;
}

static void identify_namespace_answer(uint8_t *id, uint64_t nsze, unsigned nlbaf, unsigned flbas, unsigned lbads,
                                      unsigned ms)
{
    memset(id, 0, 4096);
    put_le(id, nsze, 8);
    id[25] = (uint8_t)nlbaf;
    id[26] = (uint8_t)flbas;
    uint8_t *f = id + 128 + 4 * (flbas & 0xf);
    put_le(f, ms, 2);
    f[2] = (uint8_t)lbads;
}

static void test_identify_controller(void **state)
{
    (void)state;
    uint8_t id[4096];
    struct nvme_controller_info ci;
    identify_controller_answer(id, "vol-data", 7, 1, true);
    assert_int_equal(nvme_parse_controller(id, "t", &ci), 0);
    assert_string_equal(ci.serial, "vol-data");
    assert_int_equal(ci.namespaces, 1);
    assert_int_equal(ci.max_pages, 128);                        /* 2^7 pages: 512 KiB */
    assert_true(ci.volatile_cache);
    identify_controller_answer(id, "x", 2, 1, false);
    assert_int_equal(nvme_parse_controller(id, "t", &ci), 0);
    assert_int_equal(ci.max_pages, 4);
    assert_false(ci.volatile_cache);
    /* No limit, or an absurd one: ours (one PRP list page). */
    for (unsigned mdts = 0; mdts < 256; mdts += 17) {
        identify_controller_answer(id, "x", (uint8_t)mdts, 1, false);
        assert_int_equal(nvme_parse_controller(id, "t", &ci), 0);
        assert_true(ci.max_pages >= 1 && ci.max_pages <= NVME_MAX_PAGES);
    }
    /* A serial with control bytes and no padding: printable, 20 at most. */
    identify_controller_answer(id, "", 7, 1, false);
    memcpy(id + 4, "ab\x01\x7f\xff" "cdefghijklmnopq", 20);
    assert_int_equal(nvme_parse_controller(id, "t", &ci), 0);
    assert_string_equal(ci.serial, "ab???cdefghijklmnopq");
    identify_controller_answer(id, "x", 7, 0, false);           /* no namespace */
    assert_int_equal(nvme_parse_controller(id, "t", &ci), -ENODEV);
}

static void test_identify_namespace(void **state)
{
    (void)state;
    uint8_t id[4096];
    struct nvme_namespace_info ni;
    identify_namespace_answer(id, 16384, 0, 0, 9, 0);
    assert_int_equal(nvme_parse_namespace(id, "t", 1, &ni), 0);
    assert_int_equal(ni.blocks, 16384);
    assert_int_equal(ni.lba_shift, 9);
    identify_namespace_answer(id, 2048, 3, 2, 12, 0);             /* format 2 of 4: 4096 bytes */
    assert_int_equal(nvme_parse_namespace(id, "t", 1, &ni), 0);
    assert_int_equal(ni.lba_shift, 12);
    assert_int_equal(ni.blocks, 2048);
    unsigned logs = shim_klog_count;
    identify_namespace_answer(id, 2048, 1, 5, 12, 0);             /* format past the table */
    assert_int_equal(nvme_parse_namespace(id, "t", 1, &ni), -ENODEV);
    identify_namespace_answer(id, 2048, 0, 0, 0, 0);              /* 1-byte blocks */
    assert_int_equal(nvme_parse_namespace(id, "t", 1, &ni), -ENODEV);
    identify_namespace_answer(id, 2048, 0, 0, 31, 0);             /* 2 GiB blocks */
    assert_int_equal(nvme_parse_namespace(id, "t", 1, &ni), -ENODEV);
    identify_namespace_answer(id, 2048, 0, 0, 13, 0);             /* 8 KiB: not supported */
    assert_int_equal(nvme_parse_namespace(id, "t", 1, &ni), -ENODEV);
    identify_namespace_answer(id, 2048, 0, 0, 9, 8);              /* metadata per block */
    assert_int_equal(nvme_parse_namespace(id, "t", 1, &ni), -ENODEV);
    identify_namespace_answer(id, 0, 0, 0, 9, 0);                 /* empty */
    assert_int_equal(nvme_parse_namespace(id, "t", 1, &ni), -ENODEV);
    identify_namespace_answer(id, UINT64_MAX, 0, 0, 9, 0);        /* bytes overflow */
    assert_int_equal(nvme_parse_namespace(id, "t", 1, &ni), -ENODEV);
    identify_namespace_answer(id, 1ull << 54, 0, 0, 9, 0);        /* 8 EiB: the largest taken */
    assert_int_equal(nvme_parse_namespace(id, "t", 1, &ni), 0);
    identify_namespace_answer(id, (1ull << 54) + 1, 0, 0, 9, 0);
    assert_int_equal(nvme_parse_namespace(id, "t", 1, &ni), -ENODEV);
    assert_true(shim_klog_count >= logs + 8);                   /* every refusal logged */
}

static void test_active_namespace_list(void **state)
{
    (void)state;
    uint8_t id[4096] = { 0 };
    uint32_t ids[8];
    put_le(id, 1, 4);
    put_le(id + 4, 2, 4);
    put_le(id + 8, 7, 4);
    assert_int_equal(nvme_parse_ns_list(id, "t", ids, 8), 3);
    assert_int_equal(ids[0], 1);
    assert_int_equal(ids[2], 7);
    assert_int_equal(nvme_parse_ns_list(id, "t", ids, 2), 2);  /* at most max */
    put_le(id + 12, 5, 4);                                      /* out of order: the rest ignored */
    put_le(id + 16, 9, 4);
    unsigned logs = shim_klog_count;
    assert_int_equal(nvme_parse_ns_list(id, "t", ids, 8), 3);
    assert_true(shim_klog_count > logs);
    put_le(id + 8, 2, 4);                                       /* a repeat */
    assert_int_equal(nvme_parse_ns_list(id, "t", ids, 8), 2);
    put_le(id + 4, 0xffffffff, 4);                              /* the broadcast ID is no namespace */
    assert_int_equal(nvme_parse_ns_list(id, "t", ids, 8), 1);
    memset(id, 0, sizeof(id));
    assert_int_equal(nvme_parse_ns_list(id, "t", ids, 8), 0);
    memset(id, 0xff, sizeof(id));                               /* all ones */
    assert_int_equal(nvme_parse_ns_list(id, "t", ids, 8), 0);
    for (unsigned i = 0; i < 1024; i++)                         /* a full page: 1024 IDs, we keep 8 */
        put_le(id + 4 * i, i + 1, 4);
    assert_int_equal(nvme_parse_ns_list(id, "t", ids, 8), 8);
}

/* Set Features Number of Queues: dw0 holds SQs - 1 (15:0) and CQs - 1
 * (31:16) allocated; pairs = the smaller, within what was asked, >= 1. */
static void test_io_queues_granted(void **state)
{
    (void)state;
    assert_int_equal(nvme_io_queues_granted(0, 4), 1);                  /* one pair only */
    assert_int_equal(nvme_io_queues_granted(3u << 16 | 3u, 4), 4);
    assert_int_equal(nvme_io_queues_granted(63u << 16 | 63u, 2), 2);    /* QEMU's 64, 2 CPUs */
    assert_int_equal(nvme_io_queues_granted(1u << 16 | 5u, 8), 2);      /* CQs the limit */
    assert_int_equal(nvme_io_queues_granted(7u << 16 | 2u, 8), 3);      /* SQs the limit */
    assert_int_equal(nvme_io_queues_granted(0xffffffffu, 16), 16);      /* 65536 each: no overflow */
    assert_int_equal(nvme_io_queues_granted(3u << 16 | 3u, 0), 1);      /* asked for none: still one */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_round_trips_wrap_the_phase),
        cmocka_unit_test(test_several_in_flight),
        cmocka_unit_test(test_bad_command_id_refused),
        cmocka_unit_test(test_stale_phase_is_not_a_completion),
        cmocka_unit_test(test_error_status_reported),
        cmocka_unit_test(test_unasked_completion_refused),
        cmocka_unit_test(test_queue_id_and_head_checked),
        cmocka_unit_test(test_reset_and_abandon),
        cmocka_unit_test(test_random_answers),
        cmocka_unit_test(test_identify_controller),
        cmocka_unit_test(test_identify_namespace),
        cmocka_unit_test(test_active_namespace_list),
        cmocka_unit_test(test_io_queues_granted),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
