/* Per-thread CPU time (sched/sched.h): each stretch a thread spends on a
 * CPU is charged, when it ends, to user or kernel time.  A stretch ends at
 * a switch, at system-call entry (user time up to there) and on the way
 * back to user mode (kernel time up to there).  Only the CPU running a
 * thread writes its fields; readers on other CPUs retry while cpu_seq is
 * odd or changed, and add the stretch under way themselves. */
#include "sched/cputime.h"

static void write_begin(struct thread *t)
{
    __atomic_store_n(&t->cpu_seq, t->cpu_seq + 1, __ATOMIC_RELAXED);
    __atomic_thread_fence(__ATOMIC_RELEASE);
}

static void write_end(struct thread *t)
{
    __atomic_store_n(&t->cpu_seq, t->cpu_seq + 1, __ATOMIC_RELEASE);
}

/* Charges the stretch since cpu_stamp to the mode t was in. */
static void charge(struct thread *t, uint64_t now)
{
    if (t->cpu_on && now > t->cpu_stamp) {
        if (t->cpu_in_user)
            t->cpu_user_ns += now - t->cpu_stamp;
        else
            t->cpu_sys_ns += now - t->cpu_stamp;
    }
    t->cpu_stamp = now;
}

void cputime_switch(struct thread *prev, struct thread *next)
{
    uint64_t now = sched_now_ns();
    write_begin(prev);
    charge(prev, now);
    prev->cpu_on = false;
    write_end(prev);
    write_begin(next);
    next->cpu_stamp = now;
    next->cpu_on = true;
    write_end(next);
}

void cputime_start(struct thread *t)
{
    write_begin(t);
    t->cpu_stamp = sched_now_ns();
    t->cpu_on = true;
    write_end(t);
}

static void enter_mode(bool user)
{
    if (!sched_running())
        return;
    struct thread *t = sched_current();
    uint64_t flags = irq_save();        /* a switch must not come in between */
    write_begin(t);
    charge(t, sched_now_ns());
    t->cpu_in_user = user;
    write_end(t);
    irq_restore(flags);
}

void sched_cputime_enter_kernel(void)
{
    enter_mode(false);
}

void sched_cputime_enter_user(void)
{
    enter_mode(true);
}

void cputime_read(struct thread *t, uint64_t now, struct sched_cputime *out)
{
    uint32_t seq;
    struct sched_cputime c;
    bool on, user;
    uint64_t stamp;
    do {
        while ((seq = __atomic_load_n(&t->cpu_seq, __ATOMIC_ACQUIRE)) & 1)
            __builtin_ia32_pause();
        c.user_ns = t->cpu_user_ns;
        c.sys_ns = t->cpu_sys_ns;
        on = t->cpu_on;
        user = t->cpu_in_user;
        stamp = t->cpu_stamp;
        __atomic_thread_fence(__ATOMIC_ACQUIRE);
    } while (__atomic_load_n(&t->cpu_seq, __ATOMIC_RELAXED) != seq);
    if (on && now > stamp) {
        if (user)
            c.user_ns += now - stamp;
        else
            c.sys_ns += now - stamp;
    }
    out->user_ns += c.user_ns;
    out->sys_ns += c.sys_ns;
}
