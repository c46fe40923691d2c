/* An epoll instance's items and ready list (unix/epoll_set.h). */
#include "unix/epoll_set.h"

void epoll_set_init(struct epoll_set *s, epoll_poll_fn poll)
{
    *s = (struct epoll_set){ .poll = poll };
    /* What is ready inside may have been found by polling (a console, a
     * timer): whoever watches this set looks at it on every look. */
    s->ready.polled = true;
}

static bool disabled(const struct epoll_item *it)
{
    return (it->events & ~EP_PRIVATE_BITS) == 0;   /* a EPOLLONESHOT that fired */
}

static void enqueue_tail(struct epoll_set *s, struct epoll_item *it)
{
    if (it->queued)
        return;
    it->queued = true;
    it->ready_next = 0;
    if (s->ready_tail)
        s->ready_tail->ready_next = it;
    else
        s->ready_head = it;
    s->ready_tail = it;
}

/* A notify from the item's source, as Linux's ep_poll_callback: events
 * outside the interest (a read on a pipe, for its read end) are not news. */
static void item_changed(struct readiness_watch *w, uint32_t events)
{
    struct epoll_item *it = (struct epoll_item *)w;
    if (disabled(it))
        return;
    if (events && !(events & it->events))
        return;
    enqueue_tail(it->set, it);
    /* Every event is news to whoever watches the epoll file itself (a
     * waiter, an outer epoll: edge-triggered ones report each), as Linux. */
    readiness_notify(&it->set->ready, POLLIN | POLLRDNORM);
}

static bool needs_polling(const struct epoll_item *it)
{
    return !it->source || it->source->polled;
}

/* Listed when ready now: what ADD and MOD do with a file ready already. */
static void check_now(struct epoll_set *s, struct epoll_item *it)
{
    if (s->poll(it) & it->events)
        item_changed(&it->watch, 0);
}

struct epoll_item *epoll_set_find(struct epoll_set *s, const struct file *f, int fd)
{
    for (struct epoll_item *it = s->items; it; it = it->next)
        if (it->file == f && it->fd == fd)
            return it;
    return 0;
}

void epoll_set_insert(struct epoll_set *s, struct epoll_item *it, struct file *f, int fd,
                      struct readiness *source, uint32_t events, uint64_t data)
{
    *it = (struct epoll_item){ .set = s, .file = f, .fd = fd, .source = source, .data = data };
    it->watch.changed = item_changed;
    it->events = events | EPOLLERR | EPOLLHUP;
    it->next = s->items;
    s->items = it;
    s->nitems++;
    if (source)
        readiness_watch(source, &it->watch);
    check_now(s, it);
}

void epoll_set_modify(struct epoll_set *s, struct epoll_item *it, uint32_t events, uint64_t data)
{
    it->events = events | EPOLLERR | EPOLLHUP;
    it->data = data;
    check_now(s, it);
}

static void unqueue(struct epoll_set *s, struct epoll_item *it)
{
    if (!it->queued)
        return;
    struct epoll_item *prev = 0;
    for (struct epoll_item *q = s->ready_head; q; prev = q, q = q->ready_next) {
        if (q != it)
            continue;
        if (prev)
            prev->ready_next = q->ready_next;
        else
            s->ready_head = q->ready_next;
        if (s->ready_tail == q)
            s->ready_tail = prev;
        break;
    }
    it->queued = false;
    it->ready_next = 0;
}

void epoll_set_remove(struct epoll_set *s, struct epoll_item *it)
{
    unqueue(s, it);
    if (it->source)
        readiness_unwatch(it->source, &it->watch);
    for (struct epoll_item **p = &s->items; *p; p = &(*p)->next) {
        if (*p == it) {
            *p = it->next;
            break;
        }
    }
    s->nitems--;
}

void epoll_set_poll_sources(struct epoll_set *s)
{
    for (struct epoll_item *it = s->items; it; it = it->next) {
        if (!needs_polling(it) || disabled(it))
            continue;
        if (it->source)
            s->poll(it);                /* notifies what it finds */
        else
            check_now(s, it);
    }
}

int epoll_set_harvest(struct epoll_set *s, struct epoll_event_k *out, int max)
{
    struct epoll_item *list = s->ready_head;
    s->ready_head = s->ready_tail = 0;
    int n = 0;
    while (list && n < max) {
        struct epoll_item *it = list;
        list = it->ready_next;
        it->queued = false;
        it->ready_next = 0;
        uint32_t revents = s->poll(it) & it->events;
        if (!revents)
            continue;
        out[n].events = revents;
        out[n].data = it->data;
        n++;
        if (it->events & EPOLLONESHOT)
            it->events &= EP_PRIVATE_BITS;
        else if (!(it->events & EPOLLET))
            enqueue_tail(s, it);        /* level-triggered: look again next time */
    }
    /* Items left for lack of room go first next time, as on Linux. */
    if (list) {
        struct epoll_item *last = list;
        while (last->ready_next)
            last = last->ready_next;
        last->ready_next = s->ready_head;
        if (!s->ready_head)
            s->ready_tail = last;
        s->ready_head = list;
    }
    return n;
}

bool epoll_set_has_events(struct epoll_set *s)
{
    epoll_set_poll_sources(s);
    while (s->ready_head) {
        struct epoll_item *it = s->ready_head;
        if (s->poll(it) & it->events)
            return true;
        unqueue(s, it);
    }
    return false;
}
