#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include "helpers.h"
#include "lib/errno.h"

static int mem_read(struct block_device *dev, uint64_t lba, uint32_t count, void *buf)
{
    struct memdev *m = dev->driver;
    m->reads++;
    if (count > m->max_read_sectors)
        m->max_read_sectors = count;
    memcpy(buf, m->data + lba * dev->sector_size, (size_t)count * dev->sector_size);
    return 0;
}

static int mem_write(struct block_device *dev, uint64_t lba, uint32_t count, const void *buf)
{
    struct memdev *m = dev->driver;
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
