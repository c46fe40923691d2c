/* The whole NVMe driver (nvme.c, nvme_blk.c, nvme_stage.c, nvme_queue.c,
 * nvme_identify.c) and the block layer (block.c) against a register-level
 * model of a controller in host memory.  The model runs each time the
 * driver reads the clock (every wait loop does), one millisecond of fake
 * time per reading: it follows CC.EN with CSTS.RDY, takes admin and I/O
 * commands at the doorbells, answers Identify and Create I/O CQ/SQ, moves
 * data through PRP1/PRP2/PRP lists to and from a disk array, and, when
 * told to, misbehaves: never ready, never disabled, a completion with a
 * wrong command id, an impossible namespace, I/O left unanswered.  The
 * kernel must refuse or recover, never fault and never wait forever. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>
#include <setjmp.h>
#include <string.h>
#include <stdlib.h>
#include <cmocka.h>

#include "drivers/nvme.h"
#include "drivers/device_wait.h"
#include "drivers/block_stage.h"
#include "drivers/clock.h"
#include "drivers/pci.h"
#include "arch/x86_64/irq.h"
#include "arch/x86_64/lapic.h"
#include "lib/errno.h"
#include "shim.h"

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

/* ---- the model ---- */

#define DISK_BLOCKS 4096u
#define MODEL_IO_QUEUES 8                             /* queue ids 1 to 8 */

/* One I/O queue pair of the model, by queue id. */
struct model_ioq {
    uint64_t sq, cq;
    uint16_t size, sq_head, cq_tail;
    uint8_t phase;
    bool live;
    uint32_t cq_flags;                                /* Create I/O CQ's cdw11 */
    unsigned answered;
};

static struct {
    /* behaviour */
    bool never_ready, never_disabled, bad_identify_cid, silent_io;
    bool refuse_num_queues;                           /* Set Features Number of Queues fails */
    uint32_t num_queues_dw0;                          /* its answer: SQs - 1, CQs - 1 << 16 */
    unsigned silent_until;                            /* I/O unanswered until this many enables */
    unsigned lbads;
    /* state */
    bool ready, master_off;
    uint16_t asq_head, acq_tail;
    uint8_t aphase;
    struct model_ioq io[MODEL_IO_QUEUES + 1];
    uint32_t num_queues_asked;                        /* Set Features' cdw11, ~0: never asked */
    unsigned enables, io_answered;
    uint8_t disk[DISK_BLOCKS * 512];
} M;
static _Alignas(4096) uint8_t regs[0x2000];
static uint64_t now_ns;
static unsigned model_cpus = 1, model_cpu;            /* sched_cpu_count(), sched_cpu_index() */

unsigned sched_cpu_count(void) { return model_cpus; }
unsigned sched_cpu_index(void) { return model_cpu; }

static uint32_t reg32(unsigned off) { uint32_t v; memcpy(&v, regs + off, 4); return v; }
static uint64_t reg64(unsigned off) { uint64_t v; memcpy(&v, regs + off, 8); return v; }
static void set32(unsigned off, uint32_t v) { memcpy(regs + off, &v, 4); }

static void model_reset(void)
{
    memset(&M, 0, sizeof(M));
    memset(regs, 0, sizeof(regs));
    /* CAP: MQES 63, CQR, TO 2 (1 s), DSTRD 0, CSS NVM, MPSMIN 0. */
    uint64_t cap = 63 | 1ull << 16 | 2ull << 24 | 1ull << 37;
    memcpy(regs, &cap, 8);
    set32(NVME_REG_VS, 0x10400);
    M.lbads = 9;
    M.num_queues_asked = ~0u;
    model_cpus = 1;
    model_cpu = 0;
}

