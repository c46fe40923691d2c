/* The retry policy (retry.h): exponential backoff with jitter. */
#define _GNU_SOURCE
#include "retry.h"

#include <stdlib.h>
#include <time.h>

static void real_sleep(void *ctx, unsigned long ms)
{
    (void)ctx;
    struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0)
        ;
}

static unsigned real_random(void *ctx)
{
    (void)ctx;
    return (unsigned)random();
}

static const struct retry_clock real_clock = {real_sleep, real_random, NULL};

void retry_policy_default(struct retry_policy *p)
{
    const char *base = getenv("CLOAK_GCP_RETRY_MS");

    p->max_attempts = 6;
    p->base_ms = 1000;
    p->max_ms = 32000;
    p->clock = &real_clock;
    if (base && *base)
        p->base_ms = strtoul(base, NULL, 10);
    srandom((unsigned)time(NULL));
}

bool retry_status_transient(long status)
{
    return status == 0 || status == 408 || status == 429 || status == 500 || status == 502 ||
           status == 503 || status == 504;
}

unsigned long retry_delay_ms(const struct retry_policy *p, unsigned n, long retry_after_s,
                             unsigned rnd)
{
    unsigned long d;

    if (retry_after_s >= 0) {
        d = (unsigned long)retry_after_s * 1000;
        return d > p->max_ms ? p->max_ms : d;
    }
    d = p->base_ms;
    for (unsigned i = 1; i < n && d < p->max_ms; i++)
        d *= 2;
    if (d > p->max_ms)
        d = p->max_ms;
    /* jitter: take off up to half, so that clients told to wait together
     * do not come back together */
    return d - (d / 2) * (rnd % 1001) / 1000;
}

long retry_run(const struct retry_policy *p, retry_attempt_fn attempt, retry_note_fn note,
               void *ctx, unsigned *attempts)
{
    long status = 0, after;
    unsigned n = 0;

    for (;;) {
        after = -1;
        status = attempt(ctx, &after);
        n++;
        if (!retry_status_transient(status) || n >= p->max_attempts)
            break;
        unsigned long wait = retry_delay_ms(p, n, after, p->clock->random(p->clock->ctx));
        if (note)
            note(ctx, status, wait, n + 1, p->max_attempts);
        p->clock->sleep_ms(p->clock->ctx, wait);
    }
    if (attempts)
        *attempts = n;
    return status;
}
