/* Signals from the host: prints "ready" once its dispositions are set,
 * then waits; the test sends SIGINT or SIGTERM to cloak (or, natively, to
 * the program) and compares what happens.  Modes:
 *   handler  - a SIGINT and SIGTERM handler; waits in pause(); on the
 *              signal prints which one and exits 0
 *   compute  - the same handler, but computes (no system call) until it runs
 *   default  - no handler: the signal kills it
 *   ignore   - SIGINT and SIGTERM ignored: it sleeps for 60 s and exits 3
 *   read     - a handler; blocks in read(0) (input a terminal or pipe
 *              keeps open): the read ends with EINTR */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static volatile sig_atomic_t got;

static void on_signal(int sig)
{
    got = sig;
}

int main(int argc, char **argv)
{
    const char *mode = argc > 1 ? argv[1] : "handler";
    setvbuf(stdout, 0, _IONBF, 0);
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = strcmp(mode, "ignore") == 0 ? SIG_IGN : on_signal;
    if (strcmp(mode, "default") != 0) {
        sigaction(SIGINT, &sa, 0);
        sigaction(SIGTERM, &sa, 0);
    }
    printf("ready\n");
    if (!strcmp(mode, "compute")) {
        volatile unsigned long n = 0;
        while (!got)
            n++;
    } else if (!strcmp(mode, "read")) {
        char c;
        ssize_t r = read(0, &c, 1);
        printf("read returned %zd%s\n", r, r < 0 && errno == EINTR ? " EINTR" : "");
    } else if (!strcmp(mode, "ignore")) {
        sleep(60);
        return 3;
    } else {
        while (!got)
            pause();
    }
    printf("got %s\n", got == SIGINT ? "SIGINT" : got == SIGTERM ? "SIGTERM" : "nothing");
    return 0;
}
