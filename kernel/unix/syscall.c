/* System-call dispatch: one table indexed by number, kept in number order. */
#include "unix/syscall.h"
#include "unix/process.h"
#include "unix/signal.h"
#include "unix/signal_thread.h"
#include "unix/futex_table.h"
#include "sched/sched.h"
#include "arch/x86_64/trap.h"
#include "arch/x86_64/kernel_lock.h"
#include "arch/x86_64/fpu.h"
#include "lib/log.h"
#include "lib/errno.h"

#define ENTRY(nr, name) [nr] = sys_##name
static const syscall_fn table[] = {
    ENTRY(0, read), ENTRY(1, write), ENTRY(2, open), ENTRY(3, close), ENTRY(4, stat),
    ENTRY(5, fstat), ENTRY(6, lstat), ENTRY(7, poll), ENTRY(8, lseek), ENTRY(9, mmap),
    ENTRY(10, mprotect), ENTRY(11, munmap), ENTRY(12, brk), ENTRY(13, rt_sigaction),
    ENTRY(14, rt_sigprocmask), ENTRY(16, sock_ioctl), ENTRY(17, pread64), ENTRY(18, pwrite64),
    ENTRY(19, readv), ENTRY(20, writev), ENTRY(21, access), ENTRY(22, pipe), ENTRY(23, select), ENTRY(24, sched_yield),
    ENTRY(25, mremap), ENTRY(28, madvise), ENTRY(32, dup), ENTRY(33, dup2), ENTRY(35, nanosleep),
    ENTRY(39, getpid), ENTRY(40, sendfile), ENTRY(56, clone), ENTRY(60, exit), ENTRY(62, kill), ENTRY(63, uname),
    ENTRY(72, fcntl), ENTRY(74, fsync), ENTRY(75, fdatasync), ENTRY(76, truncate),
    ENTRY(77, ftruncate), ENTRY(79, getcwd), ENTRY(80, chdir), ENTRY(81, fchdir), ENTRY(82, rename),
    ENTRY(83, mkdir), ENTRY(84, rmdir), ENTRY(86, link), ENTRY(87, unlink), ENTRY(88, symlink),
    ENTRY(89, readlink), ENTRY(90, chmod), ENTRY(91, fchmod), ENTRY(92, chown), ENTRY(93, fchown),
    ENTRY(94, lchown), ENTRY(95, umask), ENTRY(96, gettimeofday), ENTRY(97, getrlimit),
    ENTRY(98, getrusage), ENTRY(99, sysinfo), ENTRY(100, times), ENTRY(102, getuid), ENTRY(104, getgid),
    ENTRY(107, geteuid), ENTRY(108, getegid), ENTRY(109, setpgid), ENTRY(110, getppid),
    ENTRY(111, getpgrp), ENTRY(115, getgroups), ENTRY(121, getpgid), ENTRY(124, getsid),
    ENTRY(131, sigaltstack), ENTRY(137, statfs), ENTRY(138, fstatfs), ENTRY(157, prctl),
    ENTRY(158, arch_prctl), ENTRY(160, setrlimit), ENTRY(162, sync), ENTRY(186, gettid),
    ENTRY(200, tkill), ENTRY(201, time), ENTRY(202, futex), ENTRY(203, sched_setaffinity), ENTRY(204, sched_getaffinity), ENTRY(213, epoll_create),
    ENTRY(217, getdents64), ENTRY(218, set_tid_address), ENTRY(228, clock_gettime),
    ENTRY(229, clock_getres), ENTRY(230, clock_nanosleep), ENTRY(231, exit_group), ENTRY(232, epoll_wait), ENTRY(233, epoll_ctl),
    ENTRY(234, tgkill), ENTRY(257, openat), ENTRY(258, mkdirat), ENTRY(260, fchownat),
    ENTRY(262, newfstatat), ENTRY(263, unlinkat), ENTRY(264, renameat), ENTRY(265, linkat),
    ENTRY(266, symlinkat), ENTRY(267, readlinkat), ENTRY(268, fchmodat), ENTRY(269, faccessat), ENTRY(270, pselect6),
    ENTRY(271, ppoll), ENTRY(273, set_robust_list), ENTRY(274, get_robust_list),
    ENTRY(280, utimensat), ENTRY(281, epoll_pwait), ENTRY(283, timerfd_create),
    ENTRY(284, eventfd), ENTRY(286, timerfd_settime), ENTRY(287, timerfd_gettime), ENTRY(290, eventfd2),
    ENTRY(291, epoll_create1), ENTRY(292, dup3), ENTRY(293, pipe2), ENTRY(302, prlimit64),
    ENTRY(309, getcpu), ENTRY(316, renameat2), ENTRY(318, getrandom), ENTRY(332, statx),
    ENTRY(334, rseq), ENTRY(435, clone3), ENTRY(439, faccessat2), ENTRY(441, epoll_pwait2),
    /* signal_calls.c */
    ENTRY(15, rt_sigreturn), ENTRY(34, pause), ENTRY(127, rt_sigpending), ENTRY(128, rt_sigtimedwait),
    ENTRY(129, rt_sigqueueinfo), ENTRY(130, rt_sigsuspend), ENTRY(297, rt_tgsigqueueinfo),
    ENTRY(219, restart_syscall),
    /* signal_timer_calls.c */
    ENTRY(36, getitimer), ENTRY(37, alarm), ENTRY(38, setitimer), ENTRY(222, timer_create),
    ENTRY(223, timer_settime), ENTRY(224, timer_gettime), ENTRY(225, timer_getoverrun),
    ENTRY(226, timer_delete),
    /* socket_calls.c; on a descriptor through unix_socket_dispatch.c (AF_UNIX or
     * socket_calls.c, socket_io.c, socket_opt.c) */
    ENTRY(41, socket), ENTRY(42, sock_connect), ENTRY(43, sock_accept), ENTRY(44, sock_sendto),
    ENTRY(45, sock_recvfrom), ENTRY(46, sock_sendmsg), ENTRY(47, sock_recvmsg),
    ENTRY(48, sock_shutdown), ENTRY(49, sock_bind), ENTRY(50, sock_listen),
    ENTRY(51, sock_getsockname), ENTRY(52, sock_getpeername), ENTRY(53, socketpair),
    ENTRY(54, sock_setsockopt), ENTRY(55, sock_getsockopt), ENTRY(288, sock_accept4),
    /* sendfile.c */
    ENTRY(275, splice), ENTRY(326, copy_file_range),
    ENTRY(307, sendmmsg), /* socket_mmsg.c */
    ENTRY(299, recvmmsg), /* socket_mmsg.c */
};
#define TABLE_SIZE (sizeof(table) / sizeof(table[0]))

