/* /proc/self/stat and /proc/self/task/TID/stat as Linux has them
 * (proc(5)): prints one line per relation, ending in 1 when it holds, and
 * the figures on stderr.  procstat.test compares the lines with this
 * program's on the host (where rss may lag: Linux counts it per CPU and
 * sums it now and then, so a relation on rss can miss there). */
#define _GNU_SOURCE
#include <dirent.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/times.h>
#include <time.h>
#include <unistd.h>

#define MAXF 64

/* The fields of a stat file: f[1] is the pid, f[2] comm (without the
 * parentheses), f[3] the state...; the count, or 0. */
static int read_stat(const char *path, char f[MAXF + 1][64], char *line, size_t size)
{
    FILE *fp = fopen(path, "r");
    if (!fp || !fgets(line, (int)size, fp)) {
        perror(path);
        if (fp)
            fclose(fp);
        return 0;
    }
    fclose(fp);
    fprintf(stderr, "%s: %s", path, line);
    char *open = strchr(line, '('), *close = strrchr(line, ')');
    if (!open || !close || close < open)
        return 0;
    snprintf(f[1], 64, "%.*s", (int)(open - line - 1), line);
    snprintf(f[2], 64, "%.*s", (int)(close - open - 1), open + 1);
    int n = 2;
    char *save, *tok = strtok_r(close + 1, " \n", &save);
    for (; tok && n < MAXF; tok = strtok_r(NULL, " \n", &save))
        snprintf(f[++n], 64, "%s", tok);
    return n;
}

static char f[MAXF + 1][64], line[4096];

static long num(int i) { return strtol(f[i], NULL, 10); }
static unsigned long unum(int i) { return strtoul(f[i], NULL, 10); }

static void say(const char *what, int holds)
{
    printf("%s %d\n", what, holds ? 1 : 0);
}

static double cpu_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

static volatile unsigned long sink;

static void spin(double secs)
{
    double t0 = cpu_s();
    while (cpu_s() - t0 < secs)
        for (int i = 0; i < 10000; i++)
            sink += (unsigned long)i;
}

static pthread_barrier_t started, done;
static pid_t tids[3];

static void *worker(void *arg)
{
    tids[(long)arg] = (pid_t)syscall(SYS_gettid);
    pthread_barrier_wait(&started);
    pthread_barrier_wait(&done);
    return NULL;
}

static void on_usr1(int sig) { (void)sig; }

/* The task directory's entries: how many, and whether each tid is one. */
static int count_tasks(pid_t want[], int nwant, int *found)
{
    DIR *d = opendir("/proc/self/task");
    struct dirent *e;
    int n = 0;
    *found = 0;
    if (!d)
        return -1;
    while ((e = readdir(d))) {
        if (e->d_name[0] == '.')
            continue;
        n++;
        for (int i = 0; i < nwant; i++)
            if (atoi(e->d_name) == want[i])
                (*found)++;
    }
    closedir(d);
    return n;
}

static void threads_part(void)
{
    char path[64];
    pthread_t th[3];
    pthread_barrier_init(&started, NULL, 4);
    pthread_barrier_init(&done, NULL, 4);
    for (long i = 0; i < 3; i++)
        pthread_create(&th[i], NULL, worker, (void *)i);
    pthread_barrier_wait(&started);
    read_stat("/proc/self/stat", f, line, sizeof line);
    say("with 3 threads more: num_threads is 4", num(20) == 4);
    pid_t all[4] = { getpid(), tids[0], tids[1], tids[2] };
    int found, n = count_tasks(all, 4, &found);
    fprintf(stderr, "task entries %d, found %d\n", n, found);
    say("the directory /proc/self/task lists the 4 threads by tid", n == 4 && found == 4);
    snprintf(path, sizeof path, "/proc/self/task/%d/stat", tids[1]);
    int fields = read_stat(path, f, line, sizeof line);
    say("a thread's stat: its tid first", fields >= 52 && num(1) == tids[1]);
    say("a thread's stat: num_threads 4, exit_signal -1", num(20) == 4 && num(38) == -1);
    snprintf(path, sizeof path, "/proc/self/task/%d/stat", getpid());
    read_stat(path, f, line, sizeof line);
    say("the main thread's task stat: pid, state R, exit_signal 17",
        num(1) == getpid() && !strcmp(f[3], "R") && num(38) == 17);
    pthread_barrier_wait(&done);
    for (int i = 0; i < 3; i++)
        pthread_join(th[i], NULL);
    /* gone threads: their directories are not found */
    snprintf(path, sizeof path, "/proc/self/task/%d/stat", tids[0]);
    say("a thread that has gone: its stat is not there", access(path, R_OK) != 0);
    read_stat("/proc/self/stat", f, line, sizeof line);
    say("after the threads end: num_threads is 1", num(20) == 1);
}

