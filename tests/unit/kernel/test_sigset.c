/* unix/sigset.c: which pending signal is delivered next (synchronous ones
 * first, then the lowest number, never a blocked one except SIGKILL and
 * SIGSTOP), default actions, the handler's mask, and what an interrupted
 * system call becomes (Linux's ERESTART* rules). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>
#include <setjmp.h>
#include <cmocka.h>

#include "unix/sigset.h"

enum { HUP = 1, ILL = 4, TRAP = 5, BUS = 7, FPE = 8, KILL = 9, USR1 = 10, SEGV = 11, USR2 = 12,
       PIPE = 13, TERM = 15, CHLD = 17, CONT = 18, STOP = 19, TSTP = 20, TTIN = 21, TTOU = 22,
       URG = 23, WINCH = 28, SYS = 31, RTMIN = 34 };

static uint64_t set_of(int a, int b) { return (a ? sigset_bit(a) : 0) | (b ? sigset_bit(b) : 0); }

static void test_default_actions(void **state)
{
    (void)state;
    int ignore[] = { CHLD, CONT, URG, WINCH };
    int stop[] = { STOP, TSTP, TTIN, TTOU };
    int term[] = { HUP, ILL, TRAP, BUS, FPE, KILL, USR1, SEGV, USR2, PIPE, TERM, SYS, RTMIN, 64 };
    for (unsigned i = 0; i < 4; i++)
        assert_int_equal(sigset_default_action(ignore[i]), SIG_DEFAULT_IGNORE);
    for (unsigned i = 0; i < 4; i++)
        assert_int_equal(sigset_default_action(stop[i]), SIG_DEFAULT_STOP);
    for (unsigned i = 0; i < sizeof(term) / sizeof(term[0]); i++)
        assert_int_equal(sigset_default_action(term[i]), SIG_DEFAULT_TERMINATE);
}

static void test_next_lowest_unblocked(void **state)
{
    (void)state;
    assert_int_equal(sigset_next(0, 0), 0);
    assert_int_equal(sigset_next(set_of(USR2, TERM), 0), USR2);
    assert_int_equal(sigset_next(set_of(USR2, TERM), sigset_bit(USR2)), TERM);
    assert_int_equal(sigset_next(set_of(USR2, TERM), set_of(USR2, TERM)), 0);
    assert_int_equal(sigset_next(sigset_bit(64), 0), 64);
    assert_int_equal(sigset_next(sigset_bit(64) | sigset_bit(RTMIN), 0), RTMIN);
    assert_int_equal(sigset_next(sigset_bit(USR1), ~0ull), 0);
}

static void test_next_synchronous_first(void **state)
{
    (void)state;
    /* A fault's signal goes before lower-numbered ones sent meanwhile. */
    assert_int_equal(sigset_next(set_of(HUP, SEGV), 0), SEGV);
    assert_int_equal(sigset_next(set_of(USR1, FPE), 0), FPE);
    assert_int_equal(sigset_next(set_of(SEGV, ILL), 0), ILL);
    assert_int_equal(sigset_next(set_of(HUP, SYS), 0), SYS);
    /* ...unless it is blocked. */
    assert_int_equal(sigset_next(set_of(HUP, SEGV), sigset_bit(SEGV)), HUP);
}

static void test_unblockable(void **state)
{
    (void)state;
    assert_int_equal(sigset_next(sigset_bit(KILL), ~0ull), KILL);
    assert_int_equal(sigset_next(sigset_bit(STOP), ~0ull), STOP);
}

static void test_handler_mask(void **state)
{
    (void)state;
    assert_true(sigset_handler_mask(0, 0, USR1, false) == sigset_bit(USR1));
    assert_true(sigset_handler_mask(0, 0, USR1, true) == 0);
    assert_true(sigset_handler_mask(sigset_bit(HUP), sigset_bit(TERM), USR1, false) ==
                (sigset_bit(HUP) | sigset_bit(TERM) | sigset_bit(USR1)));
    assert_true(sigset_handler_mask(0, ~0ull, USR1, true) == ~SIGSET_UNBLOCKABLE);
}

static void test_restart(void **state)
{
    (void)state;
    /* Results that are not ERESTART* are left alone, handler or not. */
    assert_int_equal(sigset_restart(0, true, false), SIG_RESTART_NONE);
    assert_int_equal(sigset_restart(-4, true, true), SIG_RESTART_NONE);
    assert_int_equal(sigset_restart(-11, false, false), SIG_RESTART_NONE);
    /* ERESTARTSYS: EINTR only for a handler without SA_RESTART. */
    assert_int_equal(sigset_restart(-ERESTARTSYS, true, false), SIG_RESTART_EINTR);
    assert_int_equal(sigset_restart(-ERESTARTSYS, true, true), SIG_RESTART_AGAIN);
    assert_int_equal(sigset_restart(-ERESTARTSYS, false, false), SIG_RESTART_AGAIN);
    /* ERESTARTNOHAND: EINTR whenever a handler runs. */
    assert_int_equal(sigset_restart(-ERESTARTNOHAND, true, true), SIG_RESTART_EINTR);
    assert_int_equal(sigset_restart(-ERESTARTNOHAND, false, false), SIG_RESTART_AGAIN);
    /* ERESTARTNOINTR: always again. */
    assert_int_equal(sigset_restart(-ERESTARTNOINTR, true, false), SIG_RESTART_AGAIN);
    /* ERESTART_RESTARTBLOCK: EINTR for a handler, SA_RESTART or not;
     * continued through restart_syscall otherwise. */
    assert_int_equal(sigset_restart(-ERESTART_RESTARTBLOCK, true, true), SIG_RESTART_EINTR);
    assert_int_equal(sigset_restart(-ERESTART_RESTARTBLOCK, false, false), SIG_RESTART_BLOCK);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_default_actions),
        cmocka_unit_test(test_next_lowest_unblocked),
        cmocka_unit_test(test_next_synchronous_first),
        cmocka_unit_test(test_unblockable),
        cmocka_unit_test(test_handler_mask),
        cmocka_unit_test(test_restart),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
