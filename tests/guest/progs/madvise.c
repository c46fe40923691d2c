/* madvise on private mappings, checked against what Linux does:
 * MADV_DONTNEED on a private file mapping gives the file's bytes back (the
 * private changes are dropped), on anonymous memory gives zeroes, only over
 * the range asked; MADV_FREE on a file mapping is EINVAL.  Prints one line
 * per check; the test compares the guest's lines with a native run's. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define PAGE 4096

static int make_file(const char *path)
{
    int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0644);
    if (fd < 0)
        return -1;
    for (int p = 0; p < 3; p++) {
        char page[PAGE];
        memset(page, 'a' + p, sizeof(page));
        if (write(fd, page, sizeof(page)) != PAGE)
            return -1;
    }
    return fd;
}

static const char *verdict(const char *m, int page, char want)
{
    for (int i = 0; i < PAGE; i++)
        if (m[page * PAGE + i] != want)
            return "changed";
    return "as expected";
}

static void file_mapping(int fd)
{
    /* From offset one page: pages 'b' and 'c'. */
    char *m = mmap(0, 2 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, PAGE);
    if (m == MAP_FAILED) {
        printf("mmap file: %s\n", strerror(errno));
        return;
    }
    memset(m, 'X', 2 * PAGE);
    int r = madvise(m + PAGE, PAGE, MADV_DONTNEED);
    printf("file DONTNEED second page: %d\n", r);
    printf("file page 0 keeps the private change: %s\n", verdict(m, 0, 'X'));
    printf("file page 1 reads the file again: %s\n", verdict(m, 1, 'c'));
    r = madvise(m, 2 * PAGE, MADV_DONTNEED);
    printf("file DONTNEED whole: %d, page 0 %s, page 1 %s\n", r, verdict(m, 0, 'b'), verdict(m, 1, 'c'));
    errno = 0;
    r = madvise(m, PAGE, MADV_FREE);
    printf("file MADV_FREE: %d %s\n", r, r ? strerror(errno) : "");
    munmap(m, 2 * PAGE);
}

static void own_program(void)
{
    int fd = open("/proc/self/exe", O_RDONLY);
    char *m = fd < 0 ? MAP_FAILED : mmap(0, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
    if (m == MAP_FAILED) {
        printf("mmap own program: %s\n", strerror(errno));
        return;
    }
    memcpy(m, "JUNK", 4);
    int r = madvise(m, PAGE, MADV_DONTNEED);
    printf("own program DONTNEED: %d, starts with ELF magic again: %s\n", r,
           memcmp(m, "\177ELF", 4) == 0 ? "yes" : "no");
    munmap(m, PAGE);
    close(fd);
}

static void anonymous(void)
{
    char *m = mmap(0, 2 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    memset(m, 'Y', 2 * PAGE);
    int r = madvise(m, PAGE, MADV_DONTNEED);
    printf("anonymous DONTNEED: %d, page 0 %s, page 1 %s\n", r, verdict(m, 0, 0), verdict(m, 1, 'Y'));
    r = madvise(m + PAGE, PAGE, MADV_FREE);
    printf("anonymous MADV_FREE: %d\n", r);
    munmap(m, 2 * PAGE);
}

int main(void)
{
    const char *path = "/tmp/madvise.data";
    int fd = make_file(path);
    if (fd < 0) {
        printf("cannot make %s: %s\n", path, strerror(errno));
        return 1;
    }
    file_mapping(fd);
    close(fd);
    unlink(path);
    own_program();
    anonymous();
    return 0;
}
