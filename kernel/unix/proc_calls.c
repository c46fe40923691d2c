/* Process identity, limits, rseq. */
#include "unix/syscall.h"
#include "unix/process.h"
#include "unix/usercopy.h"
#include "arch/x86_64/cpu.h"
#include "mm/memory.h"
#include "mm/phys.h"
#include "drivers/clock.h"
#include "sched/sched.h"
#include "lib/string.h"
#include "lib/errno.h"

int64_t sys_getpid(SYSCALL_ARGS) { UNUSED_ARGS; return PROCESS_PID; }
int64_t sys_getppid(SYSCALL_ARGS) { UNUSED_ARGS; return 0; }
int64_t sys_getuid(SYSCALL_ARGS) { UNUSED_ARGS; return 0; }
int64_t sys_geteuid(SYSCALL_ARGS) { UNUSED_ARGS; return 0; }
int64_t sys_getgid(SYSCALL_ARGS) { UNUSED_ARGS; return 0; }
int64_t sys_getegid(SYSCALL_ARGS) { UNUSED_ARGS; return 0; }
int64_t sys_getpgrp(SYSCALL_ARGS) { UNUSED_ARGS; return PROCESS_PID; }
int64_t sys_getpgid(SYSCALL_ARGS) { UNUSED_ARGS; return (a0 == 0 || a0 == PROCESS_PID) ? PROCESS_PID : -ESRCH; }
int64_t sys_getsid(SYSCALL_ARGS) { UNUSED_ARGS; return (a0 == 0 || a0 == PROCESS_PID) ? PROCESS_PID : -ESRCH; }
int64_t sys_setpgid(SYSCALL_ARGS) { UNUSED_ARGS; return (a0 == 0 || a0 == PROCESS_PID) ? 0 : -ESRCH; }
int64_t sys_getgroups(SYSCALL_ARGS) { UNUSED_ARGS; return (int)a0 < 0 ? -EINVAL : 0; }

struct utsname_k { char sysname[65], nodename[65], release[65], version[65], machine[65], domainname[65]; };

int64_t sys_uname(SYSCALL_ARGS)
{
    UNUSED_ARGS;
    struct utsname_k u;
    memset(&u, 0, sizeof(u));
    strlcpy(u.sysname, "Linux", 65);
    strlcpy(u.nodename, "cloak", 65);
    strlcpy(u.release, "6.1.0-cloak", 65);
    strlcpy(u.version, "#1 SMP cloak unikernel", 65);
    strlcpy(u.machine, "x86_64", 65);
    strlcpy(u.domainname, "(none)", 65);
    return copy_to_user(a0, &u, sizeof(u));
}

#define ARCH_SET_GS 0x1001
#define ARCH_SET_FS 0x1002
#define ARCH_GET_FS 0x1003
#define ARCH_GET_GS 0x1004
#define ARCH_GET_CPUID 0x1011
#define ARCH_SET_CPUID 0x1012

static bool canonical_user(uint64_t a)
{
    return a < 0x0000800000000000ull;
}

int64_t sys_arch_prctl(SYSCALL_ARGS)
{
    UNUSED_ARGS;
    uint64_t v;
    switch (a0) {
    case ARCH_SET_FS:
        if (!canonical_user(a1))
            return -EPERM;
        wrmsr(MSR_FS_BASE, a1);
        return 0;
    case ARCH_GET_FS:
        v = rdmsr(MSR_FS_BASE);
        return copy_to_user(a1, &v, sizeof(v));
    case ARCH_SET_GS:
        if (!canonical_user(a1))
            return -EPERM;
        /* In the kernel, GS holds per-CPU data; the user's value waits in
         * KERNEL_GS_BASE until SWAPGS on the way out. */
        wrmsr(MSR_KERNEL_GS_BASE, a1);
        return 0;
    case ARCH_GET_GS:
        v = rdmsr(MSR_KERNEL_GS_BASE);
        return copy_to_user(a1, &v, sizeof(v));
    case ARCH_GET_CPUID:
        return 1;
    case ARCH_SET_CPUID:
        return -ENODEV;
    default:
        return -EINVAL;
    }
}

#define RSEQ_FLAG_UNREGISTER 1
#define RSEQ_MIN_LEN 32

/* Restartable sequences, per thread: registration publishes the CPU, and
 * unix/rseq_cpu.c keeps it current.  (A preempted thread inside a critical section
 * is not sent to its abort handler yet: glibc only reads cpu_id.) */
