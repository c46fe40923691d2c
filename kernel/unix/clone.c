/* Threads: clone and clone3 with the flag sets thread libraries use,
 * gettid, set_tid_address, the robust-futex list, exit of one thread or of
 * all, sched_yield.  One process, many threads: a clone that would make a
 * new process (fork, vfork, posix_spawn) is refused. */
#include "unix/syscall.h"
#include "unix/process.h"
#include "unix/usercopy.h"
#include "unix/futex.h"
#include "unix/signal_thread.h"
#include "sched/sched.h"
#include "arch/x86_64/trap.h"
#include "arch/x86_64/cpu.h"
#include "lib/errno.h"
#include "lib/log.h"
#include "lib/string.h"

#define CSIGNAL 0xffull
#define CLONE_VM 0x100ull
#define CLONE_FS 0x200ull
#define CLONE_FILES 0x400ull
#define CLONE_SIGHAND 0x800ull
#define CLONE_PIDFD 0x1000ull
#define CLONE_VFORK 0x4000ull
#define CLONE_THREAD 0x10000ull
#define CLONE_SYSVSEM 0x40000ull
#define CLONE_SETTLS 0x80000ull
#define CLONE_PARENT_SETTID 0x100000ull
#define CLONE_CHILD_CLEARTID 0x200000ull
#define CLONE_DETACHED 0x400000ull
#define CLONE_CHILD_SETTID 0x1000000ull
#define CLONE_IO 0x80000000ull

/* What a thread shares with its creator here, whether asked or not. */
#define THREAD_FLAGS (CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND | CLONE_THREAD)
#define OPTIONAL_FLAGS (CLONE_SYSVSEM | CLONE_SETTLS | CLONE_PARENT_SETTID | CLONE_CHILD_CLEARTID | \
                        CLONE_DETACHED | CLONE_CHILD_SETTID | CLONE_IO)

struct clone_request {
    uint64_t flags, stack, parent_tid, child_tid, tls;
};

static bool canonical_user(uint64_t a)
{
    return a < 0x0000800000000000ull;
}

/* Linux's rules first (EINVAL), then what one process cannot do. */
static int64_t check_flags(uint64_t flags)
{
    static const char new_process, odd_thread;
    if ((flags & CLONE_THREAD) && !(flags & CLONE_SIGHAND))
        return -EINVAL;
    if ((flags & CLONE_SIGHAND) && !(flags & CLONE_VM))
        return -EINVAL;
    if (!(flags & CLONE_THREAD)) {
        klog_once(&new_process, "clone: flags %lx would make a new process (fork, vfork, posix_spawn): "
                               "cloak runs one process; returning ENOSYS", flags);
        return -ENOSYS;
    }
    if ((flags & THREAD_FLAGS) != THREAD_FLAGS || (flags & ~(THREAD_FLAGS | OPTIONAL_FLAGS))) {
        klog_once(&odd_thread, "clone: thread flags %lx are not supported (a thread here shares its "
                                  "creator's files, fs and signal handlers, nothing else); returning EINVAL", flags);
        return -EINVAL;
    }
    return 0;
}

static int64_t do_clone(const struct clone_request *r)
{
    int64_t err = check_flags(r->flags);
    if (err)
        return err;
    if ((r->flags & CLONE_SETTLS) && !canonical_user(r->tls))
        return -EPERM;
    struct thread *self = sched_current();
    struct trap_frame frame = *sched_user_frame(self);
    frame.rax = 0;                              /* the child's clone returns 0 */
    if (r->stack)
        frame.rsp = r->stack;
    uint64_t fs = (r->flags & CLONE_SETTLS) ? r->tls : rdmsr(MSR_FS_BASE);
    /* The mask is inherited; the alternate stack is not (CLONE_VM). */
    struct thread_signals *sigs = signal_thread_alloc(signal_self(), true);
    if (!sigs)
        return -EAGAIN;
    struct thread *t = sched_thread_new_user(&frame, fs);
    if (!t) {
        signal_thread_free(sigs);
        return -EAGAIN;                         /* Linux's answer when it cannot make a thread */
    }
    signal_thread_attach(sigs, t);
    int tid = t->tid;
    if (r->flags & CLONE_CHILD_CLEARTID)
        t->clear_child_tid = r->child_tid;
    /* Written before either thread runs on, as Linux does; a bad pointer
     * here is the program's problem (Linux ignores it too). */
    if (r->flags & CLONE_PARENT_SETTID)
        copy_to_user(r->parent_tid, &tid, sizeof(tid));
    if (r->flags & CLONE_CHILD_SETTID)
        copy_to_user(r->child_tid, &tid, sizeof(tid));
    sched_start(t);
    return tid;
}

