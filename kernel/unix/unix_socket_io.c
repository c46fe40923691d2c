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

static int buf_move(struct unix_buf *b, uint8_t *k, size_t n, bool to_k)
{
    while (n) {
        if (b->idx >= b->count)
            return -EFAULT;              /* more asked than the buffers hold: a bug */
        const struct unix_iov *v = &b->iov[b->idx];
        uint64_t piece = v->len - b->off < n ? v->len - b->off : n;
        uint64_t at = v->base + b->off;
        if (piece && b->user) {
            int err = to_k ? copy_from_user(k, at, piece) : copy_to_user(at, k, piece);
            if (err)
                return -EFAULT;
        } else if (piece) {
            if (to_k)
                memcpy(k, (const void *)(uintptr_t)at, piece);
            else
                memcpy((void *)(uintptr_t)at, k, piece);
        }
        k += piece;
        n -= piece;
        b->off += piece;
        if (b->off == v->len) {
            b->idx++;
            b->off = 0;
        }
    }
    return 0;
}

int unix_buf_take(struct unix_buf *b, void *dst, size_t n) { return buf_move(b, dst, n, true); }
int unix_buf_put(struct unix_buf *b, const void *src, size_t n)
{
    return buf_move(b, (uint8_t *)src, n, false);
}

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

/* Queues n bytes of b at `to`, charged to s: 0 or -EFAULT/-ENOMEM. */
static int enqueue(struct unix_sock *s, struct unix_sock *to, struct unix_buf *b, size_t n,
                   struct file **files, uint32_t nfiles)
{
    struct unix_msg *m = kmalloc(sizeof(*m) + (n ? n : 1));
    if (!m)
        return -ENOMEM;
    if (unix_buf_take(b, m->data, n)) {
        kfree(m);
        return -EFAULT;
    }
    m->next = NULL;
    m->sender = s;
    s->refs++;
    m->len = (uint32_t)n;
    m->off = 0;
    m->nfiles = nfiles;
    m->files = files;
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

static int64_t send_loop(struct unix_sock *s, struct unix_buf *b, size_t len, int flags,
                         struct unix_sock *to, struct file **files, uint32_t nfiles,
                         bool *attached)
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
            int err = enqueue(s, t, b, n, done ? NULL : files, done ? 0 : nfiles);
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

int64_t unix_sock_send(struct unix_sock *s, struct unix_buf *b, size_t len, int flags,
                       struct unix_sock *to, struct file **files, uint32_t nfiles)
{
    bool attached = false;
    int64_t r = send_loop(s, b, len, flags, to, files, nfiles, &attached);
    if (!attached && nfiles)
        unix_files_put(files, nfiles);
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
    if (info) {
        info->files = m->files;
        info->nfiles = m->nfiles;
    } else {
        unix_files_put(m->files, m->nfiles);
    }
    m->files = NULL;
    m->nfiles = 0;
}

static void dequeue_head(struct unix_sock *s)
{
    struct unix_msg *m = s->head;
    s->head = m->next;
    if (!s->head)
        s->tail = NULL;
    s->qlen--;
    s->qbytes -= m->len - m->off;
    struct unix_sock *from = m->sender;
    from->wmem -= m->len;
    if (m->nfiles)
        unix_files_put(m->files, m->nfiles);
    kfree(m);
    unix_sock_changed(from, POLLOUT | POLLWRNORM);
    unix_sock_put(from);
    unix_sock_changed(s, 0);
}

static void note_sender(struct unix_msg *m, struct unix_recv_info *info)
{
    if (info && m->sender->bound)
        info->from = m->sender->addr;
}

/* One datagram (or seqpacket record). */
static int64_t recv_one(struct unix_sock *s, struct unix_buf *b, size_t len, int flags,
                        struct unix_recv_info *info)
{
    struct unix_msg *m = s->head;
    size_t n = m->len < len ? m->len : len;
    if (unix_buf_put(b, m->data, n))
        return -EFAULT;                  /* the datagram stays queued */
    note_sender(m, info);
    if (info) {
        info->full_len = m->len;
        info->truncated = n < m->len;
    }
    take_files(m, flags & MSG_PEEK, info);
    if (!(flags & MSG_PEEK))
        dequeue_head(s);
    return (int64_t)n;
}

/* Stream bytes across messages; a message with files starts a read and
 * ends it (the files go with their first byte). */
static int64_t recv_stream(struct unix_sock *s, struct unix_buf *b, size_t len, int flags,
                           struct unix_recv_info *info, size_t done)
{
    bool peek = flags & MSG_PEEK;
    for (struct unix_msg *m = s->head; m && done < len;) {
        if (m->nfiles && done)
            break;
        size_t avail = m->len - m->off;
        size_t n = avail < len - done ? avail : len - done;
        if (unix_buf_put(b, m->data + m->off, n))
            return done ? (int64_t)done : -EFAULT;
        if (!done)
            note_sender(m, info);
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

int64_t unix_sock_recv(struct unix_sock *s, struct unix_buf *b, size_t len, int flags,
                       struct unix_recv_info *info)
{
    if (s->type != SOCK_DGRAM && s->state != UNIX_CONNECTED && !s->head)
        return s->type == SOCK_STREAM ? -EINVAL : -ENOTCONN;
    if (s->type == SOCK_STREAM && len == 0)
        return 0;
    bool nb = unix_sock_nonblock(s, flags);
    uint64_t deadline = unix_sock_deadline(s->rcvtimeo_ns);
    size_t done = 0;
    for (;;) {
        uint64_t seen = s->gen;
        if (s->head) {
            if (s->type != SOCK_STREAM)
                return recv_one(s, b, len, flags, info);
            int64_t r = recv_stream(s, b, len, flags, info, done);
            if (r < 0 || !(flags & MSG_WAITALL) || (flags & MSG_PEEK) || (size_t)r >= len ||
                (info && info->nfiles))
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
