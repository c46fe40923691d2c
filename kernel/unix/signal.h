/* Signals, delivered to the program's handlers as Linux delivers them.
 *
 * A signal becomes pending (kill, tgkill, raise, a fault, a broken pipe)
 * and is delivered on the way back to user mode, after a system call or an
 * exception or interrupt from user mode: a handler gets a Linux signal
 * frame (unix/signal_frame.h) and returns through rt_sigreturn; the
 * default action ends the program with 128+N or ignores the signal.
 *
 * Actions and the signals sent to the whole program (kill, timers with
 * SIGEV_SIGNAL, the host's Ctrl-C) live in struct process; each thread has
 * its own mask, alternate stack, signals sent to it alone (tgkill, faults,
 * SIGPIPE, SIGEV_THREAD_ID timers) and saved mask (unix/signal_thread.h).
 * A signal for the program goes to a thread that does not block it, the
 * sender itself if it can, as Linux chooses; the chosen thread, if it is
 * blocked in an interruptible wait (pipes, futexes, sleeps, poll, epoll,
 * sigsuspend...), is woken: the wait returns -ERESTARTSYS or a cousin, and
 * the way back to user mode turns that into EINTR or a restart. */
#ifndef UNIX_SIGNAL_H
#define UNIX_SIGNAL_H
#include <stdint.h>
#include <stdbool.h>

struct trap_frame;
struct thread;

#define SIG_DFL 0
#define SIG_IGN 1

#define SA_SIGINFO 0x4u
#define SA_ONSTACK 0x08000000u
#define SA_RESTART 0x10000000u
#define SA_NODEFER 0x40000000u
#define SA_RESETHAND 0x80000000u
#define SA_RESTORER 0x04000000u

/* si_code values (asm-generic/siginfo.h). */
#define SI_USER 0
#define SI_KERNEL 0x80
#define SI_QUEUE (-1)
#define SI_TIMER (-2)
#define SI_TKILL (-6)
#define ILL_ILLOPN 2
#define FPE_INTDIV 1
#define FPE_FLTDIV 3
#define FPE_FLTOVF 4
#define FPE_FLTUND 5
#define FPE_FLTRES 6
#define FPE_FLTINV 7
#define FPE_FLTUNK 14
#define SEGV_MAPERR 1
#define SEGV_ACCERR 2
#define BUS_ADRALN 1
#define TRAP_BRKPT 1
#define TRAP_TRACE 2

/* What the kernel knows of one pending signal. */
struct signal_info {
    int32_t signo, code;
    int32_t pid;                        /* sender (SI_USER, SI_TKILL, SI_QUEUE) */
    uint32_t uid;
    uint64_t value;                     /* si_value (SI_QUEUE; timers later) */
    uint64_t addr;                      /* faults: si_addr */
    uint64_t trapno, error, cr2;        /* faults: for the sigcontext */
    const char *why;                    /* cloak's summary if it kills */
};

/* Makes info->signo pending for the program, unless it is ignored (then
 * it is dropped, as Linux does for an unblocked ignored signal), and wakes
 * the thread that is to take it.  Safe in interrupt context: it only
 * marks and wakes. */
void signal_send(const struct signal_info *info);
/* A fault's signal: pending if a handler will take it (true); false when
 * it is blocked, ignored or SIG_DFL, and the caller ends the program. */
bool signal_send_fault(const struct signal_info *info);
/* Linux's force_sig: sig pending and unblocked, by its default action if
 * it was blocked or ignored (a bad signal frame, a frame that cannot be
 * written). */
void signal_force(int sig, const char *why);
/* The way back to user mode (system-call return, exception, interrupt):
 * delivers what is pending and unblocked.  ret is a system call's result
 * (from_syscall), which an interrupted call may turn into -EINTR or a
 * restart (unix/sigset.h).  Returns true when the frame changed in a way
 * SYSRET cannot restore (every register must come back: IRET). */
bool signal_exit_to_user(struct trap_frame *f, bool from_syscall, uint64_t syscall_nr);
/* For blocking code: true when a signal is pending for the calling
 * thread that would run a handler or end the program, so the wait should
 * stop and return -ERESTARTSYS (or -EINTR). */
bool signal_pending_interrupts(void);
/* A timer's signal, to thread t or (t NULL) the program: if the same
 * timer's signal is still pending, its si_overrun grows by expirations
 * instead.  Returns the overrun count the program will see. */
int32_t signal_send_timer(struct thread *t, const struct signal_info *info, uint32_t expirations);
/* The calling thread blocked sigs or is leaving: the program-wide
 * pending ones among them go to another thread that takes them (Linux's
 * retarget_shared_pending). */
void signal_retarget(uint64_t sigs);
/* Takes the next pending signal of set for the calling thread (its own
 * first, then the program's) and its siginfo; 0 if none. */
int signal_take(uint64_t set, struct signal_info *info);
/* The main thread's signal state exists (it is made on first use). */
void signal_attach_main(void);
/* rt_sigreturn's work on the frame of the system call: the registers, mask,
 * alternate stack and FPU state the frame holds; RAX to return. */
int64_t signal_return(struct trap_frame *f);

#endif
