/* The program's x87/SSE/AVX register state: in signal frames (the XSAVE
 * image Linux uses, fpu.c) and across thread switches (fpu_switch.c).  The kernel is built without
 * SSE and never touches these registers, so while it runs on the program's
 * behalf the program's state is still live in the CPU: saving it is one
 * XSAVE (or FXSAVE where XSAVE is off), restoring it one XRSTOR.  The image
 * is the standard (non-compacted) XSAVE layout, 64-byte aligned. */
#ifndef ARCH_FPU_H
#define ARCH_FPU_H
#include <stdint.h>
#include <stddef.h>
#include <stdbool.h>

#define FPU_STATE_MAX 4096              /* enough for x87+SSE+AVX (832 bytes) */

/* A thread's registers while another thread has the CPU (fpu_switch.c):
 * two FXSAVE images, the registers as they are (x87, XMM0-15, MXCSR) and
 * with YMM0-15's halves swapped, which holds their upper halves: together
 * everything cpu_init enables in XCR0 (x87, SSE, AVX).  Not XSAVE: under
 * PVM, KVM's emulator runs these instructions and knows no XSAVE. */
struct fpu_state {
    uint8_t fxsave[512];
    uint8_t ymm_high[512];
} __attribute__((aligned(64)));

void fpu_init(void);
void fpu_switch_save(struct fpu_state *s);
void fpu_switch_restore(const struct fpu_state *s);
/* At every system call (unix/syscall.c): the program has made one, so a
 * PVM host has shown itself (trap.c) and AVX moves may be chosen. */
void fpu_program_called(void);

/* True when XSAVE is enabled (cpu.c sets CR4.OSXSAVE and XCR0). */
bool fpu_uses_xsave(void);
/* Bytes of the image: CPUID.(0xd,0).EBX with XSAVE, else 512. */
size_t fpu_state_size(void);
/* The features the image holds (XCR0), or x87|SSE without XSAVE. */
uint64_t fpu_xfeatures(void);
/* The bits of MXCSR the CPU accepts (setting others faults). */
uint32_t fpu_mxcsr_mask(void);
/* Saves the live state into buf (64-byte aligned, fpu_state_size bytes);
 * header bytes other than XSTATE_BV are zero. */
void fpu_save(void *buf);
/* Loads buf, which must be sanitized (signal_frame.h: fpstate_sanitize):
 * no MXCSR reserved bit, a standard-form header within XCR0. */
void fpu_restore(const void *buf);
/* The state a new program (or a signal handler) starts with: x87 control
 * word 0x37f, MXCSR 0x1f80, every register zero. */
void fpu_reset(void);

#endif
