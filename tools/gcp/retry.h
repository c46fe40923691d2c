/* When and how long to wait before sending a request again: Google's
 * advice (exponential backoff with jitter on 408, 429 and 5xx, and on no
 * answer at all), with a clock that tests replace. */
#ifndef CLOAK_TOOLS_GCP_RETRY_H
#define CLOAK_TOOLS_GCP_RETRY_H

#include <stdbool.h>

struct retry_clock {
    void (*sleep_ms)(void *ctx, unsigned long ms);
    unsigned (*random)(void *ctx);
    void *ctx;
};

struct retry_policy {
    unsigned max_attempts;      /* sends in all, the first included */
    unsigned long base_ms;      /* the first wait (then doubled) */
    unsigned long max_ms;       /* no single wait is longer */
    const struct retry_clock *clock;
};

/* One send: returns its HTTP status (0: no answer), and *retry_after_s
 * the server's Retry-After in seconds, or -1. */
typedef long (*retry_attempt_fn)(void *ctx, long *retry_after_s);
/* Told before each wait: the status that failed, the wait, the attempt
 * that comes next (2..max). */
typedef void (*retry_note_fn)(void *ctx, long status, unsigned long wait_ms, unsigned next,
                              unsigned max);

/* The real clock (nanosleep, random()); base 1 s, max 32 s, 6 attempts;
 * CLOAK_GCP_RETRY_MS sets the base (tests). */
void retry_policy_default(struct retry_policy *p);
/* 0 (no answer), 408, 429, 500, 502, 503, 504. */
bool retry_status_transient(long status);
/* The wait before retry number n (1 = the first retry): Retry-After if the
 * server gave one (capped at max_ms), else base * 2^(n-1) capped at max_ms,
 * of which a random part (rnd) of up to half is taken off (jitter). */
unsigned long retry_delay_ms(const struct retry_policy *p, unsigned n, long retry_after_s,
                             unsigned rnd);
/* Calls attempt until its status is not transient or max_attempts sends
 * were made; returns the last status and *attempts the sends made. */
long retry_run(const struct retry_policy *p, retry_attempt_fn attempt, retry_note_fn note,
               void *ctx, unsigned *attempts);

#endif
