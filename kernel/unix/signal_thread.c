/* Per-thread signal state, interruptible waits and the mask of pselect and
 * friends (unix/signal_thread.h). */
#include "unix/signal_thread.h"
#include "unix/sigset.h"
#include "unix/process.h"
#include "sched/sched.h"
#include "mm/heap.h"
#include "lib/string.h"
#include "lib/errno.h"

#define STATE_PAGES ((sizeof(struct thread_signals) + 4095) / 4096)

struct spinlock signal_lock = SPINLOCK_INIT;
struct list_node signal_threads = { &signal_threads, &signal_threads };
/* The first thread's, which exists before any clone. */
static struct thread_signals main_state;

/* The main thread gets its state the first time anyone looks (lock held). */
static void attach_main_locked(void)
{
    if (main_state.thread)
        return;
    struct thread *t = sched_thread_by_tid(MAIN_TID);
    if (!t || t->signals)
        return;
    main_state.thread = t;
    t->signals = &main_state;
    list_add_tail(&signal_threads, &main_state.node);
}

void signal_attach_main(void)
{
    uint64_t flags = spin_lock_irqsave(&signal_lock);
    attach_main_locked();
    spin_unlock_irqrestore(&signal_lock, flags);
}

struct thread_signals *signal_of(struct thread *t)
{
    if (!t->signals && t->user && t->tid == MAIN_TID)
        signal_attach_main();
    return t->signals;
}

struct thread_signals *signal_self(void)
{
    return signal_of(sched_current());
}

struct thread_signals *signal_thread_alloc(const struct thread_signals *creator, bool clone_vm)
{
    struct thread_signals *s = heap_alloc_pages(STATE_PAGES, 0);
    if (!s)
        return 0;
    list_init(&s->node);
    s->mask = creator ? creator->mask : 0;
    if (creator && !clone_vm) {
        s->altstack_sp = creator->altstack_sp;
        s->altstack_size = creator->altstack_size;
        s->altstack_flags = creator->altstack_flags;
    }
    return s;
}

void signal_thread_attach(struct thread_signals *s, struct thread *t)
{
    uint64_t flags = spin_lock_irqsave(&signal_lock);
    attach_main_locked();
    s->thread = t;
    t->signals = s;
    list_add_tail(&signal_threads, &s->node);
    spin_unlock_irqrestore(&signal_lock, flags);
}

void signal_thread_free(struct thread_signals *s)
{
    if (s && s != &main_state)
        heap_free_pages(s, STATE_PAGES, 0);
}

void signal_thread_release(void)
{
    struct thread *t = sched_current();
    uint64_t flags = spin_lock_irqsave(&signal_lock);
    struct thread_signals *s = t->signals;
    if (s) {
        list_del(&s->node);
        list_init(&s->node);
        t->signals = 0;
    }
    spin_unlock_irqrestore(&signal_lock, flags);
    signal_thread_free(s);
    signal_retarget(~0ull);
}

bool signal_wait_begin(void)
{
    struct thread *t = sched_current();
    __atomic_store_n(&t->sig_interruptible, true, __ATOMIC_SEQ_CST);
    __atomic_store_n(&t->sig_wake, false, __ATOMIC_SEQ_CST);
    if (signal_pending_interrupts()) {
        t->sig_interruptible = false;
        return true;
    }
    return false;
}

void signal_wait_end(void)
{
    __atomic_store_n(&sched_current()->sig_interruptible, false, __ATOMIC_SEQ_CST);
}

int signal_sleep_until(uint64_t deadline_ns)
{
    for (;;) {
        if (signal_wait_begin())
            return -EINTR;
        enum wake_reason why = sched_sleep_until(deadline_ns);
        signal_wait_end();
        if (why == WAKE_TIMEOUT || sched_now_ns() >= deadline_ns)
            return 0;
        /* A wake-up for a signal another thread took, or that this one
         * blocked meanwhile, is no reason to stop: sleep on. */
    }
}

void signal_mask_push(uint64_t mask)
{
    struct thread_signals *s = signal_self();
    uint64_t flags = spin_lock_irqsave(&signal_lock);
    s->saved_mask = s->mask;
    s->restore_mask = true;
    s->mask = mask & ~SIGSET_UNBLOCKABLE;
    spin_unlock_irqrestore(&signal_lock, flags);
}

void signal_mask_pop(bool interrupted)
{
    struct thread_signals *s = signal_self();
    if (!s->restore_mask || interrupted)
        return;                         /* the way out restores it, after the frame */
    uint64_t flags = spin_lock_irqsave(&signal_lock);
    s->mask = s->saved_mask;
    s->restore_mask = false;
    spin_unlock_irqrestore(&signal_lock, flags);
}
