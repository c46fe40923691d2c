/* /proc/self/stat, comm and task/TID/{stat,comm} (unix/procfs_task.c). */
#ifndef UNIX_PROCFS_TASK_H
#define UNIX_PROCFS_TASK_H
#include "fs/vnode.h"

/* Adds them to /proc/self (self), and notes the program's start. */
void procfs_task_create(struct vnode *self);

#endif
