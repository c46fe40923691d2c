/* gVNIC (Google's gve), GQI-QPL queue format: the driver's internal view,
 * shared by gve_adminq.c (registers, admin queue), gve_tx.c (queue page
 * lists, transmit), gve_rx.c (receive) and gve.c (bring-up, nic glue).
 *
 * Everything the device reads or writes (registers, admin commands,
 * descriptors, counters) is big-endian.  The device is untrusted: every
 * value it hands back is checked before use, and nonsense marks the card
 * dead (logged, link down, sends refused) instead of faulting. */
#ifndef DRIVERS_GVE_DEV_H
#define DRIVERS_GVE_DEV_H
#include <stdbool.h>
#include <stdint.h>
#include "drivers/nic.h"
#include "mm/dma.h"

#define GVE_VENDOR 0x1ae0
#define GVE_DEVICE 0x0042

/* BAR0 registers */
#define GVE_REG_DEVICE_STATUS 0x00
#define GVE_REG_DRIVER_STATUS 0x04
#define GVE_REG_MAX_TX_QUEUES 0x08
#define GVE_REG_MAX_RX_QUEUES 0x0c
#define GVE_REG_ADMINQ_PFN 0x10
#define GVE_REG_ADMINQ_DOORBELL 0x14
#define GVE_REG_ADMINQ_EVENT_COUNTER 0x18
#define GVE_REG_ADMINQ_ADDR_HI 0x20
#define GVE_REG_ADMINQ_ADDR_LO 0x24
#define GVE_REG_ADMINQ_LENGTH 0x28
#define GVE_BAR0_SIZE 0x2c

#define GVE_DEVICE_STATUS_RESET (1u << 1)
#define GVE_DEVICE_STATUS_LINK (1u << 2)
#define GVE_DEVICE_STATUS_IS_RESET (1u << 4)
#define GVE_DRIVER_STATUS_RUN (1u << 0)
#define GVE_DRIVER_STATUS_RESET (1u << 1)

/* Admin queue: one page, 64 commands of 64 bytes. */
#define GVE_AQ_BYTES 4096
#define GVE_AQ_SLOTS 64
#define GVE_AQ_CMD_BYTES 64
#define GVE_AQ_PAYLOAD 8          /* payload offset in a command */

enum gve_opcode {
    GVE_OP_DESCRIBE_DEVICE = 0x01,
    GVE_OP_CONFIGURE_RESOURCES = 0x02,
    GVE_OP_REGISTER_PAGE_LIST = 0x03,
    GVE_OP_UNREGISTER_PAGE_LIST = 0x04,
    GVE_OP_CREATE_TX_QUEUE = 0x05,
    GVE_OP_CREATE_RX_QUEUE = 0x06,
    GVE_OP_DESTROY_TX_QUEUE = 0x07,
    GVE_OP_DESTROY_RX_QUEUE = 0x08,
    GVE_OP_DECONFIGURE_RESOURCES = 0x09,
};
#define GVE_STATUS_PASSED 1u
#define GVE_QUEUE_FORMAT_GQI_QPL 2
#define GVE_OPTION_GQI_QPL 0x3

#define GVE_PAGE 4096u
#define GVE_BUF 2048u             /* a packet buffer: half a QPL page */
#define GVE_RX_PAD 2              /* a received frame starts 2 bytes in */
#define GVE_IRQ_DB_STRIDE 64
#define GVE_NOTIFY_BLOCKS 2       /* 0: TX, 1: RX */
#define GVE_TX_QPL_ID 0
#define GVE_RX_QPL_ID 1
#define GVE_TX_DESC_BYTES 16
#define GVE_RX_DESC_BYTES 64
#define GVE_RING_MIN 16           /* ring sizes we accept: powers of two */
#define GVE_RING_MAX 4096
#define GVE_QPL_PAGES_MAX 2048
/* A notify block's IRQ doorbell (BAR2, at the index the device wrote in
 * the IRQ doorbell array): MASK stops its interrupts; ACK | EVENT
 * acknowledges the last one and arms the block again; 0 arms it. */
