/* Files, directories, symlinks and devices, whatever file system holds
 * them.  A vnode carries the attributes every file has and the operations
 * of the file system (or device) it belongs to. */
#ifndef FS_VNODE_H
#define FS_VNODE_H
#include <stdint.h>
#include <stdbool.h>
#include <stddef.h>

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
struct mount;
struct readiness;
struct timespec64 { int64_t sec; int64_t nsec; };

/* What a file system or device does.  Any operation may be NULL (the
 * caller then answers as Linux does for such a file).  Buffers given to
 * read/write may be user memory the caller has checked and opened.
 * Results are 0 or a byte count, or a negative errno. */
struct vnode_ops {
    int64_t (*read)(struct vnode *vn, void *buf, uint64_t len, uint64_t off);
    int64_t (*write)(struct vnode *vn, const void *buf, uint64_t len, uint64_t off);
    int (*truncate)(struct vnode *vn, uint64_t size);
    int (*fsync)(struct vnode *vn);
    /* directories */
    int (*lookup)(struct vnode *dir, const char *name, size_t len, struct vnode **out);
    /* One entry per call, starting at *cookie (0 = first, "." and ".."
     * included) and advancing it: 1 = an entry, 0 = the end. */
    int (*readdir)(struct vnode *dir, uint64_t *cookie, char name[NAME_MAX + 1], uint64_t *ino, uint8_t *dtype);
    /* mode carries S_IFREG or S_IFDIR and the permission bits */
    int (*create)(struct vnode *dir, const char *name, size_t len, uint32_t mode, struct vnode **out);
    int (*symlink)(struct vnode *dir, const char *name, size_t len, const char *target, struct vnode **out);
    int (*link)(struct vnode *dir, const char *name, size_t len, struct vnode *vn);
    /* Removes a name; is_dir: rmdir (the directory must be empty). */
    int (*unlink)(struct vnode *dir, const char *name, size_t len, bool is_dir);
    int (*rename)(struct vnode *odir, const char *oname, size_t olen, struct vnode *ndir, const char *nname,
                  size_t nlen);
    int (*readlink)(struct vnode *vn, char *buf, size_t size);
    /* Applies vn->mode's permission bits and vn->atime/mtime to storage. */
    int (*setattr)(struct vnode *vn);
    /* Readiness for poll, select and epoll of an open file (flags: its O_
     * flags): a mask of POLLIN (1), POLLPRI (2), POLLOUT (4), POLLERR (8),
     * POLLHUP (16), POLLRDHUP (0x2000). */
    int (*poll)(struct vnode *vn, uint32_t flags);
    /* Where the vnode says that its poll answer changed (unix/readiness.h);
     * NULL: it never changes by itself. */
    struct readiness *(*readiness)(struct vnode *vn);
    /* The last descriptor of an open file went away (flags: its O_ flags). */
    void (*release)(struct vnode *vn, uint32_t flags);
    /* A new open file refers to the vnode (pipes count their ends). */
    void (*opened)(struct vnode *vn, uint32_t flags);
    bool is_tty;
    bool not_seekable;        /* pipes and terminals */
};

struct vnode {
    uint32_t mode;             /* S_IF* type and permission bits */
    uint64_t ino;
    uint32_t nlink;
    uint32_t uid, gid;
    uint64_t rdev;
    uint64_t dev;              /* st_dev: which file system */
    uint64_t size;
    uint64_t blocks512;        /* 0: derive from size */
    struct timespec64 atime, mtime, ctime;
    const struct vnode_ops *ops;
    struct mount *mount;       /* the mounted file system this belongs to, NULL for the root fs */
    struct vnode *mounted;     /* a file system mounted on this directory */
    void *fs;                  /* the file system's own data */
    /* ramfs: */
    uint8_t *data;
    uint64_t capacity;
    bool data_owned;           /* false: points into the boot archive */
    struct dir_entry *entries;
    struct vnode *parent;
    char *target;
};

struct dir_entry {
    char *name;
    struct vnode *vn;
    struct dir_entry *next;
};

struct fs_stats {
    uint64_t magic;            /* statfs f_type */
    uint64_t block_size, blocks, free_blocks, files, free_files;
};

/* A file system mounted on a directory of another. */
struct mount {
    struct vnode *root;
    struct vnode *mountpoint;
    bool read_only;
    void *fs;
    const char *label;
    int (*sync)(struct mount *m);       /* write everything back */
    int (*unmount)(struct mount *m);    /* sync and mark clean */
    int (*statfs)(struct mount *m, struct fs_stats *st);
    struct mount *next;
};

static inline bool vn_is_dir(const struct vnode *v) { return (v->mode & S_IFMT) == S_IFDIR; }
static inline bool vn_is_reg(const struct vnode *v) { return (v->mode & S_IFMT) == S_IFREG; }
static inline bool vn_is_link(const struct vnode *v) { return (v->mode & S_IFMT) == S_IFLNK; }

#endif
