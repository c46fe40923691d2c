/* NVMe controller: registers, reset and enable, the admin queue, Identify,
 * one I/O queue pair per CPU (as many as Set Features Number of Queues
 * grants, at least one), and what happens when the controller stops
 * answering (nvme.h).  The disk itself is nvme_blk.c.
 *
 * Waiting: each completion queue interrupts through MSI-X when the
 * controller has it, the admin queue on table entry 0 (its fixed one) and
 * I/O queue i on entry i, each with its own CPU vector; the waiting
 * thread blocks until then (drivers/device_wait.h).  Without MSI-X, or
 * with the kernel word dev-poll, all are polled.  A command not answered in time disables the controller
 * (CC.EN = 0, then CSTS.RDY = 0 within CAP.TO): a disabled controller
 * has deleted its queues and touches none of their memory, so the caller
 * may unmap the data; block.c then asks for nvme_restart.  A controller
 * that does not even disable loses bus mastering and is dead. */
#include "drivers/nvme.h"
#include "drivers/device_wait.h"
#include "drivers/clock.h"
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/irq.h"
#include "arch/x86_64/lapic.h"
#include "mm/heap.h"
#include "sched/sched.h"
#include "lib/errno.h"
#include "lib/log.h"
#include "lib/string.h"
#include "lib/format.h"

/* Admin commands at start-up and after a reset. */
#define ADMIN_TIMEOUT_NS 10000000000ull
/* How long start-up waits for the admin queue's first interrupt. */
#define MSIX_CHECK_NS 100000000ull
/* An answer later than this is logged. */
#define SLOW_NS 5000000000ull

static unsigned ncontrollers;

static uint32_t rd32(struct nvme_ctrl *c, unsigned off) { return *(volatile uint32_t *)(c->regs + off); }
static void wr32(struct nvme_ctrl *c, unsigned off, uint32_t v) { *(volatile uint32_t *)(c->regs + off) = v; }

static uint64_t rd64(struct nvme_ctrl *c, unsigned off)
{
    return rd32(c, off) | (uint64_t)rd32(c, off + 4) << 32;
}

static void wr64(struct nvme_ctrl *c, unsigned off, uint64_t v)
{
    wr32(c, off, (uint32_t)v);
    wr32(c, off + 4, (uint32_t)(v >> 32));
}

/* Waits until CSTS.RDY reads `ready`: true, or false after the
 * controller's own ready timeout (or a fatal status while enabling). */
static bool wait_ready(struct nvme_ctrl *c, bool ready)
{
    uint64_t deadline = clock_monotonic_ns() + c->ready_timeout_ns;
    for (;;) {
        uint32_t csts = rd32(c, NVME_REG_CSTS);
        if (csts != 0xffffffffu && (csts & NVME_CSTS_RDY) == (ready ? NVME_CSTS_RDY : 0))
            return true;
        if (ready && csts != 0xffffffffu && (csts & NVME_CSTS_CFS))
            return false;
        if (clock_monotonic_ns() >= deadline)
            return false;
        cpu_relax();
    }
}

static void kill(struct nvme_ctrl *c, const char *why)
{
    if (c->dead)
        return;
    c->dead = true;
    pci_write16(c->pci, PCI_COMMAND, (uint16_t)(pci_read16(c->pci, PCI_COMMAND) & ~PCI_COMMAND_MASTER));
    klog("nvme: %s: %s: bus mastering off, the controller is not used any more", c->name, why);
}

/* CC.EN = 0: the controller resets, forgets its queues and stops touching
 * memory once CSTS.RDY reads 0.  False (and dead) if it does not get
 * there. */
static bool disable(struct nvme_ctrl *c)
{
    wr32(c, NVME_REG_CC, rd32(c, NVME_REG_CC) & ~NVME_CC_EN);
    if (wait_ready(c, false))
        return true;
    kill(c, "does not complete a reset (CSTS.RDY stays 1)");
    return false;
}

