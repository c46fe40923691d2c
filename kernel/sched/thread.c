/* Thread objects: memory, first stack frame, the list of live threads. */
#include "sched/thread.h"
#include "sched/cputime.h"
#include "arch/x86_64/trap.h"
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/kernel_lock.h"
#include "mm/heap.h"
#include "lib/string.h"
#include "lib/log.h"

#define PAGE_SIZE 4096
#define THREAD_PAGES ((sizeof(struct thread) + PAGE_SIZE - 1) / PAGE_SIZE)

static struct spinlock threads_lock = SPINLOCK_INIT;
static struct list_node threads = { &threads, &threads };
static unsigned live;                  /* program threads not yet left */
static int next_tid = MAIN_TID + 1;
static struct sched_cputime exited;    /* CPU time of the threads that left the list */

void thread_trampoline(void);

struct thread *thread_new(int tid, bool user)
{
    /* Whole pages: the FPU area needs 64-byte alignment. */
    struct thread *t = heap_alloc_pages(THREAD_PAGES, 0);
    if (!t)
        return 0;
    t->stack = heap_alloc_pages(THREAD_STACK_PAGES, 1);
    if (!t->stack) {
        heap_free_pages(t, THREAD_PAGES, 0);
        return 0;
    }
    list_init(&t->run_node);
    list_init(&t->timer_node);
    list_init(&t->all_node);
    t->user = user;
    if (!user)
        return t;
    uint64_t flags = spin_lock_irqsave(&threads_lock);
    t->tid = tid ? tid : next_tid++;
    list_add_tail(&threads, &t->all_node);
    live++;
    spin_unlock_irqrestore(&threads_lock, flags);
    return t;
}

struct thread *thread_new_stackless(void)
{
    /* From kmalloc, not whole pages: a kernel thread never saves FPU
     * state, so the 64-byte alignment does not matter, and small guests
     * (-m 5M with many CPUs) need every page. */
    struct thread *t = kzalloc(sizeof(*t));
    if (!t)
        return 0;
    list_init(&t->run_node);
    list_init(&t->timer_node);
    list_init(&t->all_node);
    return t;
}

void thread_free(struct thread *t)
{
    heap_free_pages(t->stack, THREAD_STACK_PAGES, 1);
    heap_free_pages(t, THREAD_PAGES, 0);
}

uint64_t thread_stack_top(const struct thread *t)
{
    return (uint64_t)t->stack + THREAD_STACK_PAGES * PAGE_SIZE;
}

void thread_prepare(struct thread *t, void (*fn)(void *), void *arg, uint64_t top)
{
    /* context_switch pops R15, R14, R13, R12, RBX, RBP, RFLAGS, then
     * returns.  top stays 16-byte aligned for the trampoline's calls. */
    uint64_t *sp = (uint64_t *)(top & ~15ull);
    *--sp = (uint64_t)thread_trampoline;
    *--sp = 0x2;                        /* RFLAGS: interrupts off, as the kernel runs */
    *--sp = 0;                          /* RBP */
    *--sp = 0;                          /* RBX */
    *--sp = (uint64_t)fn;               /* R12 */
    *--sp = (uint64_t)arg;              /* R13 */
    *--sp = 0;                          /* R14 */
    *--sp = 0;                          /* R15 */
    t->saved_rsp = (uint64_t)sp;
}

void thread_unlist(struct thread *t)
{
    uint64_t flags = spin_lock_irqsave(&threads_lock);
    /* Its time so far moves to the program's total with it (the few
     * microseconds to its last switch are lost). */
    if (t->user && !list_empty(&t->all_node))
        cputime_read(t, sched_now_ns(), &exited);
    list_del(&t->all_node);
    spin_unlock_irqrestore(&threads_lock, flags);
}

struct trap_frame *sched_user_frame(struct thread *t)
{
    /* entry.asm builds every frame from user mode at the stack's top. */
    return (struct trap_frame *)(thread_stack_top(t) - sizeof(struct trap_frame));
}

static void enter_user(void *frame)
{
    sched_cputime_enter_user();
    user_enter(frame);
}

struct thread *sched_thread_new_user(const struct trap_frame *frame, uint64_t fs_base)
{
    sched_reap_dead();
    struct thread *t = thread_new(0, true);
    if (!t)
        return 0;
    t->affinity = sched_current()->affinity;   /* Linux: inherited */
    /* The registers it starts with sit at the top of its kernel stack,
     * where user_enter's IRET consumes them. */
    uint64_t top = thread_stack_top(t) - sizeof(*frame);
    memcpy((void *)top, frame, sizeof(*frame));
    thread_prepare(t, enter_user, (void *)top, top);
    t->fs_base = fs_base;
    t->gs_base = rdmsr(MSR_KERNEL_GS_BASE);
    fpu_switch_save(&t->fpu);                  /* Linux: a new thread starts with its creator's FPU state */
    t->state = THREAD_BLOCKED;
    return t;
}

unsigned sched_thread_count(void)
{
    return __atomic_load_n(&live, __ATOMIC_RELAXED);
}

unsigned sched_thread_leave(void)
{
    uint64_t flags = spin_lock_irqsave(&threads_lock);
    unsigned left = --live;
    spin_unlock_irqrestore(&threads_lock, flags);
    return left;
}

struct thread *sched_thread_by_tid(int tid)
{
    struct thread *found = 0;
    uint64_t flags = spin_lock_irqsave(&threads_lock);
    for (struct list_node *n = threads.next; n != &threads; n = n->next) {
        struct thread *t = LIST_ENTRY(n, struct thread, all_node);
        if (t->tid == tid) {
            found = t;
            break;
        }
    }
    spin_unlock_irqrestore(&threads_lock, flags);
    return found;
}

/* A kernel thread runs the kernel above the scheduler (signals, lwIP), so
 * it holds the kernel lock as a thread in a system call does; it gives it
 * back whenever it blocks (sched_block), like any thread. */
static void kernel_thread_entry(void *arg)
{
    struct thread *t = arg;
    kernel_lock_acquire();
    t->kernel_fn(t->kernel_arg);
}

struct thread *sched_thread_new_kernel(void (*fn)(void *), void *arg)
{
    struct thread *t = thread_new(0, false);
    if (!t)
        return 0;
    t->kernel_fn = fn;
    t->kernel_arg = arg;
    t->affinity = ~0ull;                /* any CPU (0 would be none: it never ran) */
    thread_prepare(t, kernel_thread_entry, t, thread_stack_top(t));
    t->state = THREAD_BLOCKED;
    return t;
}

bool sched_thread_cputime(int tid, struct sched_cputime *out)
{
    bool found = false;
    *out = (struct sched_cputime){ 0, 0 };
    uint64_t now = sched_now_ns();
    uint64_t flags = spin_lock_irqsave(&threads_lock);
    for (struct list_node *n = threads.next; n != &threads && !found; n = n->next) {
        struct thread *t = LIST_ENTRY(n, struct thread, all_node);
        if (t->tid == tid) {
            cputime_read(t, now, out);
            found = true;
        }
    }
    spin_unlock_irqrestore(&threads_lock, flags);
    return found;
}

void sched_process_cputime(struct sched_cputime *out)
{
    uint64_t now = sched_now_ns();
    uint64_t flags = spin_lock_irqsave(&threads_lock);
    *out = exited;
    for (struct list_node *n = threads.next; n != &threads; n = n->next)
        cputime_read(LIST_ENTRY(n, struct thread, all_node), now, out);
    spin_unlock_irqrestore(&threads_lock, flags);
}