static struct nvme_cqe *post(uint64_t cq, uint16_t *tail, uint8_t *phase, uint16_t size, uint16_t cid, uint16_t sqid,
                 uint16_t head, uint16_t code)
{
    struct nvme_cqe *e = (struct nvme_cqe *)(uintptr_t)cq + *tail;
    *e = (struct nvme_cqe){ 0, 0, head, sqid, cid, (uint16_t)(code << 1 | *phase) };
    if (++*tail == size) {
        *tail = 0;
        *phase ^= 1;
    }
    return e;
}

/* Copies len bytes between the disk and what PRP1/PRP2 describe. */
static void transfer(uint8_t *disk, uint64_t prp1, uint64_t prp2, size_t len, bool to_host)
{
    size_t first = 4096 - (prp1 & 4095), done = 0;
    uint64_t *list = len - (first < len ? first : len) > 4096 ? (uint64_t *)(uintptr_t)prp2 : 0;
    unsigned slot = 0;
    uint64_t addr = prp1;
    while (done < len) {
        size_t n = done == 0 ? first : 4096;
        if (n > len - done)
            n = len - done;
        if (to_host)
            memcpy((void *)(uintptr_t)addr, disk + done, n);
        else
            memcpy(disk + done, (void *)(uintptr_t)addr, n);
        done += n;
        addr = list ? list[slot++] : prp2;
    }
}

static void identify(struct nvme_sqe *c)
{
    uint8_t *id = (uint8_t *)(uintptr_t)c->prp1;
    memset(id, 0, 4096);
    if (c->cdw10 == 1) {
        memcpy(id + 4, "model               ", 20);
        id[77] = 5;                                   /* MDTS: 128 KiB */
        id[516] = 1;                                  /* one namespace */
        id[525] = 1;                                  /* volatile write cache */
    } else if (c->cdw10 == 0) {
        uint64_t nsze = (DISK_BLOCKS * 512u) >> M.lbads;
        memcpy(id, &nsze, 8);
        id[130] = (uint8_t)M.lbads;
    } else {
        id[0] = 1;                                    /* active list: namespace 1 */
    }
}

static void admin_step(void)
{
    uint32_t aqa = reg32(NVME_REG_AQA);
    uint16_t sqsize = (uint16_t)((aqa & 0xfff) + 1), cqsize = (uint16_t)((aqa >> 16 & 0xfff) + 1);
    while (M.asq_head != reg32(NVME_REG_DOORBELLS)) {
        struct nvme_sqe *c = (struct nvme_sqe *)(uintptr_t)reg64(NVME_REG_ASQ) + M.asq_head;
        M.asq_head = (uint16_t)((M.asq_head + 1) % sqsize);
        uint16_t cid = c->cid, code = 0, qid = (uint16_t)c->cdw10;
        uint32_t dw0 = 0;
        if (c->opcode == NVME_ADMIN_IDENTIFY) {
            identify(c);
            if (M.bad_identify_cid)
                cid += 5;
        } else if ((c->opcode == NVME_ADMIN_CREATE_CQ || c->opcode == NVME_ADMIN_CREATE_SQ) &&
                   (qid == 0 || qid > MODEL_IO_QUEUES)) {
            code = 0x01;                              /* invalid queue identifier */
        } else if (c->opcode == NVME_ADMIN_CREATE_CQ) {
            M.io[qid].cq = c->prp1;
            M.io[qid].size = (uint16_t)((c->cdw10 >> 16) + 1);
            M.io[qid].cq_flags = c->cdw11;
        } else if (c->opcode == NVME_ADMIN_CREATE_SQ) {
            M.io[qid].sq = c->prp1;
            M.io[qid].live = true;
        } else if (c->opcode == NVME_ADMIN_SET_FEATURES && (c->cdw10 & 0xff) == NVME_FEAT_NUM_QUEUES) {
            M.num_queues_asked = c->cdw11;
            code = M.refuse_num_queues ? 0x02 : 0;   /* invalid field */
            dw0 = M.num_queues_dw0;
        }
        post(reg64(NVME_REG_ACQ), &M.acq_tail, &M.aphase, cqsize, cid, 0, M.asq_head, code)->dw0 = dw0;
    }
}

