/* eventfd and eventfd2: a 64-bit counter as a descriptor (eventfd(2)).
 * read: 8 bytes (of a buffer of at least 8), the counter (then 0), or 1 (then one less) with
 * EFD_SEMAPHORE; it waits while the counter is 0.  write: adds a value
 * of exactly 8 bytes; it waits while the sum would exceed 0xfffffffffffffffe.
 * O_NONBLOCK turns each wait into EAGAIN. */
#include "unix/syscall.h"
#include "unix/anon_fd.h"
#include "unix/readiness.h"
#include "unix/sigset.h"
#include "unix/timeout.h"
#include "mm/heap.h"
#include "lib/string.h"
#include "lib/errno.h"

#define EFD_SEMAPHORE 1
#define EFD_CLOEXEC O_CLOEXEC
#define EFD_NONBLOCK O_NONBLOCK
#define COUNT_MAX 0xfffffffffffffffeull

struct eventfd {
    uint64_t count;
    bool semaphore;
    struct file *file;           /* its one open file: O_NONBLOCK is there */
    struct readiness ready;
    uint64_t adding;             /* a waiting write's value */
};

static bool readable(void *arg)
{
    return ((struct eventfd *)arg)->count > 0;
}

static bool writable(void *arg)
{
    struct eventfd *e = arg;
    return COUNT_MAX - e->count >= e->adding;
}

static int64_t eventfd_read(struct vnode *vn, void *buf, uint64_t len, uint64_t off)
{
    (void)off;
    struct eventfd *e = vn->fs;
    if (len < sizeof(uint64_t))
        return -EINVAL;
    if (e->count == 0) {
        if (e->file->flags & O_NONBLOCK)
            return -EAGAIN;
        if (readiness_wait(readable, e, TIMEOUT_FOREVER) == -EINTR)
            return -ERESTARTSYS;
    }
    uint64_t v = e->semaphore ? 1 : e->count;
    e->count -= v;
    memcpy(buf, &v, sizeof(v));
    readiness_notify(&e->ready, POLLOUT | POLLWRNORM);
    return sizeof(v);
}

static int64_t eventfd_write(struct vnode *vn, const void *buf, uint64_t len, uint64_t off)
{
    (void)off;
    struct eventfd *e = vn->fs;
    uint64_t v;
    if (len != sizeof(v))             /* Linux 6 wants exactly 8 bytes; read takes more */
        return -EINVAL;
    memcpy(&v, buf, sizeof(v));
    if (v == UINT64_MAX)
        return -EINVAL;
    if (COUNT_MAX - e->count < v) {
        if (e->file->flags & O_NONBLOCK)
            return -EAGAIN;
        e->adding = v;
        if (readiness_wait(writable, e, TIMEOUT_FOREVER) == -EINTR)
            return -ERESTARTSYS;
    }
    e->count += v;
    readiness_notify(&e->ready, POLLIN | POLLRDNORM);
    return sizeof(v);
}

static int eventfd_poll(struct vnode *vn, uint32_t flags)
{
    (void)flags;
    struct eventfd *e = vn->fs;
    int r = 0;
    if (e->count > 0)
        r |= POLLIN;
    if (e->count < COUNT_MAX)
        r |= POLLOUT;
    return r;
}

static struct readiness *eventfd_readiness(struct vnode *vn)
{
    return &((struct eventfd *)vn->fs)->ready;
}

static void eventfd_release(struct vnode *vn, uint32_t flags)
{
    (void)flags;
    kfree(vn->fs);
    anon_fd_free_vnode(vn);
}

static const struct vnode_ops eventfd_ops = {
    .read = eventfd_read,
    .write = eventfd_write,
    .poll = eventfd_poll,
    .readiness = eventfd_readiness,
    .release = eventfd_release,
    .not_seekable = true,
};

static int64_t do_eventfd(uint64_t initval, uint64_t flags)
{
    if (flags & ~(uint64_t)(EFD_SEMAPHORE | EFD_CLOEXEC | EFD_NONBLOCK))
        return -EINVAL;
    struct eventfd *e = kzalloc(sizeof(*e));
    if (!e)
        return -ENOMEM;
    e->count = (uint32_t)initval;          /* an unsigned int in the C API */
    e->semaphore = flags & EFD_SEMAPHORE;
    int fd = anon_fd_create(&eventfd_ops, e, "[eventfd]", O_RDWR | (uint32_t)(flags & EFD_NONBLOCK),
                            flags & EFD_CLOEXEC, &e->file);
    if (fd < 0)
        kfree(e);
    return fd;
}

int64_t sys_eventfd(SYSCALL_ARGS) { UNUSED_ARGS; return do_eventfd(a0, 0); }
int64_t sys_eventfd2(SYSCALL_ARGS) { UNUSED_ARGS; return do_eventfd(a0, a1); }
