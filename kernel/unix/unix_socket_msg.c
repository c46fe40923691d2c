/* sendto/recvfrom and sendmsg/recvmsg on AF_UNIX sockets; the msghdr is
 * read by socket_msg.c, the control messages (SCM_RIGHTS, SCM_CREDENTIALS)
 * by unix_socket_scm.c.  Every length is checked before it is used:
 * EINVAL, EFAULT or ENOBUFS, never a crash. */
#include "unix/unix_socket.h"
#include "unix/usercopy.h"
#include "unix/process.h"
#include "mm/heap.h"
#include "lib/errno.h"
#include "lib/log.h"
#include "lib/string.h"

#define MSG_OOB 0x1
#define MSG_TRUNC 0x20
/* A destination address: connection-based sockets refuse or ignore it. */
static int64_t send_dest(struct unix_sock *s, uint64_t uaddr, uint64_t ulen,
                         struct unix_sock **to)
{
    *to = NULL;
    if (!uaddr || !ulen)
        return 0;
    if (s->type == SOCK_STREAM)
        return s->state == UNIX_CONNECTED ? -EISCONN : -EOPNOTSUPP;
    if (s->type == SOCK_SEQPACKET)
        return 0;                        /* as Linux: ignored */
    return unix_lookup_user(uaddr, ulen, s->type, to);
}

static int64_t do_send(struct unix_sock *s, struct sock_iter *b, uint64_t len, int flags,
                       uint64_t uaddr, uint64_t ulen, struct unix_scm *scm)
{
    struct unix_sock *to = NULL;
    int64_t r = (flags & MSG_OOB) ? -EOPNOTSUPP : send_dest(s, uaddr, ulen, &to);
    if (r) {
        unix_sock_put(to);
        if (scm)
            unix_files_put(scm->files, scm->nfiles);
        return r;
    }
    r = unix_sock_send(s, b, len, flags, to, scm);
    unix_sock_put(to);
    return r;
}

int64_t unix_sendto(struct unix_sock *s, uint64_t a1, uint64_t a2, uint64_t a3, uint64_t a4,
                    uint64_t a5)
{
    struct sock_iov iov = { a1, a2 > SOCK_RW_MAX ? SOCK_RW_MAX : a2 };
    struct sock_iter b = { .iov = &iov, .count = 1, .user = true };
    return do_send(s, &b, iov.len, (int)a3, a4, a5, NULL);
}

int64_t unix_sendmsg(struct unix_sock *s, uint64_t a1, uint64_t a2, uint64_t a3, uint64_t a4,
                     uint64_t a5)
{
    (void)a3, (void)a4, (void)a5;
    struct sock_msg m;
    int64_t r = sock_msg_read(a1, true, &m);
    if (r)
        return r;
    struct unix_scm scm;
    r = unix_scm_parse(m.control, m.h.controllen, &scm);
    if (r == 0 && scm.nfiles)
        unix_gc_maybe();
    if (r == 0) {
        struct sock_iter b = { .iov = m.iov, .count = m.h.iovlen, .user = true };
        r = do_send(s, &b, m.total, (int)a2, m.name, m.h.namelen, &scm);
    }
    sock_msg_free(&m);
    return r;
}

int64_t unix_recvfrom(struct unix_sock *s, uint64_t a1, uint64_t a2, uint64_t a3, uint64_t a4,
                      uint64_t a5)
{
    if ((int)a3 & MSG_OOB)
        return -EOPNOTSUPP;
    struct sock_iov iov = { a1, a2 > SOCK_RW_MAX ? SOCK_RW_MAX : a2 };
    struct sock_iter b = { .iov = &iov, .count = 1, .user = true };
    struct unix_recv_info info = { 0 };
    int64_t r = unix_sock_recv(s, &b, iov.len, (int)a3, &info);
    if (info.nfiles)
        unix_files_put(info.files, info.nfiles);   /* recvfrom has no room for them */
    if (r >= 0 && a4) {
        int err = unix_addr_to_user(&info.from, a4, a5);
        if (err)
            return err;
    }
    if (r >= 0 && s->type != SOCK_STREAM && ((int)a3 & MSG_TRUNC))
        r = (int64_t)info.full_len;
    return r;
}

int64_t unix_recvmsg(struct unix_sock *s, uint64_t a1, uint64_t a2, uint64_t a3, uint64_t a4,
                     uint64_t a5)
{
    (void)a3, (void)a4, (void)a5;
    int flags = (int)a2;
    struct sock_msg m;
    int64_t r = sock_msg_read(a1, false, &m);
    if (r)
        return r;
    if (flags & MSG_OOB) {
        sock_msg_free(&m);
        return -EOPNOTSUPP;
    }
    struct sock_iter b = { .iov = m.iov, .count = m.h.iovlen, .user = true };
    struct unix_recv_info info = { 0 };
    r = unix_sock_recv(s, &b, m.total, flags, &info);
    sock_msg_free(&m);
    int32_t mflags = info.truncated ? MSG_TRUNC : 0;
    uint64_t used = 0;
    if (r >= 0)
        unix_scm_deliver(&m.h, s->passcred, &info, flags, &mflags, &used);
    if (info.nfiles)
        unix_files_put(info.files, info.nfiles);
    if (r < 0)
        return r;
    /* As Linux: no msg_name, msg_namelen untouched. */
    if (m.h.name && unix_addr_to_user(&info.from, m.h.name, a1 + MSGHDR_NAMELEN))
        return -EFAULT;
    if (sock_msg_done(a1, used, mflags))
        return -EFAULT;
    if (s->type != SOCK_STREAM && (flags & MSG_TRUNC))
        r = (int64_t)info.full_len;
    return r;
}