static void io_step(unsigned qid)
{
    struct model_ioq *q = &M.io[qid];
    while (q->live && q->sq_head != reg32(NVME_REG_DOORBELLS + 8 * qid)) {
        if (M.silent_io || M.enables < M.silent_until)
            return;                                   /* taken, never answered */
        struct nvme_sqe *c = (struct nvme_sqe *)(uintptr_t)q->sq + q->sq_head;
        q->sq_head = (uint16_t)((q->sq_head + 1) % q->size);
        uint16_t code = 0;
        if (c->opcode == NVME_CMD_READ || c->opcode == NVME_CMD_WRITE) {
            uint64_t lba = c->cdw10 | (uint64_t)c->cdw11 << 32, n = (c->cdw12 & 0xffff) + 1u;
            if ((lba + n) << M.lbads > sizeof(M.disk))
                code = 0x80;                          /* LBA out of range */
            else
                transfer(M.disk + (lba << M.lbads), c->prp1, c->prp2, n << M.lbads, c->opcode == NVME_CMD_READ);
        }
        M.io_answered++;
        q->answered++;
        post(q->cq, &q->cq_tail, &q->phase, q->size, c->cid, (uint16_t)qid, q->sq_head, code);
    }
}

static void model_step(void)
{
    bool en = reg32(NVME_REG_CC) & 1;
    if (en && !M.ready && !M.never_ready) {
        M.ready = true;
        M.enables++;
        M.asq_head = M.acq_tail = 0;
        M.aphase = 1;
        for (unsigned q = 1; q <= MODEL_IO_QUEUES; q++) {
            unsigned answered = M.io[q].answered;
            M.io[q] = (struct model_ioq){ .phase = 1, .answered = answered };
        }
    } else if (!en && M.ready && !M.never_disabled) {
        M.ready = false;
        for (unsigned q = 0; q <= MODEL_IO_QUEUES; q++) {
            M.io[q].live = false;                     /* a reset deletes the I/O queues */
            set32(NVME_REG_DOORBELLS + 8 * q, 0);
        }
    }
    set32(NVME_REG_CSTS, M.ready);
    if (M.ready && !M.master_off) {
        admin_step();
        for (unsigned q = 1; q <= MODEL_IO_QUEUES; q++)
            io_step(q);
    }
}

/* ---- the kernel's surroundings ---- */

uint64_t clock_monotonic_ns(void)
{
    now_ns += 1000000;
    model_step();
    return now_ns;
}

static struct pci_device pci_dev;

void pci_snapshot(struct pci_device *d) { (void)d; }
void pci_size_bars(struct pci_device *d) { d->bar_size[0] = sizeof(regs); }
void pci_enable(struct pci_device *d) { (void)d; }
volatile void *pci_map_bar(struct pci_device *d, unsigned bar, uint64_t off, uint64_t len)
{
    (void)d;
    return bar == 0 && off + len <= sizeof(regs) ? regs + off : 0;
}
uint16_t pci_read16(const struct pci_device *d, unsigned off) { (void)d; (void)off; return 0x6; }
void pci_write16(const struct pci_device *d, unsigned off, uint16_t v)
{
    (void)d;
    if (off == PCI_COMMAND && !(v & PCI_COMMAND_MASTER))
        M.master_off = true;
}
int pci_msix_parse(const uint8_t *cfg, size_t len, const uint64_t bar_size[6], struct pci_msix *m)
{
    (void)cfg; (void)len; (void)bar_size; (void)m;
    return -ENODEV;                                   /* polled */
}
int pci_msix_enable(struct pci_device *d, struct pci_msix *m) { (void)d; (void)m; return -ENODEV; }
void pci_msix_set(struct pci_msix *m, unsigned e, uint64_t a, uint32_t v) { (void)m; (void)e; (void)a; (void)v; }
void pci_msix_disable(struct pci_device *d, struct pci_msix *m) { (void)d; (void)m; }
void irq_free_vector(unsigned vector) { (void)vector; }
int irq_alloc_vector(irq_fn fn, void *arg) { (void)fn; (void)arg; return -ENOSPC; }
uint64_t irq_msi_address(void) { return 0; }
uint32_t irq_msi_data(unsigned v) { return v; }
/* No interrupts in the model: a wait step only lets the model's clock run. */
void device_wait_step(struct device_wait *w, struct device_irq *irq) { (void)w; (void)irq; }
void device_irq_init(struct device_irq *d, const char *name) { (void)d; (void)name; }
void device_irq_handler(void *arg) { (void)arg; }
bool device_wait_polled(void) { return false; }
void device_wait_end(struct device_wait *w) { (void)w; }
void dma_range(uint64_t *phys, uint64_t *size) { *phys = 0; *size = 2u << 20; }
bool dma_bounce_enabled(void) { return false; }

