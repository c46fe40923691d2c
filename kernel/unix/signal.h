/* Signals, delivered to the program's handlers as Linux delivers them.
 *
 * A signal becomes pending (kill, tgkill, raise, a fault, a broken pipe)
 * and is delivered on the way back to user mode, after a system call or an
 * exception or interrupt from user mode: a handler gets a Linux signal
 * frame (unix/signal_frame.h) and returns through rt_sigreturn; the
 * default action ends the program with 128+N or ignores the signal.
 *
 * The state lives in struct process (unix/process.h) and is process-wide
 * while cloak runs one thread.  When threads land, the mask, the alternate
 * stack, the pending set for signals sent to one thread (tgkill, faults)
 * and saved_sigmask become per thread; actions and the process-wide
 * pending set stay in the process. */
#ifndef UNIX_SIGNAL_H
#define UNIX_SIGNAL_H
#include <stdint.h>
#include <stdbool.h>

struct trap_frame;

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
 * it is dropped, as Linux does for an unblocked ignored signal). */
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
/* For blocking code (once the scheduler lands): true when a signal is
 * pending that would run a handler or end the program, so the wait should
 * stop and return -ERESTARTSYS (or -EINTR). */
bool signal_pending_interrupts(void);
/* rt_sigreturn's work on the frame of the system call: the registers, mask,
 * alternate stack and FPU state the frame holds; RAX to return. */
int64_t signal_return(struct trap_frame *f);

#endif
