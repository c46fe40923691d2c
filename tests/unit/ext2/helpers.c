#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include "helpers.h"
#include "lib/errno.h"
#include "drivers/block_stage.h"

uint32_t memdev_stage_default;

/* Applies the oldest posted staged write to the data. */
static void apply_oldest(struct memdev *m)
{
    int slot = m->pending[0].slot;
    memcpy(m->data + m->pending[0].lba * m->dev.sector_size, m->stage_buf[slot],
           (size_t)m->pending[0].count * m->dev.sector_size);
    m->stage_busy[slot] = false;
    memmove(&m->pending[0], &m->pending[1], sizeof(m->pending[0]) * (m->npending - 1));
    m->npending--;
}

static void settle(struct memdev *m)
{
    while (m->npending)
        apply_oldest(m);
}

static void *stage_get(struct block_device *dev, uint32_t *bytes)
{
    struct memdev *m = dev->driver;
    for (;;) {
        for (int i = 0; i < 3; i++) {
            if (!m->stage_busy[i]) {
                m->stage_busy[i] = true;
                /* Old contents, as a reused buffer has: ext2 must write all it posts. */
                memset(m->stage_buf[i], 0xa5, m->stage_bytes);
                *bytes = m->stage_bytes;
                return m->stage_buf[i];
            }
        }
        if (!m->npending)
            return NULL;
        apply_oldest(m);
    }
}

static int slot_of(struct memdev *m, void *stage)
{
    for (int i = 0; i < 3; i++)
        if (m->stage_buf[i] == stage && m->stage_busy[i])
            return i;
    abort();                        /* ext2 gave back a buffer it does not hold */
}

static int stage_post(struct block_device *dev, void *stage, uint64_t lba, uint32_t count)
{
    struct memdev *m = dev->driver;
    int slot = slot_of(m, stage);
    for (unsigned i = 0; i < m->npending; i++)
        if (m->pending[i].slot == slot)
            abort();                /* posted twice */
    if ((uint64_t)count * dev->sector_size > m->stage_bytes)
        abort();
    if (m->fail_stage_posts == 0) {
        /* Fails in flight: nothing reaches the disk, the drain says so. */
        m->stage_busy[slot] = false;
        m->stage_failed = true;
        return 0;
    }
    if (m->fail_stage_posts > 0)
        m->fail_stage_posts--;
    m->stage_posts++;
    m->pending[m->npending].slot = slot;
    m->pending[m->npending].lba = lba;
    m->pending[m->npending].count = count;
    m->npending++;
    return 0;
}

static void stage_put(struct block_device *dev, void *stage)
{
    struct memdev *m = dev->driver;
    m->stage_busy[slot_of(m, stage)] = false;
}

static int stage_drain(struct block_device *dev)
{
    struct memdev *m = dev->driver;
    settle(m);
    int err = m->stage_failed ? -EIO : 0;
    m->stage_failed = false;
    return err;
}

static const struct block_stage_ops mem_stage_ops = { stage_get, stage_post, stage_put, stage_drain };

void memdev_stage(struct memdev *m, uint32_t bytes)
{
    for (int i = 0; i < 3; i++) {
        m->stage_buf[i] = malloc(bytes);
        m->stage_busy[i] = false;
    }
    m->stage_bytes = bytes;
    m->npending = 0;
    m->fail_stage_posts = -1;
    m->dev.stage = &mem_stage_ops;
}

static int mem_read(struct block_device *dev, uint64_t lba, uint32_t count, void *buf)
{
    struct memdev *m = dev->driver;
    settle(m);
    m->reads++;
    if (count > m->max_read_sectors)
        m->max_read_sectors = count;
    memcpy(buf, m->data + lba * dev->sector_size, (size_t)count * dev->sector_size);
    return 0;
}

static int mem_write(struct block_device *dev, uint64_t lba, uint32_t count, const void *buf)
{
    struct memdev *m = dev->driver;
    settle(m);
    if (m->fail_after_writes == 0)
        return -EIO;
    if (m->fail_after_writes > 0)
        m->fail_after_writes--;
    m->writes++;
    m->write_sectors += count;
    if (count > m->max_write_sectors)
        m->max_write_sectors = count;
    memcpy(m->data + lba * dev->sector_size, buf, (size_t)count * dev->sector_size);
    return 0;
}

static int mem_flush(struct block_device *dev)
{
    struct memdev *m = dev->driver;
    settle(m);
    m->flushes++;
    return 0;
}