/* The admin queue, then CC.EN = 1 (NVM command set, 4 KiB pages, 64/16-byte
 * entries) and CSTS.RDY = 1. */
static int enable(struct nvme_ctrl *c)
{
    nvme_queue_reset(&c->admin);
    for (unsigned i = 0; i < c->nio; i++)
        nvme_queue_reset(&c->io[i]);
    wr32(c, NVME_REG_AQA, (uint32_t)(c->admin.size - 1) << 16 | (uint32_t)(c->admin.size - 1));
    wr64(c, NVME_REG_ASQ, c->admin.sq.device);
    wr64(c, NVME_REG_ACQ, c->admin.cq.device);
    wr32(c, NVME_REG_CC, NVME_CC_IOSQES | NVME_CC_IOCQES | NVME_CC_EN);
    if (wait_ready(c, true))
        return 0;
    klog("nvme: %s: not ready after %lu ms (CSTS %x)", c->name, (unsigned long)(c->ready_timeout_ns / 1000000),
         rd32(c, NVME_REG_CSTS));
    return -EIO;
}

/* No answer in time: disable the controller before anyone unmaps what the
 * command points at. */
static int stall(struct nvme_ctrl *c, struct nvme_queue *q, uint64_t waited_ns)
{
    klog("nvme: %s: %s: no answer after %lu ms (CSTS %x): disabling the controller", c->name, q->name,
         (unsigned long)(waited_ns / 1000000), rd32(c, NVME_REG_CSTS));
    nvme_queue_abandon(&c->admin);
    for (unsigned i = 0; i < c->nio; i++)
        nvme_queue_abandon(&c->io[i]);
    if (!disable(c))
        return -EIO;
    c->stalled = true;
    return -ETIMEDOUT;
}

int nvme_wait(struct nvme_ctrl *c, struct nvme_queue *q, uint64_t timeout_ns, struct nvme_cqe *cqe)
{
    if (c->dead)
        return -EIO;
    if (c->stalled)
        return -EAGAIN;
    uint64_t start = clock_monotonic_ns(), deadline = start + timeout_ns;
    struct device_irq *irq = 0;
    if (q == &c->admin)
        irq = c->admin_vector ? &c->admin_irq : 0;
    else if (c->msix && c->io_vector[q->id - 1])
        irq = &c->io_irq[q->id - 1];
    struct device_wait w = { 0 };
    int err;
    for (;;) {
        int r = nvme_queue_poll(q, cqe);
        if (r < 0) {
            disable(c);
            kill(c, "answered nonsense");
            err = -EIO;
            break;
        }
        if (r > 0) {
            uint64_t took = clock_monotonic_ns() - start;
            if (took >= SLOW_NS)
                klog("nvme: %s: %s: slow answer, after %lu ms", c->name, q->name, (unsigned long)(took / 1000000));
            err = 0;
            break;
        }
        if (clock_monotonic_ns() >= deadline) {
            err = stall(c, q, clock_monotonic_ns() - start);
            break;
        }
        device_wait_step(&w, irq);
    }
    device_wait_end(&w);            /* the scheduler's timer, as it had it */
    return err;
}

int nvme_run(struct nvme_ctrl *c, struct nvme_queue *q, struct nvme_sqe *cmd, uint64_t timeout_ns,
             struct nvme_cqe *cqe)
{
    if (c->dead)
        return -EIO;
    if (c->stalled)
        return -EAGAIN;
    if (q->inflight) {
        klog("nvme: %s: %s: a command waits alone, %u still in flight: refused", c->name, q->name, q->inflight);
        return -EIO;               /* callers settle staged writes first */
    }
    int err = nvme_queue_submit(q, cmd);
    if (err)
        return err == -EBUSY ? -EIO : err;
    return nvme_wait(c, q, timeout_ns ? timeout_ns : ADMIN_TIMEOUT_NS, cqe);
}

