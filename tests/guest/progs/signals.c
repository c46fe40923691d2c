/* Signal delivery as Linux does it: handlers with siginfo and ucontext for
 * faults the program provokes, signals sent to itself, masks and pending
 * sets, the alternate stack, SA_RESETHAND/SA_NODEFER, editing the ucontext,
 * FPU/SSE state across a handler, sigsuspend/sigtimedwait, SIGPIPE.
 * With no argument every check runs and prints one line each (the test
 * compares the output with this host's); the arguments name runs whose
 * exit status is the point (killed by a signal). */
#define _GNU_SOURCE
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include <ucontext.h>
#include <unistd.h>

static sigjmp_buf jump;
static volatile sig_atomic_t hits, depth, max_depth;
static volatile int last_signo, last_code, last_pid, last_value;
static void *volatile last_addr;
static volatile uintptr_t last_rip, stack_local;
static volatile int layout_ok;

static void on(int sig, void (*fn)(int, siginfo_t *, void *), int flags)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_sigaction = fn;
    sa.sa_flags = SA_SIGINFO | flags;
    sigemptyset(&sa.sa_mask);
    if (sigaction(sig, &sa, NULL) != 0) {
        perror("sigaction");
        exit(1);
    }
}

static void record(int sig, siginfo_t *si, void *ctx)
{
    ucontext_t *uc = ctx;
    hits++;
    last_signo = si->si_signo;
    last_code = si->si_code;
    last_addr = si->si_addr;
    last_pid = si->si_pid;
    last_value = si->si_value.sival_int;
    last_rip = (uintptr_t)uc->uc_mcontext.gregs[REG_RIP];
    /* Linux's frame: the return address, then ucontext (304 bytes), then
     * siginfo; the FPU image 64-byte aligned; rsp + 8 16-byte aligned. */
    uintptr_t frame = (uintptr_t)ctx - 8;
    layout_ok = (uintptr_t)si - (uintptr_t)ctx == 304 && (frame + 8) % 16 == 0 &&
                ((uintptr_t)uc->uc_mcontext.fpregs & 63) == 0 && (uintptr_t)uc->uc_mcontext.fpregs > (uintptr_t)si;
    (void)sig;
}

static volatile int armed;              /* a sigsetjmp is live to jump to */

static void record_and_jump(int sig, siginfo_t *si, void *ctx)
{
    record(sig, si, ctx);
    if (!armed) {
        static const char msg[] = "unexpected fault: giving up\n";
        write(1, msg, sizeof(msg) - 1);
        _exit(99);
    }
    armed = 0;
    siglongjmp(jump, 1);
}

static volatile int *volatile null_int;

static void segv_null(void)
{
    on(SIGSEGV, record_and_jump, 0);
    armed = 1;
    if (sigsetjmp(jump, 1) == 0)
        *null_int = 1;
    printf("segv null: signo %d code %d (SEGV_MAPERR %d) addr %p layout %d\n", last_signo, last_code,
           SEGV_MAPERR, last_addr, layout_ok);
}

static void segv_readonly(void)
{
    char *p = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    on(SIGSEGV, record_and_jump, 0);
    armed = 1;
    if (sigsetjmp(jump, 1) == 0)
        *(volatile char *)(p + 100) = 1;
    printf("segv read-only: signo %d code %d (SEGV_ACCERR %d) addr is the page+100 %d\n", last_signo,
           last_code, SEGV_ACCERR, last_addr == p + 100);
    /* The mask was restored by siglongjmp: a second fault is handled too. */
    armed = 1;
    if (sigsetjmp(jump, 1) == 0)
        *(volatile char *)(p + 200) = 1;
    printf("segv again: addr is the page+200 %d\n", last_addr == p + 200);
}

static void fpe_divide(void)
{
    volatile int zero = 0, n = 7;
    on(SIGFPE, record_and_jump, 0);
    armed = 1;
    if (sigsetjmp(jump, 1) == 0)
        n = n / zero;
    printf("fpe: signo %d code %d (FPE_INTDIV %d) si_addr is the RIP %d\n", last_signo, last_code,
           FPE_INTDIV, (uintptr_t)last_addr == last_rip && last_rip != 0);
}