void memdev_load(struct memdev *m, const char *path, uint32_t sector_size)
{
    memset(m, 0, sizeof(*m));
    size_t len;
    m->data = host_read(path, &len);
    if (!m->data) {
        fprintf(stderr, "cannot read %s\n", path);
        abort();
    }
    m->size = len;
    m->fail_after_writes = -1;
    strcpy(m->dev.name, "mem0");
    m->dev.sector_size = sector_size ? sector_size : 512;
    m->dev.sectors = len / m->dev.sector_size;
    m->dev.read = mem_read;
    m->dev.write = mem_write;
    m->dev.flush = mem_flush;
    m->dev.driver = m;
    if (memdev_stage_default)
        memdev_stage(m, memdev_stage_default);
}

void memdev_save(const struct memdev *m, const char *path)
{
    FILE *f = fopen(path, "wb");
    if (!f || fwrite(m->data, 1, m->size, f) != m->size) {
        fprintf(stderr, "cannot write %s\n", path);
        abort();
    }
    fclose(f);
}

void memdev_free(struct memdev *m)
{
    free(m->data);
    m->data = NULL;
    for (int i = 0; i < 3; i++) {
        free(m->stage_buf[i]);
        m->stage_buf[i] = NULL;
    }
    m->dev.stage = NULL;
}

static char tmpdir[512];

const char *tmp_dir(void)
{
    if (!tmpdir[0]) {
        const char *base = getenv("TMPDIR");
        snprintf(tmpdir, sizeof(tmpdir), "%s/ext2test.XXXXXX", base && *base ? base : "/tmp");
        if (!mkdtemp(tmpdir)) {
            perror("mkdtemp");
            abort();
        }
    }
    return tmpdir;
}

void tmp_cleanup(void)
{
    if (tmpdir[0] && !getenv("EXT2_TEST_KEEP"))
        run("rm -rf '%s'", tmpdir);
    tmpdir[0] = 0;
}

char *tmp_path(const char *name)
{
    static char bufs[8][1024];
    static int next;
    char *b = bufs[next++ & 7];
    snprintf(b, sizeof(bufs[0]), "%s/%s", tmp_dir(), name);
    return b;
}

int run(const char *fmt, ...)
{
    char cmd[4096];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(cmd, sizeof(cmd), fmt, ap);
    va_end(ap);
    fflush(stdout);
    int st = system(cmd);
    if (st == -1)
        return -1;
    return WIFEXITED(st) ? WEXITSTATUS(st) : 128;
}

char *run_capture(size_t *len, const char *fmt, ...)
{
    char cmd[4096];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(cmd, sizeof(cmd), fmt, ap);
    va_end(ap);
    FILE *p = popen(cmd, "r");
    if (!p)
        abort();
    size_t cap = 4096, n = 0;
    char *out = malloc(cap);
    size_t k;
    while ((k = fread(out + n, 1, cap - n - 1, p)) > 0) {
        n += k;
        if (cap - n < 2) {
            cap *= 2;
            out = realloc(out, cap);
        }
    }
    pclose(p);
    out[n] = 0;
    if (len)
        *len = n;
    return out;
}

void make_image(const char *img, unsigned bs, unsigned blocks, const char *label, const char *dir,
                const char *extra)
{
    char dopt[1100] = "";
    if (dir)
        snprintf(dopt, sizeof(dopt), "-d '%s'", dir);
    unlink(img);
    /* mke2fs does not extend a file it writes to the volume's size */
    run("truncate -s %llu '%s'", (unsigned long long)bs * blocks, img);
    int r = run("mke2fs -q -F -t ext2 -r 1 -b %u -L '%s' %s %s '%s' %u >/dev/null", bs, label, dopt,
                extra ? extra : "", img, blocks);
    if (r != 0) {
        fprintf(stderr, "mke2fs failed (%d)\n", r);
        abort();
    }
}

int fsck_clean(const char *img)
{
    int r = run("e2fsck -fn '%s' > '%s.fsck' 2>&1", img, img);
    if (r != 0)
        run("sed 's/^/# e2fsck: /' '%s.fsck'", img);
    return r;
}

void fill_random(void *buf, size_t n, unsigned seed)
{
    uint64_t x = seed * 0x9E3779B97F4A7C15ull + 1;
    uint8_t *p = buf;
    for (size_t i = 0; i < n; i++) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        p[i] = (uint8_t)(x >> 24);
    }
}

void host_write_random(const char *path, size_t n, unsigned seed)
{
    uint8_t *b = malloc(n ? n : 1);
    fill_random(b, n, seed);
    FILE *f = fopen(path, "wb");
    if (!f || fwrite(b, 1, n, f) != n)
        abort();
    fclose(f);
    free(b);
}

uint8_t *host_read(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    uint8_t *b = malloc(n ? n : 1);
    if (n && fread(b, 1, n, f) != (size_t)n)
        abort();
    fclose(f);
    *len = n;
    return b;
}
