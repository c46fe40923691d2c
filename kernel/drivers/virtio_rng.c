/* virtio-rng (virtio 1.x, 5.4): one queue of device-writable buffers the
 * device fills with random bytes.  64 bytes are mixed into the kernel's
 * generator at boot; virtio_rng_read() gives more to whoever asks. */
#include "drivers/virtio_pci.h"
#include "drivers/devices.h"
#include "drivers/entropy.h"
#include "mm/heap.h"
#include "mm/dma.h"
#include "lib/errno.h"
#include "lib/log.h"
#include "lib/string.h"
#include "lib/format.h"

#define BOOT_BYTES 64
#define CHUNK 64
#define QUEUE_MAX 8

static struct {
    struct virtio_dev v;
    struct virtq *q;
    struct dma_buffer buf;
    bool up;
} rng;

int virtio_rng_read(void *buf, size_t len)
{
    if (!rng.up || rng.v.dead)
        return -ENODEV;
    uint8_t *out = buf;
    size_t got = 0;
    /* A device that keeps answering with nothing must not keep us here. */
    for (unsigned empty = 0; got < len && empty < 8;) {
        size_t want = len - got < CHUNK ? len - got : CHUNK;
        struct virtq_seg seg = { rng.buf.device, (uint32_t)want, true };
        uint32_t written = 0;
        int err = virtio_request(&rng.v, rng.q, &seg, 1, &written);
        if (err)
            return got ? (int)got : err;
        if (written == 0) {
            empty++;
            continue;
        }
        memcpy(out + got, rng.buf.va, written);
        memset(rng.buf.va, 0, written);
        got += written;
    }
    return (int)got;
}

int virtio_rng_probe(struct pci_device *pci)
{
    if (rng.up)
        return -EBUSY;                 /* one is plenty */
    char name[32];
    snprintf(name, sizeof(name), "virtio-rng %02x:%02x.%u", pci->bus, pci->slot, pci->fn);
    int err = virtio_start(&rng.v, pci, name, 0);
    if (err)
        return err;
    err = virtio_setup_queue(&rng.v, 0, QUEUE_MAX, &rng.q);
    if (err)
        return err;
    err = dma_alloc(CHUNK, 64, &rng.buf);
    if (err) {
        virtio_fail(&rng.v, "out of DMA memory");
        return err;
    }
    virtio_ready(&rng.v);
    rng.up = true;
    uint8_t seed[BOOT_BYTES];
    int n = virtio_rng_read(seed, sizeof(seed));
    if (n <= 0) {
        klog("virtio-rng: %s: no entropy from the device (%d)", name, n);
        return n < 0 ? n : -EIO;
    }
    random_add_entropy(seed, (size_t)n);
    memset(seed, 0, sizeof(seed));
    klog("virtio-rng: %s: %d bytes mixed into the random generator (%s)", name, n,
         rng.q->msix_vector ? "MSI-X" : "polled");
    return 0;
}
