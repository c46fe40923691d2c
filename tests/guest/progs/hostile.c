/* System calls with hostile pointers and lengths: each must fail with the
 * errno Linux gives, and the kernel must survive all of them. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

static int failures;

static void expect(const char *what, long ret, int want_errno)
{
    if (ret == -1 && errno == want_errno) {
        printf("hostile %s ok\n", what);
    } else {
        printf("FAIL: %s returned %ld errno %d (%s), want errno %d (%s)\n", what, ret,
               ret == -1 ? errno : 0, ret == -1 ? strerror(errno) : "-", want_errno,
               strerror(want_errno));
        failures++;
    }
}

#define KERNEL_PTR ((void *)0xffffffff80100000ul)
#define DIRECT_MAP_PTR ((void *)0xffff800000100000ul)
#define NONCANONICAL ((void *)0x0000900000000000ul)
#define UNMAPPED ((void *)0x0000100000000000ul)

int main(void)
{
    char buf[64];
    expect("write from kernel text", syscall(SYS_write, 1, KERNEL_PTR, 16), EFAULT);
    expect("write from direct map", syscall(SYS_write, 1, DIRECT_MAP_PTR, 16), EFAULT);
    expect("write from non-canonical", syscall(SYS_write, 1, NONCANONICAL, 16), EFAULT);
    expect("write from unmapped", syscall(SYS_write, 1, UNMAPPED, 16), EFAULT);
    expect("write length wraps", syscall(SYS_write, 1, buf, (size_t)-1), EFAULT);
    int fd = open("/tmp/hostile", O_CREAT | O_RDWR, 0600);
    if (fd < 0 || write(fd, "0123456789", 10) != 10 || lseek(fd, 0, SEEK_SET) != 0) {
        printf("FAIL: cannot set up /tmp/hostile\n");
        return 1;
    }
    expect("read into kernel text", syscall(SYS_read, fd, KERNEL_PTR, 10), EFAULT);
    expect("pread into direct map", syscall(SYS_pread64, fd, DIRECT_MAP_PTR, 10, 0), EFAULT);
    expect("open of a kernel pointer", syscall(SYS_open, KERNEL_PTR, O_RDONLY), EFAULT);
    expect("open of NULL", syscall(SYS_open, NULL, O_RDONLY), EFAULT);
    expect("stat into kernel", syscall(SYS_stat, "/tmp/hostile", KERNEL_PTR), EFAULT);
    expect("clock_gettime to address 1", syscall(SYS_clock_gettime, CLOCK_MONOTONIC, (void *)1), EFAULT);
    expect("uname into kernel", syscall(SYS_uname, KERNEL_PTR), EFAULT);
    expect("getrandom into kernel", syscall(SYS_getrandom, KERNEL_PTR, 16, 0), EFAULT);
    struct iovec iov[2] = { { buf, 4 }, { KERNEL_PTR, 8 } };
    expect("writev with a kernel iovec", syscall(SYS_writev, 1, (void *)iov + 16, 1), EFAULT);
    expect("writev of a kernel iovec array", syscall(SYS_writev, 1, KERNEL_PTR, 2), EFAULT);
    expect("writev with too many iovecs", syscall(SYS_writev, 1, iov, 100000), EINVAL);
    expect("nanosleep with a bad timespec", syscall(SYS_nanosleep, UNMAPPED, NULL), EFAULT);
    struct timespec bad = { 0, 2000000000 };
    expect("nanosleep with nsec out of range", syscall(SYS_nanosleep, &bad, NULL), EINVAL);
    expect("mmap fixed over the kernel",
           (long)syscall(SYS_mmap, DIRECT_MAP_PTR, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0),
           EINVAL);
    expect("munmap of the kernel", syscall(SYS_munmap, KERNEL_PTR, 4096), EINVAL);
    expect("mprotect of the kernel", syscall(SYS_mprotect, KERNEL_PTR, 4096, PROT_READ | PROT_WRITE), EINVAL);
    expect("arch_prctl FS in the kernel half", syscall(SYS_arch_prctl, 0x1002, KERNEL_PTR), EPERM);
    expect("rt_sigaction into kernel", syscall(SYS_rt_sigaction, 10, NULL, KERNEL_PTR, 8), EFAULT);
    expect("getcwd into kernel", syscall(SYS_getcwd, KERNEL_PTR, 100), EFAULT);
    expect("read from a bad fd", syscall(SYS_read, 9999, buf, 1), EBADF);
    expect("read from a negative fd", syscall(SYS_read, -5, buf, 1), EBADF);
    expect("close of a bad fd", syscall(SYS_close, 1 << 30), EBADF);
    /* brk into the kernel half is refused by returning the old break */
    long cur = syscall(SYS_brk, 0);
    long r = syscall(SYS_brk, 0xffff800000000000ul);
    if (r != cur) {
        printf("FAIL: brk to the kernel half moved the break to %lx\n", r);
        failures++;
    } else {
        printf("hostile brk into the kernel half ok\n");
    }
    /* PROT_NONE memory really is inaccessible to the kernel on our behalf */
    void *none = mmap(NULL, 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    expect("write from PROT_NONE memory", syscall(SYS_write, 1, none, 8), EFAULT);
    void *ro = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    expect("read into read-only memory", syscall(SYS_read, fd, ro, 4), EFAULT);
    if (failures) {
        printf("FAIL: %d hostile check(s) failed\n", failures);
        return 1;
    }
    printf("hostile ok\n");
    return 0;
}
