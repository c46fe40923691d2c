/* The block cache: write-back, keyed by block number, bounded, LRU.
 * Dirty blocks leave in coalesced runs: on eviction the dirty neighbours
 * of the victim go with it, and a sync writes every dirty block sorted,
 * contiguous runs of up to EXT2_IO_MAX bytes per device call.  On a device
 * with staged writes (stream.c) they are copied into its staging buffers
 * and posted without waiting, several in flight; the sync then waits for
 * them all. */
#include "fs/ext2/ext2_fs.h"
#include "lib/string.h"
#include "mm/heap.h"

int ext2_dev_read(struct ext2_fs *fs, uint32_t blk, uint32_t n, void *buf)
{
    ext2_stream_post(fs);
    int r = block_read(fs->dev, (uint64_t)blk * fs->spb, n * fs->spb, buf);
    if (r < 0)
        klog("ext2: %s: reading blocks %u..%u failed (%d)", fs->dev->name, blk, blk + n - 1, r);
    return r < 0 ? -EIO : 0;
}

int ext2_dev_write(struct ext2_fs *fs, uint32_t blk, uint32_t n, const void *buf)
{
    ext2_stream_post(fs);
    int r = block_write(fs->dev, (uint64_t)blk * fs->spb, n * fs->spb, buf);
    if (r < 0) {
        klog("ext2: %s: writing blocks %u..%u failed (%d)", fs->dev->name, blk, blk + n - 1, r);
        return r == -EROFS ? r : -EIO;
    }
    return 0;
}

static uint32_t hash_of(const struct ext2_cache *c, uint32_t blk)
{
    return (blk * 2654435761u) & c->hmask;
}

static void lru_unlink(struct ext2_buf *b)
{
    b->lprev->lnext = b->lnext;
    b->lnext->lprev = b->lprev;
}

static void lru_front(struct ext2_cache *c, struct ext2_buf *b)
{
    b->lnext = c->lru.lnext;
    b->lprev = &c->lru;
    c->lru.lnext->lprev = b;
    c->lru.lnext = b;
}

static struct ext2_buf *lookup(struct ext2_cache *c, uint32_t blk)
{
    for (struct ext2_buf *b = c->hash[hash_of(c, blk)]; b; b = b->hnext)
        if (b->blk == blk)
            return b;
    return 0;
}

static void hash_remove(struct ext2_cache *c, struct ext2_buf *b)
{
    struct ext2_buf **pp = &c->hash[hash_of(c, b->blk)];
    while (*pp != b)
        pp = &(*pp)->hnext;
    *pp = b->hnext;
}

static void hash_insert(struct ext2_cache *c, struct ext2_buf *b)
{
    uint32_t h = hash_of(c, b->blk);
    b->hnext = c->hash[h];
    c->hash[h] = b;
}

int ext2_cache_init(struct ext2_fs *fs, uint64_t limit)
{
    struct ext2_cache *c = &fs->cache;
    c->maxbufs = limit / fs->bs;
    if (c->maxbufs < 64)
        c->maxbufs = 64;
    uint32_t nh = 256;
    while (nh < c->maxbufs && nh < (1u << 20))
        nh <<= 1;
    c->hash = kzalloc(nh * sizeof(*c->hash));
    if (!c->hash)
        return -ENOMEM;
    c->hmask = nh - 1;
    c->lru.lnext = c->lru.lprev = &c->lru;
    c->nbufs = 0;
    return 0;
}

void ext2_cache_destroy(struct ext2_fs *fs)
{
    struct ext2_cache *c = &fs->cache;
    ext2_stream_drain(fs);
    if (!c->hash)
        return;
    struct ext2_buf *b = c->lru.lnext;
    while (b != &c->lru) {
        struct ext2_buf *n = b->lnext;
        kfree(b->data);
        kfree(b);
        b = n;
    }
    kfree(c->hash);
    c->hash = 0;
}

