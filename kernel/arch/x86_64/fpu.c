#include "arch/x86_64/fpu.h"
#include "arch/x86_64/cpu.h"
#include "lib/log.h"

static bool use_xsave;

void fpu_init(void)
{
    use_xsave = cpu_features.xsave;
    if (use_xsave) {
        /* CPUID.(EAX=0DH,ECX=0):EBX: the XSAVE area size for what XCR0 enables. */
        uint32_t size = cpuid(0xd, 0).ebx;
        if (size > FPU_STATE_SIZE)
            panic("fpu: XSAVE area of %u bytes is larger than %u", size, FPU_STATE_SIZE);
    }
}

/* All enabled components (EDX:EAX all ones: XCR0 limits them). */
void fpu_save(struct fpu_state *s)
{
    if (use_xsave)
        __asm__ volatile("xsave64 (%0)" : : "r"(s->area), "a"(-1), "d"(-1) : "memory");
    else
        __asm__ volatile("fxsave64 (%0)" : : "r"(s->area) : "memory");
}

void fpu_restore(const struct fpu_state *s)
{
    if (use_xsave)
        __asm__ volatile("xrstor64 (%0)" : : "r"(s->area), "a"(-1), "d"(-1) : "memory");
    else
        __asm__ volatile("fxrstor64 (%0)" : : "r"(s->area) : "memory");
}
