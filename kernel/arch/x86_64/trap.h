#ifndef ARCH_TRAP_H
#define ARCH_TRAP_H
#include <stdint.h>
#include <stdbool.h>

/* Register state saved on every entry to the kernel (see entry.asm). */
struct trap_frame {
    uint64_t r15, r14, r13, r12, r11, r10, r9, r8;
    uint64_t rbp, rdi, rsi, rdx, rcx, rbx, rax;
    uint64_t vector, error;
    uint64_t rip, cs, rflags, rsp, ss;
};

#define VECTOR_NMI 2
#define VECTOR_BREAKPOINT 3
#define VECTOR_OVERFLOW 4
#define VECTOR_DOUBLE_FAULT 8
#define VECTOR_PAGE_FAULT 14
#define VECTOR_MACHINE_CHECK 18
#define VECTOR_TIMER 0x20
#define VECTOR_SPURIOUS 0xff
#define VECTOR_SYSCALL 0x100

#define PF_PRESENT (1u << 0)
#define PF_WRITE   (1u << 1)
#define PF_USER    (1u << 2)
#define PF_RSVD    (1u << 3)
#define PF_FETCH   (1u << 4)

static inline bool trap_from_user(const struct trap_frame *f) { return (f->cs & 3) == 3; }

/* Handlers registered by higher layers.  A page-fault handler returns true
 * when it resolved the fault (demand paging).  The user-fault handler is
 * called for an exception in ring 3 that nobody resolved; it returns only
 * when the program's signal handler is to take the fault.  The user-exit
 * hook runs last on every way back to ring 3 from an exception or
 * interrupt (signal delivery). */
typedef bool (*page_fault_handler_fn)(uint64_t addr, uint64_t error, bool user);
typedef void (*user_fault_handler_fn)(struct trap_frame *f, uint64_t cr2);
typedef void (*irq_handler_fn)(struct trap_frame *f);
typedef void (*user_exit_hook_fn)(struct trap_frame *f);

void trap_set_page_fault_handler(page_fault_handler_fn fn);
void trap_set_user_fault_handler(user_fault_handler_fn fn);
void trap_set_irq_handler(unsigned vector, irq_handler_fn fn);
void trap_set_user_exit_hook(user_exit_hook_fn fn);
/* entry.asm calls it after trap_dispatch when returning to ring 3 (signal
 * delivery). */
void trap_exit_to_user(struct trap_frame *f);
/* Called after an interrupt that came from user mode, before returning
 * there and before the exit hook (the scheduler: the end of a time slice
 * switches threads). */
void trap_set_user_return_hook(void (*fn)(void));

void trap_init(void);
void trap_load_idt(void);
/* True once a system call arrived the way PVM (KVM without VMX) delivers
 * them: the kernel runs in hardware ring 3 and KVM emulates part of it. */
bool trap_kernel_deprivileged(void);
const char *trap_vector_name(uint64_t vector);
void trap_dump(const struct trap_frame *f, uint64_t cr2);
void backtrace_from(uint64_t rbp, uint64_t rip);
void backtrace_here(void);

/* entry.asm */
void user_enter(struct trap_frame *f) __attribute__((noreturn));
void syscall_entry(void);

#endif
