/* An epoll instance's bookkeeping, without descriptors or user memory (so
 * the host tests can drive it): its items, its ready list, and what one
 * epoll_wait reports.
 *
 * As Linux's eventpoll: an item watches its file's readiness; a notify
 * whose events meet the item's interest puts it on the ready list (once).
 * Harvesting polls each listed item: a ready one is reported; a
 * level-triggered item goes back on the list (so it is looked at again),
 * an edge-triggered one waits for the next notify, and an EPOLLONESHOT one
 * is disabled until EPOLL_CTL_MOD re-arms it. */
#ifndef UNIX_EPOLL_SET_H
#define UNIX_EPOLL_SET_H
#include <stdint.h>
#include <stdbool.h>
#include "unix/readiness.h"

#define EPOLLIN 0x001
#define EPOLLPRI 0x002
#define EPOLLOUT 0x004
#define EPOLLERR 0x008
#define EPOLLHUP 0x010
#define EPOLLRDNORM 0x040
#define EPOLLRDBAND 0x080
#define EPOLLWRNORM 0x100
#define EPOLLWRBAND 0x200
#define EPOLLMSG 0x400
#define EPOLLRDHUP 0x2000
#define EPOLLEXCLUSIVE (1u << 28)
#define EPOLLWAKEUP (1u << 29)
#define EPOLLONESHOT (1u << 30)
#define EPOLLET (1u << 31)
/* Bits that say how to report, not what. */
#define EP_PRIVATE_BITS (EPOLLWAKEUP | EPOLLONESHOT | EPOLLET | EPOLLEXCLUSIVE)

struct file;
struct epoll_set;

struct epoll_item {
    struct readiness_watch watch;     /* first: the notify callback finds the item */
    struct epoll_set *set;
    struct file *file;                /* not counted: closing it removes the item */
    int fd;
    uint32_t events;                  /* interest (EPOLLERR|EPOLLHUP added) and EP_PRIVATE_BITS */
    uint64_t data;                    /* returned as given */
    struct readiness *source;         /* the file's readiness, NULL: never notifies */
    bool queued;                      /* on the ready list */
    struct epoll_item *next;          /* all items of the set */
    struct epoll_item *ready_next;
};

/* struct epoll_event of x86-64: packed, 12 bytes. */
struct epoll_event_k {
    uint32_t events;
    uint64_t data;
} __attribute__((packed));

/* The readiness of an item's file now (before masking with its interest). */
typedef uint32_t (*epoll_poll_fn)(struct epoll_item *it);

struct epoll_set {
    struct epoll_item *items;
    struct epoll_item *ready_head, *ready_tail;
    unsigned nitems;
    struct readiness ready;           /* the epoll file's own: readable with events */
    epoll_poll_fn poll;
};

void epoll_set_init(struct epoll_set *s, epoll_poll_fn poll);
struct epoll_item *epoll_set_find(struct epoll_set *s, const struct file *f, int fd);
/* Adds (or, for an item of the set, modifies) it: events as given by the
 * program; EPOLLERR and EPOLLHUP are always added.  The item is polled at
 * once and listed if ready, as Linux's ep_insert/ep_modify. */
void epoll_set_insert(struct epoll_set *s, struct epoll_item *it, struct file *f, int fd,
                      struct readiness *source, uint32_t events, uint64_t data);
void epoll_set_modify(struct epoll_set *s, struct epoll_item *it, uint32_t events, uint64_t data);
/* Unlinks it (the caller frees it). */
void epoll_set_remove(struct epoll_set *s, struct epoll_item *it);
/* Polls the items whose sources cannot notify (their poll methods notify
 * what they find, or the item is listed as if notified). */
void epoll_set_poll_sources(struct epoll_set *s);
/* Up to max events into out, in ready-list order: the count. */
int epoll_set_harvest(struct epoll_set *s, struct epoll_event_k *out, int max);
/* Whether an epoll_wait would report something now (items found not ready
 * leave the list): the epoll file's own poll. */
bool epoll_set_has_events(struct epoll_set *s);

#endif