/* ---- tests ---- */

static struct block_device *probe_ok(void)
{
    unsigned before = block_count();
    assert_int_equal(nvme_probe(&pci_dev), 0);
    assert_int_equal(block_count(), before + 1);
    return block_get(before);
}

static void test_healthy_controller(void **state)
{
    (void)state;
    model_reset();
    struct block_device *bd = probe_ok();
    assert_int_equal(bd->sector_size, 512);
    assert_int_equal(bd->sectors, DISK_BLOCKS);
    assert_string_equal(bd->serial, "model");
    /* 300 KiB at an odd sector: page pieces, a PRP list, split at MDTS. */
    size_t len = 600 * 512;
    uint8_t *out = malloc(len), *in = malloc(len);
    for (size_t i = 0; i < len; i++)
        out[i] = (uint8_t)(i * 7 + 3);
    assert_int_equal(block_write(bd, 17, 600, out), 0);
    assert_memory_equal(M.disk + 17 * 512, out, len);
    assert_int_equal(block_flush(bd), 0);
    memset(in, 0, len);
    assert_int_equal(block_read(bd, 17, 600, in), 0);
    assert_memory_equal(in, out, len);
    assert_true(M.io_answered >= 6);                  /* 300 KiB in commands of at most 128 KiB */
    free(out);
    free(in);
}

static void test_4096_byte_blocks(void **state)
{
    (void)state;
    model_reset();
    M.lbads = 12;
    struct block_device *bd = probe_ok();
    assert_int_equal(bd->sector_size, 4096);
    assert_int_equal(bd->sectors, DISK_BLOCKS / 8);
    uint8_t buf[8192];
    memset(buf, 0x5a, sizeof(buf));
    assert_int_equal(block_write(bd, 3, 2, buf), 0);
    assert_int_equal(M.disk[3 * 4096], 0x5a);
    assert_int_equal(M.disk[5 * 4096], 0);
}

static void test_never_ready(void **state)
{
    (void)state;
    model_reset();
    M.never_ready = true;
    unsigned before = block_count();
    uint64_t t0 = now_ns;
    assert_int_not_equal(nvme_probe(&pci_dev), 0);
    assert_int_equal(block_count(), before);
    assert_true(now_ns - t0 < 5000000000ull);         /* CAP.TO is 1 s: bounded */
}

static void test_never_disabled(void **state)
{
    (void)state;
    model_reset();
    M.ready = M.never_disabled = true;                /* left enabled by firmware, stuck */
    set32(NVME_REG_CC, 1);
    unsigned before = block_count();
    assert_int_equal(nvme_probe(&pci_dev), -EIO);
    assert_true(M.master_off);                        /* it may still write memory: cut off */
    assert_int_equal(block_count(), before);
}

