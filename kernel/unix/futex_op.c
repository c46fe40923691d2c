/* FUTEX_WAKE_OP's encoded operation, decoded as Linux's futex_atomic_op_inuser:
 * op in bits 28-30 (bit 31: oparg is a shift count), cmp in 24-27, oparg
 * and cmparg 12-bit signed fields. */
#include "unix/futex.h"
#include "lib/errno.h"

enum { OP_SET, OP_ADD, OP_OR, OP_ANDN, OP_XOR };
enum { CMP_EQ, CMP_NE, CMP_LT, CMP_LE, CMP_GT, CMP_GE };

static int32_t sign_extend12(uint32_t v)
{
    return (int32_t)(v << 20) >> 20;
}

int futex_op_decode(uint32_t encoded, struct futex_op *op)
{
    op->op = (encoded >> 28) & 7;
    op->cmp = (encoded >> 24) & 15;
    int32_t oparg = sign_extend12((encoded >> 12) & 0xfff);
    op->cmparg = sign_extend12(encoded & 0xfff);
    if (encoded & 0x80000000u)
        oparg = (int32_t)(1u << (oparg & 31));  /* Linux masks an out-of-range shift */
    op->oparg = (uint32_t)oparg;
    return op->op > OP_XOR ? -ENOSYS : 0;
}

uint32_t futex_op_apply(const struct futex_op *op, uint32_t old)
{
    switch (op->op) {
    case OP_SET: return op->oparg;
    case OP_ADD: return old + op->oparg;
    case OP_OR: return old | op->oparg;
    case OP_ANDN: return old & ~op->oparg;
    default: return old ^ op->oparg;
    }
}

int futex_op_compare(const struct futex_op *op, int32_t old)
{
    switch (op->cmp) {
    case CMP_EQ: return old == op->cmparg;
    case CMP_NE: return old != op->cmparg;
    case CMP_LT: return old < op->cmparg;
    case CMP_LE: return old <= op->cmparg;
    case CMP_GT: return old > op->cmparg;
    case CMP_GE: return old >= op->cmparg;
    default: return -ENOSYS;
    }
}
