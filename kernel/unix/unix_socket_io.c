/* Sending and receiving on AF_UNIX sockets (unix/unix_socket.h): messages
 * queued at the receiver, charged to the sender's SO_SNDBUF until read.
 * A blocking stream send sends everything; a datagram is sent whole or not
 * at all.  The bytes are copied once into the message and once out. */
#include "unix/unix_socket.h"
#include "unix/usercopy.h"
#include "unix/process.h"
#include "unix/signal.h"
#include "unix/signal_thread.h"
#include "sched/sched.h"
#include "mm/heap.h"
#include "lib/errno.h"
#include "lib/string.h"

#define MSG_PEEK 0x2
#define MSG_TRUNC 0x20
#define MSG_WAITALL 0x100
#define MSG_NOSIGNAL 0x4000
#define DGRAM_QLEN_MAX 10                /* net.unix.max_dgram_qlen */

/* EPIPE; SIGPIPE too on a stream (Linux's datagram and seqpacket sends
 * raise none). */
static int64_t epipe(const struct unix_sock *s, int flags)
{
    if (s->type == SOCK_STREAM && !(flags & MSG_NOSIGNAL))
        signal_send_thread(sched_current(),
                           &(struct signal_info){ .signo = SIGPIPE, .code = SI_USER,
                                                  .pid = PROCESS_PID,
                                                  .why = "wrote to a unix socket whose peer "
                                                         "is gone or shut down" });
    return -EPIPE;
}

/* The credentials a message carries: those given, else the program's
 * when either end has SO_PASSCRED or the receiver is not yet accepted (as
 * Linux's maybe_add_creds), else none. */
static struct unix_cred message_cred(const struct unix_sock *s, const struct unix_sock *to,
                                     const struct unix_scm *scm)
{
    if (scm && scm->cred.pid)
        return scm->cred;
    if (s->passcred || !to->file || to->passcred)
        return unix_cred_self();
    return (struct unix_cred){ 0 };
}

/* Queues n bytes of b at `to`, charged to s, with files (the first piece
 * of a send): 0 or -EFAULT/-ENOMEM. */
static int enqueue(struct unix_sock *s, struct unix_sock *to, struct sock_iter *b, size_t n,
                   const struct unix_scm *scm, bool with_files)
{
    struct unix_msg *m = kmalloc(sizeof(*m) + (n ? n : 1));
    if (!m) {
        unix_gc();                       /* garbage in flight may be what fills memory */
        if (to->closed)                  /* it was garbage itself */
            return to->type == SOCK_DGRAM ? -ECONNREFUSED : -EPIPE;
        m = kmalloc(sizeof(*m) + (n ? n : 1));
    }
    if (!m)
        return -ENOMEM;
    if (sock_iter_take(b, m->data, n)) {
        kfree(m);
        return -EFAULT;
    }
    m->next = NULL;
    m->sender = s;
    s->refs++;
    m->len = (uint32_t)n;
    m->off = 0;
    m->cred = message_cred(s, to, scm);
    m->nfiles = with_files && scm ? scm->nfiles : 0;
    m->files = m->nfiles ? scm->files : NULL;
    unix_inflight_add(m->files, m->nfiles);
    if (to->tail)
        to->tail->next = m;
    else
        to->head = m;
    to->tail = m;
    to->qlen++;
    to->qbytes += n;
    s->wmem += n;
    unix_sock_changed(to, POLLIN | POLLRDNORM);
    return 0;
}

/* Where a send goes, or why it cannot. */
static int64_t send_target(struct unix_sock *s, struct unix_sock *to, int flags,
                           struct unix_sock **out)
{
    if (s->type == SOCK_DGRAM) {
        struct unix_sock *t = to ? to : s->peer;
        if (!t)
            return -ENOTCONN;
        if (t->closed) {
            if (t != s->peer)
                return -ECONNREFUSED;
            s->peer = NULL;              /* as Linux: disconnected, once refused */
            s->state = UNIX_UNCONNECTED;
            unix_sock_put(t);
            return -ECONNREFUSED;
        }
        if (t->peer && t->peer != s)
            return -EPERM;               /* it is connected to another socket */
        if ((s->shutdown & UNIX_SHUT_SEND) || (t->shutdown & UNIX_SHUT_RCV))
            return -EPIPE;
        *out = t;
        return 0;
    }
    if (s->state != UNIX_CONNECTED)
        return s->shutdown & UNIX_SHUT_SEND ? epipe(s, flags) : -ENOTCONN;
    if ((s->shutdown & UNIX_SHUT_SEND) || !s->peer || s->peer->closed ||
        (s->peer->shutdown & UNIX_SHUT_RCV))
        return epipe(s, flags);
    *out = s->peer;
    return 0;
}

