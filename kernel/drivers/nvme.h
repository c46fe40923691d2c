/* NVMe over PCI (NVM Express base specification): a disk nvmeCnN per
 * active namespace N of controller C (Google Cloud puts a VM's disks on
 * one controller as namespaces 1, 2, ...; QEMU's `-device nvme,drive=`
 * has namespace 1 only).  Shared by the driver's
 * three files: nvme_queue.c (submission and completion queues, PRP lists:
 * pure, unit-tested on the host), nvme_identify.c (Identify answers, pure
 * too), nvme.c (controller bring-up, the admin queue, reset) and nvme_blk.c (the block device: reads, writes, flush).
 *
 * Everything the controller sees (queues, Identify data, PRP lists, data
 * or its bounce buffer) is in the DMA heap or reached through dma_map.
 * The controller is not trusted: a completion with a command id we did not
 * send, an Identify answer with impossible sizes, a register that reads
 * all ones are logged and refused, never followed. */
#ifndef DRIVERS_NVME_H
#define DRIVERS_NVME_H
#include <stdint.h>
#include <stdbool.h>
#include "drivers/block.h"
#include "drivers/pci.h"
#include "drivers/device_wait.h"
#include "mm/dma.h"

#define NVME_PAGE 4096u              /* CC.MPS = 0: the controller's memory page */
#define NVME_PRP_PER_PAGE (NVME_PAGE / 8)

/* Controller registers (BAR0). */
#define NVME_REG_CAP 0x00
#define NVME_REG_VS 0x08
#define NVME_REG_CC 0x14
#define NVME_REG_CSTS 0x1c
#define NVME_REG_AQA 0x24
#define NVME_REG_ASQ 0x28
#define NVME_REG_ACQ 0x30
#define NVME_REG_DOORBELLS 0x1000

#define NVME_CC_EN 1u
#define NVME_CC_IOSQES (6u << 16)    /* 64-byte submission entries */
#define NVME_CC_IOCQES (4u << 20)    /* 16-byte completion entries */
#define NVME_CSTS_RDY 1u
#define NVME_CSTS_CFS 2u

/* Opcodes. */
#define NVME_ADMIN_CREATE_SQ 0x01
#define NVME_ADMIN_CREATE_CQ 0x05
#define NVME_ADMIN_IDENTIFY 0x06
#define NVME_ADMIN_SET_FEATURES 0x09
#define NVME_FEAT_NUM_QUEUES 0x07
#define NVME_CMD_FLUSH 0x00
#define NVME_CMD_WRITE 0x01
#define NVME_CMD_READ 0x02

/* A submission queue entry (64 bytes). */
struct nvme_sqe {
    uint8_t opcode;
    uint8_t flags;                   /* FUSE, PSDT: 0 (PRPs, not fused) */
    uint16_t cid;
    uint32_t nsid;
    uint32_t cdw2, cdw3;
    uint64_t mptr;
    uint64_t prp1, prp2;
    uint32_t cdw10, cdw11, cdw12, cdw13, cdw14, cdw15;
};

/* A completion queue entry (16 bytes).  status: bit 0 the phase tag,
 * bits 8:1 the status code, 11:9 its type, 15 do-not-retry. */
struct nvme_cqe {
    uint32_t dw0, dw1;
    uint16_t sq_head, sq_id;
    uint16_t cid;
    uint16_t status;
};

#define NVME_STATUS_SC(s) (((s) >> 1) & 0xff)
#define NVME_STATUS_SCT(s) (((s) >> 9) & 7)

/* One submission queue and its completion queue, up to NVME_INFLIGHT_MAX
 * commands in flight (staged writes; other commands go one at a time).
 * Doorbells are written through the two pointers (BAR0 on hardware, plain
 * memory in the host tests). */
#define NVME_INFLIGHT_MAX 8
struct nvme_queue {
    uint16_t id;                     /* 0: the admin queue */
    uint16_t size;                   /* entries in each of SQ and CQ */
    struct dma_buffer sq, cq;
    uint16_t sq_tail, cq_head;
    uint8_t phase;                   /* the phase tag a new completion carries */
    uint16_t next_cid;
    unsigned inflight;               /* commands sent and not answered */
    bool used[NVME_INFLIGHT_MAX];
    uint16_t cids[NVME_INFLIGHT_MAX];
    volatile uint32_t *sq_doorbell, *cq_doorbell;
    char name[24];                   /* for logs: "nvme0 admin", "nvme0 io1" */
};

