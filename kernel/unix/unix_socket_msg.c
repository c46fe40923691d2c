/* sendto/recvfrom and sendmsg/recvmsg on AF_UNIX sockets, with the
 * control messages: SCM_RIGHTS passes open files (each a reference from
 * the send until the receiver's recvmsg installs it, MSG_CTRUNC and a
 * close for those that do not fit); SCM_CREDENTIALS is checked as Linux
 * checks it and not delivered.  Every length in a msghdr and a cmsghdr is
 * checked before it is used: EINVAL, EFAULT or ENOBUFS, never a crash. */
#include "unix/unix_socket.h"
#include "unix/usercopy.h"
#include "unix/process.h"
#include "mm/heap.h"
#include "lib/errno.h"
#include "lib/log.h"
#include "lib/string.h"

#define RW_MAX 0x7ffff000ull
#define IOV_MAX 1024
#define CONTROL_MAX 131072               /* Linux's optmem_max */
#define MSG_OOB 0x1
#define MSG_TRUNC 0x20
#define SOL_SOCKET 1
#define SCM_RIGHTS 1
#define SCM_CREDENTIALS 2
#define CMSG_HDR 16                      /* struct cmsghdr: size_t len; int level, type */
#define CMSG_ALIGN(n) (((n) + 7) & ~(uint64_t)7)

struct msghdr_k {
    uint64_t name;
    uint32_t namelen, pad;
    uint64_t iov, iovlen, control, controllen;
    int32_t flags, pad2;
};
#define MSGHDR_NAMELEN 8
#define MSGHDR_CONTROLLEN 40
#define MSGHDR_FLAGS 48

struct cmsghdr_k {
    uint64_t len;
    int32_t level, type;
};

static int read_msg(uint64_t umsg, struct msghdr_k *m, struct unix_iov **iov, uint64_t *total)
{
    if (copy_from_user(m, umsg, sizeof(*m)))
        return -EFAULT;
    if (m->iovlen > IOV_MAX)
        return -EMSGSIZE;
    *iov = kmalloc(m->iovlen ? m->iovlen * sizeof(**iov) : 1);
    if (!*iov)
        return -ENOMEM;
    if (m->iovlen && copy_from_user(*iov, m->iov, m->iovlen * sizeof(**iov))) {
        kfree(*iov);
        return -EFAULT;
    }
    *total = 0;
    for (uint64_t i = 0; i < m->iovlen; i++) {
        if ((int64_t)(*iov)[i].len < 0) {
            kfree(*iov);
            return -EINVAL;
        }
        uint64_t room = RW_MAX - *total;  /* as Linux: the total is cut to MAX_RW_COUNT */
        if ((*iov)[i].len > room)
            (*iov)[i].len = room;
        *total += (*iov)[i].len;
    }
    return 0;
}

/* The files of the SCM_RIGHTS messages in ctl (references), as Linux's
 * __scm_send: a header shorter than itself or longer than what is left is
 * EINVAL; more than 253 descriptors EINVAL; one not open EBADF. */
static int parse_control(const uint8_t *ctl, uint64_t len, struct file ***files, uint32_t *n)
{
    *files = NULL;
    *n = 0;
    for (uint64_t at = 0; at + CMSG_HDR <= len;) {
        struct cmsghdr_k h;
        memcpy(&h, ctl + at, sizeof(h));
        if (h.len < CMSG_HDR || h.len > len - at)
            return -EINVAL;
        if (h.level == SOL_SOCKET && h.type == SCM_RIGHTS) {
            uint64_t count = (h.len - CMSG_HDR) / 4;
            if (*n + count > UNIX_FDS_MAX)
                return -EINVAL;
            if (count && !*files && !(*files = kmalloc(UNIX_FDS_MAX * sizeof(**files))))
                return -ENOMEM;
            for (uint64_t i = 0; i < count; i++) {
                int32_t fd;
                memcpy(&fd, ctl + at + CMSG_HDR + 4 * i, sizeof(fd));
                struct file *f = fd_get(fd);
                if (!f)
                    return -EBADF;
                f->refs++;
                (*files)[(*n)++] = f;
            }
        } else if (h.level == SOL_SOCKET && h.type == SCM_CREDENTIALS) {
            int32_t cred[3];
            if (h.len != CMSG_HDR + sizeof(cred))
                return -EINVAL;
            memcpy(cred, ctl + at + CMSG_HDR, sizeof(cred));
            if (cred[0] != PROCESS_PID || cred[1] != 0 || cred[2] != 0)
                return -EPERM;           /* only one's own credentials */
        } else if (h.level == SOL_SOCKET) {
            return -EINVAL;
        }
        at += CMSG_ALIGN(h.len);
    }
    return 0;
}

static int64_t read_control(const struct msghdr_k *m, struct file ***files, uint32_t *n)
{
    *files = NULL;
    *n = 0;
    if (!m->controllen)
        return 0;
    if (m->controllen > CONTROL_MAX)
        return -ENOBUFS;
    uint8_t *ctl = kmalloc(m->controllen);
    if (!ctl)
        return -ENOMEM;
    int64_t r = copy_from_user(ctl, m->control, m->controllen) ? -EFAULT
                                                                 : parse_control(ctl, m->controllen, files, n);
    kfree(ctl);
    if (r && *n) {
        unix_files_put(*files, *n);
        *files = NULL;
        *n = 0;
    } else if (r) {
        kfree(*files);
        *files = NULL;
    }
    return r;
}

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