static int64_t send_loop(struct unix_sock *s, struct sock_iter *b, size_t len, int flags,
                         struct unix_sock *to, const struct unix_scm *scm, bool *attached)
{
    bool nb = unix_sock_nonblock(s, flags);
    bool whole = s->type != SOCK_STREAM;
    if (whole && len > (size_t)s->sndbuf - 32)
        return -EMSGSIZE;
    uint64_t deadline = unix_sock_deadline(s->sndtimeo_ns);
    size_t done = 0;
    do {
        uint64_t seen = s->gen;
        struct unix_sock *t;
        int64_t r = send_target(s, to, flags, &t);
        if (r)
            return done ? (int64_t)done : r;
        if (len == 0 && s->type == SOCK_STREAM)
            return 0;                    /* as Linux: nothing sent, files neither */
        struct unix_sock *on = NULL;
        uint64_t on_seen = 0;
        if (s->wmem >= (uint64_t)s->sndbuf) {
            on = s;
            on_seen = seen;
        } else if (s->type == SOCK_DGRAM && t->peer != s && t->qlen > DGRAM_QLEN_MAX) {
            on = t;                      /* Linux: unix_recvq_full */
            on_seen = t->gen;
        }
        if (!on) {
            size_t n = whole ? len : len - done;
            if (!whole && n > (size_t)s->sndbuf / 2)
                n = (size_t)s->sndbuf / 2;
            int err = enqueue(s, t, b, n, scm, !done);
            if (err)
                return done ? (int64_t)done : err;
            *attached = true;
            done += n;
            continue;
        }
        if (nb)
            return done ? (int64_t)done : -EAGAIN;
        t->refs++;                       /* t may close while this waits */
        int err = unix_sock_wait(on, on_seen, deadline);
        unix_sock_put(t);
        if (err)
            return done ? (int64_t)done : err;
    } while (done < len);
    return (int64_t)done;
}

int64_t unix_sock_send(struct unix_sock *s, struct sock_iter *b, size_t len, int flags,
                       struct unix_sock *to, struct unix_scm *scm)
{
    bool attached = false;
    /* As Linux: a datagram sender with SO_PASSCRED gets a name. */
    int64_t r = s->type != SOCK_STREAM && s->passcred ? unix_autobind(s) : 0;
    if (r == 0)
        r = send_loop(s, b, len, flags, to, scm, &attached);
    if (!attached && scm && scm->nfiles)
        unix_files_put(scm->files, scm->nfiles);
    else if (!attached && scm)
        kfree(scm->files);
    return r;
}

static void take_files(struct unix_msg *m, bool peek, struct unix_recv_info *info)
{
    if (!m->nfiles)
        return;
    if (peek) {                          /* as Linux: the peeker gets its own copies */
        if (!info)
            return;
        info->files = kmalloc(m->nfiles * sizeof(*info->files));
        if (!info->files)
            return;
        for (uint32_t i = 0; i < m->nfiles; i++) {
            info->files[i] = m->files[i];
            info->files[i]->refs++;
        }
        info->nfiles = m->nfiles;
        return;
    }
    unix_inflight_del(m->files, m->nfiles);
    if (info) {
        info->files = m->files;
        info->nfiles = m->nfiles;
    } else {
        unix_files_put(m->files, m->nfiles);
    }
    m->files = NULL;
    m->nfiles = 0;
}

void unix_msg_free(struct unix_msg *m)
{
    struct unix_sock *from = m->sender;
    from->wmem -= m->len;
    if (m->nfiles) {
        unix_inflight_del(m->files, m->nfiles);
        unix_files_put(m->files, m->nfiles);
    }
    kfree(m);
    unix_sock_changed(from, POLLOUT | POLLWRNORM);
    unix_sock_put(from);
}

