/* Open files and the descriptor table. */
#ifndef UNIX_FD_H
#define UNIX_FD_H
#include <stdint.h>
#include <stdbool.h>
#include "fs/vnode.h"

#define MAX_FDS 1024

#define O_ACCMODE 03
#define O_RDONLY 0
#define O_WRONLY 01
#define O_RDWR 02
#define O_CREAT 0100
#define O_EXCL 0200
#define O_NOCTTY 0400
#define O_TRUNC 01000
#define O_APPEND 02000
#define O_NONBLOCK 04000
#define O_DIRECTORY 0200000
#define O_NOFOLLOW 0400000
#define O_CLOEXEC 02000000
#define O_PATH 010000000
#define O_TMPFILE 020000000

struct file {
    struct vnode *vn;
    uint64_t offset;
    uint32_t flags;        /* O_* status flags */
    uint32_t refs;
    char *path;            /* as opened, for /proc/self/maps; may be NULL */
};

/* A new open file; path (may be NULL) is copied. */
struct file *file_new(struct vnode *vn, uint32_t flags, const char *path);
void file_put(struct file *f);

/* The lowest free descriptor >= min, installed with f; -EMFILE. */
int fd_install(struct file *f, int min, bool cloexec);
struct file *fd_get(int fd);
int fd_close(int fd);
bool fd_cloexec(int fd);
void fd_set_cloexec(int fd, bool on);
/* Makes newfd refer to the file of oldfd (closing newfd first). */
int fd_dup_to(int oldfd, int newfd, bool cloexec);

#endif
