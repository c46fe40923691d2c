#include "arch/x86_64/cpu.h"
#include "lib/string.h"
#include "lib/log.h"

struct cpu_features cpu_features;
uint8_t cpu_smap_active;

static void detect(void)
{
    struct cpu_features *f = &cpu_features;
    struct cpuid_regs r = cpuid(0, 0);
    uint32_t max_leaf = r.eax;
    memcpy(f->vendor + 0, &r.ebx, 4);
    memcpy(f->vendor + 4, &r.edx, 4);
    memcpy(f->vendor + 8, &r.ecx, 4);
    f->vendor[12] = 0;

    r = cpuid(1, 0);
    f->hwcap = r.edx;
    f->rdrand = r.ecx & (1u << 30);
    f->xsave = r.ecx & (1u << 26);
    f->avx = r.ecx & (1u << 28);
    f->tsc_deadline = r.ecx & (1u << 24);
    f->x2apic = r.ecx & (1u << 21);
    if (max_leaf >= 7) {
        r = cpuid(7, 0);
        f->smep = r.ebx & (1u << 7);
        f->smap = r.ebx & (1u << 20);
        f->rdseed = r.ebx & (1u << 18);
    }
    uint32_t max_ext = cpuid(0x80000000, 0).eax;
    if (max_ext >= 0x80000001)
        f->nx = cpuid(0x80000001, 0).edx & (1u << 20);
    if (max_ext >= 0x80000007)
        f->invariant_tsc = cpuid(0x80000007, 0).edx & (1u << 8);
}

static inline void xsetbv(uint32_t reg, uint64_t v)
{
    __asm__ volatile("xsetbv" : : "c"(reg), "a"((uint32_t)v), "d"((uint32_t)(v >> 32)));
}

/* What cpu_init wrote to XCR0, for the other CPUs: kept rather than read
 * back, because XGETBV never completes under PVM (KVM without VMX, whose
 * instruction emulator lacks it: the boot CPU hung there). */
static uint64_t xcr0_written;

/* Turns on what the kernel and programs rely on: NX, write protection in
 * ring 0, SMEP/SMAP, and SSE/AVX state for user code (the kernel itself is
 * built without SSE, so it never touches that state). */
void cpu_init(void)
{
    detect();
    uint64_t efer = rdmsr(MSR_EFER) | EFER_SCE;
    if (cpu_features.nx)
        efer |= EFER_NXE;
    wrmsr(MSR_EFER, efer);

    write_cr0((read_cr0() | CR0_WP | (1u << 1)) & ~(uint64_t)(1u << 2)); /* MP on, EM off */
    uint64_t cr4 = read_cr4() | CR4_OSFXSR | CR4_OSXMMEXCPT;
    if (cpu_features.smep)
        cr4 |= CR4_SMEP;
    if (cpu_features.smap)
        cr4 |= CR4_SMAP;
    cpu_smap_active = cpu_features.smap;
    if (cpu_features.xsave)
        cr4 |= CR4_OSXSAVE;
    write_cr4(cr4);
    if (cpu_features.xsave) {
        struct cpuid_regs d = cpuid(0xd, 0);
        uint64_t supported = ((uint64_t)d.edx << 32) | d.eax;
        uint64_t want = 0x7; /* x87, SSE, AVX */
        xcr0_written = supported & want;
        xsetbv(0, xcr0_written);
    }
    __asm__ volatile("fninit");
    klog("cpu: %s nx=%d smep=%d smap=%d rdrand=%d rdseed=%d avx=%d",
         cpu_features.vendor, cpu_features.nx, cpu_features.smep, cpu_features.smap,
         cpu_features.rdrand, cpu_features.rdseed, cpu_features.avx);
}

uint64_t cpu_xcr0(void)
{
    return (read_cr4() & CR4_OSXSAVE) ? xcr0_written : 0;
}

void cpu_state_save(struct cpu_state *s)
{
    s->cr0 = read_cr0();
    s->cr4 = read_cr4();
    s->efer = rdmsr(MSR_EFER);
    s->xcr0 = (s->cr4 & CR4_OSXSAVE) ? xcr0_written : 0;
    s->pat = rdmsr(MSR_PAT);
}

/* CR0 and EFER's paging bits are already what the trampoline set; the rest
 * follows the boot CPU's.  XCR0 needs CR4.OSXSAVE first. */
void cpu_state_load(const struct cpu_state *s)
{
    write_cr0(s->cr0);
    write_cr4(s->cr4);
    wrmsr(MSR_EFER, s->efer);
    if (s->cr4 & CR4_OSXSAVE)
        xsetbv(0, s->xcr0);
    wrmsr(MSR_PAT, s->pat);
    __asm__ volatile("fninit");
}

/* RFLAGS.AC through PUSHF/POPF, not STAC/CLAC: KVM's instruction emulator
 * lacks those two, and under PVM (KVM without VMX) it runs kernel code. */
#define RFLAGS_AC (1ull << 18)

void user_access_begin(void)
{
    if (cpu_features.smap)
        __asm__ volatile("pushfq; orq %0, (%%rsp); popfq" : : "i"(RFLAGS_AC) : "memory", "cc");
}

void user_access_end(void)
{
    if (cpu_features.smap)
        __asm__ volatile("pushfq; andq %0, (%%rsp); popfq" : : "i"(~RFLAGS_AC) : "memory", "cc");
}

/* trap.c recovers a #GP at rdmsr_safe_insn by skipping the 2-byte RDMSR
 * and clearing rdmsr_safe_ok. */
volatile int rdmsr_safe_ok;

bool rdmsr_safe(uint32_t msr, uint64_t *value)
{
    uint32_t lo = 0, hi = 0;
    rdmsr_safe_ok = 1;
    __asm__ volatile(".globl rdmsr_safe_insn\n"
                     "rdmsr_safe_insn: rdmsr"
                     : "=a"(lo), "=d"(hi) : "c"(msr) : "memory");
    *value = ((uint64_t)hi << 32) | lo;
    return rdmsr_safe_ok;
}

void cpu_flush_cache_range(uint64_t va, uint64_t len)
{
    for (uint64_t p = va & ~63ull; p < va + len; p += 64)
        __asm__ volatile("clflush (%0)" : : "r"(p) : "memory");
    __asm__ volatile("mfence" ::: "memory");
}
