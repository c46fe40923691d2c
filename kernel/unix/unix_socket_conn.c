/* Making, naming and connecting AF_UNIX sockets: socket, socketpair, bind
 * (a path makes an S_IFSOCK node; an abstract name lives in a table until
 * its socket closes), listen, accept, connect (a stream connects at once,
 * its server end waiting in the listener's queue until accepted, as
 * Linux), shutdown, getsockname and getpeername. */
#include "unix/unix_socket.h"
#include "unix/usercopy.h"
#include "unix/process.h"
#include "unix/at.h"
#include "fs/vfs.h"
#include "fs/path.h"
#include "mm/heap.h"
#include "lib/errno.h"
#include "lib/log.h"
#include "lib/string.h"

#define AF_UNSPEC 0
#define AF_UNIX 1
#define SOMAXCONN 4096

static struct unix_sock *bound_list;     /* every bound socket, path or abstract */

void unix_unbind(struct unix_sock *s)
{
    if (!s->bound)
        return;
    for (struct unix_sock **p = &bound_list; *p; p = &(*p)->bound_next) {
        if (*p == s) {
            *p = s->bound_next;
            break;
        }
    }
    s->bound_next = NULL;
    /* The name stays (getsockname); the path's node stays too, as Linux. */
}

static bool is_abstract(const struct unix_addr *a)
{
    return a->len > UNIX_PATH_OFF && a->bytes[UNIX_PATH_OFF] == 0;
}

static struct unix_sock *find_abstract(const struct unix_addr *a)
{
    for (struct unix_sock *s = bound_list; s; s = s->bound_next)
        if (is_abstract(&s->addr) && s->addr.len == a->len &&
            memcmp(s->addr.bytes, a->bytes, a->len) == 0)
            return s;
    return NULL;
}

static struct unix_sock *find_node(const struct vnode *vn)
{
    for (struct unix_sock *s = bound_list; s; s = s->bound_next)
        if (!is_abstract(&s->addr) && s->node_dev == vn->dev && s->node_ino == vn->ino)
            return s;
    return NULL;
}

/* A user sockaddr_un: its length as Linux keeps it (a path's counted to
 * its NUL, plus one).  addr->len == UNIX_PATH_OFF: no name (autobind). */
static int addr_from_user(uint64_t uaddr, uint64_t ulen, struct unix_addr *a)
{
    if (ulen < UNIX_PATH_OFF || ulen > UNIX_ADDR_MAX)
        return -EINVAL;
    memset(a, 0, sizeof(*a));
    if (copy_from_user(a->bytes, uaddr, ulen))
        return -EFAULT;
    uint16_t family = (uint16_t)(a->bytes[0] | a->bytes[1] << 8);
    if (family != AF_UNIX)
        return -EINVAL;
    a->len = (uint32_t)ulen;
    if (ulen > UNIX_PATH_OFF && a->bytes[UNIX_PATH_OFF] != 0)
        a->len = (uint32_t)(strlen((const char *)a->bytes + UNIX_PATH_OFF) + UNIX_PATH_OFF + 1);
    return 0;
}

int unix_addr_to_user(const struct unix_addr *a, uint64_t uaddr, uint64_t ulenp)
{
    int32_t room;
    if (copy_from_user(&room, ulenp, sizeof(room)))
        return -EFAULT;
    if (room < 0)
        return -EINVAL;
    uint32_t n = (uint32_t)room < a->len ? (uint32_t)room : a->len;
    if ((n && copy_to_user(uaddr, a->bytes, n)) || copy_to_user(ulenp, &a->len, sizeof(a->len)))
        return -EFAULT;
    return 0;
}

static struct unix_addr unnamed(void)
{
    struct unix_addr a = { .len = UNIX_PATH_OFF, .bytes = { AF_UNIX, 0 } };
    return a;
}

static int lookup(const struct unix_addr *a, int type, struct unix_sock **out)
{
    struct unix_sock *s;
    if (a->len <= UNIX_PATH_OFF)
        return -EINVAL;
    if (is_abstract(a)) {
        s = find_abstract(a);
    } else {
        struct vnode *vn;
        int err = path_resolve(proc.cwd, (const char *)a->bytes + UNIX_PATH_OFF, true, &vn);
        if (err)
            return err;
        if ((vn->mode & S_IFMT) != S_IFSOCK)
            return -ECONNREFUSED;
        s = find_node(vn);
    }
    if (!s || s->closed)
        return -ECONNREFUSED;
    if (s->type != type)
        return -EPROTOTYPE;
    s->refs++;
    *out = s;
    return 0;
}