static int64_t do_send(struct unix_sock *s, struct unix_buf *b, uint64_t len, int flags,
                       uint64_t uaddr, uint64_t ulen, struct file **files, uint32_t nfiles)
{
    struct unix_sock *to;
    int64_t r = (flags & MSG_OOB) ? -EOPNOTSUPP : send_dest(s, uaddr, ulen, &to);
    if (r) {
        if (nfiles)
            unix_files_put(files, nfiles);
        return r;
    }
    r = unix_sock_send(s, b, len, flags, to, files, nfiles);
    unix_sock_put(to);
    return r;
}

int64_t unix_sendto(struct unix_sock *s, uint64_t a1, uint64_t a2, uint64_t a3, uint64_t a4,
                    uint64_t a5)
{
    struct unix_iov iov = { a1, a2 > RW_MAX ? RW_MAX : a2 };
    struct unix_buf b = { .iov = &iov, .count = 1, .user = true };
    return do_send(s, &b, iov.len, (int)a3, a4, a5, NULL, 0);
}

int64_t unix_sendmsg(struct unix_sock *s, uint64_t a1, uint64_t a2, uint64_t a3, uint64_t a4,
                     uint64_t a5)
{
    (void)a3, (void)a4, (void)a5;
    struct msghdr_k m;
    struct unix_iov *iov;
    uint64_t total;
    int64_t r = read_msg(a1, &m, &iov, &total);
    if (r)
        return r;
    struct file **files;
    uint32_t nfiles;
    r = read_control(&m, &files, &nfiles);
    if (r == 0) {
        struct unix_buf b = { .iov = iov, .count = m.iovlen, .user = true };
        r = do_send(s, &b, total, (int)a2, m.name, m.namelen, files, nfiles);
    }
    kfree(iov);
    return r;
}

int64_t unix_recvfrom(struct unix_sock *s, uint64_t a1, uint64_t a2, uint64_t a3, uint64_t a4,
                      uint64_t a5)
{
    if ((int)a3 & MSG_OOB)
        return -EOPNOTSUPP;
    struct unix_iov iov = { a1, a2 > RW_MAX ? RW_MAX : a2 };
    struct unix_buf b = { .iov = &iov, .count = 1, .user = true };
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

/* Installs the received files into the control buffer, as Linux's
 * scm_detach_fds: as many as fit, the rest closed and MSG_CTRUNC.  *used:
 * the control bytes written. */
static int deliver_files(const struct msghdr_k *m, struct unix_recv_info *info, int flags,
                         int32_t *mflags, uint64_t *used)
{
    uint64_t room = m->controllen;
    uint64_t fit = room >= CMSG_HDR ? (room - CMSG_HDR) / 4 : 0;
    uint32_t n = fit < info->nfiles ? (uint32_t)fit : info->nfiles;
    int32_t fds[UNIX_FDS_MAX];
    uint32_t i = 0;
    for (; i < n; i++) {
        fds[i] = fd_install(info->files[i], 0, flags & MSG_CMSG_CLOEXEC);
        if (fds[i] < 0)
            break;
        info->files[i] = NULL;           /* the descriptor holds it now */
    }
    if (i < info->nfiles)
        *mflags |= MSG_CTRUNC;
    unix_files_put(info->files, info->nfiles);
    info->files = NULL;
    info->nfiles = 0;
    if (!i)
        return 0;
    struct cmsghdr_k h = { CMSG_HDR + 4 * (uint64_t)i, SOL_SOCKET, SCM_RIGHTS };
    if (copy_to_user(m->control, &h, sizeof(h)) ||
        copy_to_user(m->control + CMSG_HDR, fds, 4 * (size_t)i)) {
        for (uint32_t j = 0; j < i; j++)
            fd_close(fds[j]);
        return -EFAULT;
    }
    *used = CMSG_ALIGN(h.len) < room ? CMSG_ALIGN(h.len) : room;
    return 0;
}

int64_t unix_recvmsg(struct unix_sock *s, uint64_t a1, uint64_t a2, uint64_t a3, uint64_t a4,
                     uint64_t a5)
{
    (void)a3, (void)a4, (void)a5;
    int flags = (int)a2;
    if (flags & MSG_OOB)
        return -EOPNOTSUPP;
    struct msghdr_k m;
    struct unix_iov *iov;
    uint64_t total;
    int64_t r = read_msg(a1, &m, &iov, &total);
    if (r)
        return r;
    struct unix_buf b = { .iov = iov, .count = m.iovlen, .user = true };
    struct unix_recv_info info = { 0 };
    r = unix_sock_recv(s, &b, total, flags, &info);
    kfree(iov);
    int32_t mflags = info.truncated ? MSG_TRUNC : 0;
    uint64_t used = 0;
    if (r >= 0 && info.nfiles) {
        int err = deliver_files(&m, &info, flags, &mflags, &used);
        if (err)
            r = err;
    }
    if (info.nfiles)
        unix_files_put(info.files, info.nfiles);
    if (r < 0)
        return r;
    if (m.name && unix_addr_to_user(&info.from, m.name, a1 + MSGHDR_NAMELEN))
        return -EFAULT;
    if (!m.name) {
        uint32_t zero = 0;
        if (copy_to_user(a1 + MSGHDR_NAMELEN, &zero, sizeof(zero)))
            return -EFAULT;
    }
    if (copy_to_user(a1 + MSGHDR_CONTROLLEN, &used, sizeof(used)) ||
        copy_to_user(a1 + MSGHDR_FLAGS, &mflags, sizeof(mflags)))
        return -EFAULT;
    if (s->type != SOCK_STREAM && (flags & MSG_TRUNC))
        r = (int64_t)info.full_len;
    return r;
}
