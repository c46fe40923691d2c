/* libFuzzer harness for fs/ext2: the input is a disk image.  It is mounted
 * read-write (writes go to a private copy), walked and read entirely,
 * changed (create, write, rename, unlink, ...), unmounted, then mounted and
 * walked again.  Any crash, sanitizer report, leak or hang is a bug. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "fs/ext2/ext2.h"
#include "walk.h"

struct mem {
    struct block_device dev;
    uint8_t *data;
};

static int mem_read(struct block_device *dev, uint64_t lba, uint32_t count, void *buf)
{
    struct mem *m = dev->driver;
    memcpy(buf, m->data + lba * 512, (size_t)count * 512);
    return 0;
}

static int mem_write(struct block_device *dev, uint64_t lba, uint32_t count, const void *buf)
{
    struct mem *m = dev->driver;
    memcpy(m->data + lba * 512, buf, (size_t)count * 512);
    return 0;
}

static int mem_flush(struct block_device *dev)
{
    (void)dev;
    return 0;
}

static uint32_t clock_fn(void) { return 1700000000; }

/* The device is the input padded with zeros to at least 64 KiB (the seeds'
 * size), so that inputs the fuzzer shortens still mount. */
#define MIN_DEVICE (64 * 1024)

int LLVMFuzzerTestOneInput(const uint8_t *in, size_t n)
{
    size_t sectors = (n < MIN_DEVICE ? MIN_DEVICE : n) / 512;
    struct mem m;
    memset(&m, 0, sizeof(m));
    m.data = calloc(sectors, 512);
    memcpy(m.data, in, n < sectors * 512 ? n : sectors * 512);
    strcpy(m.dev.name, "fuzz");
    m.dev.sector_size = 512;
    m.dev.sectors = sectors;
    m.dev.read = mem_read;
    m.dev.write = mem_write;
    m.dev.flush = mem_flush;
    m.dev.driver = &m;
    ext2_set_clock(clock_fn);
    ext2_set_cache_limit(64 * 1024);     /* small: evictions happen */
    for (int pass = 0; pass < 2; pass++) {
        struct ext2_fs *fs;
        char err[128];
        if (ext2_mount(&m.dev, false, &fs, err, sizeof(err)) < 0)
            break;
        ext2_label(fs);
        ext2_walk(fs);
        if (pass == 0 && !ext2_read_only(fs)) {
            ext2_mutate(fs);
            ext2_walk(fs);
        }
        ext2_unmount(fs);
    }
    free(m.data);
    return 0;
}