static void on_altstack(int sig, siginfo_t *si, void *ctx)
{
    int local;
    stack_t now;
    record(sig, si, ctx);
    stack_local = (uintptr_t)&local;
    sigaltstack(NULL, &now);
    depth = now.ss_flags;
}

static void altstack(void)
{
    static char stack[65536];
    stack_t ss = { .ss_sp = stack, .ss_size = sizeof(stack), .ss_flags = 0 };
    if (sigaltstack(&ss, NULL) != 0)
        perror("sigaltstack");
    on(SIGUSR1, on_altstack, SA_ONSTACK);
    raise(SIGUSR1);
    int on_it = stack_local >= (uintptr_t)stack && stack_local < (uintptr_t)stack + sizeof(stack);
    stack_t after;
    sigaltstack(NULL, &after);
    printf("altstack: handler's local on the alternate stack %d, ss_flags in the handler %d (SS_ONSTACK %d), "
           "after %d\n", on_it, (int)depth, SS_ONSTACK, after.ss_flags);
    ss.ss_flags = SS_DISABLE;
    sigaltstack(&ss, NULL);
    on(SIGUSR2, on_altstack, 0);
    raise(SIGUSR2);
    on_it = stack_local >= (uintptr_t)stack && stack_local < (uintptr_t)stack + sizeof(stack);
    printf("altstack: without SA_ONSTACK on the alternate stack %d\n", on_it);
}

static void to_self(void)
{
    on(SIGUSR1, record, 0);
    on(SIGUSR2, record, 0);
    hits = 0;
    raise(SIGUSR1);
    printf("raise: handled before it returned %d, signo %d code %d (SI_TKILL %d)\n", (int)hits, last_signo,
           last_code, SI_TKILL);
    kill(getpid(), SIGUSR2);
    printf("kill: handled %d, signo %d code %d (SI_USER %d) pid is ours %d\n", (int)hits, last_signo,
           last_code, SI_USER, last_pid == getpid());
    syscall(SYS_tgkill, getpid(), syscall(SYS_gettid), SIGUSR1);
    printf("tgkill: handled %d, code %d pid is ours %d\n", (int)hits, last_code, last_pid == getpid());
    syscall(SYS_tkill, syscall(SYS_gettid), SIGUSR2);
    printf("tkill: handled %d, code %d\n", (int)hits, last_code);
    union sigval v = { .sival_int = 4242 };
    sigqueue(getpid(), SIGUSR1, v);
    printf("sigqueue: handled %d, code %d (SI_QUEUE %d) value %d pid is ours %d\n", (int)hits, last_code,
           SI_QUEUE, last_value, last_pid == getpid());
    int r0 = kill(getpid(), 0);
    int r65 = kill(getpid(), 65);
    printf("kill 0: %d, bad signal: %d errno %d (EINVAL %d)\n", r0, r65, errno, EINVAL);
}

static void pending(void)
{
    sigset_t set, old, pend;
    on(SIGUSR1, record, 0);
    hits = 0;
    sigemptyset(&set);
    sigaddset(&set, SIGUSR1);
    sigaddset(&set, SIGTERM);
    sigprocmask(SIG_BLOCK, &set, &old);
    raise(SIGUSR1);
    raise(SIGUSR1);                     /* one instance: standard signals do not queue */
    raise(SIGTERM);
    sigpending(&pend);
    printf("blocked: handled %d, pending USR1 %d TERM %d USR2 %d\n", (int)hits, sigismember(&pend, SIGUSR1),
           sigismember(&pend, SIGTERM), sigismember(&pend, SIGUSR2));
    signal(SIGTERM, SIG_IGN);           /* discards the pending SIGTERM */
    sigpending(&pend);
    printf("SIG_IGN: pending TERM %d\n", sigismember(&pend, SIGTERM));
    sigprocmask(SIG_SETMASK, &old, NULL);
    printf("unblocked: handled %d times by the time sigprocmask returned\n", (int)hits);
    signal(SIGTERM, SIG_DFL);
    signal(SIGCHLD, SIG_DFL);
    raise(SIGCHLD);                     /* ignored by default */
    raise(SIGURG);
    printf("SIGCHLD and SIGURG by default: still running\n");
}

