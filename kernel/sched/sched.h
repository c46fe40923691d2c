/* Threads and the scheduler.
 *
 * A thread is a kernel stack (with a guard page), the registers saved when
 * it is switched away, and the per-thread user state the CPU does not keep
 * in the trap frame: FS and GS bases and the x87/SSE/AVX registers.
 *
 * The kernel is not preemptible: a thread in the kernel runs until it
 * blocks, yields or returns to user mode.  A timer interrupt that arrives
 * in user mode after the thread's time slice switches threads; one that
 * arrives in the kernel only marks the CPU as needing a reschedule, which
 * is checked on the way back to user mode (sched_return_to_user).
 *
 * Each CPU has a run queue (round robin), a list of threads sleeping until
 * a deadline (driven by its own LAPIC one-shot timer, armed for the nearest
 * deadline or the end of the slice, and not at all when nothing waits) and
 * an idle thread that halts.  Every CPU runs threads: a new thread goes to
 * the least loaded CPU, a woken one to an idle CPU if its own is busy, and
 * an idle CPU takes work from a busy one (sched/balance.c).  Changing
 * another CPU's queue sends it an IPI (VECTOR_IPI_WAKE).
 *
 * The rest of the kernel runs under the big kernel lock
 * (arch/x86_64/kernel_lock.h): a thread gives it back when it switches
 * away and takes it again when it runs on, after letting go of the run
 * queue's lock. */
#ifndef SCHED_SCHED_H
#define SCHED_SCHED_H
#include <stdint.h>
#include <stdbool.h>
#include "arch/x86_64/fpu.h"
#include "arch/x86_64/spinlock.h"
#include "mm/user_window.h"
#include "lib/list.h"

#define SCHED_FOREVER UINT64_MAX        /* no deadline */
#define SCHED_SLICE_NS 4000000ull       /* a thread's time slice: 4 ms */
#define SCHED_MAX_CPUS 64
#define MAIN_TID 1                      /* the first thread's tid = the pid */

enum thread_state {
    THREAD_RUNNING,     /* on a CPU */
    THREAD_RUNNABLE,    /* on a run queue */
    THREAD_BLOCKED,     /* waiting for a wake-up or its deadline */
    THREAD_DEAD,        /* exited; freed by the next thread on its CPU */
};

/* Why a blocked thread runs again. */
enum wake_reason {
    WAKE_WOKEN = 0,     /* sched_wake */
    WAKE_TIMEOUT,       /* its deadline passed */
    WAKE_SIGNAL,        /* sched_wake_signal ended an interruptible wait */
};

struct thread_signals;

struct thread {
    struct fpu_state fpu;              /* first: 64-byte aligned */
    uint64_t saved_rsp;                /* context_switch's save slot */
    uint8_t *stack;                    /* kernel stack (guard page below) */
    int tid;
    enum thread_state state;
    enum wake_reason wake_reason;
    bool user;                         /* runs a program (not idle) */
    unsigned cpu;
    unsigned klock_depth;              /* the kernel lock it held when it switched away */
    void (*kernel_fn)(void *);         /* a kernel thread's work (sched_thread_new_kernel) */
    void *kernel_arg;
    uint64_t affinity;                 /* CPUs it may run on: bit i = CPU index i */
    unsigned rseq_cpu;                 /* the CPU last published in its rseq area, + 1 (0: none) */
    struct list_node run_node;         /* run queue */
    struct list_node timer_node;       /* the CPU's sleeping threads */
    uint64_t deadline;
    struct list_node all_node;         /* every live thread */
    uint64_t fs_base, gs_base;         /* user FS base; user GS (KERNEL_GS_BASE) */
    /* Registrations of the Linux thread ABI (unix/clone.c). */
    uint64_t clear_child_tid;
    uint64_t robust_list, robust_list_len;
    uint64_t rseq, rseq_len;
    uint32_t rseq_sig;
    /* The current system call works on an O_NONBLOCK file: it must not
     * block (pipes ask). */
    bool nonblock;
    struct user_window_state windows;
    /* Signals: the thread's state, owned by unix/ (unix/signal_thread.h),
     * and the two flags the scheduler reads.  sig_interruptible: the
     * thread's current wait may be ended by a signal (set by the waiter
     * around it); sig_wake: a signal came for it (sched_wake_signal), so
     * such a wait ends at once, or does not start (sched_block). */
    struct thread_signals *signals;
    bool sig_interruptible;
    bool sig_wake;
    /* CPU time (sched/cputime.c), written only on the CPU running the
     * thread, inside cpu_seq (odd while a write is under way). */
    uint32_t cpu_seq;
    bool cpu_on;                       /* on a CPU since cpu_stamp */
    bool cpu_in_user;                  /* in user mode since cpu_stamp */
    uint64_t cpu_stamp;
    uint64_t cpu_user_ns, cpu_sys_ns;
};

struct trap_frame;

/* Creates the first thread (tid 1, the one calling, which becomes the
 * program's main thread) and CPU 0's idle thread; sets the kernel stack. */
void sched_init(void);
/* The monotonic clock and the one-shot timer, registered by the clock
 * driver (a lower layer cannot call it): arm(deadline) asks for a timer
 * interrupt at deadline (SCHED_FOREVER: none). */
