/* Files, directories, symlinks and devices.  Everything lives in memory
 * (the root file system is the boot archive plus whatever the program
 * writes, like tmpfs); regular files from the archive are read in place
 * until first written. */
#ifndef FS_VNODE_H
#define FS_VNODE_H
#include <stdint.h>
#include <stdbool.h>

#define S_IFMT   0170000
#define S_IFSOCK 0140000
#define S_IFLNK  0120000
#define S_IFREG  0100000
#define S_IFBLK  0060000
#define S_IFDIR  0040000
#define S_IFCHR  0020000
#define S_IFIFO  0010000

#define NAME_MAX 255
#define PATH_MAX 4096

struct vnode;

/* Device behaviour; buffers may be user memory (the caller has checked them
 * and opened user access). */
struct vnode_ops {
    int64_t (*read)(struct vnode *vn, void *buf, uint64_t len, uint64_t offset);
    int64_t (*write)(struct vnode *vn, const void *buf, uint64_t len, uint64_t offset);
    bool is_tty;
};

struct dir_entry {
    char *name;
    struct vnode *vn;
    struct dir_entry *next;
};

struct timespec64 { int64_t sec; int64_t nsec; };

struct vnode {
    uint32_t mode;             /* S_IF* type and permission bits */
    uint64_t ino;
    uint32_t nlink;
    uint32_t uid, gid;
    uint64_t rdev;
    uint64_t size;
    struct timespec64 atime, mtime, ctime;
    const struct vnode_ops *ops;   /* devices only */
    /* regular files */
    uint8_t *data;
    uint64_t capacity;
    bool data_owned;           /* false: points into the boot archive */
    /* directories */
    struct dir_entry *entries;
    struct vnode *parent;
    /* symlinks */
    char *target;
};

static inline bool vn_is_dir(const struct vnode *v) { return (v->mode & S_IFMT) == S_IFDIR; }
static inline bool vn_is_reg(const struct vnode *v) { return (v->mode & S_IFMT) == S_IFREG; }
static inline bool vn_is_link(const struct vnode *v) { return (v->mode & S_IFMT) == S_IFLNK; }

#endif
