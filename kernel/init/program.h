#ifndef INIT_PROGRAM_H
#define INIT_PROGRAM_H
#include "init/boot_info.h"

/* Mounts the boot archive, reads the manifest and runs the program; never
 * returns (the VM stops when the program exits). */
void program_start(const struct boot_info *boot) __attribute__((noreturn));

#endif
