/* Moving data across the user/kernel boundary.  Every user pointer is
 * checked against the program's regions before it is touched. */
#ifndef UNIX_USERCOPY_H
#define UNIX_USERCOPY_H
#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>

int copy_from_user(void *dst, uint64_t src, size_t len);
int copy_to_user(uint64_t dst, const void *src, size_t len);
/* Copies a NUL-terminated string of at most max-1 bytes: its length, or
 * -EFAULT, or -ENAMETOOLONG. */
int64_t strncpy_from_user(char *dst, uint64_t src, size_t max);
/* For direct access (read/write buffers): checks the range and, when it is
 * fine, opens a window over it (mm/user_window.h) until user_end(). */
bool user_begin(uint64_t addr, size_t len, bool write);
void user_end(void);

#endif