/* Writes b and its contiguous dirty neighbours (one device call). */
static int write_cluster(struct ext2_fs *fs, struct ext2_buf *b)
{
    struct ext2_cache *c = &fs->cache;
    uint32_t first = b->blk, n = 1;
    while (n < fs->stage_blocks && first > 0) {
        struct ext2_buf *p = lookup(c, first - 1);
        if (!p || !p->dirty)
            break;
        first--;
        n++;
    }
    while (n < fs->stage_blocks) {
        struct ext2_buf *p = lookup(c, first + n);
        if (!p || !p->dirty)
            break;
        n++;
    }
    /* Long runs through the device's staging buffers when it has them (no
     * wait); short ones are not worth a buffer. */
    for (uint32_t i = 0; n >= EXT2_STREAM_BLOCKS && i < n; i++) {
        struct ext2_buf *p = lookup(c, first + i);
        if (p->dirty && ext2_stream_buf(fs, p) != 0)
            break;
    }
    if (!b->dirty)
        return 0;
    if (n == 1) {
        int r = ext2_dev_write(fs, b->blk, 1, b->data);
        if (r == 0)
            b->dirty = false;
        return r;
    }
    for (uint32_t i = 0; i < n; i++)
        memcpy(fs->wstage + (uint64_t)i * fs->bs, lookup(c, first + i)->data, fs->bs);
    int r = ext2_dev_write(fs, first, n, fs->wstage);
    if (r == 0)
        for (uint32_t i = 0; i < n; i++)
            lookup(c, first + i)->dirty = false;
    return r;
}

/* A buffer for blk (not yet in the hash): a new one while under the limit,
 * else the least recently used unpinned one, written back first if dirty. */
static struct ext2_buf *get_free_buf(struct ext2_fs *fs, int *err)
{
    struct ext2_cache *c = &fs->cache;
    if (c->nbufs >= c->maxbufs) {
        for (struct ext2_buf *b = c->lru.lprev; b != &c->lru; b = b->lprev) {
            if (b->pins)
                continue;
            if (b->dirty) {
                int r = write_cluster(fs, b);
                if (r < 0) {
                    *err = r;
                    return 0;
                }
            }
            hash_remove(c, b);
            lru_unlink(b);
            return b;
        }
        /* everything pinned: grow past the limit */
    }
    struct ext2_buf *b = kzalloc(sizeof(*b));
    if (b)
        b->data = kmalloc(fs->bs);
    if (!b || !b->data) {
        kfree(b);
        *err = -ENOMEM;
        return 0;
    }
    c->nbufs++;
    return b;
}

static struct ext2_buf *install(struct ext2_fs *fs, struct ext2_buf *b, uint32_t blk)
{
    b->blk = blk;
    b->pins = 1;
    b->dirty = false;
    hash_insert(&fs->cache, b);
    lru_front(&fs->cache, b);
    return b;
}

static void discard(struct ext2_fs *fs, struct ext2_buf *b)
{
    fs->cache.nbufs--;
    kfree(b->data);
    kfree(b);
}

struct ext2_buf *ext2_bpeek(struct ext2_fs *fs, uint32_t blk)
{
    struct ext2_buf *b = lookup(&fs->cache, blk);
    if (b) {
        b->pins++;
        lru_unlink(b);
        lru_front(&fs->cache, b);
    }
    return b;
}

struct ext2_buf *ext2_bread(struct ext2_fs *fs, uint32_t blk, int *err)
{
    struct ext2_buf *b = ext2_bpeek(fs, blk);
    if (b)
        return b;
    if (blk >= fs->sb.s_blocks_count) {
        *err = EXT2_CORRUPT(fs, "block %u is beyond the end of the volume", blk);
        return 0;
    }
    b = get_free_buf(fs, err);
    if (!b)
        return 0;
    int r = ext2_dev_read(fs, blk, 1, b->data);
    if (r < 0) {
        discard(fs, b);
        *err = r;
        return 0;
    }
    return install(fs, b, blk);
}

struct ext2_buf *ext2_bget_new(struct ext2_fs *fs, uint32_t blk, bool zero, int *err)
{
    struct ext2_buf *b = ext2_bpeek(fs, blk);
    if (!b) {
        b = get_free_buf(fs, err);
        if (!b)
            return 0;
        install(fs, b, blk);
    }
    if (zero)
        memset(b->data, 0, fs->bs);
    return b;
}

void ext2_brelse(struct ext2_fs *fs, struct ext2_buf *b)
{
    (void)fs;
    if (b && b->pins)
        b->pins--;
}

void ext2_bdirty(struct ext2_fs *fs, struct ext2_buf *b)
{
    (void)fs;
    b->dirty = true;
}

