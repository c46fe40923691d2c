#ifndef UNIX_CONSOLE_H
#define UNIX_CONSOLE_H
#include "fs/vnode.h"
#include <stdint.h>
#include <stddef.h>
#include <stdbool.h>

/* The program's terminal, /dev/console and fds 0, 1, 2: the virtio console
 * when there is one (its input framed by cloak, see console.c), else COM1. */
struct vnode *console_vnode(void);
/* What the program's fd 0, 1 or 2 is: the console as a terminal when the
 * host's end of it is one (host_terminal) or it is the UART, else the same
 * console as a pipe (isatty() false), as a shell's pipe would be. */
struct vnode *console_fd_vnode(bool host_terminal);
/* Which UART the console is (COM1 unless the command line moves it). */
void console_set_port(uint16_t port);
/* Writes kernel text to the program's console (for refusals users must see). */
void console_write_raw(const char *s, size_t n);

#endif
