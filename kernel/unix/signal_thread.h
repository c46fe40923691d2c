/* A thread's own signal state (unix/signal.h): its mask, its alternate
 * stack, the signals sent to it alone (tgkill, tkill, faults, SIGPIPE,
 * SIGEV_THREAD_ID timers) with their siginfo, the mask to restore after
 * rt_sigsuspend or pselect/ppoll/epoll_pwait, the restart of an
 * interrupted sleep, and the buffer its signal frames' FPU image is built
 * in.  struct thread points to it (thread->signals); the process keeps the
 * actions and the signals sent to the whole program (struct process).
 *
 * Every field a sender reads (mask, pending, info, the list of threads) is
 * guarded by signal_lock; a thread changes its own mask and altstack under
 * it too, since senders choose a target by its mask. */
#ifndef UNIX_SIGNAL_THREAD_H
#define UNIX_SIGNAL_THREAD_H
#include <stdint.h>
#include <stdbool.h>
#include "unix/signal.h"
#include "arch/x86_64/fpu.h"
#include "arch/x86_64/spinlock.h"
#include "lib/list.h"

#define SIG_NUMBERS 64

struct thread;

/* What restart_syscall does after a sleep ended by a signal that ran no
 * handler (Linux's restart_block): the sleep goes on to the same deadline. */
struct signal_restart {
    int64_t (*fn)(struct signal_restart *r);
    uint64_t deadline;                  /* monotonic */
    uint64_t arg[4];
};

struct thread_signals {
    uint8_t fpu_img[FPU_STATE_MAX + 64] __attribute__((aligned(64)));   /* first: aligned */
    struct thread *thread;
    struct list_node node;              /* every thread's state: signal_threads */
    uint64_t mask;
    /* rt_sigtimedwait: the set it waits for (0: not waiting), unblocked
     * meanwhile so that one of them wakes it, and the mask before. */
    uint64_t wait_set, real_mask;
    uint64_t altstack_sp, altstack_size;
    int altstack_flags;                 /* SS_AUTODISARM */
    uint64_t pending;                   /* sent to this thread: bit sig-1 */
    struct signal_info info[SIG_NUMBERS];
    uint64_t saved_mask;                /* restored on the way out when restore_mask */
    bool restore_mask;
    bool full_restore;                  /* the system call's frame needs IRET (syscall.c) */
    struct signal_restart restart;
};

extern struct spinlock signal_lock;
/* Every live thread's state (node), guarded by signal_lock. */
extern struct list_node signal_threads;

/* The calling thread's state (the main thread's is attached on first use). */
struct thread_signals *signal_self(void);
/* t's state, or NULL for a thread that left or a kernel thread. */
struct thread_signals *signal_of(struct thread *t);
/* A new thread's state, copied from the creator's as clone does: the mask
 * is inherited; the alternate stack too unless the thread shares the
 * address space (Linux clears it for CLONE_VM without CLONE_VFORK).
 * NULL without memory.  signal_thread_attach then ties it to t. */
struct thread_signals *signal_thread_alloc(const struct thread_signals *creator, bool clone_vm);
void signal_thread_attach(struct thread_signals *s, struct thread *t);
void signal_thread_free(struct thread_signals *s);
/* The calling thread leaves: its thread-directed signals are dropped and
 * nobody can send it one any more. */
void signal_thread_release(void);

/* Sends info->signo to thread t alone (tgkill, a fault, SIGPIPE, a
 * SIGEV_THREAD_ID timer); -ESRCH if t has left. */
int signal_send_thread(struct thread *t, const struct signal_info *info);

/* Interruptible waits.  signal_wait_begin: true if a signal is already
 * there to interrupt the wait (do not wait); otherwise the thread's next
 * block may be ended by one (sched_wake_signal), until signal_wait_end. */
bool signal_wait_begin(void);
void signal_wait_end(void);
/* Sleeps until the monotonic deadline: 0 then, -EINTR if a signal that
 * runs a handler or ends the program comes first. */
int signal_sleep_until(uint64_t deadline_ns);

/* pselect6, ppoll, epoll_pwait: the mask in force during the call.  After
 * it, signal_mask_pop(interrupted): the old mask comes back at once, or,
 * when the call was interrupted, after the handler's frame recorded it. */
void signal_mask_push(uint64_t mask);
void signal_mask_pop(bool interrupted);

#endif