#define GVE_IRQ_DB_ACK 0x80000000u
#define GVE_IRQ_DB_MASK 0x40000000u
#define GVE_IRQ_DB_EVENT 0x20000000u
#define GVE_NOTIFY_TX 0
#define GVE_NOTIFY_RX 1
#define GVE_MSIX_ENTRIES (GVE_NOTIFY_BLOCKS + 1)   /* block i = entry i, management last */
/* Polls that found frames with the RX block armed and no interrupt since:
 * this many in a row and the card is polled instead. */
#define GVE_IRQ_MISSED_MAX 16

#define GVE_TXD_STD 0x00          /* packet descriptor type, high nibble */
#define GVE_RXF_ERR (1u << 11)    /* flags_seq bits */
#define GVE_RXF_CONT (1u << 13)
#define GVE_RX_SEQ_MASK 7u

/* What DESCRIBE_DEVICE told us, after checking. */
struct gve_describe {
    uint64_t max_registered_pages;
    uint16_t tx_entries, rx_entries, mtu, counters, tx_pages, rx_pages;
    uint8_t mac[6];
    bool offers_gqi_qpl;
};

struct gve_qpl {
    uint32_t id;
    unsigned pages;
    struct dma_buffer mem;        /* the pages, one contiguous run */
    bool registered;
};

struct gve_tx {
    struct gve_qpl qpl;
    struct dma_buffer ring, res;
    uint32_t db_index, counter_index;
    uint32_t req, done;           /* descriptors posted / finished (wrap) */
    unsigned entries, slots, next_slot, limit;
    bool created;
};

struct gve_rx {
    struct gve_qpl qpl;
    struct dma_buffer desc, data, res;
    uint32_t db_index, counter_index;
    uint32_t cnt, fill_cnt;       /* descriptors taken / buffers posted */
    uint8_t seqno;                /* the sequence number expected next */
    uint8_t last_seq[GVE_RING_MAX];   /* what each entry held before: "not yet" */
    bool dropping;                /* inside a multi-descriptor packet */
    unsigned entries;
    uint8_t frame[NIC_FRAME_MAX]; /* the private copy of a received frame */
    bool created;
};

struct gve {
    char name[32];
    volatile void *bar0, *bar2;
    uint64_t bar2_size;
    uint8_t revision;
    struct dma_buffer aq;
    uint32_t aq_prod;
    bool aq_live;                 /* the device holds the admin queue */
    uint64_t aq_timeout_ns;
    struct gve_describe d;
    struct dma_buffer counters, irq_db;
    uint32_t irq_index[GVE_NOTIFY_BLOCKS];
    bool configured;
    struct gve_tx tx;
    struct gve_rx rx;
    struct nic nic;
    bool dead;                    /* the device answered nonsense */
    bool leaked;                  /* reset failed: memory left to the device */
    unsigned polls;
    /* Interrupts (gve_irq.c): only the RX notify block and the management
     * vector interrupt; TX buffers are taken back on the next send. */
    bool irqs;                    /* the RX block interrupts (else polled) */
    unsigned rx_vector, mgmt_vector;
    uint64_t rx_irqs, mgmt_irqs;  /* taken (the handlers' counts) */
    uint64_t rx_irqs_seen;        /* rx_irqs when the block was last armed */
    unsigned missed;              /* see GVE_IRQ_MISSED_MAX */
    bool self_woken;              /* the last wake-up was the re-check's, not an interrupt */
    bool status_pending;          /* the management vector fired: read the status */
};

/* Registers (gve_mmio.c on hardware; the device model in host tests).
 * Values are in CPU order; the accessors do the byte swapping. */
uint32_t gve_reg_read32(struct gve *g, unsigned off);
void gve_reg_write32(struct gve *g, unsigned off, uint32_t v);
void gve_reg_write16(struct gve *g, unsigned off, uint16_t v);
/* BAR2 doorbell `index` (the caller has checked it against bar2_size). */
void gve_doorbell_write(struct gve *g, uint32_t index, uint32_t v);

