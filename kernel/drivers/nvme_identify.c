/* Reading the controller's Identify answers (pure: unit-tested with
 * answers of every size).  Everything in them is the device's word and is
 * checked before it sizes anything. */
#include "drivers/nvme.h"
#include "lib/errno.h"
#include "lib/log.h"

static uint32_t le32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

int nvme_parse_controller(const uint8_t *id, const char *name, struct nvme_controller_info *out)
{
    /* Serial number: bytes 4-23, ASCII padded with spaces. */
    size_t n = 0;
    for (unsigned i = 4; i < 24 && n + 1 < sizeof(out->serial); i++)
        out->serial[n++] = id[i] >= 0x20 && id[i] < 0x7f ? (char)id[i] : '?';
    while (n && out->serial[n - 1] == ' ')
        n--;
    out->serial[n] = 0;
    /* MDTS (byte 77): 2^MDTS pages of CAP.MPSMIN (4 KiB here), 0 = no limit. */
    unsigned mdts = id[77];
    out->max_pages = NVME_MAX_PAGES;
    if (mdts && mdts < 16 && (1u << mdts) < out->max_pages)
        out->max_pages = 1u << mdts;
    out->volatile_cache = id[525] & 1;
    uint32_t nn = le32(id + 516);
    out->namespaces = nn;
    if (nn == 0) {
        klog("nvme: %s: the controller has no namespace", name);
        return -ENODEV;
    }
    return 0;
}

int nvme_parse_namespace(const uint8_t *id, const char *name, uint32_t nsid, struct nvme_namespace_info *out)
{
    uint64_t nsze = 0;
    for (int i = 7; i >= 0; i--)
        nsze = nsze << 8 | id[i];
    unsigned nlbaf = id[25], format = id[26] & 0xf;
    if (format > nlbaf) {
        klog("nvme: %s: namespace %u uses LBA format %u of %u: refused", name, nsid, format, nlbaf + 1);
        return -ENODEV;
    }
    const uint8_t *f = id + 128 + 4 * format;
    unsigned metadata = f[0] | f[1] << 8, lbads = f[2];
    if (lbads < 9 || lbads > 12 || metadata) {
        klog("nvme: %s: namespace %u: blocks of 2^%u bytes with %u bytes of metadata: only 512 to 4096 "
             "bytes without metadata are supported", name, nsid, lbads, metadata);
        return -ENODEV;
    }
    /* Bytes must fit in 63 bits: nothing larger is a disk. */
    if (nsze == 0 || nsze > (1ull << (63 - lbads))) {
        klog("nvme: %s: namespace %u claims %lu blocks: refused", name, nsid, (unsigned long)nsze);
        return -ENODEV;
    }
    out->blocks = nsze;
    out->lba_shift = lbads;
    return 0;
}

unsigned nvme_parse_ns_list(const uint8_t *id, const char *name, uint32_t *out, unsigned max)
{
    unsigned n = 0;
    uint32_t last = 0;
    for (unsigned i = 0; i < 1024 && n < max; i++) {
        uint32_t nsid = le32(id + 4 * i);
        if (nsid == 0)
            break;
        if (nsid <= last || nsid == 0xffffffffu) {
            klog("nvme: %s: active namespace list: ID %u after %u: the rest ignored", name, nsid, last);
            break;
        }
        out[n++] = last = nsid;
    }
    return n;
}

unsigned nvme_io_queues_granted(uint32_t dw0, unsigned wanted)
{
    unsigned sqs = (dw0 & 0xffff) + 1u, cqs = (dw0 >> 16) + 1u;
    unsigned n = sqs < cqs ? sqs : cqs;
    if (n > wanted)
        n = wanted;
    return n ? n : 1;
}
