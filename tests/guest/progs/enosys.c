/* Guest test: system calls the kernel does not have fail cleanly.
 *   - syscall(9999) and syscall(-1): no such number on Linux;
 *   - SYS_tuxcall: in the x86-64 table, never implemented by Linux;
 *   - with the argument "guest" (how the guest tests run it): also
 *     SYS_io_uring_setup and SYS_kexec_load, real Linux system calls that
 *     cloak does not implement (natively they fail with other errors);
 * each must return -1 with errno ENOSYS, and the program must go on
 * running normally afterwards.  Prints "enosys ... ok" lines and
 * "enosys ok"; "FAIL: ..." and status 1 otherwise. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

static int failures;

static void expect_enosys(const char *name, long nr, long a1, long a2,
                          long a3, long a4)
{
    long r;

    errno = 0;
    r = syscall(nr, a1, a2, a3, a4, 0L, 0L);
    if (r != -1 || errno != ENOSYS) {
        printf("FAIL: %s (%ld) returned %ld, errno %d (%s), expected -1 "
               "ENOSYS\n",
               name, nr, r, errno, strerror(errno));
        failures++;
    } else {
        printf("enosys %s ok\n", name);
    }
}

int main(int argc, char **argv)
{
    int guest = argc > 1 && strcmp(argv[1], "guest") == 0;
    pid_t pid;

    expect_enosys("syscall-9999", 9999, 0, 0, 0, 0);
    expect_enosys("syscall-minus-1", -1, 0, 0, 0, 0);
    expect_enosys("syscall-100000", 100000, 0, 0, 0, 0);
    expect_enosys("tuxcall", SYS_tuxcall, 0, 0, 0, 0);
    if (guest) {
        expect_enosys("io_uring_setup", SYS_io_uring_setup, 1, 0, 0, 0);
        expect_enosys("io_uring_setup again", SYS_io_uring_setup, 1, 0, 0, 0);
        expect_enosys("kexec_load", SYS_kexec_load, 0, 0, 0, 0);
    }
    /* The program is still alive and ordinary calls still work. */
    pid = getpid();
    if (pid <= 0) {
        printf("FAIL: getpid after ENOSYS calls returned %d\n", (int)pid);
        failures++;
    }
    if (failures) {
        printf("FAIL: %d enosys check(s) failed\n", failures);
        return 1;
    }
    printf("enosys ok\n");
    return 0;
}