int unix_lookup_user(uint64_t uaddr, uint64_t ulen, int type, struct unix_sock **out)
{
    struct unix_addr a;
    int err = addr_from_user(uaddr, ulen, &a);
    return err ? err : lookup(&a, type, out);
}

static int check_type(int type, int proto)
{
    if (type != SOCK_STREAM && type != SOCK_DGRAM && type != SOCK_SEQPACKET)
        return -ESOCKTNOSUPPORT;
    return proto != 0 && proto != AF_UNIX ? -EPROTONOSUPPORT : 0;
}

int64_t unix_socket_create(int type, int proto, uint32_t flags)
{
    if (type == SOCK_RAW)
        type = SOCK_DGRAM;               /* as Linux */
    int err = check_type(type, proto);
    if (err)
        return err;
    struct unix_sock *s = unix_sock_new(type);
    return s ? unix_sock_install(s, flags) : -ENOMEM;
}

static void pair_up(struct unix_sock *a, struct unix_sock *b)
{
    a->peer = b;
    b->peer = a;
    a->refs++;
    b->refs++;
    a->state = b->state = UNIX_CONNECTED;
    a->has_peercred = b->has_peercred = true;
}

int64_t unix_socketpair(int type, int proto, uint64_t ufds)
{
    uint32_t flags = (uint32_t)type & (O_NONBLOCK | O_CLOEXEC);
    type &= ~(O_NONBLOCK | O_CLOEXEC);
    if (type & ~0xf)
        return -EINVAL;                  /* unknown flags, as socket() */
    if (type == SOCK_RAW)
        type = SOCK_DGRAM;
    int err = check_type(type, proto);
    if (err)
        return err;
    struct unix_sock *a = unix_sock_new(type), *b = unix_sock_new(type);
    if (!a || !b) {
        kfree(a);
        kfree(b);
        return -ENOMEM;
    }
    pair_up(a, b);
    int fds[2];
    fds[0] = unix_sock_install(a, flags);
    if (fds[0] < 0) {
        unix_sock_put(b);                /* a's close dropped b's peer reference */
        return fds[0];
    }
    fds[1] = unix_sock_install(b, flags);
    if (fds[1] < 0) {
        fd_close(fds[0]);
        return fds[1];
    }
    if (copy_to_user(ufds, fds, sizeof(fds))) {
        fd_close(fds[0]);
        fd_close(fds[1]);
        return -EFAULT;
    }
    return 0;
}

/* A name made from nothing: "\0" and five hex digits, as Linux. */
static int autobind(struct unix_sock *s)
{
    static uint32_t next = 0x1000;
    struct unix_addr a = unnamed();
    for (int tries = 0; tries < 0x100000; tries++) {
        uint32_t v = next++ & 0xfffff;
        a.bytes[UNIX_PATH_OFF] = 0;
        for (int i = 0; i < 5; i++)
            a.bytes[UNIX_PATH_OFF + 1 + i] = "0123456789abcdef"[(v >> (16 - 4 * i)) & 0xf];
        a.len = UNIX_PATH_OFF + 6;
        if (!find_abstract(&a)) {
            s->addr = a;
            return 0;
        }
    }
    return -ENOSPC;
}

static void add_bound(struct unix_sock *s)
{
    s->bound = true;
    s->bound_next = bound_list;
    bound_list = s;
}

int unix_autobind(struct unix_sock *s)
{
    if (s->bound || s->addr.len)
        return 0;
    int err = autobind(s);
    if (!err)
        add_bound(s);
    return err;
}

static int bind_path(struct unix_sock *s, const struct unix_addr *a)
{
    const char *path = (const char *)a->bytes + UNIX_PATH_OFF;
    struct vnode *dir, *vn;
    const char *name;
    size_t len;
    int err = at_parent(AT_FDCWD, path, &dir, &name, &len);
    if (err)
        return err;
    err = vfs_create(dir, name, len, S_IFSOCK | (0777 & ~proc.umask), &vn);
    if (err)
        return err == -EEXIST ? -EADDRINUSE : err;
    s->node_dev = vn->dev;
    s->node_ino = vn->ino;
    return 0;
}