int64_t sys_rseq(SYSCALL_ARGS)
{
    UNUSED_ARGS;
    uint64_t addr = a0, len = a1, flags = a2;
    uint32_t sig = (uint32_t)a3;
    struct thread *t = sched_current();
    if (flags & RSEQ_FLAG_UNREGISTER) {
        if (flags & ~(uint64_t)RSEQ_FLAG_UNREGISTER)
            return -EINVAL;
        if (!t->rseq || addr != t->rseq || len != t->rseq_len)
            return -EINVAL;
        if (sig != t->rseq_sig)
            return -EPERM;
        t->rseq = 0;
        return 0;
    }
    if (flags)
        return -EINVAL;
    if (t->rseq)
        return (addr == t->rseq && len == t->rseq_len) ? (sig == t->rseq_sig ? -EBUSY : -EPERM) : -EINVAL;
    if (len < RSEQ_MIN_LEN || (addr & 31))
        return -EINVAL;
    uint32_t cpu = sched_cpu_index();
    uint32_t ids[2] = { cpu, cpu };  /* cpu_id_start, cpu_id; kept current by unix/rseq_cpu.c */
    if (copy_to_user(addr, ids, sizeof(ids)))
        return -EFAULT;
    t->rseq_cpu = cpu + 1;
    t->rseq = addr;
    t->rseq_len = len;
    t->rseq_sig = sig;
    return 0;
}

#define RLIMIT_CPU 0
#define RLIMIT_FSIZE 1
#define RLIMIT_DATA 2
#define RLIMIT_STACK 3
#define RLIMIT_CORE 4
#define RLIMIT_NOFILE 7
#define RLIMIT_AS 9
#define RLIM_NLIMITS 16
#define RLIM_INFINITY (~0ull)

static uint64_t limits[RLIM_NLIMITS][2];
static bool limits_ready;

static void limits_init(void)
{
    for (int i = 0; i < RLIM_NLIMITS; i++)
        limits[i][0] = limits[i][1] = RLIM_INFINITY;
    limits[RLIMIT_STACK][0] = 8ull << 20;
    limits[RLIMIT_CORE][0] = limits[RLIMIT_CORE][1] = 0;
    limits[RLIMIT_NOFILE][0] = limits[RLIMIT_NOFILE][1] = 1024;
    limits[8][0] = limits[8][1] = 8ull << 20;    /* RLIMIT_MEMLOCK */
    limits[6][0] = limits[6][1] = 1;             /* RLIMIT_NPROC: no fork */
    limits_ready = true;
}

int64_t sys_prlimit64(SYSCALL_ARGS)
{
    UNUSED_ARGS;
    if (!limits_ready)
        limits_init();
    if (a0 != 0 && a0 != PROCESS_PID)
        return -ESRCH;
    if (a1 >= RLIM_NLIMITS)
        return -EINVAL;
    uint64_t old[2] = { limits[a1][0], limits[a1][1] };
    if (a2) {
        uint64_t nl[2];
        if (copy_from_user(nl, a2, sizeof(nl)))
            return -EFAULT;
        if (nl[0] > nl[1])
            return -EINVAL;
        if (nl[1] > limits[a1][1])
            return -EPERM;
        limits[a1][0] = nl[0];
        limits[a1][1] = nl[1];
    }
    if (a3 && copy_to_user(a3, old, sizeof(old)))
        return -EFAULT;
    return 0;
}

int64_t sys_getrlimit(SYSCALL_ARGS) { UNUSED_ARGS; return sys_prlimit64(0, a0, 0, a1, 0, 0); }
int64_t sys_setrlimit(SYSCALL_ARGS) { UNUSED_ARGS; return sys_prlimit64(0, a0, a1, 0, 0, 0); }

#define RUSAGE_SELF 0
#define RUSAGE_CHILDREN (-1)
#define RUSAGE_THREAD 1

/* getrusage: user and system CPU time (sched/cputime.c) of the program or
 * the calling thread; a program without children has none of theirs.
 * The other fields stay 0. */
int64_t sys_getrusage(SYSCALL_ARGS)
{
    UNUSED_ARGS;
    int who = (int)a0;
    if (who != RUSAGE_SELF && who != RUSAGE_CHILDREN && who != RUSAGE_THREAD)
        return -EINVAL;
    struct sched_cputime t = { 0, 0 };
    if (who == RUSAGE_SELF)
        sched_process_cputime(&t);
    else if (who == RUSAGE_THREAD)
        sched_thread_cputime(sched_current()->tid, &t);
    int64_t ru[18];
    memset(ru, 0, sizeof(ru));
    ru[0] = (int64_t)(t.user_ns / 1000000000);
    ru[1] = (int64_t)(t.user_ns % 1000000000 / 1000);
    ru[2] = (int64_t)(t.sys_ns / 1000000000);
    ru[3] = (int64_t)(t.sys_ns % 1000000000 / 1000);
    return copy_to_user(a1, ru, sizeof(ru));
}

struct sysinfo_k {
    int64_t uptime;
    uint64_t loads[3];
    uint64_t totalram, freeram, sharedram, bufferram, totalswap, freeswap;
    uint16_t procs, pad;
    uint64_t totalhigh, freehigh;
    uint32_t mem_unit;
    char reserved[4];
};

int64_t sys_sysinfo(SYSCALL_ARGS)
{
    UNUSED_ARGS;
    struct sysinfo_k si;
    memset(&si, 0, sizeof(si));
    si.uptime = (int64_t)(clock_monotonic_ns() / 1000000000);
    si.totalram = mm_total_ram();
    si.freeram = phys_mem.free_pages * 4096;
    si.procs = 1;
    si.mem_unit = 1;
    return copy_to_user(a0, &si, sizeof(si));
}