static void test_identify_answer_with_wrong_cid(void **state)
{
    (void)state;
    model_reset();
    M.bad_identify_cid = true;
    unsigned before = block_count();
    assert_int_equal(nvme_probe(&pci_dev), -EIO);
    assert_true(M.master_off);
    assert_int_equal(block_count(), before);
}

static void test_impossible_namespace(void **state)
{
    (void)state;
    model_reset();
    M.lbads = 20;                                     /* 1 MiB blocks */
    unsigned before = block_count();
    assert_int_equal(nvme_probe(&pci_dev), -ENODEV);
    assert_int_equal(block_count(), before);
}

static void test_io_timeout_then_recovery(void **state)
{
    (void)state;
    model_reset();
    struct block_device *bd = probe_ok();
    block_set_timeout_ms(50);
    uint8_t buf[4096];
    memset(buf, 0x11, sizeof(buf));
    M.silent_io = true;
    /* Unanswered: disabled, enabled again (queues recreated), retried,
     * until the give-up time: -EIO, the device dead, no hang. */
    unsigned enables = M.enables;
    assert_int_equal(block_write(bd, 0, 8, buf), -EIO);
    assert_true(bd->dead);
    assert_true(M.enables > enables + 1);
    assert_non_null(strstr(shim_klog_last, "stopped answering"));
    assert_int_equal(block_read(bd, 0, 8, buf), -EIO);  /* and stays so */

    /* A controller that answers again once reset: the call completes. */
    model_reset();
    bd = probe_ok();
    M.silent_until = M.enables + 1;
    assert_int_equal(block_write(bd, 0, 8, buf), 0);
    assert_false(bd->dead);
    assert_int_equal(M.enables, M.silent_until);      /* one reset did it */
    assert_int_equal(M.disk[0], 0x11);
    assert_non_null(strstr(shim_klog_last, "done after 1 reset"));
    block_set_timeout_ms(0);
}

static void test_staged_writes(void **state)
{
    (void)state;
    model_reset();
    struct block_device *bd = probe_ok();
    /* Four buffers in flight, then a drain: all on the disk. */
    for (unsigned i = 0; i < 6; i++) {
        uint32_t bytes = 0;
        uint8_t *b = block_stage_get(bd, &bytes);
        assert_non_null(b);
        assert_true(bytes >= 64 * 1024 && bytes % 512 == 0);
        memset(b, 0x30 + i, bytes);
        assert_int_equal(block_stage_post(bd, b, (uint64_t)i * 128, 128), 0);
    }
    assert_int_equal(block_stage_drain(bd), 0);
    for (unsigned i = 0; i < 6; i++)
        assert_int_equal(M.disk[i * 128 * 512 + 5], 0x30 + i);
    /* A controller that stops answering: the drain reports EIO after the
     * give-up time, the disk is dead, nothing waits forever. */
    block_set_timeout_ms(50);
    M.silent_io = true;
    uint32_t bytes;
    uint8_t *b = block_stage_get(bd, &bytes);
    assert_non_null(b);
    assert_int_equal(block_stage_post(bd, b, 0, 8), 0);
    assert_int_equal(block_stage_drain(bd), -EIO);
    assert_true(bd->dead);
    assert_non_null(strstr(shim_klog_last, "stopped answering"));
    block_set_timeout_ms(0);
}

/* Writes a block from each CPU's thread, then reads all of them back
 * from another CPU: the data crosses queues. */
static void write_from_each_cpu(struct block_device *bd, unsigned cpus)
{
    uint8_t buf[512], back[512];
    for (unsigned cpu = 0; cpu < cpus; cpu++) {
        model_cpu = cpu;
        memset(buf, 0x30 + (int)cpu, sizeof(buf));
        assert_int_equal(block_write(bd, 100 + cpu, 1, buf), 0);
        assert_int_equal(block_flush(bd), 0);
    }
    for (unsigned cpu = 0; cpu < cpus; cpu++) {
        model_cpu = (cpu + 1) % cpus;
        assert_int_equal(block_read(bd, 100 + cpu, 1, back), 0);
        assert_int_equal(back[0], 0x30 + (int)cpu);
        assert_int_equal(back[511], 0x30 + (int)cpu);
    }
    model_cpu = 0;
}

