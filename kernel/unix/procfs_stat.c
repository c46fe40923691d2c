/* /proc/self/stat and /proc/self/task/TID/stat: the 52 fields of Linux's
 * do_task_stat (proc(5)), with the values this kernel knows.  The program
 * is pid 1, its own process group and session, with no parent (getppid()
 * is 0 here) and no controlling terminal (tty_nr 0, tpgid -1).  Fields
 * that are 0 because nothing here has them: flags (Linux's PF_* bits of
 * its own task), minflt/majflt (faults are not counted), cminflt, cmajflt,
 * cutime, cstime (no children), itrealvalue, kstkesp, kstkeip, wchan,
 * nswap, cnswap (0 on Linux too), rt_priority and policy (SCHED_OTHER),
 * delayacct_blkio_ticks, guest_time, cguest_time, the addresses of the
 * arguments and environment (not kept after exec), exit_code (running).
 * The program's name (comm) is the one of prctl(PR_SET_NAME), one for all
 * threads; a thread's starttime is the program's (threads' own are not
 * kept). */
#include "unix/procfs_stat.h"
#include "unix/process.h"
#include "unix/prctl.h"
#include "unix/signal_thread.h"
#include "sched/sched.h"
#include "mm/page_table.h"
#include "drivers/clock.h"
#include "lib/format.h"
#include "lib/string.h"
#include "lib/errno.h"

#define USER_HZ 100                     /* AT_CLKTCK, sysconf(_SC_CLK_TCK) */
#define NS_PER_TICK (1000000000ul / USER_HZ)
#define SIGCHLD 17
#define PAGE 4096ull

static uint64_t start_ns;

void procfs_stat_start(void)
{
    start_ns = clock_monotonic_ns();
}

/* Linux's letters: R running or runnable, S sleeping, Z gone but not
 * reaped (the main thread of a program whose other threads run on). */
static char state_of(int tid)
{
    struct thread *t = sched_thread_by_tid(tid);
    if (!t || t->state == THREAD_DEAD)
        return 'Z';
    return t->state == THREAD_BLOCKED ? 'S' : 'R';
}

/* vsize in bytes and rss in pages, from the regions and the page table
 * (PROT_NONE reservations have no pages: skipped). */
static void memory_of(uint64_t *vsize, uint64_t *rss)
{
    *vsize = *rss = 0;
    for (struct region *r = proc.as.regions; r; r = r->next) {
        *vsize += r->end - r->start;
        if (!r->prot)
            continue;
        for (uint64_t va = r->start; va < r->end; va += PAGE) {
            uint64_t pa;
            pte_t leaf;
            if (pt_lookup(proc.as.root, va, &pa, &leaf))
                (*rss)++;
        }
    }
}

/* The program's code (its executable regions) and data (the writable
 * ones of its file), as Linux's start_code..end_data; the stack's top. */
struct layout { uint64_t code0, code1, data0, data1, stack; };

static void layout_of(struct layout *l)
{
    *l = (struct layout){ 0, 0, 0, 0, 0 };
    for (struct region *r = proc.as.regions; r; r = r->next) {
        if (!strcmp(r->name, "[stack]"))
            l->stack = r->end;
        if (strcmp(r->name, proc.exe_path))
            continue;
        uint64_t *lo = r->prot & PROT_EXEC ? &l->code0 : &l->data0;
        uint64_t *hi = r->prot & PROT_EXEC ? &l->code1 : &l->data1;
        if (!(r->prot & (PROT_EXEC | PROT_WRITE)))
            continue;
        if (!*lo || r->start < *lo)
            *lo = r->start;
        if (r->end > *hi)
            *hi = r->end;
    }
}

/* Pending, blocked, ignored and caught signals: the first 31 bits, as
 * Linux prints them. */
struct sigs { uint64_t pending, blocked, ignored, caught; };

static void signals_of(int tid, struct sigs *s)
{
    *s = (struct sigs){ 0, 0, 0, 0 };
    /* the thread's state, from the list of live ones: it cannot go
     * while signal_lock is held */
    uint64_t flags = spin_lock_irqsave(&signal_lock);
    for (struct list_node *n = signal_threads.next; n != &signal_threads; n = n->next) {
        struct thread_signals *ts = LIST_ENTRY(n, struct thread_signals, node);
        if (ts->thread && ts->thread->tid == tid) {
            s->pending = ts->pending;
            s->blocked = ts->mask;
        }
    }
    for (int i = 1; i < NSIG; i++) {
        if (proc.actions[i - 1].handler == SIG_IGN)
            s->ignored |= 1ull << (i - 1);
        else if (proc.actions[i - 1].handler != SIG_DFL)
            s->caught |= 1ull << (i - 1);
    }
    spin_unlock_irqrestore(&signal_lock, flags);
    s->pending &= 0x7fffffff;
    s->blocked &= 0x7fffffff;
    s->ignored &= 0x7fffffff;
    s->caught &= 0x7fffffff;
}

int procfs_stat_text(int tid, char *buf, size_t size)
{
    int who = tid ? tid : MAIN_TID;
    struct thread *t = sched_thread_by_tid(who);
    if (tid && !t)
        return -ESRCH;
    struct sched_cputime cpu = { 0, 0 };
    if (tid)
        sched_thread_cputime(tid, &cpu);
    else
        sched_process_cputime(&cpu);
    uint64_t vsize, rss;
    memory_of(&vsize, &rss);
    struct layout l;
    layout_of(&l);
    struct sigs s;
    signals_of(who, &s);
    char comm[16];
    prctl_comm(comm);
    int n = snprintf(buf, size,
        "%d (%s) %c 0 %d %d 0 -1 0 0 0 0 0 %lu %lu 0 0 20 0 %u 0 %lu %lu %lu %lu %lu %lu %lu "
        "0 0 %lu %lu %lu %lu 0 0 0 %d %u 0 0 0 0 0 %lu %lu %lu 0 0 0 0 0\n",
        tid ? tid : PROCESS_PID, comm, state_of(who), PROCESS_PID, PROCESS_PID,
        cpu.user_ns / NS_PER_TICK, cpu.sys_ns / NS_PER_TICK, sched_thread_count(),
        start_ns / NS_PER_TICK, vsize, rss, ~0ul /* RLIMIT_RSS: unlimited */,
        l.code0, l.code1, l.stack, s.pending, s.blocked, s.ignored, s.caught,
        !tid || tid == MAIN_TID ? SIGCHLD : -1, t ? t->cpu : 0, l.data0, l.data1,
        proc.brk_start);
    return n < (int)size ? n : (int)size - 1;
}
