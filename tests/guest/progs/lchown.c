/* chown, lchown and fchownat on symbolic links: lchown and fchownat with
 * AT_SYMLINK_NOFOLLOW act on the link itself (so a dangling link or a loop
 * is fine), chown and fchownat without the flag follow it.  Owner and group
 * are -1 (no change), which any user may ask for on their own files, so the
 * same program prints the same lines on Linux (lchown.test compares).
 *   lchown DIR      works in DIR (created if missing) */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

static const char *err_name(long r)
{
    if (r == 0)
        return "0";
    switch (errno) {
    case ENOENT: return "ENOENT";
    case ELOOP: return "ELOOP";
    case EINVAL: return "EINVAL";
    case EBADF: return "EBADF";
    case ENOTDIR: return "ENOTDIR";
    case EFAULT: return "EFAULT";
    default: return strerror(errno);
    }
}

/* Raw system calls: the C library must not rewrite lchown into fchownat. */
#define SHOW(what, call) do { errno = 0; long r_ = (call); printf("%s: %s\n", what, err_name(r_)); } while (0)

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: lchown DIR\n");
        return 2;
    }
    mkdir(argv[1], 0755);
    if (chdir(argv[1]) != 0) {
        perror(argv[1]);
        return 1;
    }
    int fd = open("file", O_CREAT | O_WRONLY | O_TRUNC, 0644);
    if (fd < 0 || symlink("file", "good") || symlink("missing", "dangling") || symlink("loop", "loop")) {
        perror("setup");
        return 1;
    }
    int dfd = open(".", O_RDONLY | O_DIRECTORY);
    const long keep = -1;
    SHOW("chown file", syscall(SYS_chown, "file", keep, keep));
    SHOW("lchown file", syscall(SYS_lchown, "file", keep, keep));
    SHOW("chown good link", syscall(SYS_chown, "good", keep, keep));
    SHOW("lchown good link", syscall(SYS_lchown, "good", keep, keep));
    SHOW("chown dangling link", syscall(SYS_chown, "dangling", keep, keep));
    SHOW("lchown dangling link", syscall(SYS_lchown, "dangling", keep, keep));
    SHOW("chown looping link", syscall(SYS_chown, "loop", keep, keep));
    SHOW("lchown looping link", syscall(SYS_lchown, "loop", keep, keep));
    SHOW("lchown missing name", syscall(SYS_lchown, "missing", keep, keep));
    SHOW("fchownat dangling link", syscall(SYS_fchownat, dfd, "dangling", keep, keep, 0));
    SHOW("fchownat dangling link nofollow",
         syscall(SYS_fchownat, dfd, "dangling", keep, keep, AT_SYMLINK_NOFOLLOW));
    SHOW("fchownat looping link", syscall(SYS_fchownat, AT_FDCWD, "loop", keep, keep, 0));
    SHOW("fchownat looping link nofollow",
         syscall(SYS_fchownat, AT_FDCWD, "loop", keep, keep, AT_SYMLINK_NOFOLLOW));
    SHOW("fchownat empty path", syscall(SYS_fchownat, fd, "", keep, keep, AT_EMPTY_PATH));
    SHOW("fchownat empty path without the flag", syscall(SYS_fchownat, fd, "", keep, keep, 0));
    SHOW("fchownat unknown flag", syscall(SYS_fchownat, dfd, "file", keep, keep, 0x1));
    SHOW("fchownat AT_SYMLINK_FOLLOW (not a chown flag)",
         syscall(SYS_fchownat, dfd, "file", keep, keep, AT_SYMLINK_FOLLOW));
    SHOW("fchown", syscall(SYS_fchown, fd, keep, keep));
    SHOW("fchown bad descriptor", syscall(SYS_fchown, 999, keep, keep));
    struct stat st;
    SHOW("lstat dangling link still a link", lstat("dangling", &st) == 0 && S_ISLNK(st.st_mode) ? 0 : -1);
    unlink("good");
    unlink("dangling");
    unlink("loop");
    unlink("file");
    return 0;
}
