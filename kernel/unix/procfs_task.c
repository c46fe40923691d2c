/* /proc/self/stat, /proc/self/comm and /proc/self/task: a directory of the
 * program's live threads by tid, each with its stat and comm
 * (unix/procfs_stat.c makes the text).  A thread's directory is made the
 * first time it is looked up and kept (tids are never reused, so a
 * directory of a thread that has gone is just no longer found); reading
 * a file of a thread that has gone gives ESRCH, as on Linux. */
#include "unix/procfs_task.h"
#include "unix/procfs_stat.h"
#include "unix/prctl.h"
#include "unix/signal_thread.h"
#include "fs/ramfs.h"
#include "sched/sched.h"
#include "lib/format.h"
#include "lib/string.h"
#include "lib/errno.h"

#define STAT_MAX 768

static int64_t serve(const char *text, int n, void *out, uint64_t len, uint64_t off)
{
    if (n < 0)
        return n;
    if (off >= (uint64_t)n)
        return 0;
    uint64_t k = (uint64_t)n - off < len ? (uint64_t)n - off : len;
    memcpy(out, text + off, k);
    return (int64_t)k;
}

/* vn->fs: the thread's tid, 0 for the whole program. */
static int tid_of(struct vnode *vn)
{
    return (int)(intptr_t)vn->fs;
}

static int64_t stat_read(struct vnode *vn, void *buf, uint64_t len, uint64_t off)
{
    char text[STAT_MAX];
    return serve(text, procfs_stat_text(tid_of(vn), text, sizeof(text)), buf, len, off);
}

static int64_t comm_read(struct vnode *vn, void *buf, uint64_t len, uint64_t off)
{
    char comm[16], text[20];
    if (tid_of(vn) && !sched_thread_by_tid(tid_of(vn)))
        return -ESRCH;
    prctl_comm(comm);
    return serve(text, snprintf(text, sizeof(text), "%s\n", comm), buf, len, off);
}

static const struct vnode_ops stat_ops = { .read = stat_read };
static const struct vnode_ops comm_ops = { .read = comm_read };

static struct vnode *generated(const struct vnode_ops *ops, int tid)
{
    struct vnode *vn = ramfs_new(S_IFREG | 0444);
    if (vn) {
        vn->ops = ops;
        vn->fs = (void *)(intptr_t)tid;
    }
    return vn;
}

/* Adds stat and comm for tid to dir; false without memory. */
static bool add_files(struct vnode *dir, int tid)
{
    struct vnode *s = generated(&stat_ops, tid), *c = generated(&comm_ops, tid);
    return s && c && ramfs_link(dir, "stat", 4, s) == 0 && ramfs_link(dir, "comm", 4, c) == 0;
}

/* The live user thread with the smallest tid >= from, or 0. */
static int next_live_tid(int from)
{
    int best = 0;
    struct thread *main = sched_thread_by_tid(MAIN_TID);
    if (main && from <= MAIN_TID)
        return MAIN_TID;
    uint64_t flags = spin_lock_irqsave(&signal_lock);
    for (struct list_node *n = signal_threads.next; n != &signal_threads; n = n->next) {
        struct thread_signals *s = LIST_ENTRY(n, struct thread_signals, node);
        int tid = s->thread ? s->thread->tid : 0;
        if (tid >= from && (!best || tid < best))
            best = tid;
    }
    spin_unlock_irqrestore(&signal_lock, flags);
    return best;
}

static int parse_tid(const char *name, size_t len)
{
    int v = 0;
    if (len == 0 || len > 9 || name[0] == '0')
        return 0;
    for (size_t i = 0; i < len; i++) {
        if (name[i] < '0' || name[i] > '9')
            return 0;
        v = v * 10 + (name[i] - '0');
    }
    return v;
}

static int task_lookup(struct vnode *dir, const char *name, size_t len, struct vnode **out)
{
    struct vnode *v = 0;
    int tid = parse_tid(name, len);
    if ((len == 1 && name[0] == '.') || (len == 2 && name[0] == '.' && name[1] == '.'))
        v = ramfs_lookup(dir, name, len);
    else if (tid && next_live_tid(tid) == tid && !(v = ramfs_lookup(dir, name, len))) {
        v = ramfs_new(S_IFDIR | 0555);
        if (!v || !add_files(v, tid) || ramfs_link(dir, name, len, v) < 0)
            return -ENOMEM;             /* what was made stays unlinked: rare and small */
    }
    if (!v)
        return -ENOENT;
    *out = v;
    return 0;
}

/* ".", "..", then the live threads by tid; the cookie after the first
 * two is 2 + the next tid to look for. */
static int task_readdir(struct vnode *dir, uint64_t *cookie, char name[NAME_MAX + 1], uint64_t *ino,
                        uint8_t *dtype)
{
    if (*cookie < 2) {
        struct vnode *vn = *cookie == 0 ? dir : dir->parent;
        strlcpy(name, *cookie == 0 ? "." : "..", NAME_MAX + 1);
        *ino = vn->ino;
        *dtype = 4;                     /* DT_DIR */
        (*cookie)++;
        return 1;
    }
    int tid = next_live_tid((int)(*cookie - 2));
    if (!tid)
        return 0;
    snprintf(name, NAME_MAX + 1, "%d", tid);
    struct vnode *vn;
    *ino = task_lookup(dir, name, strlen(name), &vn) == 0 ? vn->ino : dir->ino;
    *dtype = 4;
    *cookie = (uint64_t)tid + 3;
    return 1;
}

static const struct vnode_ops task_ops = { .lookup = task_lookup, .readdir = task_readdir };

void procfs_task_create(struct vnode *self)
{
    if (!self || ramfs_lookup(self, "task", 4))
        return;
    procfs_stat_start();
    struct vnode *task = ramfs_new(S_IFDIR | 0555);
    if (!task || !add_files(self, 0))
        return;
    task->ops = &task_ops;
    ramfs_link(self, "task", 4, task);
}
