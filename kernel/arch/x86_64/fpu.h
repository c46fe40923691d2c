/* The program's x87/SSE/AVX registers, saved and restored per thread.  The
 * kernel is built without SSE and never touches them, so a thread's state
 * only has to move when another thread takes the CPU. */
#ifndef ARCH_FPU_H
#define ARCH_FPU_H
#include <stdint.h>

/* Large enough for XSAVE of x87, SSE and AVX (832 bytes), the components
 * cpu_init enables; 64-byte aligned as XSAVE requires. */
#define FPU_STATE_SIZE 1024
struct fpu_state {
    uint8_t area[FPU_STATE_SIZE];
} __attribute__((aligned(64)));

/* Called once after cpu_init: checks that the enabled state fits. */
void fpu_init(void);
void fpu_save(struct fpu_state *s);
void fpu_restore(const struct fpu_state *s);

#endif
