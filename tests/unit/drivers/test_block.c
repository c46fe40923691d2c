/* drivers/block.c's retry policy, driven by a fake driver that times out
 * (-ETIMEDOUT) as often as the test says: waits double from the first one,
 * every timeout is followed by a reset and the whole call again, the
 * device is given up (EIO, then EIO at once) after BLOCK_GIVE_UP_FACTOR
 * first waits, a reset that fails or a missing reset hook is final, a
 * device reset behind the caller's back (-EAGAIN) is restarted once, and
 * a call from inside a call is refused. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>

#include "drivers/block.h"
#include "lib/errno.h"
#include "shim.h"

#define MAX_CALLS 32

struct fake {
    struct block_device bd;
    int answers[MAX_CALLS];         /* what call i returns (0 past the end) */
    unsigned nanswers, calls, resets;
    uint64_t waits_ms[MAX_CALLS];   /* dev->timeout_ns seen by call i */
    int reset_result;
    bool reenter;                   /* call block_read on itself from inside */
    int inner;
};

static int fake_answer(struct block_device *dev)
{
    struct fake *f = dev->driver;
    unsigned i = f->calls++;
    if (i < MAX_CALLS)
        f->waits_ms[i] = dev->timeout_ns / 1000000;
    if (f->reenter) {
        char b[512];
        f->inner = block_read(dev, 0, 1, b);
    }
    return i < f->nanswers ? f->answers[i] : 0;
}

static int fake_read(struct block_device *dev, uint64_t lba, uint32_t count, void *buf)
{
    (void)lba; (void)count; (void)buf;
    return fake_answer(dev);
}

static int fake_write(struct block_device *dev, uint64_t lba, uint32_t count, const void *buf)
{
    (void)lba; (void)count; (void)buf;
    return fake_answer(dev);
}

static int fake_flush(struct block_device *dev)
{
    return fake_answer(dev);
}

static int fake_reset(struct block_device *dev)
{
    struct fake *f = dev->driver;
    f->resets++;
    return f->reset_result;
}

static void fake_init(struct fake *f, unsigned n, int answer)
{
    memset(f, 0, sizeof(*f));
    strcpy(f->bd.name, "vdz");
    f->bd.sectors = 100;
    f->bd.sector_size = 512;
    f->bd.read = fake_read;
    f->bd.write = fake_write;
    f->bd.flush = fake_flush;
    f->bd.reset = fake_reset;
    f->bd.driver = f;
    f->nanswers = n;
    for (unsigned i = 0; i < n; i++)
        f->answers[i] = answer;
    block_set_timeout_ms(1000);
}

static void test_slow_then_fine(void **state)
{
    (void)state;
    struct fake f;
    char buf[512];
    fake_init(&f, 3, -ETIMEDOUT);
    assert_int_equal(block_read(&f.bd, 5, 1, buf), 0);
    assert_int_equal(f.calls, 4);
    assert_int_equal(f.resets, 3);
    assert_int_equal(f.waits_ms[0], 1000);
    assert_true(block_first_wait_ns() == 1000000000ull);
    assert_int_equal(f.waits_ms[1], 2000);
    assert_int_equal(f.waits_ms[2], 4000);
    assert_int_equal(f.waits_ms[3], 3000);         /* what is left of 10 s */
    assert_false(f.bd.dead);
    assert_non_null(strstr(shim_klog_last, "done after 3 reset(s)"));
    /* The next call starts from the first wait again. */
    assert_int_equal(block_write(&f.bd, 5, 1, buf), 0);
    assert_int_equal(f.waits_ms[4], 1000);
}

static void test_gives_up(void **state)
{
    (void)state;
    struct fake f;
    char buf[512];
    fake_init(&f, MAX_CALLS, -ETIMEDOUT);
    assert_int_equal(block_write(&f.bd, 7, 1, buf), -EIO);
    assert_int_equal(f.calls, 4);                  /* 1 + 2 + 4 + 3 s = 10 first waits */
    assert_int_equal(f.resets, 3);
    assert_true(f.bd.dead);
    assert_non_null(strstr(shim_klog_last, "vdz"));
    assert_non_null(strstr(shim_klog_last, "stopped answering"));
    /* Dead: EIO at once, the driver is not called. */
    assert_int_equal(block_read(&f.bd, 7, 1, buf), -EIO);
    assert_int_equal(block_flush(&f.bd), -EIO);
    assert_int_equal(f.calls, 4);
}