/* Big-endian fields in DMA memory. */
static inline uint16_t gve_be16(const volatile void *p)
{
    const volatile uint8_t *b = p;
    return (uint16_t)(b[0] << 8 | b[1]);
}
static inline uint32_t gve_be32(const volatile void *p)
{
    const volatile uint8_t *b = p;
    return (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];
}
static inline uint64_t gve_be64(const volatile void *p)
{
    return (uint64_t)gve_be32(p) << 32 | gve_be32((const volatile uint8_t *)p + 4);
}
static inline void gve_put16(volatile void *p, uint16_t v)
{
    volatile uint8_t *b = p;
    b[0] = (uint8_t)(v >> 8);
    b[1] = (uint8_t)v;
}
static inline void gve_put32(volatile void *p, uint32_t v)
{
    volatile uint8_t *b = p;
    b[0] = (uint8_t)(v >> 24);
    b[1] = (uint8_t)(v >> 16);
    b[2] = (uint8_t)(v >> 8);
    b[3] = (uint8_t)v;
}
static inline void gve_put64(volatile void *p, uint64_t v)
{
    gve_put32(p, (uint32_t)(v >> 32));
    gve_put32((volatile uint8_t *)p + 4, (uint32_t)v);
}
static inline void gve_fence(void)
{
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
}

/* gve_adminq.c */
int gve_adminq_start(struct gve *g);
/* Resets the device (it lets go of every resource); false if it did not
 * confirm in time, in which case its memory must never be reused. */
bool gve_reset(struct gve *g);
int gve_describe(struct gve *g);
int gve_configure(struct gve *g);
int gve_deconfigure(struct gve *g);
int gve_register_qpl(struct gve *g, struct gve_qpl *q);
int gve_unregister_qpl(struct gve *g, struct gve_qpl *q);
int gve_create_tx(struct gve *g);
int gve_create_rx(struct gve *g);
int gve_destroy_queue(struct gve *g, bool rx);
/* Marks the card dead and logs why (once). */
void gve_failed(struct gve *g, const char *why);

/* gve_tx.c */
int gve_qpl_alloc(struct gve_qpl *q, uint32_t id, unsigned pages);
void gve_qpl_free(struct gve_qpl *q);
int gve_tx_alloc(struct gve *g);
void gve_tx_free(struct gve *g);
int gve_tx_send(struct gve *g, const void *frame, size_t len);
void gve_tx_reclaim(struct gve *g);

/* gve_rx.c */
int gve_rx_alloc(struct gve *g);
void gve_rx_free(struct gve *g);
void gve_rx_post_all(struct gve *g);
/* Hands up every frame received; how many descriptors it took. */
unsigned gve_rx_poll(struct gve *g);
/* The next RX descriptor has been written (a frame waits). */
bool gve_rx_pending(struct gve *g);

/* gve_irq.c: MSI-X for the RX notify block and the management vector. */
struct pci_device;
/* Sets up MSI-X on the card's PCI function and starts interrupts; false
 * (and the card stays polled) without MSI-X, vectors, or with dev-poll. */
bool gve_irq_attach(struct gve *g, struct pci_device *pci);
/* The vectors are wired: arm the RX block, tell net/ the card interrupts. */
void gve_irq_start(struct gve *g);
/* Interrupt handlers (arg: the struct gve): the RX block's masks it and
 * wakes net/'s thread; the management vector's notes a status change. */
void gve_irq_rx(void *arg);
void gve_irq_mgmt(void *arg);
/* After a poll: acknowledge and arm the RX block again, then look once
 * more (a frame that came while it was masked raised nothing): if one
 * waits, mask it again and wake net/'s thread to poll. */
void gve_irq_rearm(struct gve *g, bool took);

/* gve.c: bring-up on mapped BARs (the PCI probe calls it; so do the host
 * tests, with the device model behind the registers), and teardown. */
int gve_attach(struct gve *g, const char *name, volatile void *bar0, volatile void *bar2,
               uint64_t bar2_size, uint8_t revision);
void gve_detach(struct gve *g);
/* Checks the device status register: link, a reset the device asks for. */
void gve_check_status(struct gve *g);

#endif
