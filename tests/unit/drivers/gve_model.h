/* A MODEL of Google's gVNIC (gve), GQI-QPL format, for host tests of
 * kernel/drivers/gve*.c.  It is written from the published protocol facts
 * (register map, admin queue commands, descriptor layouts; big-endian
 * throughout), not from a real device: the driver has not met a real gVNIC.
 *
 * The model stands behind the driver's four register functions
 * (gve_reg_read32/write32/write16, gve_doorbell_write) and acts at once on
 * a doorbell: it runs admin commands, takes transmitted frames out of the
 * TX queue page list and (with loopback on) delivers them into the RX
 * queue.  It works on the driver's DMA memory, and records anything the
 * driver does that a device would reject (a "violation").  It can be told
 * to misbehave.
 *
 * Interrupts: notify block i raises MSI-X entry i, the management
 * interrupt the entry after the last block.  A block is masked when
 * configured and by a doorbell write with MASK, armed by one without; a
 * frame delivered to RX raises the RX queue's block's entry when it is
 * armed, and raises nothing (counted as held) when it is masked.  A raised
 * entry is recorded and handed to gm_msix_hook (the test plays the CPU). */
#ifndef TESTS_UNIT_DRIVERS_GVE_MODEL_H
#define TESTS_UNIT_DRIVERS_GVE_MODEL_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define GM_LOG_MAX 64
#define GM_FRAMES_MAX 64
#define GM_QPL_MAX 4
#define GM_QPL_PAGES 2048
#define GM_BLOCKS_MAX 8
#define GM_MSIX_MAX (GM_BLOCKS_MAX + 1)

/* What the device says about itself (DESCRIBE_DEVICE and registers). */
struct gm_config {
    uint8_t revision;             /* PCI revision: 0 = PFN register, >= 1 = hi/lo/length */
    uint32_t max_tx_queues, max_rx_queues;
    uint64_t max_registered_pages;
    uint16_t tx_entries, rx_entries, default_queues, mtu, counters, tx_pages, rx_pages;
    uint8_t mac[6];
    bool offer_gqi_qpl;           /* list the GQI_QPL device option */
    uint64_t bar2_size;
    bool link_up;
};

/* Ways to misbehave. */
struct gm_faults {
    uint32_t fail_opcode, fail_status;   /* answer this opcode with this status */
    uint32_t silent_opcode;              /* never complete this opcode */
    uint32_t jump_opcode;                /* event counter +2 on this opcode */
    bool options_overrun;                /* an option running past total_length */
    bool no_reset;                       /* never confirm a reset */
    uint32_t tx_db_index, rx_db_index;   /* doorbell indices handed out */
    uint32_t tx_counter_index, rx_counter_index;
    uint32_t irq_index_base;
    unsigned bad_seq_next;               /* the next delivered entry: this sequence number */
    unsigned rx_len_next;                /* the next delivered entry: this length */
    uint16_t rx_flags_next;              /* the next delivered entry: these flags */
    bool scribble_data_ring;             /* after delivering, overwrite the data slot */
    int tx_counter_skew;                 /* added to the TX event counter */
    bool ask_reset;                      /* device_status RESET bit */
    bool never_interrupt;                /* MSI-X messages go nowhere */
    /* delivered when the driver next writes ACK to a block, just before
     * the write takes effect (a frame landing while the block is masked) */
    uint8_t frame_before_ack[64];
    size_t frame_before_ack_len;
};

struct gm_cmd {
    uint32_t opcode;
    uint8_t payload[56];
};

struct gm_frame {
    size_t len;
    uint8_t data[2048];
};

struct gve_model {
    struct gm_config cfg;
    struct gm_faults faults;
    bool loopback;
    /* registers */
    uint32_t device_status, driver_status, adminq_pfn, aq_hi, aq_lo, aq_doorbell, aq_events;
    uint16_t aq_length;
    bool aq_set;
    unsigned resets;
    /* admin commands seen, in order */
    struct gm_cmd log[GM_LOG_MAX];
    unsigned nlog;
    /* device resources */
    bool configured;
    uint64_t counter_array, irq_db;
    uint32_t num_counters, num_irq_dbs, irq_db_stride, queue_format;
    uint64_t qpl_page[GM_QPL_MAX][GM_QPL_PAGES];
    uint32_t qpl_pages[GM_QPL_MAX];
    bool qpl_live[GM_QPL_MAX];
    /* queues */
    bool tx_live, rx_live;
    uint64_t tx_ring, rx_desc, rx_data;
    uint32_t tx_qpl, rx_qpl, tx_size, rx_size, rx_buf_size;
    uint32_t tx_req, tx_head, tx_done;   /* doorbell / descriptors taken / counted done */
    bool tx_hold;                        /* leave transmitted descriptors pending */
    uint32_t rx_fill, rx_head;           /* buffers posted / entries written */
    uint8_t rx_seq;
    uint32_t irq_db_writes;
    uint32_t rx_ntfy;                    /* the RX queue's notify block */
    bool block_masked[GM_BLOCKS_MAX];
    uint32_t block_last[GM_BLOCKS_MAX];  /* the last doorbell value written */
    unsigned block_acks[GM_BLOCKS_MAX];
    unsigned msix_raised[GM_MSIX_MAX];   /* messages sent, per entry */
    unsigned irq_held, irq_lost;         /* frames while masked; messages lost (never_interrupt) */
    uint64_t mtu_set;                    /* SET_DRIVER_PARAMETER MTU, 0 if none */
    /* frames the driver sent (the wire) and the receive drops */
    struct gm_frame sent[GM_FRAMES_MAX];
    unsigned nsent, rx_dropped;
    /* what the driver did wrong, as a device would see it */
    unsigned violations;
    char violation[256];
};

extern struct gve_model gm;

/* A working device: revision 1, 256/64-entry rings, MTU 1460 (GCP's
 * default), link up, loopback on. */
void gm_reset_model(void);
/* Puts a frame on the wire towards the driver: false if no buffer. */
bool gm_deliver(const void *frame, size_t len);
/* Sends what the driver posted up to its last TX doorbell (after tx_hold). */
void gm_tx_flush(void);
/* The link goes up or down: the status register says so and the
 * management interrupt is raised. */
void gm_set_link(bool up);
/* Called with the entry of every MSI-X message the model sends. */
extern void (*gm_msix_hook)(unsigned entry);
/* Model time: every clock_monotonic_ns() call the driver makes is 1 ms. */
uint64_t gm_clock_ns(void);
/* The doorbell indices the model hands out. */
#define GM_BAR2_SIZE 4096

#endif