int nvme_status_error(struct nvme_ctrl *c, const char *what, const struct nvme_cqe *cqe)
{
    uint16_t s = cqe->status;
    if (!NVME_STATUS_SC(s) && !NVME_STATUS_SCT(s))
        return 0;
    klog("nvme: %s: %s failed: status type %u code 0x%02x%s", c->name, what, NVME_STATUS_SCT(s),
         NVME_STATUS_SC(s), (s >> 15) & 1 ? " (do not retry)" : "");
    return -EIO;
}

static int admin(struct nvme_ctrl *c, const char *what, struct nvme_sqe *cmd, struct nvme_cqe *cqe)
{
    int err = nvme_run(c, &c->admin, cmd, ADMIN_TIMEOUT_NS, cqe);
    if (err) {
        klog("nvme: %s: %s: no usable answer (%d)", c->name, what, err);
        return err;
    }
    return nvme_status_error(c, what, cqe);
}

static int create_io_queue(struct nvme_ctrl *c, unsigned i)
{
    struct nvme_queue *q = &c->io[i];
    struct nvme_cqe cqe;
    struct nvme_sqe cmd = { .opcode = NVME_ADMIN_CREATE_CQ, .prp1 = q->cq.device };
    cmd.cdw10 = (uint32_t)(q->size - 1) << 16 | q->id;
    cmd.cdw11 = 1u;                                     /* physically contiguous */
    if (c->msix && c->io_vector[i])
        cmd.cdw11 |= 2u | (uint32_t)q->id << 16;        /* interrupts on entry id */
    int err = admin(c, "create I/O completion queue", &cmd, &cqe);
    if (err)
        return err;
    cmd = (struct nvme_sqe){ .opcode = NVME_ADMIN_CREATE_SQ, .prp1 = q->sq.device };
    cmd.cdw10 = (uint32_t)(q->size - 1) << 16 | q->id;
    cmd.cdw11 = (uint32_t)q->id << 16 | 1u;             /* its CQ; contiguous */
    return admin(c, "create I/O submission queue", &cmd, &cqe);
}

static int create_io_queues(struct nvme_ctrl *c)
{
    int err = 0;
    for (unsigned i = 0; i < c->nio && !err; i++)
        err = create_io_queue(c, i);
    return err;
}

struct nvme_queue *nvme_io_queue(struct nvme_ctrl *c)
{
    return &c->io[sched_cpu_index() % c->nio];
}

int nvme_restart(struct nvme_ctrl *c)
{
    if (c->dead)
        return -EIO;
    if (!c->stalled)
        return 0;
    int err = enable(c);
    if (!err) {
        c->stalled = false;        /* nvme_run refuses commands while stalled */
        err = create_io_queues(c);
    }
    if (err) {
        disable(c);
        kill(c, "does not come back after a reset");
        return -EIO;
    }
    c->restarts++;
    klog("nvme: %s: running again after a reset (%u so far)", c->name, c->restarts);
    return 0;
}

static volatile uint32_t *doorbell(struct nvme_ctrl *c, unsigned qid, bool cq)
{
    return (volatile uint32_t *)(c->regs + NVME_REG_DOORBELLS + (2 * qid + (cq ? 1 : 0)) * c->doorbell_stride);
}

/* One MSI-X entry aimed at this CPU through a vector of its own, waking
 * the waiters of irq: the vector, or 0 when none is left. */
static unsigned route(struct nvme_ctrl *c, unsigned entry, struct device_irq *irq, const char *name)
{
    device_irq_init(irq, name);
    int vector = irq_alloc_vector(device_irq_handler, irq);
    if (vector <= 0)
        return 0;
    pci_msix_set(&c->msix_table, entry, irq_msi_address(), irq_msi_data((unsigned)vector));
    return (unsigned)vector;
}

/* The MSI-X table, and entry 0 for the admin queue (the controller
 * always signals the admin CQ on entry 0); the I/O queues' entries come
 * with the queues (setup_io_queues). */
