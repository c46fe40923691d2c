/* Host stand-in for the scheduler calls wait queues make (sched/sched.h):
 * the "current thread" is whatever the test says, a wake is recorded, and
 * blocking releases the lock, runs what the test wants to happen while
 * the thread sleeps (another thread's wake, nothing: a timeout), and
 * returns the reason the test chose. */
#include "shim_sched.h"
#include <assert.h>

unsigned shim_locks_held;
struct thread *shim_current;
struct thread *shim_woken[64];
unsigned shim_nwoken;
unsigned shim_blocks;
uint64_t shim_block_deadline;
void (*shim_while_blocked)(void);
enum wake_reason shim_block_reason;

struct thread *sched_current(void)
{
    return shim_current;
}

bool sched_wake(struct thread *t)
{
    assert(shim_nwoken < 64);
    shim_woken[shim_nwoken++] = t;
    return true;
}

enum wake_reason sched_block(struct spinlock *held, uint64_t deadline)
{
    shim_blocks++;
    shim_block_deadline = deadline;
    if (held)
        spin_unlock(held);
    assert(shim_locks_held == 0);       /* a blocked thread holds no lock */
    if (shim_while_blocked)
        shim_while_blocked();
    return shim_block_reason;
}

void shim_sched_reset(void)
{
    shim_current = 0;
    shim_nwoken = 0;
    shim_blocks = 0;
    shim_block_deadline = 0;
    shim_while_blocked = 0;
    shim_block_reason = WAKE_WOKEN;
}
