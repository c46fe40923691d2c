/* Generated files: their text is made when read, from the live state. */
#include "unix/procfs.h"
#include "unix/process.h"
#include "unix/procfs_task.h"
#include "unix/prctl.h"
#include "fs/ramfs.h"
#include "fs/path.h"
#include "mm/heap.h"
#include "sched/sched.h"
#include "mm/memory.h"
#include "mm/phys.h"
#include "lib/string.h"
#include "lib/format.h"
#include "lib/errno.h"
#include "net/netdev.h"

#define MAPS_LINE_MAX (80 + REGION_NAME_MAX)

/* Appends to a growing heap buffer; false when memory is out. */
struct text { char *buf; size_t len, cap; };

static bool add(struct text *t, const char *s, size_t n)
{
    if (t->len + n + 1 > t->cap) {
        size_t cap = t->cap ? t->cap * 2 : 4096;
        while (cap < t->len + n + 1)
            cap *= 2;
        char *b = krealloc(t->buf, cap);
        if (!b)
            return false;
        t->buf = b;
        t->cap = cap;
    }
    memcpy(t->buf + t->len, s, n);
    t->len += n;
    t->buf[t->len] = 0;
    return true;
}

/* The format of Linux's /proc/PID/maps: the path starts at column 73. */
static bool maps_text(struct text *t)
{
    char line[MAPS_LINE_MAX + 80];
    for (struct region *r = proc.as.regions; r; r = r->next) {
        int n = snprintf(line, sizeof(line), "%08lx-%08lx %c%c%cp %08lx 00:00 %lu ", r->start, r->end,
                         r->prot & PROT_READ ? 'r' : '-', r->prot & PROT_WRITE ? 'w' : '-',
                         r->prot & PROT_EXEC ? 'x' : '-', r->name[0] == '/' ? r->file_offset : 0,
                         r->name[0] == '/' ? 1ul : 0ul);
        if (r->name[0]) {
            while (n < 73)
                line[n++] = ' ';
            n += snprintf(line + n, sizeof(line) - (size_t)n, "%s", r->name);
        }
        line[n++] = '\n';
        if (!add(t, line, (size_t)n))
            return false;
    }
    return true;
}

static bool meminfo_text(struct text *t)
{
    char buf[256];
    uint64_t total = mm_total_ram() >> 10, free = phys_mem.free_pages * 4;
    int n = snprintf(buf, sizeof(buf), "MemTotal:       %8lu kB\nMemFree:        %8lu kB\nMemAvailable:   %8lu kB\n"
                     "Buffers:               0 kB\nCached:                0 kB\nSwapTotal:             0 kB\n"
                     "SwapFree:              0 kB\n", total, free, free);
    return add(t, buf, (size_t)n);
}

/* /proc/net/dev: the interfaces' counters, net/'s text. */
static bool net_dev_file(struct text *t)
{
    char buf[1024];
    size_t n = net_dev_text(buf, sizeof(buf));
    if (n < sizeof(buf))
        return add(t, buf, n);
    char *big = kmalloc(n + 1);
    bool ok = big && add(t, big, net_dev_text(big, n + 1));
    kfree(big);
    return ok;
}

static int64_t serve(bool (*make)(struct text *), void *out, uint64_t len, uint64_t off)
{
    struct text t = { 0, 0, 0 };
    if (!make(&t)) {
        kfree(t.buf);
        return -ENOMEM;
    }
    int64_t n = 0;
    if (off < t.len) {
        n = (int64_t)(t.len - off < len ? t.len - off : len);
        memcpy(out, t.buf + off, (size_t)n);
    }
    kfree(t.buf);
    return n;
}

static int64_t maps_read(struct vnode *vn, void *buf, uint64_t len, uint64_t off)
{
    (void)vn;
    return serve(maps_text, buf, len, off);
}

static int64_t meminfo_read(struct vnode *vn, void *buf, uint64_t len, uint64_t off)
{
    (void)vn;
    return serve(meminfo_text, buf, len, off);
}

static int64_t net_dev_read(struct vnode *vn, void *buf, uint64_t len, uint64_t off)
{
    (void)vn;
    return serve(net_dev_file, buf, len, off);
}

static const struct vnode_ops net_dev_ops = { .read = net_dev_read };
static const struct vnode_ops maps_ops = { .read = maps_read };
static const struct vnode_ops meminfo_ops = { .read = meminfo_read };

static struct vnode *dir(const char *path)
{
    struct vnode *d;
    return path_mkdir_all(path, strlen(path), &d) < 0 ? 0 : d;
}

static void add_node(struct vnode *d, const char *name, struct vnode *vn)
{
    if (!d || !vn || ramfs_lookup(d, name, strlen(name)))
        return;
    ramfs_link(d, name, strlen(name), vn);
}

static struct vnode *generated(const struct vnode_ops *ops)
{
    struct vnode *vn = ramfs_new(S_IFREG | 0444);
    if (vn)
        vn->ops = ops;
    return vn;
}

static struct vnode *text_file(const char *text)
{
    struct vnode *vn = ramfs_new(S_IFREG | 0444);
    if (vn) {
        vn->data = (uint8_t *)text;
        vn->size = strlen(text);
        vn->capacity = vn->size;
        vn->data_owned = false;
    }
    return vn;
}

static struct vnode *symlink_to(const char *target)
{
    struct vnode *vn = ramfs_new(S_IFLNK | 0777);
    size_t n = strlen(target);
    if (!vn || !(vn->target = kmalloc(n + 1)))
        return 0;
    memcpy(vn->target, target, n + 1);
    vn->size = n;
    return vn;
}

void procfs_create(const char *program)
{
    struct vnode *self = dir("/proc/self");
    add_node(self, "exe", symlink_to(program));
    add_node(self, "maps", generated(&maps_ops));
    prctl_comm_init(program);
    procfs_task_create(self);
    /* The program is pid 1: /proc/1 is /proc/self (busybox ps lists
     * /proc's numeric entries). */
    add_node(dir("/proc"), "1", symlink_to("self"));
    add_node(dir("/proc"), "meminfo", generated(&meminfo_ops));
    add_node(dir("/proc/net"), "dev", generated(&net_dev_ops));
    /* glibc's get_nprocs reads "online" (musl asks sched_getaffinity). */
    static char cpus[16];
    unsigned n = sched_cpu_count();
    if (n > 1)
        snprintf(cpus, sizeof(cpus), "0-%u\n", n - 1);
    else
        snprintf(cpus, sizeof(cpus), "0\n");
    struct vnode *cpu = dir("/sys/devices/system/cpu");
    add_node(cpu, "online", text_file(cpus));
    add_node(cpu, "possible", text_file(cpus));
}
