/* Control messages of AF_UNIX sockets, as Linux's scm code reads and
 * writes them.  Sending: SCM_RIGHTS (open files, each a reference until
 * received) and SCM_CREDENTIALS (checked as Linux checks them for a
 * privileged process, which the program is: any pid that exists, any uid
 * and gid but -1).  Receiving: the sender's credentials first when the
 * socket has SO_PASSCRED, then the files, as many as fit (the rest closed,
 * MSG_CTRUNC). */
#include "unix/unix_socket.h"
#include "unix/usercopy.h"
#include "unix/process.h"
#include "sched/sched.h"
#include "mm/heap.h"
#include "lib/errno.h"
#include "lib/string.h"

#define SOL_SOCKET 1
#define SCM_RIGHTS 1
#define SCM_CREDENTIALS 2
#define CMSG_HDR 16                      /* struct cmsghdr: size_t len; int level, type */
#define CMSG_ALIGN(n) (((n) + 7) & ~(uint64_t)7)
#define NO_ID 0xffffffffu                /* (uid_t)-1: no valid id */
#define OVERFLOW_ID 65534                /* what Linux reports for an id it has not */

struct cmsghdr_k {
    uint64_t len;
    int32_t level, type;
};

struct unix_cred unix_cred_self(void)
{
    return (struct unix_cred){ .pid = PROCESS_PID, .uid = 0, .gid = 0 };
}

static int take_rights(const uint8_t *data, uint64_t count, struct unix_scm *out)
{
    if (out->nfiles + count > UNIX_FDS_MAX)
        return -EINVAL;
    if (count && !out->files && !(out->files = kmalloc(UNIX_FDS_MAX * sizeof(*out->files))))
        return -ENOMEM;
    for (uint64_t i = 0; i < count; i++) {
        int32_t fd;
        memcpy(&fd, data + 4 * i, sizeof(fd));
        struct file *f = fd_get(fd);
        if (!f)
            return -EBADF;
        f->refs++;
        out->files[out->nfiles++] = f;
    }
    return 0;
}

/* As Linux's scm_check_creds and __scm_send for a process with
 * CAP_SYS_ADMIN, CAP_SETUID and CAP_SETGID: an invalid id EINVAL, a pid
 * that does not exist ESRCH (a thread's id exists, as Linux's pids). */
static int take_cred(const uint8_t *data, struct unix_scm *out)
{
    struct unix_cred c;
    memcpy(&c, data, sizeof(c));
    if (c.uid == NO_ID || c.gid == NO_ID)
        return -EINVAL;
    if (c.pid != PROCESS_PID && (c.pid <= 0 || !sched_thread_by_tid(c.pid)))
        return -ESRCH;
    out->cred = c;
    return 0;
}

static int parse(const uint8_t *ctl, uint64_t len, struct unix_scm *out)
{
    for (uint64_t at = 0; at + CMSG_HDR <= len;) {
        struct cmsghdr_k h;
        memcpy(&h, ctl + at, sizeof(h));
        if (h.len < CMSG_HDR || h.len > len - at)
            return -EINVAL;
        int err = 0;
        if (h.level == SOL_SOCKET && h.type == SCM_RIGHTS)
            err = take_rights(ctl + at + CMSG_HDR, (h.len - CMSG_HDR) / 4, out);
        else if (h.level == SOL_SOCKET && h.type == SCM_CREDENTIALS)
            err = h.len != CMSG_HDR + sizeof(struct unix_cred) ? -EINVAL
                                                                : take_cred(ctl + at + CMSG_HDR, out);
        else if (h.level == SOL_SOCKET)
            err = -EINVAL;
        if (err)
            return err;
        at += CMSG_ALIGN(h.len);
    }
    return 0;
}

int unix_scm_parse(const uint8_t *ctl, uint64_t len, struct unix_scm *out)
{
    memset(out, 0, sizeof(*out));
    int err = ctl ? parse(ctl, len, out) : 0;
    if (err) {
        unix_files_put(out->files, out->nfiles);    /* frees the array too */
        memset(out, 0, sizeof(*out));
    }
    return err;
}

/* Where the next control message goes, as Linux's msg_control and
 * msg_controllen move along. */
struct cmsg_out {
    uint64_t at, room, used;
    int32_t *mflags;
};

static void advance(struct cmsg_out *o, uint64_t n)
{
    n = n < o->room ? n : o->room;
    o->at += n;
    o->room -= n;
    o->used += n;
}

/* As Linux's put_cmsg: cut to the room left (MSG_CTRUNC), nothing when
 * not even a header fits; a buffer that faults takes nothing (Linux
 * ignores the fault: the receive succeeds). */
static void put_cmsg(struct cmsg_out *o, int type, const void *data, uint64_t len)
{
    if (!o->at || o->room < CMSG_HDR) {
        *o->mflags |= MSG_CTRUNC;
        return;
    }
    uint64_t cmlen = CMSG_HDR + len;
    if (o->room < cmlen) {
        *o->mflags |= MSG_CTRUNC;
        cmlen = o->room;
    }
    struct cmsghdr_k h = { cmlen, SOL_SOCKET, type };
    if (copy_to_user(o->at, &h, sizeof(h)) ||
        copy_to_user(o->at + CMSG_HDR, data, cmlen - CMSG_HDR))
        return;
    advance(o, CMSG_ALIGN(CMSG_HDR + len));
}

/* As Linux's scm_detach_fds: as many descriptors as fit and can be
 * written, the rest closed and MSG_CTRUNC. */
static void put_files(struct cmsg_out *o, struct unix_recv_info *info, int flags)
{
    uint64_t fit = o->at && o->room > CMSG_HDR ? (o->room - CMSG_HDR) / 4 : 0;
    uint32_t n = fit < info->nfiles ? (uint32_t)fit : info->nfiles;
    uint32_t i = 0;
    for (; i < n; i++) {
        int32_t fd = fd_install(info->files[i], 0, flags & MSG_CMSG_CLOEXEC);
        if (fd < 0)
            break;
        info->files[i] = NULL;           /* the descriptor holds it now */
        if (copy_to_user(o->at + CMSG_HDR + 4 * (uint64_t)i, &fd, sizeof(fd))) {
            fd_close(fd);                /* as Linux: not given, closed */
            break;
        }
    }
    if (i < info->nfiles)
        *o->mflags |= MSG_CTRUNC;
    unix_files_put(info->files, info->nfiles);
    info->files = NULL;
    info->nfiles = 0;
    struct cmsghdr_k h = { CMSG_HDR + 4 * (uint64_t)i, SOL_SOCKET, SCM_RIGHTS };
    if (i && !copy_to_user(o->at, &h, sizeof(h)))
        advance(o, CMSG_ALIGN(h.len));
}

void unix_scm_deliver(const struct msghdr_k *m, bool passcred, struct unix_recv_info *info,
                      int flags, int32_t *mflags, uint64_t *used)
{
    struct cmsg_out o = { .at = m->control, .room = m->control ? m->controllen : 0,
                          .mflags = mflags };
    if (passcred) {
        /* A message sent without credentials reads as pid 0, overflow ids. */
        struct unix_cred c = info->cred.pid ? info->cred
                                            : (struct unix_cred){ 0, OVERFLOW_ID, OVERFLOW_ID };
        put_cmsg(&o, SCM_CREDENTIALS, &c, sizeof(c));
    }
    if (info->nfiles)
        put_files(&o, info, flags);
    *used = o.used;
}