/* Four CPUs, a controller granting more than asked (QEMU grants
 * max_ioqpairs whatever the request): four pairs, each CPU on its own. */
static void test_one_queue_pair_per_cpu(void **state)
{
    (void)state;
    model_reset();
    model_cpus = 4;
    M.num_queues_dw0 = 7u << 16 | 7u;                 /* 8 SQs, 8 CQs */
    shim_klog_history[0] = 0;
    struct block_device *bd = probe_ok();
    assert_non_null(strstr(shim_klog_history,
                           ": 4 I/O queue pair(s) created (CPUs 4, asked 4, the controller grants 8 SQ/8 CQ)"));
    assert_int_equal(M.num_queues_asked, 3u << 16 | 3u);
    for (unsigned q = 1; q <= 4; q++)
        assert_true(M.io[q].live);
    assert_false(M.io[5].live);
    write_from_each_cpu(bd, 4);
    for (unsigned q = 1; q <= 4; q++)
        assert_int_equal(M.io[q].answered, 3);       /* its CPU's write, flush and read */
}

/* The controller grants fewer than the CPUs (2 SQs but 3 CQs: pairs take
 * the smaller): CPUs share the two pairs, round the index. */
static void test_fewer_queues_than_cpus(void **state)
{
    (void)state;
    model_reset();
    model_cpus = 4;
    M.num_queues_dw0 = 2u << 16 | 1u;
    struct block_device *bd = probe_ok();
    assert_true(M.io[1].live && M.io[2].live);
    assert_false(M.io[3].live);
    write_from_each_cpu(bd, 4);
    assert_int_equal(M.io[1].answered, 6);            /* CPUs 0 and 2 */
    assert_int_equal(M.io[2].answered, 6);            /* CPUs 1 and 3 */
}

/* A controller refusing Set Features Number of Queues: one pair, used by
 * every CPU. */
static void test_number_of_queues_refused(void **state)
{
    (void)state;
    model_reset();
    model_cpus = 2;
    M.refuse_num_queues = true;
    shim_klog_history[0] = 0;
    struct block_device *bd = probe_ok();
    assert_non_null(strstr(shim_klog_history, ": 1 I/O queue pair(s) created (CPUs 2, asked 2, refused: one pair)"));
    assert_true(M.io[1].live);
    assert_false(M.io[2].live);
    write_from_each_cpu(bd, 2);
    assert_int_equal(M.io[1].answered, 6);
}

/* After a timeout the controller is reset: every pair comes back. */
static void test_restart_recreates_every_queue(void **state)
{
    (void)state;
    model_reset();
    model_cpus = 2;
    M.num_queues_dw0 = 1u << 16 | 1u;
    struct block_device *bd = probe_ok();
    M.silent_until = M.enables + 1;                   /* unanswered until the next enable */
    write_from_each_cpu(bd, 2);
    assert_true(M.io[1].live && M.io[2].live);
    assert_false(bd->dead);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_healthy_controller),
        cmocka_unit_test(test_4096_byte_blocks),
        cmocka_unit_test(test_never_ready),
        cmocka_unit_test(test_never_disabled),
        cmocka_unit_test(test_identify_answer_with_wrong_cid),
        cmocka_unit_test(test_impossible_namespace),
        cmocka_unit_test(test_io_timeout_then_recovery),
        cmocka_unit_test(test_staged_writes),
        cmocka_unit_test(test_one_queue_pair_per_cpu),
        cmocka_unit_test(test_fewer_queues_than_cpus),
        cmocka_unit_test(test_number_of_queues_refused),
        cmocka_unit_test(test_restart_recreates_every_queue),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