static int full_restore;
static struct trap_frame *current_frame;

/* Per thread: the frame sits at the top of the calling thread's kernel
 * stack (several threads may be inside system calls at once). */
struct trap_frame *syscall_frame(void)
{
    return sched_running() ? sched_user_frame(sched_current()) : current_frame;
}
static bool irqs_in_syscalls;

void syscall_allow_interrupts(bool on)
{
    irqs_in_syscalls = on;
}

void syscall_request_full_restore(void)
{
    struct thread_signals *s = signal_self();
    if (s)
        s->full_restore = true;         /* per thread: it may block before its way out */
    else
        full_restore = 1;
}

/* Logs each unimplemented system call once: numbers below 512 in a bitmap,
 * others (not Linux calls at all) in a short list. */
static void log_unimplemented(uint64_t nr)
{
    static uint8_t logged[512];
    static uint64_t others[16];
    static unsigned nothers;
    if (nr < sizeof(logged)) {
        if (logged[nr])
            return;
        logged[nr] = 1;
    } else {
        for (unsigned i = 0; i < nothers; i++)
            if (others[i] == nr)
                return;
        if (nothers == 16)
            return;
        others[nothers++] = nr;
    }
    const char *name = nr < syscall_names_count && syscall_names[nr] ? syscall_names[nr] : "unknown";
    klog("syscall %ld (%s) is not implemented: returning -ENOSYS", (int64_t)nr, name);
}

/* Called from entry.asm with the saved user registers; the result goes in
 * RAX.  Returns non-zero when every register must be restored (IRET). */
int syscall_dispatch(struct trap_frame *f)
{
    sched_cputime_enter_kernel();      /* user time ends here (sched/cputime.c) */
    kernel_lock_acquire();             /* the rest of the kernel is one CPU's at a time */
    fpu_program_called();              /* PVM is known by now (fpu_switch.c) */
    uint64_t nr = f->rax;
    current_frame = f;
    syscall_fn fn = nr < TABLE_SIZE ? table[nr] : 0;
    if (irqs_in_syscalls)
        __asm__ volatile("sti" ::: "memory");
    int64_t ret;
    if (!fn) {
        log_unimplemented(nr);
        ret = -ENOSYS;
    } else {
        ret = fn(f->rdi, f->rsi, f->rdx, f->r10, f->r8, f->r9);
    }
    if (proc.trace_syscalls) {
        const char *name = nr < syscall_names_count && syscall_names[nr] ? syscall_names[nr] : "?";
        klog("syscall %s(%lx, %lx, %lx, %lx) = %ld", name, f->rdi, f->rsi, f->rdx, f->r10, ret);
    }
    if (irqs_in_syscalls)
        __asm__ volatile("cli" ::: "memory");
    f->rax = (uint64_t)ret;
    /* The time slice may be over; signals come after the switch, so one
     * sent while this thread waited for the CPU is not left pending for
     * its next entry into the kernel. */
    sched_return_to_user();
    if (signal_exit_to_user(f, true, nr))
        full_restore = 1;
    int full = full_restore;
    full_restore = 0;
    struct thread_signals *s = signal_self();
    if (s && s->full_restore) {
        s->full_restore = false;
        full = 1;
    }
    kernel_lock_release();
    return full;
}

void syscall_init(void)
{
    futex_table_init();
    rseq_cpu_init();
}
