/* Anonymous descriptors (unix/anon_fd.h). */
#include "unix/anon_fd.h"
#include "mm/heap.h"
#include "lib/errno.h"
#include "lib/string.h"

/* Linux's anon inodes are one inode (mode 0600, no file type). */
#define ANON_DEV 10
#define ANON_INO 1

int anon_fd_create(const struct vnode_ops *ops, void *priv, const char *name, uint32_t flags,
                   bool cloexec, struct file **out)
{
    struct vnode *vn = kzalloc(sizeof(*vn));
    if (!vn)
        return -ENOMEM;
    vn->mode = 0600;
    vn->ino = ANON_INO;
    vn->nlink = 1;
    vn->dev = ANON_DEV;
    vn->ops = ops;
    vn->fs = priv;
    char path[32] = "anon_inode:";
    size_t n = strlen(path), m = strlen(name);
    if (n + m < sizeof(path))
        memcpy(path + n, name, m + 1);
    struct file *f = file_new(vn, flags, path);
    if (!f) {
        kfree(vn);
        return -ENOMEM;
    }
    int fd = fd_install(f, 0, cloexec);
    if (fd < 0) {
        /* Not file_put: its release would free priv, still the caller's. */
        kfree(f->path);
        kfree(f);
        kfree(vn);
        return fd;
    }
    if (out)
        *out = f;
    return fd;
}

void anon_fd_free_vnode(struct vnode *vn)
{
    kfree(vn);
}
