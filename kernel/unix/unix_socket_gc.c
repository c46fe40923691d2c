/* Collecting AF_UNIX sockets that only messages in flight keep alive.
 *
 * A socket's file passed with SCM_RIGHTS is referenced by the message
 * until it is received.  When such messages sit on sockets that nobody
 * can read any more (the classic: a socket's own descriptor sent into its
 * own queue, then every descriptor closed), the references form a cycle
 * and nothing is ever closed.  As Linux's unix_gc decides it: every socket
 * counts how often its file is in flight; the candidates are those whose
 * file has no reference besides these.  A candidate is alive when some of
 * its in-flight references lie outside the candidates' queues (a socket
 * someone can still read), and so is everything alive queues reach; the
 * other candidates are garbage, and the files in their queues (and in the
 * queues of connections waiting on a garbage listener) are put, which
 * closes them.  It runs when a unix socket is closed while anything is in
 * flight, when files are sent and the count in flight has doubled since
 * the last run (a cycle can form without any socket closing: two sockets
 * each in the other's queue, both descriptors closed), and when a message
 * finds no memory; under the big kernel lock like all AF_UNIX code. */
#include "unix/unix_socket.h"
#include "lib/log.h"

static struct unix_sock *inflight_list;  /* every socket with inflight > 0 */
static uint64_t total_inflight;
static bool gc_running;
#define GC_THRESHOLD_MIN 64
static uint64_t gc_threshold = GC_THRESHOLD_MIN;  /* in flight, for unix_gc_maybe */

static void track(struct file *f, bool add)
{
    struct unix_sock *s = unix_sock_of_file(f);
    if (!s)
        return;
    if (add) {
        total_inflight++;
        if (s->inflight++ == 0) {
            s->inflight_prev = NULL;
            s->inflight_next = inflight_list;
            if (inflight_list)
                inflight_list->inflight_prev = s;
            inflight_list = s;
        }
        return;
    }
    total_inflight--;
    if (--s->inflight == 0) {
        if (s->inflight_prev)
            s->inflight_prev->inflight_next = s->inflight_next;
        else
            inflight_list = s->inflight_next;
        if (s->inflight_next)
            s->inflight_next->inflight_prev = s->inflight_prev;
        s->inflight_next = s->inflight_prev = NULL;
    }
}

void unix_inflight_add(struct file **files, uint32_t n)
{
    for (uint32_t i = 0; i < n; i++)
        track(files[i], true);
}

void unix_inflight_del(struct file **files, uint32_t n)
{
    for (uint32_t i = 0; i < n; i++)
        if (files[i])
            track(files[i], false);
}

/* Calls fn on every candidate whose file a message queued at s carries,
 * and at the connections waiting on s when it listens (their queues can
 * only be read through s). */
static void scan_queue(struct unix_sock *s, void (*fn)(struct unix_sock *))
{
    for (struct unix_msg *m = s->head; m; m = m->next)
        for (uint32_t i = 0; i < m->nfiles; i++) {
            struct unix_sock *t = unix_sock_of_file(m->files[i]);
            if (t && t->gc_candidate)
                fn(t);
        }
}

static void scan(struct unix_sock *s, void (*fn)(struct unix_sock *))
{
    scan_queue(s, fn);
    if (s->state == UNIX_LISTENING)
        for (struct unix_sock *n = s->accept_head; n; n = n->accept_next)
            scan_queue(n, fn);
}

static void count_internal(struct unix_sock *t) { t->gc_internal++; }

static struct unix_sock *worklist;

static void make_alive(struct unix_sock *t)
{
    if (t->gc_alive)
        return;
    t->gc_alive = true;
    t->gc_next = worklist;
    worklist = t;
}

/* The first message at g (or at a connection waiting on it) with files. */
static struct unix_msg *first_with_files(struct unix_sock *g)
{
    for (struct unix_msg *m = g->head; m; m = m->next)
        if (m->nfiles)
            return m;
    if (g->state == UNIX_LISTENING)
        for (struct unix_sock *n = g->accept_head; n; n = n->accept_next)
            for (struct unix_msg *m = n->head; m; m = m->next)
                if (m->nfiles)
                    return m;
    return NULL;
}

/* Marks the candidates and what keeps each alive; returns the garbage as
 * a list through gc_next, each with a reference held. */
static struct unix_sock *find_garbage(void)
{
    for (struct unix_sock *s = inflight_list; s; s = s->inflight_next) {
        s->gc_candidate = s->file && s->file->refs == s->inflight;
        s->gc_alive = false;
        s->gc_internal = 0;
    }
    for (struct unix_sock *s = inflight_list; s; s = s->inflight_next)
        if (s->gc_candidate)
            scan(s, count_internal);
    worklist = NULL;
    for (struct unix_sock *s = inflight_list; s; s = s->inflight_next)
        if (s->gc_candidate && s->gc_internal < s->inflight)
            make_alive(s);
    while (worklist) {
        struct unix_sock *s = worklist;
        worklist = s->gc_next;
        scan(s, make_alive);
    }
    struct unix_sock *garbage = NULL;
    for (struct unix_sock *s = inflight_list; s; s = s->inflight_next) {
        if (s->gc_candidate && !s->gc_alive) {
            s->refs++;                   /* it stays while its queue is emptied */
            s->gc_next = garbage;
            garbage = s;
        }
        s->gc_candidate = false;
    }
    return garbage;
}

void unix_gc(void)
{
    if (gc_running || !total_inflight)
        return;
    gc_running = true;
    struct unix_sock *garbage = find_garbage();
    uint32_t collected = 0;
    while (garbage) {
        struct unix_sock *g = garbage;
        garbage = g->gc_next;
        /* One message at a time: each put may close sockets and empty
         * queues, g's own among them. */
        struct unix_msg *m;
        while ((m = first_with_files(g))) {
            struct file **files = m->files;
            uint32_t n = m->nfiles;
            m->files = NULL;
            m->nfiles = 0;
            unix_inflight_del(files, n);
            unix_files_put(files, n);
        }
        unix_sock_put(g);
        collected++;
    }
    gc_running = false;
    gc_threshold = 2 * total_inflight + GC_THRESHOLD_MIN;
    if (collected)
        klog_once(&unix_gc, "unix socket: collected %u sockets only messages in flight "
                            "referred to (a cycle of SCM_RIGHTS)", collected);
}

void unix_gc_maybe(void)
{
    if (total_inflight >= gc_threshold)
        unix_gc();
}
