/* fd_set bitmaps of select and pselect6: which descriptors are asked
 * about, and which are ready (Linux's do_select), apart from user memory
 * and the descriptor table so that the host tests can drive them. */
#ifndef UNIX_FD_BITS_H
#define UNIX_FD_BITS_H
#include <stddef.h>
#include <stdint.h>
#include "unix/fd.h"

#define FD_BITS_WORDS (MAX_FDS / 64)

/* set[0]: read, set[1]: write, set[2]: exceptional conditions. */
struct fd_bits {
    uint64_t set[3][FD_BITS_WORDS];
};

/* The POLL* mask of descriptor fd now, or -EBADF when it is not open. */
typedef int64_t (*fd_poll_fn)(int fd);

/* Bytes of a set of nfds bits, as Linux copies them: whole 64-bit words. */
size_t fd_bits_bytes(int nfds);
/* -EBADF when a descriptor below nfds in any set is not open, else 0. */
int fd_bits_check_open(const struct fd_bits *in, int nfds, fd_poll_fn poll);
/* Sets in out the bits of the descriptors ready for what in asks (out's
 * other bits are cleared) and returns how many bits that is. */
int fd_bits_select(const struct fd_bits *in, struct fd_bits *out, int nfds, fd_poll_fn poll);

#endif