static void on_nodefer(int sig, siginfo_t *si, void *ctx)
{
    record(sig, si, ctx);
    depth++;
    if (depth > max_depth)
        max_depth = depth;
    if (hits == 1)
        raise(sig);
    depth--;
}

static void nodefer(void)
{
    hits = max_depth = depth = 0;
    on(SIGUSR1, on_nodefer, SA_NODEFER);
    raise(SIGUSR1);
    printf("SA_NODEFER: handled %d, nested depth %d\n", (int)hits, (int)max_depth);
    hits = max_depth = 0;
    on(SIGUSR1, on_nodefer, 0);
    raise(SIGUSR1);
    printf("without SA_NODEFER: handled %d, nested depth %d\n", (int)hits, (int)max_depth);
}

static void skip_ud2(int sig, siginfo_t *si, void *ctx)
{
    ucontext_t *uc = ctx;
    record(sig, si, ctx);
    uc->uc_mcontext.gregs[REG_RIP] += 2;        /* over UD2 */
    uc->uc_mcontext.gregs[REG_RAX] = 42;
}

static void to_noncanonical(int sig, siginfo_t *si, void *ctx)
{
    ucontext_t *uc = ctx;
    record(sig, si, ctx);
    uc->uc_mcontext.gregs[REG_RIP] = (greg_t)0x8000000000000000ull;
}

static void to_kernel_cs(int sig, siginfo_t *si, void *ctx)
{
    ucontext_t *uc = ctx;
    record(sig, si, ctx);
    /* CS is the low 16 bits of REG_CSGSFS; 0x10 is the kernel's code
     * segment on Linux and on cloak. */
    uc->uc_mcontext.gregs[REG_CSGSFS] = (uc->uc_mcontext.gregs[REG_CSGSFS] & ~0xffffll) | 0x10;
    uc->uc_mcontext.gregs[REG_RIP] += 2;
}

static void on_trap(int sig, siginfo_t *si, void *ctx)
{
    record(sig, si, ctx);
}

static void edit_context(void)
{
    long rax;
    on(SIGILL, skip_ud2, 0);
    __asm__ volatile("mov $1, %%eax\n\tud2\n\t" : "=a"(rax) : : "memory");
    printf("ucontext: resumed after UD2 with RAX %ld, signo %d code %d (ILL_ILLOPN %d) si_addr is RIP %d\n",
           rax, last_signo, last_code, ILL_ILLOPN, (uintptr_t)last_addr == last_rip);
    on(SIGTRAP, on_trap, 0);
    uintptr_t after;
    __asm__ volatile("int3\n\tlea 0(%%rip), %0" : "=r"(after));
    printf("int3: signo %d code %d (SI_KERNEL %d), RIP just past it %d\n", last_signo, last_code, SI_KERNEL,
           last_rip == after - 7);
}

static volatile unsigned handler_mxcsr;

static void clobber_fpu(int sig, siginfo_t *si, void *ctx)
{
    unsigned m;
    record(sig, si, ctx);
    __asm__ volatile("stmxcsr %0" : "=m"(m));
    handler_mxcsr = m;
    m = 0x7f80 | (3u << 13);            /* round toward zero, everything masked */
    __asm__ volatile("ldmxcsr %0\n\t"
                     "pcmpeqd %%xmm0, %%xmm0\n\tpcmpeqd %%xmm7, %%xmm7\n\tpcmpeqd %%xmm15, %%xmm15\n\t"
                     "fldpi\n\tfldpi\n\t"
                     : : "m"(m) : "xmm0", "xmm7", "xmm15", "st", "st(1)");
}

