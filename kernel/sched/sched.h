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
 * a deadline (driven by the LAPIC one-shot timer, armed for the nearest
 * deadline or the end of the slice, and not at all when nothing waits) and
 * an idle thread that halts.  Only CPU 0 runs threads today; the per-CPU
 * structure and the locks are there so that SMP needs no new design. */
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
};

struct thread {
    struct fpu_state fpu;              /* first: 64-byte aligned */
    uint64_t saved_rsp;                /* context_switch's save slot */
    uint8_t *stack;                    /* kernel stack (guard page below) */
    int tid;
    enum thread_state state;
    enum wake_reason wake_reason;
    bool user;                         /* runs a program (not idle) */
    unsigned cpu;
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
/* A kernel thread (no program registers, tid 0) that runs fn(arg) and
 * never returns, in the blocked state until sched_start.  NULL without
 * memory.  (The network thread, net/thread.c.) */
struct thread *sched_thread_new_kernel(void (*fn)(void *), void *arg);
/* Makes t runnable (it must come from sched_thread_new_user or
 * sched_thread_new_kernel). */
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
/* Sleeps the calling thread until the monotonic clock reaches deadline:
 * WAKE_TIMEOUT then, or WAKE_WOKEN if sched_wake ended the sleep early
 * (nobody does yet: the hook for a signal to interrupt nanosleep). */
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

#endif
