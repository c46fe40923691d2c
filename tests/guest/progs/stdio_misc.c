/* Guest test: small process-information calls.  Prints one line each:
 *   isatty 0|1, tcgets ok|errno NAME, sysname S, machine M, release R,
 *   pid N, ppid N, uid N, euid N, gid N, egid N, cwd PATH,
 * then "stdio_misc ok".  uname, getcwd and getpid must succeed (status 1
 * with "FAIL: ..." otherwise); the tty answers are reported, not judged. */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/utsname.h>
#include <termios.h>
#include <unistd.h>

int main(void)
{
    struct utsname u;
    struct termios t;
    char cwd[PATH_MAX];
    int tty = isatty(1);

    printf("isatty %d\n", tty);
    if (ioctl(1, TCGETS, &t) == 0)
        printf("tcgets ok\n");
    else
        printf("tcgets errno %s\n", errno == ENOTTY ? "ENOTTY" : strerror(errno));

    if (uname(&u) != 0) {
        printf("FAIL: uname: %s\n", strerror(errno));
        return 1;
    }
    printf("sysname %s\nmachine %s\nrelease %s\n", u.sysname, u.machine,
           u.release);
    if (getpid() <= 0) {
        printf("FAIL: getpid returned %d\n", (int)getpid());
        return 1;
    }
    printf("pid %d\nppid %d\n", (int)getpid(), (int)getppid());
    printf("uid %d\neuid %d\ngid %d\negid %d\n", (int)getuid(),
           (int)geteuid(), (int)getgid(), (int)getegid());
    if (!getcwd(cwd, sizeof cwd)) {
        printf("FAIL: getcwd: %s\n", strerror(errno));
        return 1;
    }
    printf("cwd %s\n", cwd);
    printf("stdio_misc ok\n");
    return 0;
}
