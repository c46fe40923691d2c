#ifndef UNIX_SYSCALL_H
#define UNIX_SYSCALL_H
#include <stdint.h>
#include <stdbool.h>

#define SYSCALL_ARGS uint64_t a0, uint64_t a1, uint64_t a2, uint64_t a3, uint64_t a4, uint64_t a5
typedef int64_t (*syscall_fn)(SYSCALL_ARGS);
#define UNUSED_ARGS (void)a0; (void)a1; (void)a2; (void)a3; (void)a4; (void)a5

/* Generated from the Linux UAPI header at build time. */
extern const char *const syscall_names[];
extern const unsigned syscall_names_count;

void syscall_init(void);
/* unix/rseq_cpu.c: keeps the rseq areas' cpu_id current (from syscall_init). */
void rseq_cpu_init(void);
/* System calls run with interrupts on (the profiler sees inside them);
 * interrupt handlers touch nothing a system call uses. */
void syscall_allow_interrupts(bool on);
/* Marks the frame to be restored in full (every register) on return. */
void syscall_request_full_restore(void);
/* The saved user registers of the calling thread's system call
 * (rt_sigreturn, sigaltstack). */
struct trap_frame;
struct trap_frame *syscall_frame(void);

#define DECLARE(name) int64_t sys_##name(SYSCALL_ARGS);
/* fs_open.c */
DECLARE(open) DECLARE(openat) DECLARE(close) DECLARE(dup) DECLARE(dup2) DECLARE(dup3) DECLARE(fcntl)
/* fs_rw.c */
DECLARE(read) DECLARE(write) DECLARE(readv) DECLARE(writev) DECLARE(pread64) DECLARE(pwrite64)
DECLARE(lseek) DECLARE(sendfile) DECLARE(ftruncate) DECLARE(truncate) DECLARE(fsync)
DECLARE(fdatasync) DECLARE(sync)
/* fs_stat.c */
DECLARE(stat) DECLARE(lstat) DECLARE(fstat) DECLARE(newfstatat) DECLARE(statx) DECLARE(statfs)
DECLARE(fstatfs)
/* fs_attr.c */
DECLARE(access) DECLARE(faccessat) DECLARE(faccessat2) DECLARE(umask) DECLARE(fchmod) DECLARE(chmod)
DECLARE(fchmodat) DECLARE(fchown) DECLARE(chown) DECLARE(lchown) DECLARE(fchownat) DECLARE(utimensat)
/* fs_dir.c */
DECLARE(getdents64) DECLARE(getcwd) DECLARE(chdir) DECLARE(fchdir) DECLARE(mkdir) DECLARE(mkdirat)
DECLARE(unlink) DECLARE(unlinkat) DECLARE(rmdir) DECLARE(rename) DECLARE(renameat)
DECLARE(renameat2) DECLARE(symlink) DECLARE(symlinkat) DECLARE(link) DECLARE(linkat)
DECLARE(readlink) DECLARE(readlinkat)
/* ioctl_calls.c */
DECLARE(ioctl)
/* pipe.c, poll_calls.c, futex.c */
DECLARE(pipe) DECLARE(pipe2) DECLARE(poll) DECLARE(ppoll) DECLARE(futex)
/* select.c, epoll.c, eventfd.c, timerfd.c */
DECLARE(select) DECLARE(pselect6) DECLARE(epoll_create) DECLARE(epoll_create1) DECLARE(epoll_ctl)
DECLARE(epoll_wait) DECLARE(epoll_pwait) DECLARE(epoll_pwait2) DECLARE(eventfd) DECLARE(eventfd2)
DECLARE(timerfd_create) DECLARE(timerfd_settime) DECLARE(timerfd_gettime)
/* socket_calls.c, socket_io.c, socket_opt.c */
DECLARE(socket) DECLARE(socketpair) DECLARE(setsockopt) DECLARE(getsockopt)
/* unix_socket_dispatch.c: a descriptor's socket call, to AF_UNIX or INET */
DECLARE(sock_bind) DECLARE(sock_listen) DECLARE(sock_accept) DECLARE(sock_accept4) DECLARE(sock_connect)
DECLARE(sock_shutdown) DECLARE(sock_getsockname) DECLARE(sock_getpeername) DECLARE(sock_sendto)
DECLARE(sock_recvfrom) DECLARE(sock_sendmsg) DECLARE(sock_recvmsg) DECLARE(sock_setsockopt)
DECLARE(sock_getsockopt) DECLARE(sock_ioctl)
/* sendfile.c */
DECLARE(splice) DECLARE(copy_file_range)
DECLARE(sendmmsg) /* socket_mmsg.c */
DECLARE(recvmmsg) /* socket_mmsg.c */
/* prctl_calls.c */
DECLARE(prctl)
/* mm_calls.c */
DECLARE(brk) DECLARE(mmap) DECLARE(munmap) DECLARE(mprotect) DECLARE(madvise) DECLARE(mremap)
/* time_calls.c */
DECLARE(clock_gettime) DECLARE(clock_getres) DECLARE(gettimeofday) DECLARE(time)
DECLARE(nanosleep) DECLARE(clock_nanosleep)
/* proc_calls.c */
DECLARE(getpid) DECLARE(getppid)
DECLARE(getuid) DECLARE(geteuid) DECLARE(getgid) DECLARE(getegid) DECLARE(getpgrp)
DECLARE(getpgid) DECLARE(getsid) DECLARE(setpgid) DECLARE(getgroups) DECLARE(uname) DECLARE(arch_prctl)
DECLARE(rseq)
DECLARE(prlimit64) DECLARE(getrlimit) DECLARE(setrlimit)
DECLARE(getrusage) DECLARE(sysinfo) DECLARE(times)
/* affinity_calls.c */
DECLARE(sched_getaffinity) DECLARE(sched_setaffinity) DECLARE(getcpu)
/* clone.c */
DECLARE(clone) DECLARE(clone3) DECLARE(exit) DECLARE(exit_group) DECLARE(gettid)
DECLARE(set_tid_address) DECLARE(set_robust_list) DECLARE(get_robust_list) DECLARE(sched_yield)
/* signal_calls.c */
DECLARE(rt_sigaction) DECLARE(rt_sigprocmask) DECLARE(sigaltstack) DECLARE(kill) DECLARE(tkill)
DECLARE(tgkill)
DECLARE(rt_sigpending) DECLARE(pause) DECLARE(rt_sigsuspend) DECLARE(rt_sigtimedwait) DECLARE(rt_sigreturn)
DECLARE(rt_sigqueueinfo) DECLARE(rt_tgsigqueueinfo) DECLARE(restart_syscall)
/* signal_timer_calls.c */
DECLARE(getitimer) DECLARE(alarm) DECLARE(setitimer) DECLARE(timer_create) DECLARE(timer_settime)
DECLARE(timer_gettime) DECLARE(timer_getoverrun) DECLARE(timer_delete)
/* random_calls.c */
DECLARE(getrandom)
#undef DECLARE

#endif