int main(int argc, char **argv)
{
    char name[16] = "", path[64], base[16];
    (void)argc;
    const char *b = strrchr(argv[0], '/');
    snprintf(base, sizeof base, "%s", b ? b + 1 : argv[0]);

    int fields = read_stat("/proc/self/stat", f, line, sizeof line);
    printf("fields %d\n", fields);
    say("pid is getpid()", num(1) == getpid());
    prctl(PR_GET_NAME, name);
    say("comm is the program's name (PR_GET_NAME, argv[0]'s last part)",
        !strcmp(f[2], name) && !strcmp(f[2], base));
    say("state R (reading it)", !strcmp(f[3], "R"));
    say("pgrp and session are getpgrp(), getsid(0)", num(5) == getpgrp() && num(6) == getsid(0));
    say("priority 20, nice 0, num_threads 1", num(18) == 20 && num(19) == 0 && num(20) == 1);
    say("exit_signal 17 (SIGCHLD)", num(38) == 17);
    say("rsslim unlimited", !strcmp(f[25], "18446744073709551615"));
    say("start_brk <= the break", unum(47) && unum(47) <= (unsigned long)sbrk(0));
    say("startcode < endcode, main inside",
        unum(26) < unum(27) && (unsigned long)main >= unum(26) && (unsigned long)main < unum(27));

    struct timespec bt;
    clock_gettime(CLOCK_BOOTTIME, &bt);
    long now_ticks = bt.tv_sec * 100 + bt.tv_nsec / 10000000;
    fprintf(stderr, "starttime %ld, now %ld ticks since boot\n", num(22), now_ticks);
    say("starttime: ticks since boot, within the last minute",
        num(22) <= now_ticks && now_ticks - num(22) < 6000);

    /* vsize and rss: 16 MiB more touched raise both */
    unsigned long vs0 = unum(23), rss0 = unum(24);
    char *big = malloc(16 << 20);
    volatile char *touch = big;         /* every page written, not optimised away */
    for (size_t i = 0; i < (16u << 20); i += 4096)
        touch[i] = 1;
    read_stat("/proc/self/stat", f, line, sizeof line);
    fprintf(stderr, "vsize %lu -> %lu, rss %lu -> %lu pages\n", vs0, unum(23), rss0, unum(24));
    say("vsize >= rss pages * 4096 > 0", rss0 && vs0 >= rss0 * 4096);
    say("16 MiB touched: vsize +16 MiB, rss +4096 pages or more (within 5%)",
        unum(23) - vs0 >= (16ul << 20) && unum(24) - rss0 >= 3890);
    free(big);

    /* CPU time: 300 ms of spinning shows in utime + stime, as times() does */
    read_stat("/proc/self/stat", f, line, sizeof line);
    long t0 = num(14) + num(15);
    spin(0.3);
    struct tms tm;
    read_stat("/proc/self/stat", f, line, sizeof line);
    times(&tm);
    long t1 = num(14) + num(15);
    fprintf(stderr, "utime+stime %ld -> %ld ticks; times() %ld\n", t0, t1,
            (long)(tm.tms_utime + tm.tms_stime));
    say("300 ms spun: utime + stime +25 ticks or more", t1 - t0 >= 25 && t1 - t0 < 100);
    say("utime + stime is times()'s (within 2 ticks)", labs(t1 - (long)(tm.tms_utime + tm.tms_stime)) <= 2);

    /* signals: caught, ignored, blocked */
    signal(SIGUSR1, on_usr1);
    signal(SIGUSR2, SIG_IGN);
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGHUP);
    sigprocmask(SIG_BLOCK, &set, NULL);
    read_stat("/proc/self/stat", f, line, sizeof line);
    say("sigcatch has SIGUSR1, sigignore SIGUSR2, blocked SIGHUP",
        (unum(34) >> (SIGUSR1 - 1) & 1) && (unum(33) >> (SIGUSR2 - 1) & 1) &&
        (unum(32) >> (SIGHUP - 1) & 1));

    /* the name prctl sets */
    prctl(PR_SET_NAME, "renamed it");
    read_stat("/proc/self/stat", f, line, sizeof line);
    FILE *c = fopen("/proc/self/comm", "r");
    char comm[32] = "";
    if (c) {
        if (!fgets(comm, sizeof comm, c))
            comm[0] = 0;
        fclose(c);
    }
    say("after PR_SET_NAME: comm in stat and /proc/self/comm", !strcmp(f[2], "renamed it") &&
        !strcmp(comm, "renamed it\n"));

    snprintf(path, sizeof path, "/proc/%d/stat", getpid());
    read_stat(path, f, line, sizeof line);
    say("the stat of /proc/PID is the program's", num(1) == getpid());

    threads_part();
    printf("procstat done\n");
    return 0;
}
