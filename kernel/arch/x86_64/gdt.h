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

/* Per-CPU data at GS in the kernel (offsets are used by entry.asm). */
struct percpu {
    uint64_t kernel_rsp;   /* 0: stack for system calls */
    uint64_t user_rsp;     /* 8: scratch for the user RSP */
};
extern struct percpu percpu0;

void gdt_init(void);
/* Sets the stack the CPU switches to when ring 3 is interrupted or calls the
 * kernel. */
void gdt_set_kernel_stack(uint64_t top);
void gdt_set_ist(unsigned ist, uint64_t top);

#endif
