/* Thin wrappers around x86-64 instructions and CPU state. */
#ifndef ARCH_CPU_H
#define ARCH_CPU_H
#include <stdint.h>
#include <stdbool.h>

static inline void outb(uint16_t port, uint8_t v) { __asm__ volatile("outb %0, %1" : : "a"(v), "Nd"(port)); }
static inline void outw(uint16_t port, uint16_t v) { __asm__ volatile("outw %0, %1" : : "a"(v), "Nd"(port)); }
static inline void outl(uint16_t port, uint32_t v) { __asm__ volatile("outl %0, %1" : : "a"(v), "Nd"(port)); }
static inline uint8_t inb(uint16_t port) { uint8_t v; __asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"(port)); return v; }
static inline uint16_t inw(uint16_t port) { uint16_t v; __asm__ volatile("inw %1, %0" : "=a"(v) : "Nd"(port)); return v; }
static inline uint32_t inl(uint16_t port) { uint32_t v; __asm__ volatile("inl %1, %0" : "=a"(v) : "Nd"(port)); return v; }

static inline uint64_t rdmsr(uint32_t msr)
{
    uint32_t lo, hi;
    __asm__ volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr));
    return ((uint64_t)hi << 32) | lo;
}
static inline void wrmsr(uint32_t msr, uint64_t v)
{
    __asm__ volatile("wrmsr" : : "c"(msr), "a"((uint32_t)v), "d"((uint32_t)(v >> 32)));
}

struct cpuid_regs { uint32_t eax, ebx, ecx, edx; };
static inline struct cpuid_regs cpuid(uint32_t leaf, uint32_t sub)
{
    struct cpuid_regs r;
    __asm__ volatile("cpuid" : "=a"(r.eax), "=b"(r.ebx), "=c"(r.ecx), "=d"(r.edx) : "a"(leaf), "c"(sub));
    return r;
}

static inline uint64_t rdtsc(void)
{
    uint32_t lo, hi;
    __asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
    return ((uint64_t)hi << 32) | lo;
}

#define DEFINE_CR(n) \
    static inline uint64_t read_cr##n(void) { uint64_t v; __asm__ volatile("mov %%cr" #n ", %0" : "=r"(v)); return v; } \
    static inline void write_cr##n(uint64_t v) { __asm__ volatile("mov %0, %%cr" #n : : "r"(v) : "memory"); }
DEFINE_CR(0)
DEFINE_CR(2)
DEFINE_CR(3)
DEFINE_CR(4)
#undef DEFINE_CR

static inline void invlpg(uint64_t va) { __asm__ volatile("invlpg (%0)" : : "r"(va) : "memory"); }
static inline void cpu_halt(void) { __asm__ volatile("hlt"); }
static inline void irq_disable(void) { __asm__ volatile("cli" ::: "memory"); }
static inline void irq_enable(void) { __asm__ volatile("sti" ::: "memory"); }
/* Enables interrupts and halts in one step, so a wake-up interrupt between
 * the check and the halt is not lost (STI's one-instruction shadow). */
static inline void cpu_wait_for_interrupt(void) { __asm__ volatile("sti; hlt; cli" ::: "memory"); }
static inline void cpu_relax(void) { __asm__ volatile("pause"); }

#define MSR_EFER          0xc0000080
#define MSR_STAR          0xc0000081
#define MSR_LSTAR         0xc0000082
#define MSR_FMASK         0xc0000084
#define MSR_FS_BASE       0xc0000100
#define MSR_GS_BASE       0xc0000101
#define MSR_KERNEL_GS_BASE 0xc0000102
#define MSR_APIC_BASE     0x1b
#define MSR_PAT           0x277

#define EFER_SCE (1u << 0)
#define EFER_NXE (1u << 11)

#define CR0_WP (1u << 16)
#define CR4_OSFXSR (1u << 9)
#define CR4_OSXMMEXCPT (1u << 10)
#define CR4_FSGSBASE (1u << 16)
#define CR4_OSXSAVE (1u << 18)
#define CR4_SMEP (1u << 20)
#define CR4_SMAP (1u << 21)

/* What the CPU offers, filled by cpu_init(). */
struct cpu_features {
    bool nx, smep, smap, rdrand, rdseed, xsave, avx, invariant_tsc, tsc_deadline, x2apic;
    uint32_t hwcap;       /* CPUID.1:EDX, what Linux reports as AT_HWCAP */
    uint32_t hwcap2;
    char vendor[13];
};
extern struct cpu_features cpu_features;

void cpu_init(void);

/* The control state that makes a CPU run the kernel the way the boot CPU
 * does (paging modes, NX, WP, SMEP/SMAP, SSE/AVX state, memory types):
 * taken on the boot CPU after cpu_init, loaded on every other CPU. */
struct cpu_state {
    uint64_t cr0, cr4, efer, xcr0, pat;
};
void cpu_state_save(struct cpu_state *s);
/* What cpu_init wrote to XCR0 (0 without XSAVE): read back with XGETBV,
 * KVM's instruction emulator under PVM never completes. */
uint64_t cpu_xcr0(void);
void cpu_state_load(const struct cpu_state *s);
/* Writes back and evicts the cache lines of [va, va+len). */
void cpu_flush_cache_range(uint64_t va, uint64_t len);
/* RDMSR that survives a #GP (an MSR the CPU or hypervisor lacks). */
bool rdmsr_safe(uint32_t msr, uint64_t *value);

/* Supervisor access to user pages (SMAP).  cpu_smap_active tells the
 * interrupt entry whether CLAC exists. */
extern uint8_t cpu_smap_active;
void user_access_begin(void);
void user_access_end(void);

#endif
