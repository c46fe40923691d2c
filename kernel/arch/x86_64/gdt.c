#include "arch/x86_64/gdt.h"
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/trap.h"
#include "lib/string.h"

static struct cpu_tables tables0;
struct percpu percpu0;

/* Order matters: SYSCALL loads CS = STAR[47:32] and SS = + 8; SYSRET
 * loads CS = STAR[63:48] + 16 and SS = + 8 (gdt.h: Linux's selectors). */
void gdt_init_cpu(struct percpu *pc, struct cpu_tables *t)
{
    uint64_t *gdt = t->gdt;
    struct tss *tss = &t->tss;
    gdt[0] = 0;
    gdt[1] = 0x00209a0000000000ull;  /* 0x08 kernel code (the boot GDT's) */
    gdt[2] = 0x00209a0000000000ull;  /* 0x10 kernel code */
    gdt[3] = 0x0000920000000000ull;  /* 0x18 kernel data */
    gdt[4] = 0x00cffa000000ffffull;  /* 0x20 user code, 32-bit (unused) */
    gdt[5] = 0x0000f20000000000ull;  /* 0x28 user data */
    gdt[6] = 0x0020fa0000000000ull;  /* 0x30 user code */
    gdt[7] = 0;
    uint64_t base = (uint64_t)tss;
    uint64_t limit = sizeof(*tss) - 1;
    gdt[8] = (limit & 0xffff) | ((base & 0xffffff) << 16) | (0x89ull << 40) |
             (((limit >> 16) & 0xf) << 48) | (((base >> 24) & 0xff) << 56);
    gdt[9] = base >> 32;
    tss->iopb = sizeof(*tss);
    pc->self = pc;
    pc->tables = t;

    struct { uint16_t limit; uint64_t base; } __attribute__((packed)) ptr = { sizeof(t->gdt) - 1, (uint64_t)gdt };
    __asm__ volatile("lgdt %0" : : "m"(ptr));
    __asm__ volatile(
        "pushq %0\n"
        "leaq 1f(%%rip), %%rax\n"
        "pushq %%rax\n"
        "lretq\n"
        "1:\n"
        "movw %1, %%ax\n"
        "movw %%ax, %%ds\n"
        "movw %%ax, %%es\n"
        "movw %%ax, %%ss\n"
        "xorw %%ax, %%ax\n"
        "movw %%ax, %%fs\n"
        "movw %%ax, %%gs\n"
        : : "i"(KERNEL_CS), "i"(KERNEL_DS) : "rax", "memory");
    __asm__ volatile("ltr %w0" : : "r"((uint16_t)TSS_SEL));

    wrmsr(MSR_GS_BASE, (uint64_t)pc);
    wrmsr(MSR_KERNEL_GS_BASE, 0);
    wrmsr(MSR_STAR, ((uint64_t)USER32_CS << 48) | ((uint64_t)KERNEL_CS << 32));
    wrmsr(MSR_LSTAR, (uint64_t)syscall_entry);
    /* Mask TF, IF, DF, NT and AC on entry. */
    wrmsr(MSR_FMASK, 0x100 | 0x200 | 0x400 | 0x4000 | 0x40000);
}

void gdt_init(void)
{
    gdt_init_cpu(&percpu0, &tables0);
}

void gdt_set_kernel_stack(uint64_t top)
{
    struct percpu *pc = this_cpu();
    pc->tables->tss.rsp[0] = top;
    pc->kernel_rsp = top;
}

void gdt_set_ist(unsigned ist, uint64_t top)
{
    this_cpu()->tables->tss.ist[ist - 1] = top;
}