/* Allocates both rings (page-aligned, zeroed, in the DMA heap). */
int nvme_queue_init(struct nvme_queue *q, uint16_t id, uint16_t size, const char *name);
void nvme_queue_free(struct nvme_queue *q);
/* Empties the rings for a controller that was reset (it forgot them). */
void nvme_queue_reset(struct nvme_queue *q);
/* Gives cmd a command id, copies it to the SQ tail and rings the doorbell.
 * -EBUSY if NVME_INFLIGHT_MAX commands (or a full queue) are in flight. */
int nvme_queue_submit(struct nvme_queue *q, struct nvme_sqe *cmd);
/* Looks at the CQ head: 0 nothing new; 1 a command in flight completed
 * (*out, the entry consumed, the head doorbell written); -EIO for a
 * completion that cannot be (a command id not in flight, a queue id or SQ
 * head out of range), logged and not consumed. */
int nvme_queue_poll(struct nvme_queue *q, struct nvme_cqe *out);
/* Forgets the commands in flight (after the controller was reset). */
void nvme_queue_abandon(struct nvme_queue *q);

/* A piece of a transfer as the device sees it: contiguous, and every piece
 * but the first starts on a page boundary, every piece but the last ends on
 * one (the PRP rules). */
struct nvme_seg {
    uint64_t addr;
    uint32_t len;
};
/* Builds PRP1/PRP2 for segs; a PRP list, when one is needed, goes in
 * list_pages pages at list (device address list_dev), chained through
 * their last entries.  0, -EINVAL (pieces that break the PRP rules, or a
 * PRP1 that is not dword aligned), -E2BIG (more pages than the lists
 * hold). */
int nvme_prp_build(const struct nvme_seg *segs, unsigned n, uint64_t *list, uint64_t list_dev,
                   unsigned list_pages, uint64_t *prp1, uint64_t *prp2);
/* How many entries a transfer of these pieces puts in PRP lists (0 when
 * PRP1 and PRP2 suffice). */
unsigned nvme_prp_entries(const struct nvme_seg *segs, unsigned n);

/* Identify answers (nvme_identify.c), 4 KiB each, checked: -ENODEV (and
 * a log line) for one the driver cannot use. */
struct nvme_controller_info {
    char serial[21];                 /* printable, trailing spaces cut */
    uint32_t namespaces;             /* NN: the highest namespace ID */
    uint32_t max_pages;              /* per command: MDTS within NVME_MAX_PAGES */
    bool volatile_cache;             /* VWC: Flush does something */
};
struct nvme_namespace_info {
    uint64_t blocks;
    uint32_t lba_shift;              /* 9 to 12 */
};
int nvme_parse_controller(const uint8_t *id, const char *name, struct nvme_controller_info *out);
int nvme_parse_namespace(const uint8_t *id, const char *name, uint32_t nsid, struct nvme_namespace_info *out);
/* The active namespace list (Identify CNS 2): up to max IDs, ascending and
 * non-zero as the specification orders them; parsing stops at the first
 * zero or at an ID out of order (logged). */
unsigned nvme_parse_ns_list(const uint8_t *id, const char *name, uint32_t *out, unsigned max);
/* I/O queue pairs to create after Set Features Number of Queues asked for
 * `wanted` and the controller answered dw0 (bits 15:0 submission queues
 * allocated - 1, 31:16 completion queues - 1): the smaller of the three,
 * at least 1 (a pair needs one of each; more than asked for is not used). */
unsigned nvme_io_queues_granted(uint32_t dw0, unsigned wanted);

/* The controller (nvme.c) and its disk (nvme_blk.c). */
#define NVME_ADMIN_ENTRIES 32
#define NVME_IO_ENTRIES 64
#define NVME_MAX_PAGES 128           /* per command: one PRP list page, 512 KiB */
#define NVME_MAX_IO_QUEUES 16        /* one per CPU, up to this many */

struct nvme_ctrl;

/* A namespace: the block device. */
#define NVME_MAX_NAMESPACES 8
struct nvme_ns {
    struct block_device bd;
    struct nvme_ctrl *c;
    uint32_t nsid;
    uint32_t lba_shift;              /* 9 to 12 */
    int stage_err;                   /* first staged-write error since its last drain */
};

/* A staged write (nvme_stage.c): a buffer in the DMA heap the caller
 * fills, with its own PRP list page; handed out (busy), then posted. */
#define NVME_STAGE_SLOTS 4
struct nvme_stage {
    struct dma_buffer data;
    struct nvme_ns *ns;              /* the namespace it was handed out for */
    uint64_t lba;
    uint32_t count;                  /* blocks */
    uint16_t cid;
    bool busy, posted;
    bool requeue;                    /* abandoned by a reset, to be posted again */
};

