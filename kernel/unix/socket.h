/* Sockets as files (unix/socket_file.c) and the system calls on them
 * (socket_calls.c, socket_io.c, socket_opt.c); the protocols themselves
 * are net/'s (net/socket.h). */
#ifndef UNIX_SOCKET_H
#define UNIX_SOCKET_H
#include <stdint.h>
#include <stdbool.h>
#include "unix/fd.h"
#include "unix/readiness.h"
#include "sched/waitq.h"
#include "net/socket.h"

#define AF_UNIX 1
#define AF_INET 2
#define AF_INET6 10
#define SOCK_STREAM 1
#define SOCK_DGRAM 2
#define SOCK_NONBLOCK O_NONBLOCK
#define SOCK_CLOEXEC O_CLOEXEC
#define MSG_OOB 0x1
#define MSG_PEEK 0x2
#define MSG_TRUNC 0x20
#define MSG_DONTWAIT 0x40
#define MSG_WAITALL 0x100
#define MSG_ERRQUEUE 0x2000
#define MSG_NOSIGNAL 0x4000
#define MSG_MORE 0x8000

struct sock_file {
    struct net_sock *ns;
    struct file *file;           /* its open file: O_NONBLOCK is there */
    struct readiness ready;      /* poll, select and epoll watch it */
    struct waitq wq;             /* blocked calls on it */
    uint64_t gen;                /* changes seen by net/ (under wq's lock) */
    uint64_t rcvtimeo_ns, sndtimeo_ns;   /* SO_RCVTIMEO/SO_SNDTIMEO, 0: none */
};

/* A descriptor for ns (which it then owns): the fd, or an error (ns
 * closed).  flags: SOCK_NONBLOCK | SOCK_CLOEXEC. */
int sock_file_install(struct net_sock *ns, uint32_t flags);
/* The socket behind descriptor fd, with a reference on its file (put it
 * with file_put): NULL and *err = -EBADF or -ENOTSOCK. */
struct sock_file *sock_get(int fd, struct file **f, int *err);
/* The socket of an open file, or NULL when it is no socket. */
struct sock_file *sock_of_file(struct file *f);

/* Runs op until it answers other than -EAGAIN, waiting for the socket to
 * change between tries; nonblock: one try.  timeout_ns 0: no limit (after
 * it: -EAGAIN, as Linux's SO_RCVTIMEO).  -EINTR when woken otherwise. */
typedef int64_t (*sock_op_fn)(struct sock_file *sf, void *arg);
int64_t sock_block(struct sock_file *sf, bool nonblock, uint64_t timeout_ns, sock_op_fn op,
                   void *arg);

/* socket_addr.c: user sockaddrs; every length and pointer checked. */
int sockaddr_from_user(uint64_t uaddr, uint64_t ulen, struct net_addr *out);
/* Writes a at uaddr (cut to *ulenp) and its full length at ulenp; nothing
 * if uaddr is 0.  0 or -EFAULT/-EINVAL. */
int sockaddr_to_user(const struct net_addr *a, uint64_t uaddr, uint64_t ulenp);
/* a as a struct sockaddr_in or sockaddr_in6 in b: its length. */
#define SOCKADDR_INET_MAX 28
uint32_t sockaddr_encode(const struct net_addr *a, uint8_t b[SOCKADDR_INET_MAX]);

/* socket_io.c: send and receive with the calls' flags (MSG_*). */
int64_t sock_send(struct sock_file *sf, const void *buf, size_t len, int flags,
                  const struct net_addr *to);
int64_t sock_recv(struct sock_file *sf, void *buf, size_t len, int flags, struct net_addr *from,
                  size_t *full_len);
/* socket_errqueue.c: recvmsg(MSG_ERRQUEUE) on the socket. */
int64_t sock_recvmsg_errqueue(struct sock_file *sf, uint64_t umsg);
/* The INET side of the calls on a descriptor (socket_calls.c, socket_io.c):
 * unix_socket_dispatch.c calls them with the socket's file held. */
#define INET_CALL(name) int64_t inet_##name(struct sock_file *sf, uint64_t a1, uint64_t a2, \
                                            uint64_t a3, uint64_t a4, uint64_t a5);
INET_CALL(bind) INET_CALL(listen) INET_CALL(accept) INET_CALL(accept4) INET_CALL(connect)
INET_CALL(shutdown) INET_CALL(getsockname) INET_CALL(getpeername) INET_CALL(sendto)
INET_CALL(recvfrom) INET_CALL(sendmsg) INET_CALL(recvmsg)

/* socket_opt.c: ioctl on a socket (FIONREAD). */
int64_t sock_ioctl(struct sock_file *sf, uint64_t req, uint64_t arg);

#endif