static void test_default_is_generous(void **state)
{
    (void)state;
    struct fake f;
    fake_init(&f, 1, -ETIMEDOUT);
    block_set_timeout_ms(0);                       /* back to the default */
    assert_int_equal(block_flush(&f.bd), 0);
    assert_int_equal(f.waits_ms[0], BLOCK_ATTEMPT_TIMEOUT_MS);
    assert_true(f.waits_ms[0] >= 30000);
    assert_int_equal(f.waits_ms[1], 2 * BLOCK_ATTEMPT_TIMEOUT_MS);
}

static void test_no_reset_or_failed_reset(void **state)
{
    (void)state;
    struct fake f;
    char buf[512];
    fake_init(&f, 1, -ETIMEDOUT);
    f.bd.reset = 0;
    assert_int_equal(block_read(&f.bd, 0, 1, buf), -EIO);
    assert_int_equal(f.calls, 1);
    assert_true(f.bd.dead);

    fake_init(&f, 1, -ETIMEDOUT);
    f.reset_result = -EIO;
    assert_int_equal(block_read(&f.bd, 0, 1, buf), -EIO);
    assert_int_equal(f.calls, 1);
    assert_int_equal(f.resets, 1);
    assert_true(f.bd.dead);
    assert_non_null(strstr(shim_klog_last, "does not restart"));
}

static void test_other_errors_pass_through(void **state)
{
    (void)state;
    struct fake f;
    char buf[512];
    fake_init(&f, 1, -EIO);
    assert_int_equal(block_read(&f.bd, 0, 1, buf), -EIO);
    assert_int_equal(f.resets, 0);
    assert_false(f.bd.dead);                       /* the device answered: an error, not a silence */
    assert_int_equal(block_read(&f.bd, 0, 1, buf), 0);
    assert_int_equal(block_read(&f.bd, 100, 1, buf), -EINVAL);
    assert_int_equal(f.calls, 2);
}

static void test_stale_reset(void **state)
{
    (void)state;
    struct fake f;
    char buf[512];
    fake_init(&f, 1, -EAGAIN);
    assert_int_equal(block_write(&f.bd, 0, 1, buf), 0);
    assert_int_equal(f.resets, 1);
    assert_int_equal(f.calls, 2);
    fake_init(&f, 2, -EAGAIN);                     /* restarted, and still not usable */
    assert_int_equal(block_write(&f.bd, 0, 1, buf), -EIO);
    assert_int_equal(f.resets, 1);
}

/* A driver that gives the device up itself (staged writes) ends the call. */
static int dying_read(struct block_device *dev, uint64_t lba, uint32_t count, void *buf)
{
    (void)lba; (void)count; (void)buf;
    struct fake *f = dev->driver;
    f->calls++;
    dev->dead = true;
    return -EAGAIN;
}

static void test_driver_gave_up(void **state)
{
    (void)state;
    struct fake f;
    char buf[512];
    fake_init(&f, 0, 0);
    f.bd.read = dying_read;
    assert_int_equal(block_read(&f.bd, 0, 1, buf), -EIO);
    assert_int_equal(f.calls, 1);
    assert_int_equal(f.resets, 1);
    assert_int_equal(block_read(&f.bd, 0, 1, buf), -EIO);
    assert_int_equal(f.calls, 1);
}

static void test_reentry_refused(void **state)
{
    (void)state;
    struct fake f;
    char buf[512];
    fake_init(&f, 0, 0);
    f.reenter = true;
    assert_int_equal(block_read(&f.bd, 0, 1, buf), 0);
    assert_int_equal(f.inner, -EBUSY);
    assert_int_equal(f.calls, 1);
    f.reenter = false;
    assert_int_equal(block_read(&f.bd, 0, 1, buf), 0);   /* not left busy */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_slow_then_fine),
        cmocka_unit_test(test_gives_up),
        cmocka_unit_test(test_default_is_generous),
        cmocka_unit_test(test_no_reset_or_failed_reset),
        cmocka_unit_test(test_other_errors_pass_through),
        cmocka_unit_test(test_stale_reset),
        cmocka_unit_test(test_driver_gave_up),
        cmocka_unit_test(test_reentry_refused),
    };
    return cmocka_run_group_tests_name("block", tests, NULL, NULL);
}
