/* Readiness: what poll, select and epoll ask of a file, and how a file says
 * that its answer changed.
 *
 * Every pollable object (pipe, console, eventfd, timerfd, epoll, and later
 * sockets) has
 *   - a poll method (vnode_ops.poll): its POLL* mask now, and
 *   - a struct readiness (vnode_ops.readiness) on which it calls
 *     readiness_notify(r, events) whenever those events may have changed
 *     (data written, data read, an end closed, a timer expired).
 * Epoll items watch a readiness (a callback per notify, as Linux's wait
 * queue entries with ep_poll_callback); poll and select just look again.
 *
 * Every wait for readiness goes through readiness_wait().  Today it checks,
 * and sleeps until the deadline or the earliest time a source asked to be
 * looked at again (readiness_recheck_by: a timer's expiry, a device without
 * interrupts).  With a scheduler it sleeps on one wait queue that every
 * readiness_notify() wakes; see readiness.c. */
#ifndef UNIX_READINESS_H
#define UNIX_READINESS_H
#include <stdint.h>
#include <stdbool.h>

/* The poll bits (poll(2); epoll's EPOLL* have the same values). */
#define POLLIN 0x1
#define POLLPRI 0x2
#define POLLOUT 0x4
#define POLLERR 0x8
#define POLLHUP 0x10
#define POLLNVAL 0x20
#define POLLRDNORM 0x40
#define POLLRDBAND 0x80
#define POLLWRNORM 0x100
#define POLLWRBAND 0x200
#define POLLRDHUP 0x2000

struct readiness_watch;
/* Called by readiness_notify with the events that may have changed. */
typedef void (*readiness_changed_fn)(struct readiness_watch *w, uint32_t events);

struct readiness_watch {
    readiness_changed_fn changed;
    struct readiness_watch *next;
};

struct readiness {
    struct readiness_watch *watches;
    uint64_t notifies;          /* how many times it changed (diagnostics) */
    /* No event source tells this object's changes (a device read without
     * interrupts): its poll method notifies what it finds, so it must be
     * polled on every look. */
    bool polled;
};

/* events: the POLL* bits that may have changed (0: any).  Calls every
 * watch and wakes every readiness_wait. */
void readiness_notify(struct readiness *r, uint32_t events);
void readiness_watch(struct readiness *r, struct readiness_watch *w);
void readiness_unwatch(struct readiness *r, struct readiness_watch *w);

/* Waits until done(arg) is true (0), the monotonic clock reaches
 * deadline_ns (-ETIMEDOUT; TIMEOUT_FOREVER: never) or a signal interrupts
 * (-EINTR: the caller returns its ERESTART* code).  done is called first,
 * so a deadline already passed still gets one look. */
int readiness_wait(bool (*done)(void *arg), void *arg, uint64_t deadline_ns);
/* From a poll method during a wait: look again no later than mono_ns (the
 * expiry of a timer, the next look at a device without interrupts). */
void readiness_recheck_by(uint64_t mono_ns);

struct file;
/* The file's readiness mask (POLLRDNORM/POLLWRNORM added to POLLIN and
 * POLLOUT, as Linux reports them); a file without a poll method (a
 * regular file) is always readable and writable. */
uint32_t file_poll(struct file *f);
/* The file's readiness object, or NULL (it never notifies). */
struct readiness *file_readiness(struct file *f);
/* file_poll of descriptor fd, or -EBADF when it is not open. */
int64_t file_poll_fd(int fd);
/* Whether epoll may watch the file (Linux: it has a poll method). */
bool file_pollable(struct file *f);

#endif