static void setup_msix(struct nvme_ctrl *c)
{
    if (device_wait_polled()) {
        klog("nvme: %s: queues polled (kernel word dev-poll)", c->name);
        return;
    }
    if (pci_msix_parse(c->pci->cfg, PCI_CFG_SIZE, c->pci->bar_size, &c->msix_table) < 0 ||
        c->msix_table.entries < 2 || pci_msix_enable(c->pci, &c->msix_table) < 0) {
        klog("nvme: %s: no usable MSI-X: the queues are polled", c->name);
        return;
    }
    c->msix = true;
    c->admin_vector = route(c, 0, &c->admin_irq, c->admin.name);
}

/* How many I/O queue pairs: one per CPU, within our limit and the MSI-X
 * table's entries, and what the controller grants (Set Features Number of
 * Queues; a controller that refuses it gets one pair, which every
 * controller has). */
static unsigned negotiate_queues(struct nvme_ctrl *c, char *why, size_t why_size)
{
    unsigned cpus = sched_cpu_count(), wanted = cpus ? cpus : 1;
    if (wanted > NVME_MAX_IO_QUEUES)
        wanted = NVME_MAX_IO_QUEUES;
    if (c->msix && wanted > c->msix_table.entries - 1u)
        wanted = c->msix_table.entries - 1u;
    struct nvme_sqe cmd = { .opcode = NVME_ADMIN_SET_FEATURES };
    cmd.cdw10 = NVME_FEAT_NUM_QUEUES;
    cmd.cdw11 = (wanted - 1u) << 16 | (wanted - 1u);
    struct nvme_cqe cqe;
    if (admin(c, "set features (number of queues)", &cmd, &cqe)) {
        snprintf(why, why_size, "CPUs %u, asked %u, refused: one pair", cpus, wanted);
        return 1;
    }
    snprintf(why, why_size, "CPUs %u, asked %u, the controller grants %u SQ/%u CQ", cpus, wanted,
             (cqe.dw0 & 0xffff) + 1u, (cqe.dw0 >> 16) + 1u);
    return nvme_io_queues_granted(cqe.dw0, wanted);
}

/* n I/O queue pairs in the DMA heap, each with its doorbells and, with
 * MSI-X, its own entry and vector (a queue without a vector is polled). */
static int setup_io_queues(struct nvme_ctrl *c, unsigned n, uint16_t max_entries)
{
    uint16_t entries = max_entries < NVME_IO_ENTRIES ? max_entries : NVME_IO_ENTRIES;
    /* Each pair's two doorbells must be inside the mapped registers. */
    uint64_t pairs = (c->regs_size - NVME_REG_DOORBELLS) / (2ull * c->doorbell_stride) - 1;
    if (n > pairs) {
        klog("nvme: %s: room for the doorbells of %lu I/O queue pairs only", c->name, (unsigned long)pairs);
        n = (unsigned)pairs;
    }
    for (unsigned i = 0; i < n; i++) {
        struct nvme_queue *q = &c->io[i];
        char qname[sizeof(c->name) + 16];
        snprintf(qname, sizeof(qname), "%s io%u", c->name, i + 1);
        if (nvme_queue_init(q, (uint16_t)(i + 1), entries, qname)) {
            if (i)
                break;                 /* fewer queues, then */
            klog("nvme: %s: out of DMA memory for its I/O queue", c->name);
            return -ENOMEM;
        }
        q->sq_doorbell = doorbell(c, i + 1, false);
        q->cq_doorbell = doorbell(c, i + 1, true);
        c->nio = i + 1;
        if (c->msix && !(c->io_vector[i] = route(c, i + 1, &c->io_irq[i], q->name)))
            klog("nvme: %s: no interrupt vector left for %s: it is polled", c->name, q->name);
    }
    return 0;
}

/* The admin commands of start-up have answered on MSI-X entry 0 by now
 * (the kernel runs with interrupts off: one still pending comes in at the
 * first halt).  If none ever comes, the messages go nowhere: poll. */
