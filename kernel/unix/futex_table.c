/* The futex table (unix/futex_table.h). */
#include "unix/futex_table.h"

static struct waitq buckets[FUTEX_BUCKETS];

void futex_table_init(void)
{
    for (unsigned i = 0; i < FUTEX_BUCKETS; i++)
        waitq_init(&buckets[i]);
}

struct waitq *futex_bucket(uint64_t uaddr)
{
    /* Words are 4-byte aligned (bits 0-1 are not the address's: key_of);
     * mix the higher bits in (Fibonacci hashing). */
    uint64_t h = (uaddr >> 2) * 0x9e3779b97f4a7c15ull;
    return &buckets[h >> 58];
}

void futex_lock_pair(uint64_t uaddr1, uint64_t uaddr2, struct futex_pair *p)
{
    struct waitq *a = futex_bucket(uaddr1), *b = futex_bucket(uaddr2);
    if (a == b) {
        p->first = a;
        p->second = 0;
    } else {
        p->first = a < b ? a : b;
        p->second = a < b ? b : a;
    }
    p->flags = waitq_lock(p->first);
    if (p->second)
        spin_lock(&p->second->lock);
}

void futex_unlock_pair(struct futex_pair *p)
{
    if (p->second)
        spin_unlock(&p->second->lock);
    waitq_unlock(p->first, p->flags);
}

unsigned futex_table_wake(uint64_t key, uint32_t bitset, unsigned n)
{
    struct waitq *q = futex_bucket(key);
    uint64_t flags = waitq_lock(q);
    unsigned woken = waitq_wake_locked(q, key, bitset, n);
    waitq_unlock(q, flags);
    return woken;
}