static void fpu(void)
{
    static const uint64_t pattern[2] = { 0x0123456789abcdefull, 0xfedcba9876543210ull };
    uint64_t x0[2], x7[2], x15[2];
    unsigned before = 0x1f80 | (1u << 13), after;   /* round down */
    on(SIGUSR1, clobber_fpu, 0);
    long pid = getpid(), ret;
    /* One block, so the compiler puts nothing between: the signal is
     * delivered on the way out of the system call, with these live. */
    __asm__ volatile("ldmxcsr %[before]\n\t"
                     "movdqu %[pat], %%xmm0\n\tmovdqu %[pat], %%xmm7\n\tmovdqu %[pat], %%xmm15\n\t"
                     "syscall\n\t"
                     "movdqu %%xmm0, %[x0]\n\tmovdqu %%xmm7, %[x7]\n\tmovdqu %%xmm15, %[x15]\n\t"
                     "stmxcsr %[after]\n\t"
                     : "=a"(ret), [x0] "=m"(x0), [x7] "=m"(x7), [x15] "=m"(x15), [after] "=m"(after)
                     : "a"((long)SYS_kill), "D"(pid), "S"((long)SIGUSR1), [before] "m"(before), [pat] "m"(pattern)
                     : "rcx", "r11", "xmm0", "xmm7", "xmm15", "memory");
    (void)ret;
    int same = !memcmp(x0, pattern, 16) && !memcmp(x7, pattern, 16) && !memcmp(x15, pattern, 16);
    printf("fpu: handled %d, xmm0/7/15 kept %d, MXCSR kept %d, handler started with MXCSR 0x%x\n",
           (int)hits, same, after == before, handler_mxcsr);
}

static void clobber_ymm(int sig)
{
    (void)sig;
    hits++;
    __asm__ volatile("vpcmpeqd %%ymm1, %%ymm1, %%ymm1\n\tvpcmpeqd %%ymm9, %%ymm9, %%ymm9" : : : "xmm1", "xmm9");
}

/* The upper halves of the YMM registers (XSAVE's AVX component) across a
 * handler that sets them all to ones. */
static void avx(void)
{
    if (!__builtin_cpu_supports("avx")) {
        printf("avx: not available\n");
        return;
    }
    static const uint64_t pattern[4] = { 1, 2, 0x1111222233334444ull, 0x5555666677778888ull };
    uint64_t y1[4], y9[4];
    signal(SIGUSR1, clobber_ymm);
    hits = 0;
    long pid = getpid(), ret;
    __asm__ volatile("vmovdqu %[pat], %%ymm1\n\tvmovdqu %[pat], %%ymm9\n\t"
                     "syscall\n\t"
                     "vmovdqu %%ymm1, %[y1]\n\tvmovdqu %%ymm9, %[y9]\n\tvzeroupper\n\t"
                     : "=a"(ret), [y1] "=m"(y1), [y9] "=m"(y9)
                     : "a"((long)SYS_kill), "D"(pid), "S"((long)SIGUSR1), [pat] "m"(pattern)
                     : "rcx", "r11", "xmm1", "xmm9", "memory");
    (void)ret;
    printf("avx: handled %d, ymm1 and ymm9 kept %d\n", (int)hits,
           !memcmp(y1, pattern, 32) && !memcmp(y9, pattern, 32));
}

static void on_plain(int sig)
{
    (void)sig;
    hits++;
}

