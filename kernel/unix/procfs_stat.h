/* The text of /proc/self/stat and /proc/self/task/TID/stat (Linux's
 * format, proc(5)), made from the live state. */
#ifndef UNIX_PROCFS_STAT_H
#define UNIX_PROCFS_STAT_H
#include <stddef.h>

/* Notes the program's start (starttime): when procfs is made, just before
 * the program's first instruction. */
void procfs_stat_start(void);
/* The line for thread tid, or for the whole program if tid is 0, into
 * buf: its length, or -ESRCH if the thread has gone. */
int procfs_stat_text(int tid, char *buf, size_t size);

#endif