struct nvme_ctrl {
    struct pci_device *pci;
    char name[16];                   /* "nvme0" */
    volatile uint8_t *regs;
    uint64_t regs_size;
    uint32_t doorbell_stride;        /* bytes: 4 << CAP.DSTRD */
    uint64_t ready_timeout_ns;       /* CAP.TO */
    struct nvme_queue admin;
    /* I/O queue pairs: io[i] has queue id i + 1 and MSI-X entry i + 1; a
     * thread uses its CPU's (nvme_io_queue).  Staged writes all go on
     * io[0], so that settling them waits on one queue. */
    struct nvme_queue io[NVME_MAX_IO_QUEUES];
    unsigned nio;                    /* created (at least 1 once up) */
    struct dma_buffer identify;      /* 4 KiB for Identify answers */
    /* PRP list pages, held for the controller's lifetime: page 0 for the
     * command that goes alone, page 1 + i for staged write i. */
    struct dma_buffer prp_lists;
    uint32_t max_pages;              /* per command: MDTS, our own limit */
    struct nvme_ns *ns[NVME_MAX_NAMESPACES];
    unsigned nns;
    bool volatile_cache;             /* Identify VWC: flush does something */
    struct pci_msix msix_table;
    bool msix;                       /* the MSI-X table is on and interrupts work */
    unsigned io_vector[NVME_MAX_IO_QUEUES]; /* io[i]'s CPU vector (entry i + 1), 0: polled */
    unsigned admin_vector;           /* the admin CQ's (entry 0), 0: polled */
    struct device_irq io_irq[NVME_MAX_IO_QUEUES], admin_irq;
    /* The transfer in flight (nvme_blk.c): the pieces the device sees, their
     * mappings, or one bounce buffer of the driver's own. */
    struct nvme_seg segs[NVME_MAX_PAGES + 1];
    struct dma_mapping maps[NVME_MAX_PAGES + 1];
    unsigned nmaps;
    struct dma_buffer bounce;
    struct nvme_stage stage[NVME_STAGE_SLOTS];
    uint32_t stage_bytes;            /* per buffer; 0 while there is no pool */
    unsigned stage_inflight;
    bool dead;                       /* stopped, bus mastering off: never used again */
    bool stalled;                    /* disabled after a timeout: nvme_restart next */
    unsigned restarts;
};

/* Runs one command on q and waits for it, at most timeout_ns: 0 and *cqe
 * (the status may be an error: nvme_status_error), -ETIMEDOUT (no answer:
 * the controller has been disabled and touches none of the command's
 * memory any more; nvme_restart brings it back), -EIO (a nonsense answer
 * or a controller that cannot be stopped: it is dead, logged). */
int nvme_run(struct nvme_ctrl *c, struct nvme_queue *q, struct nvme_sqe *cmd, uint64_t timeout_ns,
             struct nvme_cqe *cqe);
/* Waits for the next completion on q, whichever command it is: 0 and
 * *cqe, -ETIMEDOUT or -EIO as nvme_run. */
int nvme_wait(struct nvme_ctrl *c, struct nvme_queue *q, uint64_t timeout_ns, struct nvme_cqe *cqe);
/* The I/O queue of the calling thread's CPU. */
struct nvme_queue *nvme_io_queue(struct nvme_ctrl *c);
/* 0 for a successful status, else -EIO with a log line naming what. */
int nvme_status_error(struct nvme_ctrl *c, const char *what, const struct nvme_cqe *cqe);
/* After -ETIMEDOUT: enables the controller again and recreates its I/O
 * queues.  0, or -EIO (dead). */
int nvme_restart(struct nvme_ctrl *c);
/* Staged writes (nvme_stage.c), shared by the controller's namespaces:
 * offered through ns->bd.stage; settle waits for every posted one
 * (commands that go one at a time call it first). */
void nvme_stage_init(struct nvme_ns *ns);
void nvme_stage_settle(struct nvme_ctrl *c);
/* Runs Identify with this CNS and NSID into c->identify (logged on error). */
int nvme_identify(struct nvme_ctrl *c, uint32_t cns, uint32_t nsid);
/* Finds the active namespaces and registers a disk for each usable one
 * (nvme_blk.c): 0 if there is at least one. */
int nvme_add_namespaces(struct nvme_ctrl *c, const struct nvme_controller_info *ci);

/* The driver's entry: a PCI function of class 01:08:02; 0 when a disk is
 * registered. */
int nvme_probe(struct pci_device *pci);

#endif
