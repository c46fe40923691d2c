#include "arch/x86_64/fpu.h"
#include "arch/x86_64/cpu.h"
#include "lib/string.h"

#define XFEATURE_FP_SSE 0x3ull
#define MXCSR_DEFAULT 0x1f80u
#define MXCSR_MASK_DEFAULT 0xffbfu      /* when FXSAVE reports 0 (SDM 10.5.1.2) */

static struct {
    bool ready, xsave;
    size_t size;
    uint64_t xfeatures;
    uint32_t mxcsr_mask;
} fpu;

static uint8_t init_image[FPU_STATE_MAX] __attribute__((aligned(64)));
static uint8_t probe[512] __attribute__((aligned(64)));

/* Read once, on first use: cpu_init has set CR4 and XCR0 by then. */
static void fpu_probe(void)
{
    if (fpu.ready)
        return;
    fpu.xsave = (read_cr4() & CR4_OSXSAVE) != 0;
    fpu.size = 512;
    fpu.xfeatures = XFEATURE_FP_SSE;
    if (fpu.xsave) {
        fpu.xfeatures = cpu_xcr0();   /* not XGETBV: see cpu.h */
        size_t size = cpuid(0xd, 0).ebx;
        fpu.size = size >= 576 && size <= FPU_STATE_MAX ? size : 576;
    }
    memset(probe, 0, sizeof(probe));
    __asm__ volatile("fxsave64 %0" : "=m"(probe) : : "memory");
    uint32_t mask;
    memcpy(&mask, probe + 28, 4);
    fpu.mxcsr_mask = mask ? mask : MXCSR_MASK_DEFAULT;
    /* All-zero header: XRSTOR puts every component in its initial state
     * and loads MXCSR from the legacy area. */
    memset(init_image, 0, sizeof(init_image));
    uint16_t fcw = 0x37f;
    uint32_t mxcsr = MXCSR_DEFAULT;
    memcpy(init_image + 0, &fcw, 2);
    memcpy(init_image + 24, &mxcsr, 4);
    fpu.ready = true;
}

bool fpu_uses_xsave(void) { fpu_probe(); return fpu.xsave; }
size_t fpu_state_size(void) { fpu_probe(); return fpu.size; }
uint64_t fpu_xfeatures(void) { fpu_probe(); return fpu.xfeatures; }
uint32_t fpu_mxcsr_mask(void) { fpu_probe(); return fpu.mxcsr_mask; }

void fpu_save(void *buf)
{
    fpu_probe();
    memset(buf, 0, fpu.size);
    if (fpu.xsave)
        __asm__ volatile("xsave64 (%0)" : : "r"(buf), "a"(0xffffffffu), "d"(0xffffffffu) : "memory");
    else
        __asm__ volatile("fxsave64 (%0)" : : "r"(buf) : "memory");
}

void fpu_restore(const void *buf)
{
    fpu_probe();
    if (fpu.xsave)
        __asm__ volatile("xrstor64 (%0)" : : "r"(buf), "a"(0xffffffffu), "d"(0xffffffffu) : "memory");
    else
        __asm__ volatile("fxrstor64 (%0)" : : "r"(buf) : "memory");
}

void fpu_reset(void)
{
    fpu_restore(init_image);
}
