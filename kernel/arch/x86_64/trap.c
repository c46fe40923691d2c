#include "arch/x86_64/trap.h"
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/gdt.h"
#include "arch/x86_64/kernel_lock.h"
#include "lib/log.h"
#include "lib/ksyms.h"

struct idt_entry {
    uint16_t offset_lo;
    uint16_t selector;
    uint8_t ist;
    uint8_t type;
    uint16_t offset_mid;
    uint32_t offset_hi;
    uint32_t reserved;
} __attribute__((packed));

static struct idt_entry idt[256];
extern const uint64_t isr_table[256];

static page_fault_handler_fn page_fault_handler;
static user_fault_handler_fn user_fault_handler;
static irq_handler_fn irq_handlers[256];
static user_exit_hook_fn user_exit_hook;
static void (*user_return_hook)(void);

static const char *const exception_names[32] = {
    "divide error", "debug", "NMI", "breakpoint", "overflow", "bound range",
    "invalid opcode", "device not available", "double fault", "coprocessor overrun",
    "invalid TSS", "segment not present", "stack fault", "general protection",
    "page fault", "reserved", "x87 floating point", "alignment check",
    "machine check", "SIMD floating point", "virtualization", "control protection",
    "reserved", "reserved", "reserved", "reserved", "reserved", "reserved",
    "hypervisor injection", "VMM communication", "security", "reserved",
};

const char *trap_vector_name(uint64_t vector)
{
    if (vector < 32)
        return exception_names[vector];
    if (vector == VECTOR_SYSCALL)
        return "system call";
    return "interrupt";
}

static void set_gate(unsigned v, uint64_t handler, unsigned ist)
{
    idt[v].offset_lo = handler & 0xffff;
    idt[v].selector = KERNEL_CS;
    idt[v].ist = ist;
    idt[v].type = 0x8e;                 /* present, DPL 0, interrupt gate */
    idt[v].offset_mid = (handler >> 16) & 0xffff;
    idt[v].offset_hi = handler >> 32;
}

/* Events that must not run on a possibly broken or busy stack get one each:
 * a double fault (often the kernel stack overflowing), and an NMI or a
 * machine check, which arrive anywhere, even at the first instruction of
 * another handler, and must not share a stack with each other. */
enum { IST_DOUBLE_FAULT = 1, IST_NMI, IST_MACHINE_CHECK, IST_COUNT = IST_MACHINE_CHECK };
#define IST_STACK_SIZE 8192
__attribute__((aligned(16))) static uint8_t ist_stacks[IST_COUNT][IST_STACK_SIZE];

static uint64_t ist_top(unsigned ist)
{
    return (uint64_t)ist_stacks[ist - 1] + IST_STACK_SIZE;
}

/* On the calling CPU's IST stack (every CPU has its own, arch/x86_64/smp.c). */
static bool on_ist(const void *p, unsigned ist)
{
    uint64_t a = (uint64_t)p, top = this_cpu()->tables->tss.ist[ist - 1];
    return a < top && a >= top - IST_STACK_SIZE;
}

void trap_init(void)
{
    for (unsigned v = 0; v < 256; v++)
        set_gate(v, isr_table[v], 0);
    for (unsigned ist = 1; ist <= IST_COUNT; ist++)
        gdt_set_ist(ist, ist_top(ist));
    set_gate(VECTOR_DOUBLE_FAULT, isr_table[VECTOR_DOUBLE_FAULT], IST_DOUBLE_FAULT);
    set_gate(VECTOR_NMI, isr_table[VECTOR_NMI], IST_NMI);
    set_gate(VECTOR_MACHINE_CHECK, isr_table[VECTOR_MACHINE_CHECK], IST_MACHINE_CHECK);
    /* INT3 and INTO may be executed by the program (DPL 3, as on Linux):
     * a breakpoint is then SIGTRAP, not a #GP. */
    idt[VECTOR_BREAKPOINT].type = 0xee;
    idt[VECTOR_OVERFLOW].type = 0xee;
    struct { uint16_t limit; uint64_t base; } __attribute__((packed)) ptr = { sizeof(idt) - 1, (uint64_t)idt };
    __asm__ volatile("lidt %0" : : "m"(ptr));
}

