#ifndef UNIX_PROCFS_H
#define UNIX_PROCFS_H

/* The few /proc and /sys files programs read: /proc/self/exe, maps, stat,
 * comm, task/TID/{stat,comm} (unix/procfs_task.c), /proc/1 (a link to
 * self), /proc/meminfo, /sys/devices/system/cpu/{online,possible}. */
void procfs_create(const char *program);

#endif
