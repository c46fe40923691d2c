#include "unix/fd.h"
#include "unix/epoll.h"
#include "mm/heap.h"
#include "lib/errno.h"
#include "lib/string.h"

static struct file *table[MAX_FDS];
static bool cloexec_bits[MAX_FDS];

struct file *file_new(struct vnode *vn, uint32_t flags, const char *path)
{
    struct file *f = kzalloc(sizeof(*f));
    if (!f)
        return 0;
    if (path) {
        size_t n = strlen(path);
        f->path = kmalloc(n + 1);
        if (!f->path) {
            kfree(f);
            return 0;
        }
        memcpy(f->path, path, n + 1);
    }
    f->vn = vn;
    f->flags = flags;
    f->refs = 1;
    if (vn->ops && vn->ops->opened)
        vn->ops->opened(vn, flags);
    return f;
}

void file_put(struct file *f)
{
    if (f && --f->refs == 0) {
        epoll_file_closing(f);
        if (f->vn->ops && f->vn->ops->release)
            f->vn->ops->release(f->vn, f->flags);
        kfree(f->path);
        kfree(f);
    }
}

int fd_install(struct file *f, int min, bool cloexec)
{
    if (min < 0)
        return -EINVAL;
    for (int fd = min; fd < MAX_FDS; fd++) {
        if (!table[fd]) {
            table[fd] = f;
            cloexec_bits[fd] = cloexec;
            return fd;
        }
    }
    return -EMFILE;
}

struct file *fd_get(int fd)
{
    if (fd < 0 || fd >= MAX_FDS)
        return 0;
    return table[fd];
}

int fd_close(int fd)
{
    struct file *f = fd_get(fd);
    if (!f)
        return -EBADF;
    table[fd] = 0;
    cloexec_bits[fd] = false;
    file_put(f);
    return 0;
}

bool fd_cloexec(int fd)
{
    return fd >= 0 && fd < MAX_FDS && cloexec_bits[fd];
}

void fd_set_cloexec(int fd, bool on)
{
    if (fd >= 0 && fd < MAX_FDS)
        cloexec_bits[fd] = on;
}

int fd_dup_to(int oldfd, int newfd, bool cloexec)
{
    struct file *f = fd_get(oldfd);
    if (!f)
        return -EBADF;
    if (newfd < 0 || newfd >= MAX_FDS)
        return -EBADF;
    if (oldfd == newfd)
        return newfd;
    if (table[newfd])
        fd_close(newfd);
    f->refs++;
    table[newfd] = f;
    cloexec_bits[newfd] = cloexec;
    return newfd;
}
