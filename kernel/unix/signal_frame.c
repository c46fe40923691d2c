#include "unix/signal_frame.h"
#include "lib/string.h"

#define RED_ZONE 128                    /* the x86-64 ABI's, below rsp */
#define SW_BYTES_OFFSET 464
#define MXCSR_OFFSET 24
#define XSAVE_HEADER_OFFSET 512
#define XFEATURE_FP_SSE 0x3ull

struct fpx_sw_bytes {
    uint32_t magic1, extended_size;
    uint64_t xfeatures;
    uint32_t xstate_size, padding[7];
};
_Static_assert(sizeof(struct fpx_sw_bytes) == 48, "the software bytes end the legacy area");

static bool within(const struct signal_altstack *alt, uint64_t sp)
{
    return alt->size && sp > alt->sp && sp - alt->sp <= alt->size;
}

int signal_altstack_flags(const struct signal_altstack *alt, uint64_t sp)
{
    if (!alt->size)
        return SS_DISABLE;
    /* With SS_AUTODISARM the stack is disarmed while a handler runs on it,
     * so being "on" it can only be a program's own doing (Linux). */
    if (!(alt->flags & SS_AUTODISARM) && within(alt, sp))
        return SS_ONSTACK;
    return 0;
}

bool signal_frame_place(uint64_t user_sp, bool onstack, const struct signal_altstack *alt,
                        uint64_t fpstate_size, struct signal_frame_place *out)
{
    bool nested = signal_altstack_flags(alt, user_sp) == SS_ONSTACK;
    uint64_t sp = user_sp - RED_ZONE;
    out->entered_altstack = false;
    if (onstack && signal_altstack_flags(alt, sp) == 0) {
        sp = alt->sp + alt->size;
        out->entered_altstack = true;
    }
    sp = (sp - fpstate_size) & ~63ull;
    out->fpstate = sp;
    sp -= sizeof(struct linux_rt_sigframe);
    sp = (sp & ~15ull) - 8;
    out->frame = sp;
    /* A frame that would run off the bottom of the alternate stack. */
    if ((nested || out->entered_altstack) && !within(alt, sp))
        return false;
    return sp < user_sp || out->entered_altstack;
}

uint64_t fpstate_frame_size(bool xsave, uint64_t state_size)
{
    return xsave ? state_size + 4 : FPSTATE_LEGACY_SIZE;
}

void fpstate_mark(uint8_t *img, uint32_t state_size, uint64_t xfeatures)
{
    struct fpx_sw_bytes sw = {
        .magic1 = FP_XSTATE_MAGIC1, .extended_size = state_size + 4,
        .xfeatures = xfeatures, .xstate_size = state_size,
    };
    memcpy(img + SW_BYTES_OFFSET, &sw, sizeof(sw));
    uint32_t magic2 = FP_XSTATE_MAGIC2;
    memcpy(img + state_size, &magic2, 4);
}

bool fpstate_marked(const uint8_t *img, uint32_t state_size)
{
    struct fpx_sw_bytes sw;
    uint32_t magic2;
    memcpy(&sw, img + SW_BYTES_OFFSET, sizeof(sw));
    memcpy(&magic2, img + state_size, 4);
    return sw.magic1 == FP_XSTATE_MAGIC1 && sw.xstate_size == state_size &&
           sw.extended_size == state_size + 4 && magic2 == FP_XSTATE_MAGIC2;
}

void fpstate_sanitize(uint8_t *img, bool xsave, bool marked, uint64_t xfeatures, uint32_t mxcsr_mask)
{
    uint32_t mxcsr;
    memcpy(&mxcsr, img + MXCSR_OFFSET, 4);
    mxcsr &= mxcsr_mask;
    memcpy(img + MXCSR_OFFSET, &mxcsr, 4);
    if (!xsave)
        return;
    uint64_t allowed = xfeatures;
    if (marked) {
        struct fpx_sw_bytes sw;
        memcpy(&sw, img + SW_BYTES_OFFSET, sizeof(sw));
        allowed &= sw.xfeatures;
    } else {
        allowed &= XFEATURE_FP_SSE;     /* a plain FXSAVE image */
    }
    uint64_t xstate_bv;
    memcpy(&xstate_bv, img + XSAVE_HEADER_OFFSET, 8);
    if (!marked)
        xstate_bv = XFEATURE_FP_SSE;
    xstate_bv &= allowed;
    memcpy(img + XSAVE_HEADER_OFFSET, &xstate_bv, 8);
    /* XCOMP_BV and the reserved bytes: XRSTOR faults unless zero. */
    memset(img + XSAVE_HEADER_OFFSET + 8, 0, FPSTATE_XSAVE_MIN - XSAVE_HEADER_OFFSET - 8);
}

void signal_siginfo_fill(struct linux_siginfo *out, const struct signal_info *in)
{
    memset(out, 0, sizeof(*out));
    out->si_signo = in->signo;
    out->si_code = in->code;
    if (in->code <= 0) {
        out->f.kill.pid = in->pid;
        out->f.kill.uid = in->uid;
        out->f.kill.value = in->value;
    } else {
        out->f.addr = in->addr;
    }
}
