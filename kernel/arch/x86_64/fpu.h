/* The program's x87/SSE/AVX registers, saved and restored per thread.  The
 * kernel is built without SSE and never touches them, so a thread's state
 * only has to move when another thread takes the CPU. */
#ifndef ARCH_FPU_H
#define ARCH_FPU_H
#include <stdint.h>

/* Two FXSAVE images: the registers as they are (x87, XMM0-15, MXCSR), and
 * with YMM0-15's halves swapped, which holds their upper halves: together
 * everything cpu_init enables in XCR0 (x87, SSE, AVX). */
struct fpu_state {
    uint8_t fxsave[512];
    uint8_t ymm_high[512];
} __attribute__((aligned(64)));

void fpu_init(void);
void fpu_save(struct fpu_state *s);
void fpu_restore(const struct fpu_state *s);

#endif