void sched_set_clock(uint64_t (*now_ns)(void), void (*arm)(uint64_t deadline_ns));
uint64_t sched_now_ns(void);
/* True once sched_init ran (before, sleeping spins on the clock). */
bool sched_running(void);

struct thread *sched_current(void);
/* A new thread that returns to user mode with the registers of frame and
 * the user FS base fs_base, in the runnable state.  NULL without memory. */
struct thread *sched_thread_new_user(const struct trap_frame *frame, uint64_t fs_base);
/* The user registers of t, saved at the top of its kernel stack when it
 * entered the kernel (system call or interrupt from user mode). */
struct trap_frame *sched_user_frame(struct thread *t);
/* A kernel thread that runs fn(arg) (never returning), not yet runnable:
 * sched_start it.  NULL without memory. */
struct thread *sched_thread_new_kernel(void (*fn)(void *), void *arg);
/* Makes t runnable (it must come from sched_thread_new_user or _kernel). */
void sched_start(struct thread *t);
/* Live program threads. */
unsigned sched_thread_count(void);
struct thread *sched_thread_by_tid(int tid);
/* The calling thread leaves for good: the number of program threads that
 * remain is returned first by sched_thread_leave (0: it was the last, and
 * the caller ends the program instead of calling sched_exit). */
unsigned sched_thread_leave(void);
void sched_exit(void) __attribute__((noreturn));
/* The program is ending: no other thread runs from now on. */
void sched_freeze_others(void);

/* Blocks the calling thread until sched_wake or deadline (SCHED_FOREVER:
 * none).  held, if not NULL, is a spinlock the caller holds (taken with
 * interrupts off): it is released only after the thread is marked blocked,
 * so a wake-up between the caller's check and the switch is not lost.
 * Returns with interrupts off (the caller restores what it saved). */
enum wake_reason sched_block(struct spinlock *held, uint64_t deadline);
/* Wakes t if it is blocked; true if it was. */
bool sched_wake(struct thread *t);
/* A signal came for t: sets t->sig_wake and, if t is blocked in an
 * interruptible wait, wakes it (WAKE_SIGNAL); if it runs on another CPU,
 * kicks it there so it sees the signal on its way back to user mode.
 * True if it was woken. */
bool sched_wake_signal(struct thread *t);
/* Makes the CPU running t enter the kernel soon (an IPI with SMP), so that
 * it passes through the way back to user mode (sched/kick.c). */
void sched_kick(struct thread *t);
/* Sleeps the calling thread until the monotonic clock reaches deadline:
 * WAKE_TIMEOUT then, or WAKE_WOKEN / WAKE_SIGNAL if sched_wake or
 * sched_wake_signal ended the sleep early. */
enum wake_reason sched_sleep_until(uint64_t deadline_ns);
void sched_yield(void);
/* On the way back to user mode: switches if the time slice is over and
 * another thread waits. */
void sched_return_to_user(void);
/* Someone else programmed the one-shot timer (a driver polling a device
 * with a short wake-up): the scheduler arms it again for its own needs. */
void sched_timer_reset(void);
/* The timer interrupt (clock driver): deadlines and time slices. */
void sched_timer_interrupt(void);

/* CPUs: the calling one's index (0 = the boot CPU), and how many run
 * threads.  sched_start_aps (init/smp.c, after the APs came up) makes
 * every online AP run its own queue. */
unsigned sched_cpu_index(void);
unsigned sched_cpu_count(void);
void sched_start_aps(void);
/* The mask of CPUs running threads (bit i = CPU index i). */
uint64_t sched_online_mask(void);
/* Restricts t to the CPUs of mask (it must contain an online one:
 * otherwise -EINVAL); the calling thread moves at once if its CPU is no
 * longer allowed. */
int sched_set_affinity(struct thread *t, uint64_t mask);
/* If t runs on another CPU, interrupts that CPU so that t passes through
 * the kernel soon (sched_return_to_user, signal delivery) (sched/kick.c). */
void sched_kick(struct thread *t);
/* CPU time: the time a thread spent on a CPU, in user mode and in the
 * kernel, on the scheduler's clock (sched/cputime.c).  The kernel tells
 * the two apart at system-call entry (sched_cputime_enter_kernel) and on
 * the way back to user mode (sched_return_to_user, a new thread's first
 * entry); an interrupt or a fault taken in user mode counts as user time,
 * as a tick-less Linux would see nearly the same. */
struct sched_cputime { uint64_t user_ns, sys_ns; };
void sched_cputime_enter_kernel(void);
void sched_cputime_enter_user(void);
/* One live thread's (false if tid is no live program thread) and the
 * program's: its live threads' plus the ones that exited. */
bool sched_thread_cputime(int tid, struct sched_cputime *out);
void sched_process_cputime(struct sched_cputime *out);

/* Called on the way back to user mode (kernel lock held) with the thread
 * about to return: unix/rseq_cpu.c publishes its CPU for sched_getcpu. */
void sched_set_user_resume_hook(void (*fn)(struct thread *t));

#endif