static void check_msix(struct nvme_ctrl *c)
{
    if (!c->msix || !c->admin_vector)
        return;
    struct device_wait w = { 0 };
    uint64_t deadline = clock_monotonic_ns() + MSIX_CHECK_NS;
    while (!__atomic_load_n(&c->admin_irq.interrupts, __ATOMIC_ACQUIRE) && clock_monotonic_ns() < deadline)
        device_wait_step(&w, &c->admin_irq);
    device_wait_end(&w);
    if (!c->admin_irq.interrupts) {
        klog("nvme: %s: MSI-X: no interrupt from the admin queue in %lu ms: the queues are polled", c->name,
             (unsigned long)(MSIX_CHECK_NS / 1000000));
        c->msix = false;
        c->admin_vector = 0;
        return;
    }
    klog("nvme: %s: MSI-X: admin queue on vector %#x (interrupts at start-up: %lu), %u I/O queue(s) on "
         "vectors %#x to %#x", c->name, c->admin_vector, (unsigned long)c->admin_irq.interrupts, c->nio,
         c->io_vector[0], c->io_vector[c->nio - 1]);
}

/* CAP, checked: a controller we could not drive safely is refused. */
static int read_cap(struct nvme_ctrl *c, uint16_t *max_entries)
{
    uint64_t cap = rd64(c, NVME_REG_CAP);
    if (cap == ~0ull) {
        klog("nvme: %s: registers read all ones: no controller there", c->name);
        return -ENODEV;
    }
    unsigned mpsmin = (unsigned)(cap >> 48) & 0xf, dstrd = (unsigned)(cap >> 32) & 0xf;
    if (mpsmin != 0 || !((cap >> 37) & 1)) {
        klog("nvme: %s: CAP %lx: needs %u-byte pages or lacks the NVM command set: refused", c->name,
             (unsigned long)cap, 4096u << mpsmin);
        return -ENODEV;
    }
    c->doorbell_stride = 4u << dstrd;
    /* Room for the admin queue's and at least one I/O pair's doorbells. */
    uint64_t need = NVME_REG_DOORBELLS + 4ull * c->doorbell_stride;
    if (c->regs_size < need) {
        klog("nvme: %s: BAR0 of %lu bytes has no room for its doorbells: refused", c->name,
             (unsigned long)c->regs_size);
        return -ENODEV;
    }
    unsigned to = (unsigned)(cap >> 24) & 0xff;
    c->ready_timeout_ns = (uint64_t)(to ? to : 1) * 500000000ull;
    uint16_t mqes = (uint16_t)cap;             /* entries - 1 */
    *max_entries = mqes == 0xffff ? 0xffff : (uint16_t)(mqes + 1);
    uint32_t vs = rd32(c, NVME_REG_VS);
    klog("nvme: %s: version %u.%u, queues up to %u entries, doorbell stride %u, ready within %u ms", c->name,
         vs >> 16, (vs >> 8) & 0xff, (unsigned)(cap & 0xffff) + 1u, c->doorbell_stride, to * 500);
    return 0;
}

static int setup_queues(struct nvme_ctrl *c, uint16_t max_entries)
{
    char qname[24];
    snprintf(qname, sizeof(qname), "%s admin", c->name);
    uint16_t adm = max_entries < NVME_ADMIN_ENTRIES ? max_entries : NVME_ADMIN_ENTRIES;
    int err = nvme_queue_init(&c->admin, 0, adm, qname);
    if (!err)
        err = dma_alloc(NVME_PAGE, NVME_PAGE, &c->identify);
    if (!err)
        err = dma_alloc((1 + NVME_STAGE_SLOTS) * NVME_PAGE, NVME_PAGE, &c->prp_lists);
    if (err) {
        klog("nvme: %s: out of DMA memory for its queues", c->name);
        return err;
    }
    c->admin.sq_doorbell = doorbell(c, 0, false);
    c->admin.cq_doorbell = doorbell(c, 0, true);
    return 0;
}

