/* The CPU a thread runs on, published in its rseq area (cpu_id_start and
 * cpu_id, the words glibc's sched_getcpu reads) whenever it returns to
 * user mode on another CPU than last time, as Linux does. */
#include "unix/syscall.h"
#include "unix/usercopy.h"
#include "sched/sched.h"

static void publish_cpu(struct thread *t)
{
    unsigned cpu = sched_cpu_index();
    if (!t->rseq || t->rseq_cpu == cpu + 1)
        return;
    uint32_t ids[2] = { cpu, cpu };
    if (copy_to_user(t->rseq, ids, sizeof(ids)) == 0)
        t->rseq_cpu = cpu + 1;
}

void rseq_cpu_init(void)
{
    sched_set_user_resume_hook(publish_cpu);
}
