/* futex(2) pieces other system calls use (thread exit), and the pure
 * arithmetic of FUTEX_WAKE_OP (unix/futex_op.c, unit-tested). */
#ifndef UNIX_FUTEX_H
#define UNIX_FUTEX_H
#include <stdint.h>
#include <stdbool.h>

/* Wakes up to n waiters on the futex word at uaddr: the number woken. */
unsigned futex_wake_addr(uint64_t uaddr, unsigned n);
/* A thread ends: its robust futexes (set_robust_list) get FUTEX_OWNER_DIED
 * and one waiter each, as Linux's exit_robust_list does. */
void futex_exit_robust_list(uint64_t head, uint64_t head_len, int tid);

/* FUTEX_WAKE_OP's val3: the operation on *uaddr2 and the comparison of
 * its old value that decides whether uaddr2's waiters are woken too. */
struct futex_op {
    unsigned op, cmp;
    uint32_t oparg;
    int32_t cmparg;
};
/* 0, or -ENOSYS for an unknown operation (as Linux, before touching the word). */
int futex_op_decode(uint32_t encoded, struct futex_op *op);
uint32_t futex_op_apply(const struct futex_op *op, uint32_t old);
/* 1 or 0; -ENOSYS for an unknown comparison (Linux finds it after the
 * word has changed). */
int futex_op_compare(const struct futex_op *op, int32_t old);

#endif
