/* The process name prctl(PR_SET_NAME) sets (unix/prctl_calls.c). */
#ifndef UNIX_PRCTL_H
#define UNIX_PRCTL_H

/* The name at the start: the last part of the program's path, 15 bytes
 * at most, as Linux's exec sets it. */
void prctl_comm_init(const char *program);
/* Copies the name (NUL-terminated, 16 bytes with it) to out. */
void prctl_comm(char out[16]);

#endif
