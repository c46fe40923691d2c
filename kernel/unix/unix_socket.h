/* AF_UNIX sockets: stream, datagram and seqpacket sockets between threads
 * of the program, named by a path (an S_IFSOCK node), by an abstract name
 * (sun_path[0] == 0) or not at all (socketpair).
 *
 * Every socket has one receive queue of messages; a message carries bytes,
 * the files passed with SCM_RIGHTS and its sender (whose address recvfrom
 * reports and whose send buffer it is charged to, as Linux's skb->sk).  A
 * stream reads across messages, a datagram or seqpacket socket one message
 * at a time.  A sender blocks while its bytes not yet read reach its
 * SO_SNDBUF (Linux's sk_wmem_alloc).
 *
 * Everything here runs under the big kernel lock (a system call holds it
 * and drops it only while blocked), which guards all the fields; a socket
 * wakes its waiters and watchers through unix_sock_changed.
 *
 * Files: unix_socket.c (objects, waiting, close, the file, poll),
 * unix_socket_io.c (queues, send, receive), unix_socket_conn.c (socket, socketpair, bind, listen, accept, connect,
 * shutdown, names), unix_socket_msg.c (sendto/recvfrom/sendmsg/recvmsg;
 * the msghdr is socket_msg.c's), unix_socket_scm.c (SCM_RIGHTS,
 * SCM_CREDENTIALS), unix_socket_gc.c (collecting sockets only unreachable
 * messages refer to), unix_socket_opt.c (options, ioctl),
 * unix_socket_dispatch.c (the socket calls sent here or to the INET code
 * by the descriptor). */
#ifndef UNIX_UNIX_SOCKET_H
#define UNIX_UNIX_SOCKET_H
#include <stdint.h>
#include <stdbool.h>
#include <stddef.h>
#include "unix/fd.h"
#include "unix/readiness.h"
#include "sched/waitq.h"
#include "unix/socket_msg.h"

#ifndef SOCK_STREAM
#define SOCK_STREAM 1
#define SOCK_DGRAM 2
#endif
#define SOCK_SEQPACKET 5
#define SOCK_RAW 3
#define UNIX_SHUT_RCV 1
#define UNIX_SHUT_SEND 2
#define UNIX_PATH_OFF 2                  /* offsetof(struct sockaddr_un, sun_path) */
#define UNIX_ADDR_MAX 110                /* sizeof(struct sockaddr_un) */
#define UNIX_BUF_DEFAULT 212992          /* Linux's wmem_default/rmem_default */
#define UNIX_BUF_MAX 212992              /* wmem_max: the most SO_SNDBUF asks (doubled) */
#define UNIX_FDS_MAX 253                 /* SCM_MAX_FD */
#define MSG_CTRUNC 0x8
#define MSG_EOR 0x80
#define MSG_CMSG_CLOEXEC 0x40000000

enum unix_state { UNIX_UNCONNECTED, UNIX_LISTENING, UNIX_CONNECTED };

/* A sockaddr_un as Linux reports it: len bytes (family included). */
struct unix_addr {
    uint32_t len;
    uint8_t bytes[UNIX_ADDR_MAX + 1];
};

/* A message's sender as SCM_CREDENTIALS tells it (struct ucred); pid 0:
 * sent without credentials. */
struct unix_cred {
    int32_t pid;
    uint32_t uid, gid;
};

struct unix_msg {
    struct unix_msg *next;
    struct unix_cred cred;
    struct unix_sock *sender;            /* a reference */
    uint32_t len, off;                   /* off: bytes a stream has read */
    uint32_t nfiles;
    struct file **files;                 /* references, until received */
    uint8_t data[];
};

struct unix_sock {
    int type;                            /* SOCK_STREAM, SOCK_DGRAM, SOCK_SEQPACKET */
    enum unix_state state;
    uint32_t refs;
    bool closed;                         /* its last descriptor is gone */
    uint8_t shutdown;                    /* UNIX_SHUT_* */
    int err;                             /* SO_ERROR, positive */
    struct unix_sock *peer;              /* a reference */
    struct unix_msg *head, *tail;        /* the receive queue */
    uint32_t qlen;
    uint64_t qbytes;
    uint64_t wmem;                       /* bytes sent, unread by the receiver */
    int sndbuf, rcvbuf;
    bool passcred, reuseaddr;
    bool has_peercred;                   /* connected: the peer is this program */
    /* A listener's connections not yet accepted (each a reference). */
    struct unix_sock *accept_head, *accept_tail, *accept_next;
    uint32_t backlog, pending;
    /* Its name; bound: in the table of names.  node_dev/node_ino: the
     * S_IFSOCK node of a path name. */
    struct unix_addr addr;
    bool bound;
    uint64_t node_dev, node_ino;
    struct unix_sock *bound_next;
    uint64_t rcvtimeo_ns, sndtimeo_ns;
    struct file *file;                   /* NULL until accepted */
    /* Garbage collection (unix_socket_gc.c): how often its file is in a
     * queued message, the list of such sockets, and one collection's marks. */
    uint32_t inflight;
    struct unix_sock *inflight_next, *inflight_prev, *gc_next;
    uint32_t gc_internal;
    bool gc_candidate, gc_alive;
    struct readiness ready;
    struct waitq wq;
    uint64_t gen;                        /* bumped by every change */
};

