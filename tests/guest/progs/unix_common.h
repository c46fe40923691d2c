/* What the AF_UNIX test programs share (unix_sockets.c, unix_copy.c):
 * errno names (musl has no strerrorname_np), one line per call, and
 * sockaddr_un builders.  Every printed line must be the same on Linux
 * and in cloak. */
#ifndef UNIX_COMMON_H
#define UNIX_COMMON_H
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

static char path1[64] __attribute__((unused)), path2[64] __attribute__((unused)),
    fpath[64] __attribute__((unused));

/* musl has no strerrorname_np */
static const char *errname(int e)
{
    static const struct { int e; const char *n; } names[] = {
        { EAGAIN, "EAGAIN" }, { EINVAL, "EINVAL" }, { EFAULT, "EFAULT" }, { EBADF, "EBADF" },
        { EPIPE, "EPIPE" }, { ECONNREFUSED, "ECONNREFUSED" }, { ECONNRESET, "ECONNRESET" },
        { ENOENT, "ENOENT" }, { EADDRINUSE, "EADDRINUSE" }, { EISCONN, "EISCONN" },
        { ENOTCONN, "ENOTCONN" }, { EOPNOTSUPP, "EOPNOTSUPP" }, { EPROTOTYPE, "EPROTOTYPE" },
        { EINTR, "EINTR" }, { EMSGSIZE, "EMSGSIZE" }, { ESOCKTNOSUPPORT, "ESOCKTNOSUPPORT" },
        { EPROTONOSUPPORT, "EPROTONOSUPPORT" }, { ENOPROTOOPT, "ENOPROTOOPT" },
        { ENOTSOCK, "ENOTSOCK" }, { EPERM, "EPERM" }, { ENOBUFS, "ENOBUFS" },
        { EAFNOSUPPORT, "EAFNOSUPPORT" }, { EDESTADDRREQ, "EDESTADDRREQ" }, { ESPIPE, "ESPIPE" },
        { EISDIR, "EISDIR" }, { ESRCH, "ESRCH" }, { ENOMEM, "ENOMEM" }, { EMFILE, "EMFILE" },
    };
    for (unsigned i = 0; i < sizeof(names) / sizeof(names[0]); i++)
        if (names[i].e == e)
            return names[i].n;
    static char other[32];
    snprintf(other, sizeof(other), "errno %d", e);
    return other;
}

static void show(const char *what, long r)
{
    if (r < 0)
        printf("%s: -1 %s\n", what, errname(errno));
    else
        printf("%s: %ld\n", what, r);
}

static inline socklen_t path_addr(struct sockaddr_un *a, const char *p)
{
    memset(a, 0, sizeof(*a));
    a->sun_family = AF_UNIX;
    strcpy(a->sun_path, p);
    return offsetof(struct sockaddr_un, sun_path) + strlen(p) + 1;
}

static inline socklen_t abstract_addr(struct sockaddr_un *a, const char *name)
{
    memset(a, 0, sizeof(*a));
    a->sun_family = AF_UNIX;
    memcpy(a->sun_path + 1, name, strlen(name));
    return offsetof(struct sockaddr_un, sun_path) + 1 + strlen(name);
}

/* The control buffer of one descriptor passed with SCM_RIGHTS. */
union rights_ctl {
    char buf[CMSG_SPACE(sizeof(int))];
    struct cmsghdr align;
};

/* Makes *m one message of iov's bytes carrying fd (ctl: its control). */
static inline void rights_msg(struct msghdr *m, struct iovec *iov, union rights_ctl *ctl, int fd)
{
    memset(ctl, 0, sizeof(*ctl));
    *m = (struct msghdr){ .msg_iov = iov, .msg_iovlen = 1, .msg_control = ctl->buf,
                          .msg_controllen = sizeof(ctl->buf) };
    struct cmsghdr *c = CMSG_FIRSTHDR(m);
    c->cmsg_level = SOL_SOCKET;
    c->cmsg_type = SCM_RIGHTS;
    c->cmsg_len = CMSG_LEN(sizeof(int));
    memcpy(CMSG_DATA(c), &fd, sizeof(int));
}

#endif
