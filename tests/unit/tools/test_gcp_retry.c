/* The retry policy (tools/gcp/retry.c) on a fake clock: which statuses are
 * sent again, the waits (doubling, capped, jittered, Retry-After), and
 * giving up after max_attempts. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "../../../tools/gcp/retry.h"

struct fake {
    unsigned long slept[16];
    unsigned nslept;
    unsigned rnd;                 /* what random() gives */
    const long *statuses;         /* one per attempt */
    const long *after;            /* Retry-After per attempt, -1 none */
    unsigned calls;
};

static void fake_sleep(void *ctx, unsigned long ms)
{
    struct fake *f = ctx;
    f->slept[f->nslept++] = ms;
}

static unsigned fake_random(void *ctx)
{
    return ((struct fake *)ctx)->rnd;
}

static long fake_attempt(void *ctx, long *after)
{
    struct fake *f = ctx;
    *after = f->after ? f->after[f->calls] : -1;
    return f->statuses[f->calls++];
}

static struct retry_policy policy(struct retry_clock *c, struct fake *f)
{
    *c = (struct retry_clock){fake_sleep, fake_random, f};
    return (struct retry_policy){.max_attempts = 6, .base_ms = 1000, .max_ms = 32000, .clock = c};
}

static void test_transient(void **state)
{
    (void)state;
    const long yes[] = {0, 408, 429, 500, 502, 503, 504};
    const long no[] = {200, 201, 204, 308, 400, 401, 403, 404, 409, 412, 501};
    for (size_t i = 0; i < sizeof yes / sizeof *yes; i++)
        assert_true(retry_status_transient(yes[i]));
    for (size_t i = 0; i < sizeof no / sizeof *no; i++)
        assert_false(retry_status_transient(no[i]));
}

static void test_delays(void **state)
{
    (void)state;
    struct retry_clock c;
    struct fake f = {0};
    struct retry_policy p = policy(&c, &f);
    /* no jitter (rnd 0): 1, 2, 4, 8, 16, 32, 32 s */
    const unsigned long want[] = {1000, 2000, 4000, 8000, 16000, 32000, 32000};
    for (unsigned n = 1; n <= 7; n++)
        assert_int_equal(retry_delay_ms(&p, n, -1, 0), want[n - 1]);
    /* full jitter takes off half at most */
    assert_int_equal(retry_delay_ms(&p, 3, -1, 1000), 2000);
    assert_int_equal(retry_delay_ms(&p, 3, -1, 500), 3000);
    /* Retry-After wins, capped */
    assert_int_equal(retry_delay_ms(&p, 1, 7, 999), 7000);
    assert_int_equal(retry_delay_ms(&p, 1, 0, 999), 0);
    assert_int_equal(retry_delay_ms(&p, 1, 3600, 0), 32000);
}

static void test_429_then_success(void **state)
{
    (void)state;
    struct retry_clock c;
    const long st[] = {429, 503, 200};
    struct fake f = {.statuses = st};
    struct retry_policy p = policy(&c, &f);
    unsigned n;
    assert_int_equal(retry_run(&p, fake_attempt, NULL, &f, &n), 200);
    assert_int_equal(n, 3);
    assert_int_equal(f.nslept, 2);
    assert_int_equal(f.slept[0], 1000);
    assert_int_equal(f.slept[1], 2000);
}

static void test_gives_up(void **state)
{
    (void)state;
    struct retry_clock c;
    const long st[] = {503, 503, 503, 503, 503, 503, 200};
    struct fake f = {.statuses = st};
    struct retry_policy p = policy(&c, &f);
    unsigned n;
    assert_int_equal(retry_run(&p, fake_attempt, NULL, &f, &n), 503);
    assert_int_equal(n, 6);
    assert_int_equal(f.nslept, 5); /* no wait after the last */
    unsigned long total = 0;
    for (unsigned i = 0; i < f.nslept; i++)
        total += f.slept[i];
    assert_int_equal(total, 1000 + 2000 + 4000 + 8000 + 16000);
}

static void test_no_retry_on_client_errors(void **state)
{
    (void)state;
    struct retry_clock c;
    const long st[] = {403, 200};
    struct fake f = {.statuses = st};
    struct retry_policy p = policy(&c, &f);
    unsigned n;
    assert_int_equal(retry_run(&p, fake_attempt, NULL, &f, &n), 403);
    assert_int_equal(n, 1);
    assert_int_equal(f.nslept, 0);
}

static void test_retry_after_used(void **state)
{
    (void)state;
    struct retry_clock c;
    const long st[] = {429, 200}, after[] = {5, -1};
    struct fake f = {.statuses = st, .after = after, .rnd = 700};
    struct retry_policy p = policy(&c, &f);
    assert_int_equal(retry_run(&p, fake_attempt, NULL, &f, NULL), 200);
    assert_int_equal(f.slept[0], 5000);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_transient),
        cmocka_unit_test(test_delays),
        cmocka_unit_test(test_429_then_success),
        cmocka_unit_test(test_gives_up),
        cmocka_unit_test(test_no_retry_on_client_errors),
        cmocka_unit_test(test_retry_after_used),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