int64_t unix_bind(struct unix_sock *s, uint64_t a1, uint64_t a2, uint64_t a3, uint64_t a4,
                  uint64_t a5)
{
    (void)a3, (void)a4, (void)a5;
    struct unix_addr a;
    int err = addr_from_user(a1, a2, &a);
    if (err)
        return err;
    if (s->bound || s->addr.len) {
        struct vnode *vn;                /* as Linux: the path is tried first */
        bool taken = a.len > UNIX_PATH_OFF && !is_abstract(&a) &&
                     path_resolve(proc.cwd, (const char *)a.bytes + UNIX_PATH_OFF, false, &vn) == 0;
        return taken ? -EADDRINUSE : -EINVAL;
    }
    if (a.len == UNIX_PATH_OFF)
        err = autobind(s);
    else if (is_abstract(&a))
        err = find_abstract(&a) ? -EADDRINUSE : 0;
    else
        err = bind_path(s, &a);
    if (err)
        return err;
    if (a.len != UNIX_PATH_OFF)
        s->addr = a;
    add_bound(s);
    return 0;
}

int64_t unix_listen(struct unix_sock *s, uint64_t a1, uint64_t a2, uint64_t a3, uint64_t a4,
                    uint64_t a5)
{
    (void)a2, (void)a3, (void)a4, (void)a5;
    if (s->type == SOCK_DGRAM)
        return -EOPNOTSUPP;
    if (!s->bound || s->state == UNIX_CONNECTED)
        return -EINVAL;
    int backlog = (int)a1;
    s->backlog = backlog < 0 || backlog > SOMAXCONN ? SOMAXCONN : (uint32_t)backlog;
    s->state = UNIX_LISTENING;
    unix_sock_changed(s, 0);             /* a waiting connect may go on */
    return 0;
}

/* A stream or seqpacket connect: the server end queued at the listener. */
static int64_t connect_stream(struct unix_sock *s, struct unix_sock *l)
{
    if (s->state == UNIX_CONNECTED)
        return -EISCONN;
    if (s->state == UNIX_LISTENING)
        return -EINVAL;
    uint64_t deadline = unix_sock_deadline(s->sndtimeo_ns);
    for (;;) {
        if (l->closed || l->state != UNIX_LISTENING)
            return -ECONNREFUSED;
        if (l->pending <= l->backlog)
            break;
        if (unix_sock_nonblock(s, 0))
            return -EAGAIN;
        int err = unix_sock_wait(l, l->gen, deadline);
        if (err)
            return err;
    }
    struct unix_sock *n = unix_sock_new(s->type);
    if (!n)
        return -ENOMEM;
    n->addr = l->addr;                   /* an accepted socket has its listener's name */
    n->sndbuf = l->sndbuf;
    n->rcvbuf = l->rcvbuf;
    n->passcred = l->passcred;           /* as Linux's unix_sock_inherit_flags */
    pair_up(s, n);
    if (l->accept_tail)
        l->accept_tail->accept_next = n;
    else
        l->accept_head = n;
    l->accept_tail = n;
    l->pending++;
    unix_sock_changed(l, POLLIN | POLLRDNORM);
    unix_sock_changed(s, POLLOUT);
    return 0;
}

int64_t unix_connect(struct unix_sock *s, uint64_t a1, uint64_t a2, uint64_t a3, uint64_t a4,
                     uint64_t a5)
{
    (void)a3, (void)a4, (void)a5;
    struct unix_addr a;
    int err = addr_from_user(a1, a2, &a);
    if (err == -EINVAL && s->type == SOCK_DGRAM && a2 >= UNIX_PATH_OFF && a2 <= UNIX_ADDR_MAX &&
        a.bytes[0] == AF_UNSPEC && a.bytes[1] == 0) {
        struct unix_sock *old = s->peer;  /* AF_UNSPEC: a datagram socket disconnects */
        s->peer = NULL;
        s->state = UNIX_UNCONNECTED;
        unix_sock_put(old);
        return 0;
    }
    if (err)
        return err;
    /* As Linux: SO_PASSCRED names the connecting end first. */
    if (s->passcred && (err = unix_autobind(s)))
        return err;
    struct unix_sock *t;
    if ((err = lookup(&a, s->type, &t)))
        return err;
    int64_t r;
    if (s->type == SOCK_DGRAM) {
        struct unix_sock *old = s->peer;
        s->peer = t;                     /* the lookup's reference */
        s->state = UNIX_CONNECTED;    /* no peer credentials, as Linux */
        unix_sock_put(old);
        return 0;
    }
    r = connect_stream(s, t);
    unix_sock_put(t);
    return r;
}