/* x86-64 argument order: flags, stack, parent_tid, child_tid, tls. */
int64_t sys_clone(SYSCALL_ARGS)
{
    UNUSED_ARGS;
    /* The exit signal (low byte) means nothing for a thread: Linux ignores it. */
    struct clone_request r = { a0 & ~CSIGNAL, a1, a2, a3, a4 };
    if (r.flags & CLONE_PIDFD)
        return -EINVAL;
    return do_clone(&r);
}

#define CLONE_ARGS_SIZE_VER0 64
#define CLONE_ARGS_SIZE_VER2 88

/* clone3(struct clone_args *, size): a larger struct is accepted when the
 * fields this kernel does not know are zero (E2BIG otherwise), as Linux. */
int64_t sys_clone3(SYSCALL_ARGS)
{
    UNUSED_ARGS;
    struct {
        uint64_t flags, pidfd, child_tid, parent_tid, exit_signal, stack, stack_size, tls;
        uint64_t set_tid, set_tid_size, cgroup;
    } args;
    uint64_t size = a1;
    if (size < CLONE_ARGS_SIZE_VER0)
        return -EINVAL;
    if (size > 4096)
        return -E2BIG;
    memset(&args, 0, sizeof(args));
    if (copy_from_user(&args, a0, size < sizeof(args) ? size : sizeof(args)))
        return -EFAULT;
    for (uint64_t off = sizeof(args); off < size; off++) {
        uint8_t b;
        if (copy_from_user(&b, a0 + off, 1))
            return -EFAULT;
        if (b)
            return -E2BIG;
    }
    if ((args.flags & CSIGNAL) || args.exit_signal > 64 || ((args.flags & CLONE_THREAD) && args.exit_signal))
        return -EINVAL;
    if (args.set_tid || args.set_tid_size || args.cgroup || (args.flags & CLONE_PIDFD))
        return -EINVAL;
    if ((args.stack == 0) != (args.stack_size == 0))
        return -EINVAL;
    struct clone_request r = { args.flags, args.stack ? args.stack + args.stack_size : 0,
                               args.parent_tid, args.child_tid, args.tls };
    return do_clone(&r);
}

int64_t sys_gettid(SYSCALL_ARGS) { UNUSED_ARGS; return sched_current()->tid; }

int64_t sys_set_tid_address(SYSCALL_ARGS)
{
    UNUSED_ARGS;
    struct thread *t = sched_current();
    t->clear_child_tid = a0;
    return t->tid;
}

int64_t sys_set_robust_list(SYSCALL_ARGS)
{
    UNUSED_ARGS;
    if (a1 != 24)                   /* sizeof(struct robust_list_head) */
        return -EINVAL;
    struct thread *t = sched_current();
    t->robust_list = a0;
    t->robust_list_len = a1;
    return 0;
}

int64_t sys_get_robust_list(SYSCALL_ARGS)
{
    UNUSED_ARGS;
    struct thread *t = a0 == 0 ? sched_current() : sched_thread_by_tid((int)a0);
    if (!t)
        return -ESRCH;
    if (copy_to_user(a1, &t->robust_list, 8) || copy_to_user(a2, &t->robust_list_len, 8))
        return -EFAULT;
    return 0;
}

/* One thread ends: its robust futexes are released, its tid word cleared
 * and a joiner woken (CLONE_CHILD_CLEARTID, set_tid_address).  The last
 * thread to leave ends the program with its status. */
int64_t sys_exit(SYSCALL_ARGS)
{
    UNUSED_ARGS;
    struct thread *t = sched_current();
    futex_exit_robust_list(t->robust_list, t->robust_list_len, t->tid);
    if (t->clear_child_tid) {
        uint32_t zero = 0;
        if (copy_to_user(t->clear_child_tid, &zero, sizeof(zero)) == 0)
            futex_wake_addr(t->clear_child_tid, 1);
    }
    if (sched_thread_leave() == 0)
        process_exit((int)a0, "program");
    signal_thread_release();
    sched_exit();
}

int64_t sys_exit_group(SYSCALL_ARGS) { UNUSED_ARGS; process_exit((int)a0, "program"); }

int64_t sys_sched_yield(SYSCALL_ARGS)
{
    UNUSED_ARGS;
    sched_yield();
    return 0;
}