void ext2_bfill(struct ext2_fs *fs, uint32_t blk, const void *data)
{
    if (lookup(&fs->cache, blk))
        return;
    int err;
    struct ext2_buf *b = get_free_buf(fs, &err);
    if (!b)
        return;
    bool full = fs->cache.nbufs >= fs->cache.maxbufs;
    memcpy(b->data, data, fs->bs);
    install(fs, b, blk);
    b->pins = 0;
    if (full) {
        /* Streaming through a full cache: the block goes in cold, so that a
         * long read does not push out the metadata it needs. */
        lru_unlink(b);
        b->lprev = fs->cache.lru.lprev;
        b->lnext = &fs->cache.lru;
        fs->cache.lru.lprev->lnext = b;
        fs->cache.lru.lprev = b;
    }
}

void ext2_bforget(struct ext2_fs *fs, uint32_t blk)
{
    struct ext2_buf *b = lookup(&fs->cache, blk);
    if (!b)
        return;
    b->dirty = false;
    if (b->pins)
        return;
    hash_remove(&fs->cache, b);
    lru_unlink(b);
    discard(fs, b);
}

/* Heap sort of buffer pointers by block number (no recursion, no libc). */
static void sift(struct ext2_buf **a, size_t start, size_t n)
{
    size_t root = start;
    while (2 * root + 1 < n) {
        size_t child = 2 * root + 1;
        if (child + 1 < n && a[child + 1]->blk > a[child]->blk)
            child++;
        if (a[root]->blk >= a[child]->blk)
            return;
        struct ext2_buf *t = a[root];
        a[root] = a[child];
        a[child] = t;
        root = child;
    }
}

static void sort_bufs(struct ext2_buf **a, size_t n)
{
    if (n < 2)
        return;
    for (size_t i = n / 2; i-- > 0;)
        sift(a, i, n);
    for (size_t end = n - 1; end > 0; end--) {
        struct ext2_buf *t = a[0];
        a[0] = a[end];
        a[end] = t;
        sift(a, 0, end);
    }
}

int ext2_cache_sync(struct ext2_fs *fs)
{
    struct ext2_cache *c = &fs->cache;
    int streamed = ext2_stream_drain(fs);
    size_t n = 0;
    for (struct ext2_buf *b = c->lru.lnext; b != &c->lru; b = b->lnext)
        n += b->dirty;
    if (!n)
        return streamed;
    struct ext2_buf **list = kmalloc(n * sizeof(*list));
    if (!list) {
        /* No memory for sorting: write back one cluster at a time. */
        for (struct ext2_buf *b = c->lru.lnext; b != &c->lru; b = b->lnext)
            if (b->dirty) {
                int r = write_cluster(fs, b);
                if (r < 0)
                    return r;
            }
        int drained = ext2_stream_drain(fs);
        return drained < 0 ? drained : streamed;
    }
    size_t k = 0;
    for (struct ext2_buf *b = c->lru.lnext; b != &c->lru; b = b->lnext)
        if (b->dirty)
            list[k++] = b;
    sort_bufs(list, n);
    int ret = 0;
    for (size_t i = 0; i < n;) {
        size_t run = 1;
        while (i + run < n && run < fs->stage_blocks && list[i + run]->blk == list[i]->blk + run)
            run++;
        int r;
        size_t staged = 0;
        while (run >= EXT2_STREAM_BLOCKS && staged < run && ext2_stream_buf(fs, list[i + staged]) == 0)
            staged++;
        if (staged == run) {
            r = 0;             /* posted; a failure comes from the drain below */
        } else if (run == 1) {
            r = ext2_dev_write(fs, list[i]->blk, 1, list[i]->data);
        } else {
            for (size_t j = 0; j < run; j++)
                memcpy(fs->wstage + j * fs->bs, list[i + j]->data, fs->bs);
            r = ext2_dev_write(fs, list[i]->blk, run, fs->wstage);
        }
        if (r < 0)
            ret = r;
        else
            for (size_t j = 0; j < run; j++)
                list[i + j]->dirty = false;
        i += run;
    }
    kfree(list);
    int drained = ext2_stream_drain(fs);
    if (ret == 0)
        ret = drained;
    return ret < 0 ? ret : streamed;
}
