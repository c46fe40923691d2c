/* Checked windows onto program memory (mm/user_window.c): which kernel-mode
 * faults count as demand paging, when SMAP opens and closes, and what a pin
 * demands and does.  The address space is faked: one readable range and
 * one writable range, and a record of the pages made present. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>
#include "mm/user_window.h"
#include "mm/address_space.h"
#include "mm/layout.h"
#include "lib/errno.h"

#define RO_START 0x400000ull
#define RO_END   0x410000ull
#define RW_START 0x600000ull
#define RW_END   0x640000ull

static struct address_space fake_as;
static unsigned smap_opened, smap_closed;
static uint64_t ensured[64];
static unsigned nensured;
static int ensure_result;

bool as_check(struct address_space *as, uint64_t addr, uint64_t len, unsigned prot)
{
    assert_ptr_equal(as, &fake_as);
    uint64_t end = addr + len;
    if (addr >= RW_START && end <= RW_END)
        return true;
    return addr >= RO_START && end <= RO_END && !(prot & PROT_WRITE);
}

int as_ensure(struct address_space *as, uint64_t addr, bool write)
{
    assert_ptr_equal(as, &fake_as);
    (void)write;
    if (ensure_result)
        return ensure_result;
    assert_true(nensured < 64);
    ensured[nensured++] = addr;
    return 0;
}

void user_access_begin(void) { smap_opened++; }
void user_access_end(void) { smap_closed++; }

static int reset(void **state)
{
    (void)state;
    smap_opened = smap_closed = 0;
    nensured = 0;
    ensure_result = 0;
    return 0;
}

static void test_check_refuses(void **state)
{
    (void)state;
    assert_false(user_window_open(&fake_as, RO_START, 16, true));     /* read-only range */
    assert_false(user_window_open(&fake_as, RO_END - 8, 16, false));  /* runs off the end */
    assert_int_equal(smap_opened, 0);
    assert_false(user_window_covers(RO_START, false));
}

static void test_covers_only_the_checked_range(void **state)
{
    (void)state;
    assert_true(user_window_open(&fake_as, RW_START + 0x1000, 0x2000, true));
    assert_true(user_window_covers(RW_START + 0x1000, true));
    assert_true(user_window_covers(RW_START + 0x2fff, false));
    /* The same region, but outside what the call checked: a kernel bug. */
    assert_false(user_window_covers(RW_START + 0x3000, true));
    assert_false(user_window_covers(RW_START + 0xfff, false));
    assert_false(user_window_covers(USER_TOP + 0x1000, false));
    user_window_close();
    /* Once the call is over, nothing is covered. */
    assert_false(user_window_covers(RW_START + 0x1000, true));
}

static void test_read_window_is_not_for_writes(void **state)
{
    (void)state;
    assert_true(user_window_open(&fake_as, RO_START, 0x1000, false));
    assert_true(user_window_covers(RO_START + 8, false));
    assert_false(user_window_covers(RO_START + 8, true));
    user_window_close();
}

static void test_nesting_and_smap(void **state)
{
    (void)state;
    assert_true(user_window_open(&fake_as, RO_START, 0x1000, false));
    assert_true(user_window_open(&fake_as, RW_START, 0x1000, true));
    assert_int_equal(smap_opened, 1);          /* opened once, for the outer */
    assert_true(user_window_covers(RO_START, false));
    assert_true(user_window_covers(RW_START, true));
    user_window_close();
    assert_int_equal(smap_closed, 0);          /* the outer window is still open */
    assert_false(user_window_covers(RW_START, true));
    assert_true(user_window_covers(RO_START, false));
    user_window_close();
    assert_int_equal(smap_closed, 1);
}

static void test_pin_makes_every_page_present(void **state)
{
    (void)state;
    assert_true(user_window_open(&fake_as, RW_START, 0x10000, true));
    void *buf = (void *)(RW_START + 0x1800);
    assert_int_equal(user_window_pin(buf, 0x2000, true), 0);
    /* 0x1800..0x3800 touches pages 0x1000, 0x2000 and 0x3000. */
    assert_int_equal(nensured, 3);
    assert_int_equal(ensured[0], RW_START + 0x1000);
    assert_int_equal(ensured[2], RW_START + 0x3000);
    assert_true(user_window_pinned(RW_START + 0x3000, 0x1000));
    assert_false(user_window_pinned(RW_START + 0x4000, 0x1000));
    user_window_unpin(buf, 0x2000);
    assert_false(user_window_pinned(RW_START, 0x10000));
    user_window_close();
}

static void test_pin_needs_an_open_window(void **state)
{
    (void)state;
    void *buf = (void *)(RW_START + 0x1000);
    assert_int_equal(user_window_pin(buf, 0x1000, true), -EFAULT);     /* no window */
    assert_true(user_window_open(&fake_as, RW_START, 0x1000, true));
    assert_int_equal(user_window_pin(buf, 0x1000, true), -EFAULT);     /* past its end */
    user_window_close();
    assert_true(user_window_open(&fake_as, RO_START, 0x2000, false));
    /* A device writing into memory the call only checked for reading. */
    assert_int_equal(user_window_pin((void *)RO_START, 0x1000, true), -EFAULT);
    assert_int_equal(user_window_pin((void *)RO_START, 0x1000, false), 0);
    user_window_unpin((void *)RO_START, 0x1000);
    user_window_close();
    assert_int_equal(nensured, 1);
}

static void test_pin_reports_out_of_memory(void **state)
{
    (void)state;
    assert_true(user_window_open(&fake_as, RW_START, 0x1000, true));
    ensure_result = -ENOMEM;
    assert_int_equal(user_window_pin((void *)RW_START, 0x1000, true), -ENOMEM);
    assert_false(user_window_pinned(RW_START, 0x1000));
    user_window_close();
}

static void test_user_address(void **state)
{
    (void)state;
    assert_true(user_address((void *)RW_START));
    assert_false(user_address((void *)(DIRECT_MAP_BASE + 0x1000)));
    assert_false(user_address((void *)USER_TOP));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_check_refuses, reset),
        cmocka_unit_test_setup(test_covers_only_the_checked_range, reset),
        cmocka_unit_test_setup(test_read_window_is_not_for_writes, reset),
        cmocka_unit_test_setup(test_nesting_and_smap, reset),
        cmocka_unit_test_setup(test_pin_makes_every_page_present, reset),
        cmocka_unit_test_setup(test_pin_needs_an_open_window, reset),
        cmocka_unit_test_setup(test_pin_reports_out_of_memory, reset),
        cmocka_unit_test_setup(test_user_address, reset),
    };
    return cmocka_run_group_tests(tests, 0, 0);
}
