#ifndef UNIX_CONSOLE_H
#define UNIX_CONSOLE_H
#include "fs/vnode.h"
#include <stdint.h>
#include <stddef.h>

/* The program's terminal: COM1.  /dev/console and fds 0, 1, 2. */
struct vnode *console_vnode(void);
/* Which UART the console is (COM1 unless the command line moves it). */
void console_set_port(uint16_t port);
/* Writes kernel text to the program's console (for refusals users must see). */
void console_write_raw(const char *s, size_t n);

#endif