/* unix_socket.c */
struct unix_sock *unix_sock_new(int type);
void unix_sock_put(struct unix_sock *s);
/* A descriptor for s (which the file then owns), or an error (s put). */
int unix_sock_install(struct unix_sock *s, uint32_t flags);
/* The socket of an open file, or NULL (f may be NULL). */
struct unix_sock *unix_sock_of_file(struct file *f);
/* Wakes s's blocked calls and poll/select/epoll watchers. */
void unix_sock_changed(struct unix_sock *s, uint32_t events);
/* Sleeps until on changes after `seen` or the deadline: 0, -EAGAIN (the
 * timeout passed, or no other thread could ever answer), -ERESTARTSYS
 * (-EINTR with a deadline, as Linux) when a signal interrupts. */
int unix_sock_wait(struct unix_sock *on, uint64_t seen, uint64_t deadline);
uint64_t unix_sock_deadline(uint64_t timeout_ns);
bool unix_sock_nonblock(const struct unix_sock *s, int flags);

/* What a receive found besides the bytes. */
struct unix_recv_info {
    struct unix_addr from;               /* len 0: the sender has no name */
    size_t full_len;                     /* a datagram's length */
    bool truncated;
    struct file **files;                 /* references; the caller installs or puts */
    uint32_t nfiles;
    struct unix_cred cred;               /* the (first) message's */
};

/* What a sendmsg's control data carries: files (references) and
 * credentials (cred.pid 0: none given). */
struct unix_scm {
    struct file **files;
    uint32_t nfiles;
    struct unix_cred cred;
};

/* unix_socket_scm.c */
struct unix_cred unix_cred_self(void);
/* Reads the control messages in ctl[0..len) (ctl may be NULL): 0, or
 * -EINVAL, -EBADF, -ESRCH, -ENOMEM with nothing held. */
int unix_scm_parse(const uint8_t *ctl, uint64_t len, struct unix_scm *out);
/* Writes a receive's control messages into m's control buffer (the
 * credentials when passcred, then info's files, which it installs or
 * closes); *used: the bytes written, *mflags gets MSG_CTRUNC.  A control
 * buffer that faults gets nothing, as Linux (no error). */
void unix_scm_deliver(const struct msghdr_k *m, bool passcred, struct unix_recv_info *info,
                      int flags, int32_t *mflags, uint64_t *used);

/* Sends len bytes of b (to: a datagram's destination, or NULL); scm's
 * files (references, always the callee's: put when they are not sent) go
 * with the first byte; scm may be NULL.  Every message carries scm's
 * credentials, or the program's when the sender or the receiver has
 * SO_PASSCRED or the receiver is not yet accepted (as Linux).  The count
 * sent or an error; EPIPE raises SIGPIPE unless MSG_NOSIGNAL. */
int64_t unix_sock_send(struct unix_sock *s, struct sock_iter *b, size_t len, int flags,
                       struct unix_sock *to, struct unix_scm *scm);
/* Receives into b; info may be NULL (files passed are then closed). */
int64_t unix_sock_recv(struct unix_sock *s, struct sock_iter *b, size_t len, int flags,
                       struct unix_recv_info *info);
uint32_t unix_sock_poll(struct unix_sock *s);
/* Frees a message taken off its queue: its sender gets the buffer back,
 * its files (if any left) are put. */
void unix_msg_free(struct unix_msg *m);
/* Files passed but never received: put (closed). */
void unix_files_put(struct file **files, uint32_t n);

/* unix_socket_gc.c: files that enter and leave queued messages are
 * counted; unix_gc closes sockets only unreachable messages refer to. */
void unix_inflight_add(struct file **files, uint32_t n);
void unix_inflight_del(struct file **files, uint32_t n);
void unix_gc(void);
/* unix_gc when the count in flight has doubled since its last run. */
void unix_gc_maybe(void);

/* unix_socket_conn.c */
int64_t unix_socket_create(int type, int proto, uint32_t flags);
int64_t unix_socketpair(int type, int proto, uint64_t ufds);
/* The bound socket named by the user's sockaddr_un of the given type
 * (a reference): -ENOENT, -ECONNREFUSED, -EPROTOTYPE, -EINVAL, -EFAULT. */
int unix_lookup_user(uint64_t uaddr, uint64_t ulen, int type, struct unix_sock **out);
/* Writes a sockaddr_un as getsockname does: 0, -EFAULT, -EINVAL. */
int unix_addr_to_user(const struct unix_addr *a, uint64_t uaddr, uint64_t ulenp);
/* Gives an unnamed socket a name from nothing, as bind with no path:
 * 0 or -ENOSPC (a named one keeps its name). */
int unix_autobind(struct unix_sock *s);
/* Takes s out of the table of names (its close). */
void unix_unbind(struct unix_sock *s);

#define UNIX_CALL(name) int64_t unix_##name(struct unix_sock *s, uint64_t a1, uint64_t a2, \
                                            uint64_t a3, uint64_t a4, uint64_t a5);
UNIX_CALL(bind) UNIX_CALL(listen) UNIX_CALL(accept) UNIX_CALL(accept4) UNIX_CALL(connect)
UNIX_CALL(shutdown) UNIX_CALL(getsockname) UNIX_CALL(getpeername) UNIX_CALL(sendto)
UNIX_CALL(recvfrom) UNIX_CALL(sendmsg) UNIX_CALL(recvmsg) UNIX_CALL(setsockopt)
UNIX_CALL(getsockopt) UNIX_CALL(ioctl)

#endif
