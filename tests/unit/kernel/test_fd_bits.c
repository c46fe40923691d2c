/* unix/fd_bits.c: select's bitmaps.  Descriptors are stand-ins with masks
 * the test sets (-EBADF: not open). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>

#include "unix/fd_bits.h"
#include "unix/readiness.h"
#include "lib/errno.h"

static int64_t masks[MAX_FDS];
static unsigned polled;

static int64_t fake_poll(int fd)
{
    polled++;
    return masks[fd];
}

static struct fd_bits in, out;

static int setup(void **state)
{
    (void)state;
    for (int i = 0; i < MAX_FDS; i++)
        masks[i] = -EBADF;
    memset(&in, 0, sizeof(in));
    memset(&out, 0xff, sizeof(out));           /* stale bits must be cleared */
    polled = 0;
    return 0;
}

static void set_bit(int s, int fd) { in.set[s][fd / 64] |= 1ull << (fd % 64); }
static bool bit(const struct fd_bits *b, int s, int fd) { return b->set[s][fd / 64] >> (fd % 64) & 1; }

static void test_bytes_are_whole_words(void **state)
{
    (void)state;
    assert_int_equal(fd_bits_bytes(0), 0);
    assert_int_equal(fd_bits_bytes(-1), 0);
    assert_int_equal(fd_bits_bytes(1), 8);
    assert_int_equal(fd_bits_bytes(64), 8);
    assert_int_equal(fd_bits_bytes(65), 16);
    assert_int_equal(fd_bits_bytes(MAX_FDS), MAX_FDS / 8);
}

static void test_counts_each_set(void **state)
{
    (void)state;
    masks[3] = POLLIN | POLLOUT;
    masks[4] = POLLOUT;
    masks[70] = POLLHUP;                       /* hang-up: readable */
    masks[71] = POLLERR;                       /* error: readable and writable */
    masks[72] = POLLPRI;
    set_bit(0, 3), set_bit(1, 3), set_bit(2, 3);
    set_bit(0, 4), set_bit(1, 4);
    set_bit(0, 70), set_bit(1, 70);
    set_bit(0, 71), set_bit(1, 71);
    set_bit(2, 72);
    assert_int_equal(fd_bits_check_open(&in, 73, fake_poll), 0);
    int n = fd_bits_select(&in, &out, 73, fake_poll);
    assert_int_equal(n, 2 + 1 + 1 + 2 + 1);
    assert_true(bit(&out, 0, 3) && bit(&out, 1, 3) && !bit(&out, 2, 3));
    assert_true(!bit(&out, 0, 4) && bit(&out, 1, 4));
    assert_true(bit(&out, 0, 70) && !bit(&out, 1, 70));
    assert_true(bit(&out, 0, 71) && bit(&out, 1, 71));
    assert_true(bit(&out, 2, 72));
    assert_false(bit(&out, 0, 0));             /* stale bits cleared */
    assert_false(bit(&out, 0, 500));
}

static void test_nfds_bounds_what_is_looked_at(void **state)
{
    (void)state;
    masks[5] = POLLIN;
    masks[64] = POLLIN;
    set_bit(0, 5);
    set_bit(0, 64);
    set_bit(0, 80);                            /* closed, but at or past nfds */
    assert_int_equal(fd_bits_check_open(&in, 65, fake_poll), 0);
    assert_int_equal(fd_bits_select(&in, &out, 64, fake_poll), 1);
    assert_false(bit(&out, 0, 64));
    assert_int_equal(fd_bits_select(&in, &out, 65, fake_poll), 2);
    assert_int_equal(fd_bits_check_open(&in, 81, fake_poll), -EBADF);
}

static void test_only_asked_descriptors_are_polled(void **state)
{
    (void)state;
    masks[1] = POLLIN;
    masks[2] = POLLIN;
    set_bit(1, 2);                             /* 2 asked for writing only */
    assert_int_equal(fd_bits_select(&in, &out, MAX_FDS, fake_poll), 0);
    assert_int_equal(polled, 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_bytes_are_whole_words, setup),
        cmocka_unit_test_setup(test_counts_each_set, setup),
        cmocka_unit_test_setup(test_nfds_bounds_what_is_looked_at, setup),
        cmocka_unit_test_setup(test_only_asked_descriptors_are_polled, setup),
    };
    return cmocka_run_group_tests(tests, 0, 0);
}