static int64_t do_accept(struct unix_sock *s, uint64_t uaddr, uint64_t ulenp, uint64_t flags)
{
    if (flags & ~(uint64_t)(O_NONBLOCK | O_CLOEXEC))
        return -EINVAL;
    if (s->type == SOCK_DGRAM)
        return -EOPNOTSUPP;
    if (s->state != UNIX_LISTENING)
        return -EINVAL;
    uint64_t deadline = unix_sock_deadline(s->rcvtimeo_ns);
    while (!s->accept_head) {
        if (unix_sock_nonblock(s, 0))
            return -EAGAIN;
        int err = unix_sock_wait(s, s->gen, deadline);
        if (err)
            return err;
        if (s->state != UNIX_LISTENING)
            return -EINVAL;
    }
    struct unix_sock *n = s->accept_head;
    s->accept_head = n->accept_next;
    if (!s->accept_head)
        s->accept_tail = NULL;
    n->accept_next = NULL;
    s->pending--;
    unix_sock_changed(s, 0);             /* room in the backlog */
    struct unix_addr peer = n->peer && n->peer->bound ? n->peer->addr : unnamed();
    int fd = unix_sock_install(n, (uint32_t)flags);
    if (fd < 0)
        return fd;
    if (uaddr) {
        int err = unix_addr_to_user(&peer, uaddr, ulenp);
        if (err) {
            fd_close(fd);
            return err;
        }
    }
    return fd;
}

int64_t unix_accept(struct unix_sock *s, uint64_t a1, uint64_t a2, uint64_t a3, uint64_t a4,
                    uint64_t a5)
{
    (void)a3, (void)a4, (void)a5;
    return do_accept(s, a1, a2, 0);
}

int64_t unix_accept4(struct unix_sock *s, uint64_t a1, uint64_t a2, uint64_t a3, uint64_t a4,
                     uint64_t a5)
{
    (void)a4, (void)a5;
    return do_accept(s, a1, a2, a3);
}

int64_t unix_shutdown(struct unix_sock *s, uint64_t a1, uint64_t a2, uint64_t a3, uint64_t a4,
                      uint64_t a5)
{
    (void)a2, (void)a3, (void)a4, (void)a5;
    int how = (int)a1;
    if (how < 0 || how > 2)
        return -EINVAL;
    uint8_t mode = (uint8_t)(how + 1);   /* SHUT_RD 0, SHUT_WR 1, SHUT_RDWR 2 */
    s->shutdown |= mode;
    unix_sock_changed(s, 0);
    struct unix_sock *p = s->peer;
    if (p && s->type != SOCK_DGRAM) {
        uint8_t pm = (uint8_t)(((mode & UNIX_SHUT_RCV) ? UNIX_SHUT_SEND : 0) |
                               ((mode & UNIX_SHUT_SEND) ? UNIX_SHUT_RCV : 0));
        p->shutdown |= pm;
        unix_sock_changed(p, 0);
    }
    return 0;
}

int64_t unix_getsockname(struct unix_sock *s, uint64_t a1, uint64_t a2, uint64_t a3, uint64_t a4,
                         uint64_t a5)
{
    (void)a3, (void)a4, (void)a5;
    struct unix_addr a = s->addr.len ? s->addr : unnamed();
    return unix_addr_to_user(&a, a1, a2);
}

int64_t unix_getpeername(struct unix_sock *s, uint64_t a1, uint64_t a2, uint64_t a3, uint64_t a4,
                         uint64_t a5)
{
    (void)a3, (void)a4, (void)a5;
    if (!s->peer || s->state != UNIX_CONNECTED)
        return -ENOTCONN;
    struct unix_addr a = s->peer->addr.len ? s->peer->addr : unnamed();
    return unix_addr_to_user(&a, a1, a2);
}
