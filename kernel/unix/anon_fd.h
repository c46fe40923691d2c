/* Descriptors of objects that are no file in any directory (Linux's anon
 * inodes): eventfd, timerfd, epoll. */
#ifndef UNIX_ANON_FD_H
#define UNIX_ANON_FD_H
#include <stdint.h>
#include <stdbool.h>
#include "unix/fd.h"

/* A vnode with ops and private data priv (vn->fs), an open file on it with
 * flags (O_RDWR and O_NONBLOCK), installed at the lowest free descriptor.
 * name is Linux's, e.g. "[eventfd]".  The fd, or -ENOMEM/-EMFILE: then
 * priv is still the caller's to free.  Afterwards the ops' release (the
 * last close) frees priv and the vnode (anon_fd_free_vnode). *out: the file. */
int anon_fd_create(const struct vnode_ops *ops, void *priv, const char *name, uint32_t flags,
                   bool cloexec, struct file **out);
void anon_fd_free_vnode(struct vnode *vn);

#endif
