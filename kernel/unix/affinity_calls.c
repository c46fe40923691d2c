/* Which CPUs a thread runs on: sched_getaffinity, sched_setaffinity,
 * getcpu.  Masks are as Linux's with nr_cpu_ids = the CPUs running
 * threads (at most 64): one unsigned long. */
#include "unix/syscall.h"
#include "unix/usercopy.h"
#include "sched/sched.h"
#include "lib/errno.h"

#define MASK_BYTES 8

/* pid 0 is the caller; any other must be one of the program's threads. */
static struct thread *thread_of(uint64_t pid)
{
    if ((int)pid < 0)
        return 0;
    return pid == 0 ? sched_current() : sched_thread_by_tid((int)pid);
}

int64_t sys_sched_getaffinity(SYSCALL_ARGS)
{
    UNUSED_ARGS;
    /* Linux: EINVAL when the buffer holds fewer bits than there are CPUs
     * or is not a whole number of longs; the result is the bytes written. */
    if (a1 * 8 < sched_cpu_count() || (a1 & (MASK_BYTES - 1)))
        return -EINVAL;
    struct thread *t = thread_of(a0);
    if (!t)
        return -ESRCH;
    uint64_t mask = __atomic_load_n(&t->affinity, __ATOMIC_ACQUIRE) & sched_online_mask();
    if (copy_to_user(a2, &mask, MASK_BYTES))
        return -EFAULT;
    return MASK_BYTES;
}

int64_t sys_sched_setaffinity(SYSCALL_ARGS)
{
    UNUSED_ARGS;
    uint64_t mask = 0;
    size_t len = a1 < MASK_BYTES ? (size_t)a1 : MASK_BYTES;   /* a shorter mask is zero-extended */
    if (len && copy_from_user(&mask, a2, len))
        return -EFAULT;
    struct thread *t = thread_of(a0);
    if (!t)
        return -ESRCH;
    return sched_set_affinity(t, mask);
}

int64_t sys_getcpu(SYSCALL_ARGS)
{
    UNUSED_ARGS;
    uint32_t cpu = sched_cpu_index(), node = 0;
    if (a0 && copy_to_user(a0, &cpu, 4))
        return -EFAULT;
    if (a1 && copy_to_user(a1, &node, 4))
        return -EFAULT;
    return 0;
}
