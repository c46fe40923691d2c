/* A timer's expirations counted from a clock reading, with no interrupt:
 * the arithmetic of timerfd (and of any timer read on demand).  Times are
 * nanoseconds on the timer's own clock. */
#ifndef UNIX_INTERVAL_TIMER_H
#define UNIX_INTERVAL_TIMER_H
#include <stdint.h>
#include <stdbool.h>

struct interval_timer {
    bool armed;
    uint64_t next;        /* the next expiry */
    uint64_t interval;    /* 0: one-shot */
    uint64_t ticks;       /* expirations not yet read */
};

/* Arms it to expire at `at` (then every interval ns), or disarms it when
 * at is 0; expirations not read are dropped, as timerfd_settime does. */
void interval_timer_set(struct interval_timer *t, uint64_t at, uint64_t interval);
/* Counts the expirations up to now into t->ticks (a one-shot timer that
 * expired is disarmed; a periodic one moves to its next expiry). */
void interval_timer_advance(struct interval_timer *t, uint64_t now);
/* The time left until the next expiry after advancing to now (0 when
 * disarmed), and the interval: what timerfd_gettime reports. */
uint64_t interval_timer_remaining(struct interval_timer *t, uint64_t now);
/* The expirations counted so far, then none. */
uint64_t interval_timer_take(struct interval_timer *t);

#endif