int nvme_identify(struct nvme_ctrl *c, uint32_t cns, uint32_t nsid)
{
    memset(c->identify.va, 0, NVME_PAGE);
    struct nvme_sqe cmd = { .opcode = NVME_ADMIN_IDENTIFY, .nsid = nsid, .prp1 = c->identify.device };
    cmd.cdw10 = cns;
    struct nvme_cqe cqe;
    char what[48];
    if (cns == 0)
        snprintf(what, sizeof(what), "identify namespace %u", nsid);
    else
        snprintf(what, sizeof(what), "identify (CNS %u)", cns);
    return admin(c, what, &cmd, &cqe);
}

/* Identify controller: serial, transfer limit, write cache, namespaces. */
static int identify_controller(struct nvme_ctrl *c, struct nvme_controller_info *ci)
{
    int err = nvme_identify(c, 1, 0);
    if (err || (err = nvme_parse_controller(c->identify.va, c->name, ci)) != 0)
        return err;
    c->max_pages = ci->max_pages;
    c->volatile_cache = ci->volatile_cache;
    return 0;
}

static void name_controller(struct nvme_ctrl *c)
{
    snprintf(c->name, sizeof(c->name), "nvme%u", ncontrollers++);
}

/* A controller given up at probe: disabled or cut off from memory (bus
 * mastering off), so nothing it was given is touched any more. */
static void release(struct nvme_ctrl *c)
{
    if (c->msix_table.table)
        pci_msix_disable(c->pci, &c->msix_table);
    for (unsigned i = 0; i < c->nio; i++) {
        if (c->io_vector[i])
            irq_free_vector(c->io_vector[i]);
        nvme_queue_free(&c->io[i]);
    }
    if (c->admin_vector)
        irq_free_vector(c->admin_vector);
    nvme_queue_free(&c->admin);
    dma_free(&c->identify);
    dma_free(&c->prp_lists);
    kfree(c);
}

/* Reset, enable, Identify controller, I/O queues. */
static int bring_up(struct nvme_ctrl *c, struct nvme_controller_info *ci)
{
    uint16_t max_entries;
    int err = read_cap(c, &max_entries);
    if (err)
        return err;
    if (!disable(c))
        return -EIO;
    if ((err = setup_queues(c, max_entries)) != 0)
        return err;
    setup_msix(c);
    if ((err = enable(c)) != 0)
        return err;
    if ((err = identify_controller(c, ci)) != 0)
        return err;
    char why[96];
    if ((err = setup_io_queues(c, negotiate_queues(c, why, sizeof(why)), max_entries)) != 0)
        return err;
    if ((err = create_io_queues(c)) != 0)
        return err;
    klog("nvme: %s: %u I/O queue pair(s) created (%s)", c->name, c->nio, why);
    check_msix(c);
    return 0;
}

int nvme_probe(struct pci_device *pci)
{
    struct nvme_ctrl *c = kzalloc(sizeof(*c));
    if (!c)
        return -ENOMEM;
    c->pci = pci;
    name_controller(c);
    pci_snapshot(pci);
    pci_size_bars(pci);
    c->regs_size = pci->bar_size[0] < (64u << 10) ? pci->bar_size[0] : (64u << 10);
    c->regs = c->regs_size >= NVME_REG_DOORBELLS ? pci_map_bar(pci, 0, 0, c->regs_size) : 0;
    if (!c->regs) {
        klog("nvme: %s at %02x:%02x.%u: no usable BAR0 (%lu bytes), ignored", c->name, pci->bus, pci->slot,
             pci->fn, (unsigned long)pci->bar_size[0]);
        kfree(c);
        return -ENODEV;
    }
    pci_enable(pci);
    struct nvme_controller_info ci;
    int err = bring_up(c, &ci);
    if (err) {
        if (!c->dead && !disable(c))
            err = -EIO;
        klog("nvme: %s at %02x:%02x.%u: not used (%d)", c->name, pci->bus, pci->slot, pci->fn, err);
        release(c);
        return err;
    }
    err = nvme_add_namespaces(c, &ci);
    if (err) {
        if (!c->dead)
            disable(c);        /* it holds I/O queues now */
        release(c);
    }
    return err;
}
