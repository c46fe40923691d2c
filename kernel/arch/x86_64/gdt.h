#ifndef ARCH_GDT_H
#define ARCH_GDT_H
#include <stdint.h>

/* Linux's layout.  A hypervisor may depend on it: PVM (KVM without VMX,
 * running the guest in hardware ring 3) refuses a STAR whose SYSRET CS is
 * not its host's user CS (0x33), and treats user code under any other CS
 * as 32-bit. */
#define KERNEL_CS   0x10
#define KERNEL_DS   0x18
#define USER32_CS   0x23
#define USER_DS     0x2b
#define USER_CS     0x33
#define TSS_SEL     0x40

/* Per-CPU data at GS in the kernel (offsets 0 and 8 are used by
 * entry.asm; keep them).  GS points at the running CPU's one from
 * gdt_init/gdt_init_cpu on. */
struct cpu_tables;
struct percpu {
    uint64_t kernel_rsp;   /* 0: stack for system calls */
    uint64_t user_rsp;     /* 8: scratch for the user RSP */
    struct percpu *self;   /* 16: this structure (this_cpu() reads it) */
    uint32_t cpu_index;    /* 24: 0 = the boot CPU, then in start-up order */
    uint32_t apic_id;      /* 28: its local APIC id */
    void *sched;           /* 32: the scheduler's per-CPU state (opaque here) */
    struct cpu_tables *tables; /* 40: this CPU's GDT and TSS */
};
extern struct percpu percpu0;

/* The 64-bit TSS: the stacks the CPU switches to. */
struct tss {
    uint32_t reserved0;
    uint64_t rsp[3];
    uint64_t reserved1;
    uint64_t ist[7];
    uint64_t reserved2;
    uint16_t reserved3;
    uint16_t iopb;
} __attribute__((packed));

/* One CPU's descriptor tables (each CPU needs its own TSS, so its own
 * GDT entry for it). */
struct cpu_tables {
    uint64_t gdt[10];
    struct tss tss;
} __attribute__((aligned(16)));

/* The running CPU's per-CPU area. */
static inline struct percpu *this_cpu(void)
{
    struct percpu *p;
    __asm__ volatile("movq %%gs:16, %0" : "=r"(p));
    return p;
}

/* The boot CPU: its static tables and percpu0. */
void gdt_init(void);
/* Loads t as the calling CPU's GDT and TSS, points GS at pc and sets the
 * SYSCALL MSRs (every CPU runs this once). */
void gdt_init_cpu(struct percpu *pc, struct cpu_tables *t);
/* Sets the stack the calling CPU switches to when ring 3 is interrupted or
 * calls the kernel. */
void gdt_set_kernel_stack(uint64_t top);
/* The calling CPU's IST stack `ist` (1..7). */
void gdt_set_ist(unsigned ist, uint64_t top);

#endif
