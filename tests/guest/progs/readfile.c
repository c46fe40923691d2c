/* Guest test: files.  readfile PATH
 *   - open/read PATH and print its content verbatim;
 *   - stat() size equals the bytes read; fstat agrees;
 *   - lseek (SEEK_SET/SEEK_CUR/SEEK_END) and pread give the right bytes;
 *   - opendir/readdir (getdents64) on PATH's directory lists it;
 *   - a new file under /tmp can be written, read back, stat'ed and
 *     unlinked (/tmp is created if missing).
 * Prints "readfile ... ok" lines and "readfile ok"; "FAIL: ..." and
 * status 1 otherwise. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define FAIL(...)                                                            \
    do {                                                                     \
        printf("FAIL: " __VA_ARGS__);                                        \
        putchar('\n');                                                       \
        return 1;                                                            \
    } while (0)

static char content[1 << 20];

static int check_dir(const char *path)
{
    char dir[4096];
    const char *base, *slash = strrchr(path, '/');
    DIR *d;
    struct dirent *e;
    int found = 0, dots = 0;

    if (!slash) {
        strcpy(dir, ".");
        base = path;
    } else if (slash == path) {
        strcpy(dir, "/");
        base = slash + 1;
    } else {
        snprintf(dir, sizeof dir, "%.*s", (int)(slash - path), path);
        base = slash + 1;
    }
    d = opendir(dir);
    if (!d)
        FAIL("opendir(%s): %s", dir, strerror(errno));
    errno = 0;
    while ((e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, base) == 0) {
            found = 1;
            if (e->d_type != DT_REG && e->d_type != DT_UNKNOWN)
                FAIL("readdir gives %s type %d, not a regular file", base,
                     e->d_type);
        }
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            dots++;
    }
    if (errno != 0)
        FAIL("readdir(%s): %s", dir, strerror(errno));
    closedir(d);
    if (!found)
        FAIL("readdir(%s) does not list %s", dir, base);
    if (dots != 2)
        FAIL("readdir(%s) lists %d of \".\" and \"..\", expected 2", dir,
             dots);
    printf("readfile readdir ok\n");
    return 0;
}

static int check_tmp(void)
{
    static const char *name = "/tmp/cloak-readfile-test.txt";
    static const char text[] = "written inside the guest\nsecond line\n";
    char back[128];
    struct stat st;
    int fd;
    ssize_t n;

    if (mkdir("/tmp", 01777) != 0 && errno != EEXIST)
        FAIL("mkdir(/tmp): %s", strerror(errno));
    fd = open(name, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd < 0)
        FAIL("open(%s, O_CREAT): %s", name, strerror(errno));
    n = write(fd, text, sizeof text - 1);
    if (n != (ssize_t)(sizeof text - 1))
        FAIL("write(%s) returned %zd", name, n);
    if (close(fd) != 0)
        FAIL("close(%s): %s", name, strerror(errno));
    if (stat(name, &st) != 0)
        FAIL("stat(%s): %s", name, strerror(errno));
    if (!S_ISREG(st.st_mode) || st.st_size != (off_t)(sizeof text - 1))
        FAIL("stat(%s): mode %o size %lld, expected a %zu-byte file", name,
             (unsigned)st.st_mode, (long long)st.st_size, sizeof text - 1);
    fd = open(name, O_RDONLY);
    if (fd < 0)
        FAIL("reopen(%s): %s", name, strerror(errno));
    n = read(fd, back, sizeof back);
    if (n != (ssize_t)(sizeof text - 1) || memcmp(back, text, (size_t)n))
        FAIL("reading %s back gave %zd bytes, not what was written", name, n);
    if (read(fd, back, sizeof back) != 0)
        FAIL("read at end of %s did not return 0", name);
    close(fd);
    /* Append mode writes at the end. */
    fd = open(name, O_WRONLY | O_APPEND);
    if (fd < 0 || write(fd, "x", 1) != 1)
        FAIL("append to %s: %s", name, strerror(errno));
    close(fd);
    if (stat(name, &st) != 0 || st.st_size != (off_t)sizeof text)
        FAIL("size of %s after append is not %zu", name, sizeof text);
    if (unlink(name) != 0)
        FAIL("unlink(%s): %s", name, strerror(errno));
    if (open(name, O_RDONLY) >= 0 || errno != ENOENT)
        FAIL("%s still opens after unlink", name);
    printf("readfile tmp ok\n");
    return 0;
}

int main(int argc, char **argv)
{
    const char *path;
    struct stat st, fst;
    size_t len = 0;
    ssize_t n;
    char buf[8];
    int fd;

    if (argc != 2) {
        fprintf(stderr, "usage: readfile PATH\n");
        return 2;
    }
    path = argv[1];
    fd = open(path, O_RDONLY);
    if (fd < 0)
        FAIL("open(%s): %s", path, strerror(errno));
    /* Read in small steps so several read() calls are needed. */
    while ((n = read(fd, content + len,
                     len + 7 < sizeof content ? 7 : sizeof content - len)) > 0)
        len += (size_t)n;
    if (n < 0)
        FAIL("read(%s): %s", path, strerror(errno));
    fwrite(content, 1, len, stdout);
    fflush(stdout);

    if (stat(path, &st) != 0)
        FAIL("stat(%s): %s", path, strerror(errno));
    if (!S_ISREG(st.st_mode))
        FAIL("stat(%s): not a regular file (mode %o)", path,
             (unsigned)st.st_mode);
    if (st.st_size != (off_t)len)
        FAIL("stat(%s) size %lld, read %zu bytes", path,
             (long long)st.st_size, len);
    if (fstat(fd, &fst) != 0 || fst.st_size != st.st_size ||
        fst.st_ino != st.st_ino)
        FAIL("fstat(%s) disagrees with stat", path);
    printf("readfile stat ok size %zu\n", len);

    if (len >= 4) {
        off_t mid = (off_t)(len / 2);

        if (lseek(fd, mid, SEEK_SET) != mid)
            FAIL("lseek(SEEK_SET %lld): %s", (long long)mid, strerror(errno));
        if (read(fd, buf, 1) != 1 || buf[0] != content[mid])
            FAIL("read after lseek(SEEK_SET) gave the wrong byte");
        if (lseek(fd, 0, SEEK_CUR) != mid + 1)
            FAIL("lseek(SEEK_CUR) is not %lld", (long long)mid + 1);
        if (lseek(fd, -1, SEEK_END) != (off_t)len - 1)
            FAIL("lseek(-1, SEEK_END) is not %zu", len - 1);
        if (read(fd, buf, 2) != 1 || buf[0] != content[len - 1])
            FAIL("read after lseek(SEEK_END) gave the wrong byte");
        n = pread(fd, buf, 3, 1);
        if (n != 3 || memcmp(buf, content + 1, 3) != 0)
            FAIL("pread(3 bytes at 1) returned %zd or wrong bytes", n);
        if (lseek(fd, 0, SEEK_CUR) != (off_t)len)
            FAIL("pread moved the file offset");
        if (pread(fd, buf, 1, (off_t)len + 10) != 0)
            FAIL("pread past the end did not return 0");
        printf("readfile seek ok\n");
    } else {
        FAIL("%s has %zu bytes; the test needs at least 4", path, len);
    }
    close(fd);

    if (check_dir(path) != 0 || check_tmp() != 0)
        return 1;
    if (open("/no/such/file", O_RDONLY) >= 0 || errno != ENOENT)
        FAIL("open of a missing file did not fail with ENOENT");
    printf("readfile ok\n");
    return 0;
}