/* Every application processor loads the same IDT (arch/x86_64/smp.c). */
void trap_load_idt(void)
{
    struct { uint16_t limit; uint64_t base; } __attribute__((packed)) ptr = { sizeof(idt) - 1, (uint64_t)idt };
    __asm__ volatile("lidt %0" : : "m"(ptr));
}

void trap_set_page_fault_handler(page_fault_handler_fn fn) { page_fault_handler = fn; }
void trap_set_user_fault_handler(user_fault_handler_fn fn) { user_fault_handler = fn; }
void trap_set_irq_handler(unsigned vector, irq_handler_fn fn) { irq_handlers[vector] = fn; }
void trap_set_user_exit_hook(user_exit_hook_fn fn) { user_exit_hook = fn; }

void trap_exit_to_user(struct trap_frame *f)
{
    if (user_exit_hook)
        user_exit_hook(f);
    kernel_lock_release();             /* taken in trap_dispatch */
}
void trap_set_user_return_hook(void (*fn)(void)) { user_return_hook = fn; }

static void print_symbol(const char *prefix, uint64_t addr)
{
    uint64_t offset;
    const char *name = ksyms_lookup(addr, &offset);
    if (name)
        klog("%s%016lx %s+0x%lx", prefix, addr, name, offset);
    else
        klog("%s%016lx ?", prefix, addr);
}

/* Walks the frame-pointer chain; stops at anything that does not look like
 * a frame on this kernel stack, so a corrupt stack cannot fault us. */
void backtrace_from(uint64_t rbp, uint64_t rip)
{
    klog("backtrace:");
    print_symbol("  ", rip);
    uint64_t low = rbp;
    for (int depth = 0; depth < 24; depth++) {
        if (rbp < low || rbp > low + 65536 || (rbp & 7) || rbp < 0xffff800000000000ull)
            break;
        uint64_t *frame = (uint64_t *)rbp;
        uint64_t ret = frame[1];
        if (ret < 0xffffffff80000000ull)
            break;
        print_symbol("  ", ret);
        rbp = frame[0];
    }
}

void backtrace_here(void)
{
    uint64_t rbp;
    __asm__ volatile("mov %%rbp, %0" : "=r"(rbp));
    backtrace_from(rbp, (uint64_t)__builtin_return_address(0));
}

void trap_dump(const struct trap_frame *f, uint64_t cr2)
{
    klog("exception %lu (%s), error code 0x%lx, in %s mode", f->vector,
         trap_vector_name(f->vector), f->error, trap_from_user(f) ? "user" : "kernel");
    print_symbol("RIP ", f->rip);
    klog("CR2 %016lx  CR3 %016lx  RFLAGS %016lx", cr2, read_cr3(), f->rflags);
    klog("RAX %016lx  RBX %016lx  RCX %016lx", f->rax, f->rbx, f->rcx);
    klog("RDX %016lx  RSI %016lx  RDI %016lx", f->rdx, f->rsi, f->rdi);
    klog("RBP %016lx  RSP %016lx  R8  %016lx", f->rbp, f->rsp, f->r8);
    klog("R9  %016lx  R10 %016lx  R11 %016lx", f->r9, f->r10, f->r11);
    klog("R12 %016lx  R13 %016lx  R14 %016lx", f->r12, f->r13, f->r14);
    klog("R15 %016lx  CS %lx  SS %lx", f->r15, f->cs, f->ss);
    if (f->vector == VECTOR_PAGE_FAULT)
        klog("page fault: %s %s, %s", f->error & PF_PRESENT ? "protection violation" : "page not present",
             f->error & PF_FETCH ? "on instruction fetch" : f->error & PF_WRITE ? "on write" : "on read",
             f->error & PF_RSVD ? "reserved bit set" : "no reserved bit");
}

