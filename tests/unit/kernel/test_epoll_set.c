/* unix/epoll_set.c with unix/readiness.c's notify: the ready list of an
 * epoll instance.  Files are stand-ins: an item's readiness is a mask the
 * test sets (masks[fd]), and each file has its own struct readiness on
 * which the test notifies, as a pipe or an eventfd would. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>

#include "unix/epoll_set.h"

#define NFILES 4

static uint32_t masks[NFILES];
static struct readiness sources[NFILES];
static struct epoll_item items[NFILES];
static unsigned polls;

static uint32_t fake_poll(struct epoll_item *it)
{
    polls++;
    return masks[it->fd];
}

/* Counts notifies of the epoll's own readiness (what wakes a waiter). */
static unsigned set_notifies;
static void count_set(struct readiness_watch *w, uint32_t events)
{
    (void)w;
    (void)events;
    set_notifies++;
}
static struct readiness_watch set_watch = { .changed = count_set };

static struct epoll_set set;

static int setup(void **state)
{
    (void)state;
    memset(masks, 0, sizeof(masks));
    memset(sources, 0, sizeof(sources));
    memset(items, 0, sizeof(items));
    polls = set_notifies = 0;
    epoll_set_init(&set, fake_poll);
    readiness_watch(&set.ready, &set_watch);
    return 0;
}

static void add(int fd, uint32_t events)
{
    epoll_set_insert(&set, &items[fd], (struct file *)&masks[fd], fd, &sources[fd], events, 100 + (uint64_t)fd);
}

/* Harvests up to max events; returns the count and writes the fds
 * reported (data - 100) into fds. */
static int harvest(int max, int *fds, uint32_t *events)
{
    struct epoll_event_k out[NFILES];
    int n = epoll_set_harvest(&set, out, max);
    for (int i = 0; i < n; i++) {
        fds[i] = (int)(out[i].data - 100);
        if (events)
            events[i] = out[i].events;
    }
    return n;
}

static void test_level_triggered_reports_while_ready(void **state)
{
    (void)state;
    int fds[NFILES];
    add(0, EPOLLIN);
    assert_int_equal(harvest(4, fds, 0), 0);
    masks[0] = POLLIN;
    readiness_notify(&sources[0], POLLIN);
    assert_int_equal(set_notifies, 1);
    for (int round = 0; round < 3; round++) {
        assert_int_equal(harvest(4, fds, 0), 1);
        assert_int_equal(fds[0], 0);
    }
    masks[0] = 0;                              /* drained: no report, off the list */
    assert_int_equal(harvest(4, fds, 0), 0);
    assert_null(set.ready_head);
}

static void test_edge_triggered_reports_once_per_notify(void **state)
{
    (void)state;
    int fds[NFILES];
    add(1, EPOLLIN | EPOLLET);
    masks[1] = POLLIN;
    readiness_notify(&sources[1], POLLIN);
    assert_int_equal(harvest(4, fds, 0), 1);
    assert_int_equal(harvest(4, fds, 0), 0);   /* still readable, but no news */
    readiness_notify(&sources[1], POLLOUT);    /* a read: not news for IN */
    assert_int_equal(harvest(4, fds, 0), 0);
    readiness_notify(&sources[1], POLLIN);     /* more data */
    assert_int_equal(harvest(4, fds, 0), 1);
    assert_int_equal(harvest(4, fds, 0), 0);
    readiness_notify(&sources[1], 0);          /* "anything may have changed" */
    assert_int_equal(harvest(4, fds, 0), 1);
}

static void test_oneshot_disabled_until_modify(void **state)
{
    (void)state;
    int fds[NFILES];
    masks[2] = POLLIN;
    add(2, EPOLLIN | EPOLLONESHOT);            /* ready at ADD: listed at once */
    assert_int_equal(harvest(4, fds, 0), 1);
    readiness_notify(&sources[2], POLLIN);
    assert_int_equal(harvest(4, fds, 0), 0);
    assert_false(items[2].queued);
    epoll_set_modify(&set, &items[2], EPOLLIN | EPOLLONESHOT, 7);
    struct epoll_event_k out[1];
    assert_int_equal(epoll_set_harvest(&set, out, 1), 1);
    assert_int_equal(out[0].data, 7);
    assert_int_equal(epoll_set_harvest(&set, out, 1), 0);
}

