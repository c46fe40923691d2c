/* File operations whose results must match Linux's exactly: run natively
 * and under cloak, the outputs are compared.  argv[1]: a directory in which
 * the program creates and works in fileops-work. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>

/* musl has no strerrorname_np: the names this test can meet. */
static const char *errname(int e)
{
    switch (e) {
    case ENOENT: return "ENOENT";
    case EEXIST: return "EEXIST";
    case EBADF: return "EBADF";
    case ENOTEMPTY: return "ENOTEMPTY";
    case EISDIR: return "EISDIR";
    case ENOTDIR: return "ENOTDIR";
    case EPIPE: return "EPIPE";
    case EINVAL: return "EINVAL";
    case EPERM: return "EPERM";
    case EXDEV: return "EXDEV";
    case ELOOP: return "ELOOP";
    case EACCES: return "EACCES";
    default: return "E?";
    }
}

static void report(const char *what, long r)
{
    if (r < 0)
        printf("%s = -1 %s\n", what, errname(errno));
    else
        printf("%s = %ld\n", what, r);
}

static int cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static void list(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d) {
        printf("opendir %s failed: %s\n", dir, errname(errno));
        return;
    }
    char *names[256];
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)) && n < 256) {
        char buf[300];
        snprintf(buf, sizeof buf, "%s(%s)", e->d_name,
                 e->d_type == DT_DIR ? "dir" : e->d_type == DT_REG ? "file" : e->d_type == DT_LNK ? "link" : "other");
        names[n++] = strdup(buf);
    }
    closedir(d);
    qsort(names, n, sizeof names[0], cmp);
    printf("ls %s:", dir);
    for (int i = 0; i < n; i++) {
        printf(" %s", names[i]);
        free(names[i]);
    }
    printf("\n");
}

static void show_size(const char *path)
{
    struct stat st;
    if (stat(path, &st) < 0)
        printf("stat %s = -1 %s\n", path, errname(errno));
    else
        printf("stat %s: size %lld mode %o links %ld\n", path, (long long)st.st_size, (unsigned)st.st_mode,
               (long)st.st_nlink);
}

int main(int argc, char **argv)
{
    if (argc < 2 || chdir(argv[1]) < 0 || mkdir("fileops-work", 0755) < 0 || chdir("fileops-work") < 0) {
        fprintf(stderr, "usage: fileops DIR (it creates DIR/fileops-work, which must not exist)\n");
        return 2;
    }
    umask(022);
    int fd = open("a.txt", O_CREAT | O_WRONLY | O_TRUNC, 0644);
    report("open a.txt", fd >= 0 ? 0 : -1);
    report("write", write(fd, "hello, world\n", 13));
    report("fsync", fsync(fd));
    report("fdatasync", fdatasync(fd));
    report("ftruncate 5", ftruncate(fd, 5));
    report("lseek end", lseek(fd, 0, SEEK_END));
    report("pwrite at 10", pwrite(fd, "X", 1, 10));
    report("close", close(fd));
    show_size("a.txt");
    fd = open("a.txt", O_RDONLY);
    char buf[64] = { 0 };
    long n = read(fd, buf, sizeof buf);
    printf("read %ld bytes:", n);
    for (long i = 0; i < n; i++)
        printf(" %02x", (unsigned char)buf[i]);
    printf("\n");
    report("write to O_RDONLY", write(fd, "x", 1));
    close(fd);
    report("open missing", open("missing", O_RDONLY));
    report("open excl existing", open("a.txt", O_CREAT | O_EXCL | O_WRONLY, 0644));
    report("mkdir d", mkdir("d", 0755));
    report("mkdir d again", mkdir("d", 0755));
    report("rename a.txt d/b.txt", rename("a.txt", "d/b.txt"));
    report("rename missing", rename("a.txt", "c.txt"));
    report("symlink", symlink("d/b.txt", "link"));
    char target[64] = { 0 };
    report("readlink", readlink("link", target, sizeof target - 1));
    printf("link -> %s\n", target);
    show_size("link");
    report("link (hard)", link("d/b.txt", "hard"));
    show_size("hard");
    report("chmod 600", chmod("hard", 0600));
    show_size("d/b.txt");
    struct timespec ts[2] = { { 1000000000, 0 }, { 1234567890, 0 } };
    report("utimensat", utimensat(AT_FDCWD, "hard", ts, 0));
    struct stat st;
    stat("hard", &st);
    printf("mtime %ld\n", (long)st.st_mtime);
    list(".");
    list("d");
    report("rmdir non-empty", rmdir("d"));
    report("unlink dir", unlink("d"));
    report("unlink d/b.txt", unlink("d/b.txt"));
    report("stat dangling", stat("link", &st));
    report("lstat dangling", lstat("link", &st));
    report("unlink link", unlink("link"));
    report("unlink hard", unlink("hard"));
    report("rmdir d", rmdir("d"));
    report("rmdir missing", rmdir("d"));
    int p[2];
    report("pipe2", pipe2(p, O_CLOEXEC));
    report("pipe write", write(p[1], "ping", 4));
    struct pollfd pf[2] = { { p[0], POLLIN, 0 }, { p[1], POLLOUT, 0 } };
    report("poll", poll(pf, 2, 0));
    printf("revents %x %x\n", pf[0].revents, pf[1].revents);
    memset(buf, 0, sizeof buf);
    report("pipe read", read(p[0], buf, sizeof buf));
    printf("pipe said %s\n", buf);
    report("dup2", dup2(p[0], 10));
    report("fcntl getfd", fcntl(p[0], F_GETFD));
    report("fcntl getfd dup", fcntl(10, F_GETFD));
    report("dup3 same fd", dup3(10, 10, 0));
    close(10);
    close(p[0]);
    report("pipe write no reader (SIGPIPE ignored)", (signal(SIGPIPE, SIG_IGN), write(p[1], "x", 1)));
    close(p[1]);
    /* an unlinked file stays readable while it is open, even when a new
     * file is created after it */
    int gone = open("gone", O_CREAT | O_RDWR | O_TRUNC, 0644);
    report("write gone", write(gone, "still here", 10));
    report("unlink gone", unlink("gone"));
    int fresh = open("fresh", O_CREAT | O_RDWR | O_TRUNC, 0644);
    report("write fresh", write(fresh, "other file", 10));
    memset(buf, 0, sizeof buf);
    report("pread gone", pread(gone, buf, 10, 0));
    printf("unlinked but open: %s\n", buf);
    struct stat gst;
    fstat(gone, &gst);
    printf("unlinked links %ld size %lld\n", (long)gst.st_nlink, (long long)gst.st_size);
    close(gone);
    close(fresh);
    report("unlink fresh", unlink("fresh"));
    list(".");
    printf("fileops done\n");
    return 0;
}