/* entry.asm calls it for SYSCALL; so does syscall_left_in_ring3. */
int syscall_dispatch(struct trap_frame *f);

static bool deprivileged;

bool trap_kernel_deprivileged(void)
{
    return deprivileged;
}

/* The flags a program may set (as sigreturn allows): never IOPL or VM. */
#define USER_RFLAGS 0x240dd5ull

/* Under PVM (KVM without VMX: kvm_pvm) a SYSCALL from ring 3 can arrive
 * half done: RIP = LSTAR, RCX and R11 set, RFLAGS masked, but still in
 * ring 3, so the first fetch at syscall_entry faults (user, fetch).  The
 * frame then holds everything SYSCALL would have saved: finish the call
 * here and return with IRET.  A program jumping to syscall_entry gets the
 * same, which is no more than it could do with SYSCALL. */
static bool syscall_left_in_ring3(struct trap_frame *f, uint64_t cr2)
{
    if (f->vector != VECTOR_PAGE_FAULT || !trap_from_user(f) || !(f->error & PF_FETCH) ||
        cr2 != (uint64_t)syscall_entry || f->rip != cr2 || f->rcx >= 0x00007ffffffff000ull)
        return false;
    if (!deprivileged) {
        deprivileged = true;
        klog("trap: SYSCALL left in ring 3 by the host (PVM?): system calls go through the fault path");
    }
    f->rip = f->rcx;
    f->rflags = (f->r11 & USER_RFLAGS) | 0x202;
    syscall_dispatch(f);
    return true;
}

void trap_dispatch(struct trap_frame *f)
{
    uint64_t v = f->vector;
    if (v >= 32) {
        if (irq_handlers[v])
            irq_handlers[v](f);
        /* The kernel lock only after the handler (and its EOI): the CPU
         * holding it may wait for an IPI this one must take. */
        if (trap_from_user(f)) {
            kernel_lock_acquire();
            if (user_return_hook)
                user_return_hook();
        }
        return;
    }
    if (v == VECTOR_NMI) {
        /* The host's "inject NMI" (a diagnostic request) or a hardware
         * event: reported, never fatal, as Linux does for unknown NMIs. */
        if (trap_from_user(f))
            kernel_lock_acquire();
        klog("NMI received (%s stack), ignored", on_ist(f, IST_NMI) ? "on its own" : "NOT on its own");
        return;
    }
    uint64_t cr2 = v == VECTOR_PAGE_FAULT ? read_cr2() : 0;
    bool user = trap_from_user(f);
    if (user)
        kernel_lock_acquire();         /* given back in trap_exit_to_user */
    extern char rdmsr_safe_insn[];
    extern volatile int rdmsr_safe_ok;
    if (v == 13 && !user && f->rip == (uint64_t)rdmsr_safe_insn) {
        rdmsr_safe_ok = 0;             /* the MSR does not exist: skip RDMSR */
        f->rip += 2;
        f->rax = f->rdx = 0;
        return;
    }
    if (syscall_left_in_ring3(f, cr2))
        return;
    if (v == VECTOR_PAGE_FAULT && page_fault_handler && !(f->error & PF_RSVD) &&
        page_fault_handler(cr2, f->error, user))
        return;
    if (user && user_fault_handler) {
        user_fault_handler(f, cr2);
        return;
    }
    /* One line that says what and where: cloak shows it without -v. */
    uint64_t off = 0;
    const char *fn = ksyms_lookup(f->rip, &off);
    if (fn)
        klog("PANIC: kernel fault: %s at RIP 0x%lx (%s+0x%lx)", trap_vector_name(v), f->rip, fn, off);
    else
        klog("PANIC: kernel fault: %s at RIP 0x%lx", trap_vector_name(v), f->rip);
    trap_dump(f, cr2);
    if (!user)
        backtrace_from(f->rbp, f->rip);
    panic_stop();
}