static void test_maxevents_rotates_level_triggered(void **state)
{
    (void)state;
    int fds[NFILES];
    masks[0] = masks[1] = masks[2] = POLLIN;
    add(0, EPOLLIN);
    add(1, EPOLLIN);
    add(2, EPOLLIN);
    int order[6];
    for (int i = 0; i < 6; i++) {
        assert_int_equal(harvest(1, fds, 0), 1);
        order[i] = fds[0];
    }
    /* Each in turn, as Linux's ready list: reported items go to the back,
     * those left for lack of room stay in front. */
    assert_int_equal(order[0], 0);
    assert_int_equal(order[1], 1);
    assert_int_equal(order[2], 2);
    assert_int_equal(order[3], 0);
    assert_int_equal(order[4], 1);
    assert_int_equal(order[5], 2);
}

static void test_hangup_and_error_always_reported(void **state)
{
    (void)state;
    int fds[NFILES];
    uint32_t ev[NFILES];
    add(3, EPOLLIN);
    masks[3] = POLLHUP | POLLOUT;              /* OUT not asked for */
    readiness_notify(&sources[3], 0);
    assert_int_equal(harvest(4, fds, ev), 1);
    assert_int_equal(ev[0], EPOLLHUP);
    add(0, EPOLLOUT | EPOLLET);
    masks[0] = POLLOUT | POLLERR;
    readiness_notify(&sources[0], POLLERR);    /* not OUT, but ERR is always asked */
    int n = harvest(4, fds, ev);
    assert_int_equal(n, 2);
    assert_int_equal(fds[1], 0);
    assert_int_equal(ev[1], EPOLLOUT | EPOLLERR);
}

static void test_remove_while_listed(void **state)
{
    (void)state;
    int fds[NFILES];
    masks[0] = masks[1] = masks[2] = POLLIN;
    add(0, EPOLLIN);
    add(1, EPOLLIN);
    add(2, EPOLLIN);
    epoll_set_remove(&set, &items[1]);
    assert_null(sources[1].watches);           /* its watch is gone from the source */
    readiness_notify(&sources[1], POLLIN);     /* and a notify reaches nothing */
    assert_int_equal(harvest(4, fds, 0), 2);
    assert_int_equal(fds[0], 0);
    assert_int_equal(fds[1], 2);
    epoll_set_remove(&set, &items[2]);         /* the tail of the list */
    epoll_set_remove(&set, &items[0]);
    assert_null(set.ready_head);
    assert_null(set.ready_tail);
    assert_int_equal(set.nitems, 0);
    assert_null(set.items);
}

static void test_has_events_drops_stale_items(void **state)
{
    (void)state;
    masks[0] = POLLIN;
    add(0, EPOLLIN);
    assert_true(epoll_set_has_events(&set));
    assert_true(items[0].queued);              /* looking does not consume */
    masks[0] = 0;
    assert_false(epoll_set_has_events(&set));
    assert_false(items[0].queued);
}

static void test_items_without_source_are_polled(void **state)
{
    (void)state;
    int fds[NFILES];
    epoll_set_insert(&set, &items[0], (struct file *)&masks[0], 0, 0, EPOLLIN | EPOLLET, 100);
    assert_int_equal(harvest(4, fds, 0), 0);
    masks[0] = POLLIN;                         /* nobody notifies: found by looking */
    epoll_set_poll_sources(&set);
    assert_int_equal(harvest(4, fds, 0), 1);
    /* A polled source's poll notifies itself; its item is looked at. */
    sources[1].polled = true;
    add(1, EPOLLIN);
    unsigned before = polls;
    epoll_set_poll_sources(&set);
    assert_true(polls > before);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_level_triggered_reports_while_ready, setup),
        cmocka_unit_test_setup(test_edge_triggered_reports_once_per_notify, setup),
        cmocka_unit_test_setup(test_oneshot_disabled_until_modify, setup),
        cmocka_unit_test_setup(test_maxevents_rotates_level_triggered, setup),
        cmocka_unit_test_setup(test_hangup_and_error_always_reported, setup),
        cmocka_unit_test_setup(test_remove_while_listed, setup),
        cmocka_unit_test_setup(test_has_events_drops_stale_items, setup),
        cmocka_unit_test_setup(test_items_without_source_are_polled, setup),
    };
    return cmocka_run_group_tests(tests, 0, 0);
}
