/* The character devices programs expect under /dev. */
#include "unix/devices.h"
#include "unix/console.h"
#include "fs/ramfs.h"
#include "fs/path.h"
#include "drivers/entropy.h"
#include "drivers/devices.h"
#include "mm/heap.h"
#include "lib/string.h"
#include "lib/errno.h"

static int64_t null_read(struct vnode *vn, void *buf, uint64_t len, uint64_t off)
{
    (void)vn; (void)buf; (void)len; (void)off;
    return 0;
}

static int64_t sink_write(struct vnode *vn, const void *buf, uint64_t len, uint64_t off)
{
    (void)vn; (void)buf; (void)off;
    return (int64_t)len;
}

static int64_t zero_read(struct vnode *vn, void *buf, uint64_t len, uint64_t off)
{
    (void)vn; (void)off;
    memset(buf, 0, len);
    return (int64_t)len;
}

static int64_t full_write(struct vnode *vn, const void *buf, uint64_t len, uint64_t off)
{
    (void)vn; (void)buf; (void)len; (void)off;
    return -ENOSPC;
}

static int64_t random_read(struct vnode *vn, void *buf, uint64_t len, uint64_t off)
{
    (void)vn; (void)off;
    if (len > (1u << 25))
        len = 1u << 25;
    random_fill(buf, len);
    return (int64_t)len;
}

/* Writing to /dev/random mixes the bytes in, as Linux does. */
static int64_t random_write(struct vnode *vn, const void *buf, uint64_t len, uint64_t off)
{
    (void)vn; (void)off;
    random_add_entropy(buf, len);
    return (int64_t)len;
}

/* /dev/hwrng: bytes straight from the virtio-rng device (a DMA transfer
 * each time, through a kernel buffer). */
static int64_t hwrng_read(struct vnode *vn, void *buf, uint64_t len, uint64_t off)
{
    (void)vn; (void)off;
    if (len > 65536)
        len = 65536;
    uint8_t *k = kmalloc(len ? len : 1);
    if (!k)
        return -ENOMEM;
    int n = virtio_rng_read(k, len);
    if (n > 0)
        memcpy(buf, k, (size_t)n);
    kfree(k);
    return n;
}

static const struct vnode_ops hwrng_ops = { .read = hwrng_read };
static const struct vnode_ops null_ops = { .read = null_read, .write = sink_write };
static const struct vnode_ops zero_ops = { .read = zero_read, .write = sink_write };
static const struct vnode_ops full_ops = { .read = zero_read, .write = full_write };
static const struct vnode_ops random_ops = { .read = random_read, .write = random_write };

static void add(struct vnode *dir, const char *name, const struct vnode_ops *ops, uint32_t major, uint32_t minor,
                uint32_t perm)
{
    if (ramfs_lookup(dir, name, strlen(name)))
        return;                     /* the image brought its own */
    struct vnode *vn = ramfs_new(S_IFCHR | perm);
    if (!vn)
        return;
    vn->ops = ops;
    vn->rdev = (major << 8) | minor;
    ramfs_link(dir, name, strlen(name), vn);
}

void dev_nodes_create(void)
{
    struct vnode *dev;
    if (path_mkdir_all("/dev", 4, &dev) < 0)
        return;
    add(dev, "null", &null_ops, 1, 3, 0666);
    add(dev, "zero", &zero_ops, 1, 5, 0666);
    add(dev, "full", &full_ops, 1, 7, 0666);
    add(dev, "random", &random_ops, 1, 8, 0666);
    add(dev, "urandom", &random_ops, 1, 9, 0666);
    add(dev, "hwrng", &hwrng_ops, 10, 183, 0600);
    struct vnode *con = console_vnode();
    if (con && !ramfs_lookup(dev, "console", 7))
        ramfs_link(dev, "console", 7, con);
    if (con && !ramfs_lookup(dev, "tty", 3))
        ramfs_link(dev, "tty", 3, con);
}
