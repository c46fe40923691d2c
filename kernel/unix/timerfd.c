/* timerfd_create, timerfd_settime, timerfd_gettime (timerfd_create(2)).
 * The expirations are counted from the clock whenever the timer is looked
 * at (unix/interval_timer.h), so no interrupt is needed: a poll or a read
 * advances the count, and a wait asks readiness_wait to look again at the
 * next expiry.  With kernel timers, the expiry would notify instead and the
 * readiness would stop being polled. */
#include "unix/syscall.h"
#include "unix/anon_fd.h"
#include "unix/readiness.h"
#include "unix/sigset.h"
#include "unix/interval_timer.h"
#include "unix/timeout.h"
#include "unix/usercopy.h"
#include "drivers/clock.h"
#include "mm/heap.h"
#include "lib/string.h"
#include "lib/errno.h"

#define CLOCK_REALTIME 0
#define CLOCK_MONOTONIC 1
#define CLOCK_BOOTTIME 7
#define CLOCK_REALTIME_ALARM 8
#define CLOCK_BOOTTIME_ALARM 9
#define TFD_TIMER_ABSTIME 1
#define TFD_TIMER_CANCEL_ON_SET 2
#define TFD_CLOEXEC O_CLOEXEC
#define TFD_NONBLOCK O_NONBLOCK
#define NS_PER_SEC 1000000000ull

struct timerfd {
    bool realtime;               /* CLOCK_REALTIME(_ALARM); else monotonic (boot time is the same here) */
    struct interval_timer timer;
    struct file *file;
    struct readiness ready;
};

struct itimerspec_k { int64_t interval_sec, interval_nsec, value_sec, value_nsec; };

static uint64_t timer_now(const struct timerfd *t)
{
    return t->realtime ? clock_realtime_ns() : clock_monotonic_ns();
}

/* Counts expirations up to now.  The first one not read is news to epoll;
 * later ones are not until a read, as on Linux, whose interval timerfd
 * stops firing until it is read (the count catches up then). */
static void update(struct timerfd *t)
{
    uint64_t before = t->timer.ticks;
    uint64_t now = timer_now(t);
    interval_timer_advance(&t->timer, now);
    if (!before && t->timer.ticks) {
        readiness_notify(&t->ready, POLLIN | POLLRDNORM);
    } else if (!t->timer.ticks && t->timer.armed) {
        uint64_t mono = clock_monotonic_ns();
        readiness_recheck_by(t->realtime ? timeout_deadline_at(mono, now, t->timer.next)
                                         : t->timer.next);
    }
}

static bool expired(void *arg)
{
    struct timerfd *t = arg;
    update(t);
    return t->timer.ticks > 0;
}

static int64_t timerfd_read(struct vnode *vn, void *buf, uint64_t len, uint64_t off)
{
    (void)off;
    struct timerfd *t = vn->fs;
    if (len < sizeof(uint64_t))
        return -EINVAL;
    update(t);
    if (!t->timer.ticks) {
        if (t->file->flags & O_NONBLOCK)
            return -EAGAIN;
        if (readiness_wait(expired, t, TIMEOUT_FOREVER) == -EINTR)
            return -ERESTARTSYS;
    }
    uint64_t n = interval_timer_take(&t->timer);
    memcpy(buf, &n, sizeof(n));
    return sizeof(n);
}

static int timerfd_poll(struct vnode *vn, uint32_t flags)
{
    (void)flags;
    struct timerfd *t = vn->fs;
    update(t);
    return t->timer.ticks ? POLLIN : 0;
}

static struct readiness *timerfd_readiness(struct vnode *vn)
{
    return &((struct timerfd *)vn->fs)->ready;
}

static void timerfd_release(struct vnode *vn, uint32_t flags)
{
    (void)flags;
    kfree(vn->fs);
    anon_fd_free_vnode(vn);
}

static const struct vnode_ops timerfd_ops = {
    .read = timerfd_read,
    .poll = timerfd_poll,
    .readiness = timerfd_readiness,
    .release = timerfd_release,
    .not_seekable = true,
};

int64_t sys_timerfd_create(SYSCALL_ARGS)
{
    UNUSED_ARGS;
    if (a1 & ~(uint64_t)(TFD_CLOEXEC | TFD_NONBLOCK))
        return -EINVAL;
    if (a0 != CLOCK_REALTIME && a0 != CLOCK_MONOTONIC && a0 != CLOCK_BOOTTIME &&
        a0 != CLOCK_REALTIME_ALARM && a0 != CLOCK_BOOTTIME_ALARM)
        return -EINVAL;
    struct timerfd *t = kzalloc(sizeof(*t));
    if (!t)
        return -ENOMEM;
    t->realtime = a0 == CLOCK_REALTIME || a0 == CLOCK_REALTIME_ALARM;
    /* Expirations are found by looking: poll it on every look. */
    t->ready.polled = true;
    int fd = anon_fd_create(&timerfd_ops, t, "[timerfd]", O_RDWR | (uint32_t)(a1 & TFD_NONBLOCK),
                            a1 & TFD_CLOEXEC, &t->file);
    if (fd < 0)
        kfree(t);
    return fd;
}

/* The timerfd of fd: -EBADF, or -EINVAL for another kind of file. */
static int timerfd_of(uint64_t fd, struct timerfd **out)
{
    struct file *f = fd_get((int)fd);
    if (!f)
        return -EBADF;
    if (f->vn->ops != &timerfd_ops)
        return -EINVAL;
    *out = f->vn->fs;
    return 0;
}

static struct itimerspec_k current_setting(struct timerfd *t)
{
    update(t);
    uint64_t left = interval_timer_remaining(&t->timer, timer_now(t));
    uint64_t iv = t->timer.interval;
    return (struct itimerspec_k){ (int64_t)(iv / NS_PER_SEC), (int64_t)(iv % NS_PER_SEC),
                                  (int64_t)(left / NS_PER_SEC), (int64_t)(left % NS_PER_SEC) };
}

int64_t sys_timerfd_settime(SYSCALL_ARGS)
{
    UNUSED_ARGS;
    struct itimerspec_k new;
    if (copy_from_user(&new, a2, sizeof(new)))
        return -EFAULT;
    uint64_t value, interval;
    if ((a1 & ~(uint64_t)(TFD_TIMER_ABSTIME | TFD_TIMER_CANCEL_ON_SET)) ||
        timeout_ns(new.value_sec, new.value_nsec, &value) ||
        timeout_ns(new.interval_sec, new.interval_nsec, &interval))
        return -EINVAL;
    struct timerfd *t;
    int err = timerfd_of(a0, &t);
    if (err)
        return err;
    struct itimerspec_k old = current_setting(t);
    uint64_t at = value;
    if (value && !(a1 & TFD_TIMER_ABSTIME))
        at = timeout_deadline_after(timer_now(t), value);
    interval_timer_set(&t->timer, at, interval);
    readiness_notify(&t->ready, 0);
    if (a3 && copy_to_user(a3, &old, sizeof(old)))
        return -EFAULT;
    return 0;
}

int64_t sys_timerfd_gettime(SYSCALL_ARGS)
{
    UNUSED_ARGS;
    struct timerfd *t;
    int err = timerfd_of(a0, &t);
    if (err)
        return err;
    struct itimerspec_k cur = current_setting(t);
    return copy_to_user(a1, &cur, sizeof(cur)) ? -EFAULT : 0;
}