static void suspend_and_wait(void)
{
    sigset_t set, none, now;
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_plain;
    sigaction(SIGUSR1, &sa, NULL);
    hits = 0;
    sigemptyset(&set);
    sigaddset(&set, SIGUSR1);
    sigprocmask(SIG_BLOCK, &set, NULL);
    raise(SIGUSR1);
    sigemptyset(&none);
    int r = sigsuspend(&none);
    int e = errno;
    sigprocmask(SIG_BLOCK, NULL, &now);
    printf("sigsuspend: returned %d errno %d (EINTR %d), handled %d, USR1 blocked again %d\n", r, e, EINTR,
           (int)hits, sigismember(&now, SIGUSR1));

    raise(SIGUSR1);
    siginfo_t si;
    struct timespec ts = { 0, 100 * 1000 * 1000 };
    r = sigtimedwait(&set, &si, &ts);
    printf("sigtimedwait: took %d (SIGUSR1 %d) code %d, handler not run %d\n", r, SIGUSR1, si.si_code,
           hits == 1);
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    r = sigtimedwait(&set, &si, &ts);
    e = errno;
    clock_gettime(CLOCK_MONOTONIC, &t1);
    long ms = (t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000;
    printf("sigtimedwait, nothing pending: %d errno %d (EAGAIN %d), waited 100 ms or more %d\n", r, e, EAGAIN,
           ms >= 99);
    sigprocmask(SIG_UNBLOCK, &set, NULL);
}

static void sigpipe(void)
{
    int fds[2];
    char c = 'x';
    if (pipe(fds) != 0)
        perror("pipe");
    close(fds[0]);
    signal(SIGPIPE, SIG_IGN);
    ssize_t r = write(fds[1], &c, 1);
    printf("SIGPIPE ignored: write %zd errno %d (EPIPE %d)\n", r, errno, EPIPE);
    on(SIGPIPE, record, 0);
    hits = 0;
    r = write(fds[1], &c, 1);
    printf("SIGPIPE handled: write %zd errno %d, handled %d code %d\n", r, errno, (int)hits, last_code);
    signal(SIGPIPE, SIG_DFL);
}

static void on_usr1_once(int sig)
{
    (void)sig;
    printf("first raise handled\n");
    fflush(stdout);
}

int main(int argc, char **argv)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    const char *what = argc > 1 ? argv[1] : "all";
    if (!strcmp(what, "resethand")) {
        struct sigaction sa, now;
        memset(&sa, 0, sizeof(sa));
        sa.sa_handler = on_usr1_once;
        sa.sa_flags = SA_RESETHAND;
        sigaction(SIGUSR1, &sa, NULL);
        raise(SIGUSR1);
        sigaction(SIGUSR1, NULL, &now);
        printf("action now SIG_DFL %d\n", now.sa_handler == SIG_DFL);
        raise(SIGUSR1);                 /* ends the program: 128 + 10 */
        printf("still running\n");
        return 0;
    }
    if (!strcmp(what, "sigpipe")) {
        int fds[2];
        if (pipe(fds) != 0)
            return 1;
        close(fds[0]);
        printf("writing to a pipe without readers\n");
        write(fds[1], "x", 1);          /* ends the program: 141 */
        printf("still running\n");
        return 0;
    }
    if (!strcmp(what, "abort")) {
        printf("aborting\n");
        abort();                        /* 134 */
    }
    if (!strcmp(what, "segv-blocked")) {
        sigset_t set;
        on(SIGSEGV, record_and_jump, 0);
        sigemptyset(&set);
        sigaddset(&set, SIGSEGV);
        sigprocmask(SIG_BLOCK, &set, NULL);
        printf("faulting with SIGSEGV blocked\n");
        volatile int *volatile bad = (volatile int *)16;
        *bad = 1;                       /* blocked: the default action, 139 */
        printf("still running\n");
        return 0;
    }
    if (!strcmp(what, "bad-return")) {
        /* A handler that makes rt_sigreturn's RIP non-canonical: SIGSEGV. */
        on(SIGILL, to_noncanonical, 0);
        printf("returning to a non-canonical RIP\n");
        __asm__ volatile("ud2");
        printf("still running\n");
        return 0;
    }
    if (!strcmp(what, "bad-cs")) {
        /* A handler asking rt_sigreturn for the kernel's code segment. */
        on(SIGILL, to_kernel_cs, 0);
        printf("returning with the kernel's code segment\n");
        __asm__ volatile("ud2");
        printf("still running\n");
        return 0;
    }
    if (!strcmp(what, "bad-stack")) {
        /* No room for the frame: SIGSEGV by its default action. */
        on(SIGUSR1, record, 0);
        printf("raising with the stack pointer at 4096\n");
        long pid = getpid(), ret;
        __asm__ volatile("mov %%rsp, %%rbx\n\tmov $4096, %%rsp\n\tsyscall\n\tmov %%rbx, %%rsp"
                         : "=a"(ret) : "a"((long)SYS_kill), "D"(pid), "S"((long)SIGUSR1)
                         : "rbx", "rcx", "r11", "memory");
        printf("still running\n");
        return 0;
    }
    if (!strcmp(what, "avx")) {
        avx();
        return 0;
    }
    if (!strcmp(what, "pause")) {
        printf("pausing\n");
        pause();                        /* nothing can send a signal: waits */
        printf("pause returned\n");
        return 0;
    }
    segv_null();
    segv_readonly();
    fpe_divide();
    altstack();
    to_self();
    pending();
    nodefer();
    edit_context();
    fpu();
    suspend_and_wait();
    sigpipe();
    printf("signals ok\n");
    return 0;
}