static void dequeue_head(struct unix_sock *s)
{
    struct unix_msg *m = s->head;
    s->head = m->next;
    if (!s->head)
        s->tail = NULL;
    s->qlen--;
    s->qbytes -= m->len - m->off;
    unix_msg_free(m);
    unix_sock_changed(s, 0);
}

static void note_sender(struct unix_msg *m, struct unix_recv_info *info)
{
    if (info && m->sender->bound)
        info->from = m->sender->addr;
}

/* One datagram (or seqpacket record). */
static int64_t recv_one(struct unix_sock *s, struct sock_iter *b, size_t len, int flags,
                        struct unix_recv_info *info)
{
    struct unix_msg *m = s->head;
    size_t n = m->len < len ? m->len : len;
    if (sock_iter_put(b, m->data, n)) {
        if (!(flags & MSG_PEEK))
            dequeue_head(s);             /* as Linux: the datagram is lost */
        return -EFAULT;
    }
    note_sender(m, info);
    if (info) {
        info->full_len = m->len;
        info->truncated = n < m->len;
        info->cred = m->cred;
    }
    take_files(m, flags & MSG_PEEK, info);
    if (!(flags & MSG_PEEK))
        dequeue_head(s);
    return (int64_t)n;
}

static bool same_cred(const struct unix_cred *a, const struct unix_cred *b)
{
    return a->pid == b->pid && a->uid == b->uid && a->gid == b->gid;
}

/* Stream bytes across messages; a message with files starts a read and
 * ends it (the files go with their first byte).  With SO_PASSCRED a read
 * never joins messages of different credentials (as Linux); *first: the
 * first message's. */
static int64_t recv_stream(struct unix_sock *s, struct sock_iter *b, size_t len, int flags,
                           struct unix_recv_info *info, size_t done, struct unix_cred *first)
{
    bool peek = flags & MSG_PEEK;
    for (struct unix_msg *m = s->head; m && done < len;) {
        if (m->nfiles && done)
            break;
        if (done && s->passcred && !same_cred(&m->cred, first))
            break;
        size_t avail = m->len - m->off;
        size_t n = avail < len - done ? avail : len - done;
        if (sock_iter_put(b, m->data + m->off, n))
            return done ? (int64_t)done : -EFAULT;
        if (!done) {
            note_sender(m, info);
            *first = m->cred;
            if (info)
                info->cred = m->cred;
        }
        done += n;
        bool had_files = m->nfiles != 0;
        take_files(m, peek, info);
        struct unix_msg *next = m->next;
        if (!peek) {
            m->off += (uint32_t)n;
            s->qbytes -= n;
            if (m->off == m->len)
                dequeue_head(s);
            else
                unix_sock_changed(m->sender, POLLOUT);
        }
        if (had_files)
            break;
        m = next;
    }
    return (int64_t)done;
}

int64_t unix_sock_recv(struct unix_sock *s, struct sock_iter *b, size_t len, int flags,
                       struct unix_recv_info *info)
{
    if (s->type != SOCK_DGRAM && s->state != UNIX_CONNECTED && !s->head)
        return s->type == SOCK_STREAM ? -EINVAL : -ENOTCONN;
    if (s->type == SOCK_STREAM && len == 0)
        return 0;
    bool nb = unix_sock_nonblock(s, flags);
    uint64_t deadline = unix_sock_deadline(s->rcvtimeo_ns);
    size_t done = 0;
    struct unix_cred first = { 0 };
    for (;;) {
        uint64_t seen = s->gen;
        if (s->head) {
            if (s->type != SOCK_STREAM)
                return recv_one(s, b, len, flags, info);
            int64_t r = recv_stream(s, b, len, flags, info, done, &first);
            /* No progress: the next message has other credentials. */
            if (r < 0 || !(flags & MSG_WAITALL) || (flags & MSG_PEEK) || (size_t)r >= len ||
                (info && info->nfiles) || (size_t)r == done)
                return r;
            done = (size_t)r;
            continue;
        }
        if (s->err) {
            int e = s->err;
            s->err = 0;
            return done ? (int64_t)done : -e;
        }
        if (s->shutdown & UNIX_SHUT_RCV)
            return (int64_t)done;
        if (nb)
            return done ? (int64_t)done : -EAGAIN;
        int err = unix_sock_wait(s, seen, deadline);
        if (err)
            return done ? (int64_t)done : err;
    }
}
