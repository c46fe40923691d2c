/* Timer expirations by arithmetic (unix/interval_timer.h).  A periodic
 * timer that fell far behind counts every missed period at once, as
 * Linux's hrtimer_forward does, and keeps its phase. */
#include "unix/interval_timer.h"

void interval_timer_set(struct interval_timer *t, uint64_t at, uint64_t interval)
{
    t->ticks = 0;
    t->armed = at != 0;
    t->next = at;
    t->interval = at ? interval : 0;
}

void interval_timer_advance(struct interval_timer *t, uint64_t now)
{
    if (!t->armed || now < t->next)
        return;
    if (!t->interval) {
        t->ticks++;
        t->armed = false;
        return;
    }
    uint64_t periods = (now - t->next) / t->interval + 1;
    t->ticks += periods;
    /* A next expiry past the clock's end: the timer never fires again. */
    if (periods > (UINT64_MAX - t->next) / t->interval)
        t->armed = false;
    else
        t->next += periods * t->interval;
}

uint64_t interval_timer_remaining(struct interval_timer *t, uint64_t now)
{
    interval_timer_advance(t, now);
    return t->armed ? t->next - now : 0;
}

uint64_t interval_timer_take(struct interval_timer *t)
{
    uint64_t n = t->ticks;
    t->ticks = 0;
    return n;
}
