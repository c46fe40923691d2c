/* The socket calls on a descriptor go to the AF_UNIX code when it is a
 * unix socket, and to the INET code (socket_calls.c, socket_io.c,
 * socket_opt.c) otherwise; the system-call table names these.  The file
 * is held for the call, which may block while another thread closes it. */
#include "unix/unix_socket.h"
#include "unix/socket.h"
#include "unix/syscall.h"
#include "lib/errno.h"

#define FIONREAD 0x541b
#define TIOCOUTQ 0x5411

/* The socket behind fd with its file held (the caller puts it), or NULL
 * and *err: -EBADF or -ENOTSOCK. */
static struct file *socket_file(uint64_t fd, struct unix_sock **us, struct sock_file **sf,
                                int64_t *err)
{
    struct file *f = fd_get((int)fd);
    if (!f) {
        *err = -EBADF;
        return NULL;
    }
    *us = unix_sock_of_file(f);
    *sf = sock_of_file(f);
    if (!*us && !*sf) {
        *err = -ENOTSOCK;
        return NULL;
    }
    f->refs++;
    return f;
}

#define DISPATCH(name)                                                              \
    int64_t sys_sock_##name(SYSCALL_ARGS)                                           \
    {                                                                               \
        struct unix_sock *us;                                                       \
        struct sock_file *sf;                                                       \
        int64_t r;                                                                  \
        struct file *f = socket_file(a0, &us, &sf, &r);                             \
        if (!f)                                                                     \
            return r;                                                               \
        r = us ? unix_##name(us, a1, a2, a3, a4, a5) : inet_##name(sf, a1, a2, a3, a4, a5); \
        file_put(f);                                                                \
        return r;                                                                   \
    }

DISPATCH(bind) DISPATCH(listen) DISPATCH(accept) DISPATCH(accept4) DISPATCH(connect)
DISPATCH(shutdown) DISPATCH(getsockname) DISPATCH(getpeername) DISPATCH(sendto)
DISPATCH(recvfrom) DISPATCH(sendmsg) DISPATCH(recvmsg)

/* Options: the INET side is socket_opt.c's, which finds its socket itself. */
#define DISPATCH_OPT(name)                                                          \
    int64_t sys_sock_##name(SYSCALL_ARGS)                                           \
    {                                                                               \
        struct file *f = fd_get((int)a0);                                           \
        struct unix_sock *s = unix_sock_of_file(f);                                 \
        if (!s)                                                                     \
            return sys_##name(a0, a1, a2, a3, a4, a5);                              \
        f->refs++;                                                                  \
        int64_t r = unix_##name(s, a1, a2, a3, a4, a5);                             \
        file_put(f);                                                                \
        return r;                                                                   \
    }

DISPATCH_OPT(setsockopt) DISPATCH_OPT(getsockopt)

/* ioctl: a unix socket's own requests; the rest (FIONBIO, FIOCLEX) as any file's. */
int64_t sys_sock_ioctl(SYSCALL_ARGS)
{
    struct unix_sock *s = unix_sock_of_file(fd_get((int)a0));
    if (s && (a1 == FIONREAD || a1 == TIOCOUTQ))
        return unix_ioctl(s, a1, a2, a3, a4, a5);
    return sys_ioctl(a0, a1, a2, a3, a4, a5);
}
