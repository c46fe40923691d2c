/* The futex table: waiters hashed by the address of their futex word into
 * buckets, each a wait queue (sched/waitq.h) whose waiters carry a key:
 * the address (one process, one address space), with bit 0 set for a
 * shared futex (unix/futex.c).  The bucket depends on the address only. */
#ifndef UNIX_FUTEX_TABLE_H
#define UNIX_FUTEX_TABLE_H
#include <stdint.h>
#include "sched/waitq.h"

#define FUTEX_BUCKETS 64

/* Before the first system call (syscall_init). */
void futex_table_init(void);
struct waitq *futex_bucket(uint64_t uaddr);

/* Two buckets locked together (requeue, wake-op), in address order so two
 * threads locking the same pair cannot deadlock; once if they are one. */
struct futex_pair {
    struct waitq *first, *second;       /* second NULL when the same bucket */
    uint64_t flags;
};
void futex_lock_pair(uint64_t uaddr1, uint64_t uaddr2, struct futex_pair *p);
void futex_unlock_pair(struct futex_pair *p);

/* Wakes up to n waiters with key whose bitset meets bitset: the number. */
unsigned futex_table_wake(uint64_t key, uint32_t bitset, unsigned n);

#endif
