#ifndef UNIX_EXEC_H
#define UNIX_EXEC_H
#include "arch/x86_64/trap.h"
#include "fs/vnode.h"

/* Loads the program into the (empty) address space and prepares the
 * register frame to enter it.  0, or a negative errno with *why set. */
int exec_load(struct vnode *file, const char *path, char *const argv[], char *const envp[],
              struct trap_frame *frame, const char **why);

#endif
