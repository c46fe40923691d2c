/* From a booted machine to a running program: root file system, manifest,
 * descriptors, ELF, ring 3. */
#include "init/program.h"
#include "init/manifest.h"
#include "init/profile.h"
#include "init/cmdline.h"
#include "unix/process.h"
#include "unix/exec.h"
#include "unix/usercopy.h"
#include "unix/fd.h"
#include "unix/console.h"
#include "unix/devices.h"
#include "unix/procfs.h"
#include "unix/syscall.h"
#include "unix/signal.h"
#include "unix/signal_trap.h"
#include "fs/ramfs.h"
#include "fs/path.h"
#include "fs/boot_archive.h"
#include "fs/ext2_vfs.h"
#include "arch/x86_64/sev.h"
#include "mm/memory.h"
#include "mm/layout.h"
#include "mm/user_window.h"
#include "mm/heap.h"
#include "arch/x86_64/trap.h"
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/fpu.h"
#include "drivers/entropy.h"
#include "drivers/device_wait.h"
#include "lib/string.h"
#include "lib/errno.h"
#include "lib/log.h"
#include "lib/format.h"

#define MANIFEST_PATH "/.cloak/manifest"

static struct trap_frame initial_frame;

/* Logs why the program cannot start and stops the VM with status. */
static void refuse(int status, const char *fmt, ...) __attribute__((noreturn, format(printf, 2, 3)));
static void refuse(int status, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vklog(fmt, ap);
    va_end(ap);
    process_exit(status, "refused");
}

/* Demand paging for the program's accesses, and for the kernel's inside a
 * window a system call opened over a range it checked (mm/user_window.h);
 * any other kernel-mode fault is a kernel bug and is left to the crash
 * report. */
static bool user_page_fault(uint64_t addr, uint64_t error, bool user)
{
    if (addr >= USER_TOP || (!user && !user_window_covers(addr, error & PF_WRITE)))
        return false;
    int err = as_fault(&proc.as, addr, error & PF_WRITE, error & PF_FETCH);
    if (err == -ENOMEM)
        process_kill(SIGKILL, "out of memory (no free page for its memory)");
    return err == 0;
}

/* The fault's signal (unix/signal_trap.h), with the FPU's exception flags
 * for #MF and #XM and, for a page fault, whether the address is mapped. */
static struct signal_info fault_signal(const struct trap_frame *f, uint64_t cr2)
{
    struct trap_fault t = { .vector = f->vector, .error = f->error, .rip = f->rip,
                            .rflags = f->rflags, .cr2 = cr2 };
    if (f->vector == VECTOR_PAGE_FAULT)
        t.mapped = as_find(&proc.as, cr2) != 0;
    if (f->vector == 16 || f->vector == 19) {
        static uint8_t img[FPU_STATE_MAX] __attribute__((aligned(64)));
        fpu_save(img);
        memcpy(&t.fcw, img + 0, 2);
        memcpy(&t.fsw, img + 2, 2);
        memcpy(&t.mxcsr, img + 24, 4);
    }
    return signal_from_trap(&t);
}

/* The report of a fault in the program: the log gets the details, and
 * "@@cloak-fault RIP BIAS" lets cloak name the function the fault is in
 * from the program's symbol table (BIAS: where a PIE was loaded). */
static void user_fault(struct trap_frame *f, uint64_t cr2)
{
    struct signal_info info = fault_signal(f, cr2);
    int sig = info.signo;
    const char *name = trap_vector_name(f->vector);
    static unsigned handled;
    if (signal_send_fault(&info)) {
        /* The program's handler takes it (on the way back to ring 3); Go
         * does this for every nil dereference, so only the first few. */
        if (handled++ < 8)
            klog("program fault: %s at RIP %lx (address %lx): %s to the program's handler", name,
                 f->rip, cr2, signal_name(sig));
        return;
    }
    char why[160];
    klog("program fault: %s at RIP %lx (program %s loaded with bias %lx)", name, f->rip,
         proc.exe_path, proc.exe_bias);
    if (f->vector == VECTOR_PAGE_FAULT) {
        struct region *r = as_find(&proc.as, cr2);
        klog("  address %lx: %s", cr2,
             !r ? "not mapped" : (f->error & PF_FETCH) ? "not executable" :
             (f->error & PF_WRITE) ? "not writable" : "not readable");
        snprintf(why, sizeof(why), "%s %s 0x%lx at RIP 0x%lx", name,
                 (f->error & PF_FETCH) ? "executing" : (f->error & PF_WRITE) ? "writing" : "reading",
                 cr2, f->rip);
    } else {
        snprintf(why, sizeof(why), "%s at RIP 0x%lx", name, f->rip);
    }
    trap_dump(f, cr2);
    klog("@@cloak-fault %lx %lx", f->rip, proc.exe_bias);
    process_kill(sig, why);
}

/* Signals pending for the program are delivered as it goes back to ring 3
 * from an exception or interrupt (system calls: unix/syscall.c). */
static void exit_to_user(struct trap_frame *f)
{
    signal_exit_to_user(f, false, 0);
}

static struct vnode *make_dirs(const char *path)
{
    struct vnode *d;
    return path_mkdir_all(path, strlen(path), &d) < 0 ? 0 : d;
}

/* The few files Linux programs expect besides what the archive carries. */
static void populate_system_dirs(const char *program)
{
    make_dirs("/tmp");
    dev_nodes_create();
    procfs_create(program);
}

/* cloak says which of its own ends are terminals (stdin-tty, stdout-tty):
 * a program whose output goes into a pipe then buffers it in blocks. */
static void open_console_fds(const char *cmdline)
{
    uint32_t modes[3] = { O_RDONLY, O_WRONLY, O_WRONLY };
    for (int fd = 0; fd < 3; fd++) {
        struct vnode *con = console_fd_vnode(cmdline_has(cmdline, fd == 0 ? "stdin-tty" : "stdout-tty"));
        if (!con)
            panic("out of memory for the console");
        struct file *f = file_new(con, modes[fd], "/dev/console");
        if (!f || fd_install(f, fd, false) != fd)
            panic("cannot open the console as fd %d", fd);
    }
}

/* Faults on purpose (kernel command line "crash-test") so tests can check
 * the crash report end to end. */
static __attribute__((noinline)) void crash_test(void)
{
    klog("crash-test: writing to an unmapped kernel address");
    *(volatile uint64_t *)0xffffc00000000000ull = 1;
}

void program_start(const struct boot_info *boot)
{
    random_init();
    ramfs_init();
    if (!boot->archive_size)
        refuse(EXIT_REFUSED, "boot: no boot archive was passed (initrd / \\cloak\\archive.cpio)");
    const char *error;
    char where[256];
    if (boot_archive_load(phys_to_virt(boot->archive_phys), boot->archive_size, &error, where, sizeof(where)) < 0)
        refuse(EXIT_REFUSED, "boot: the boot archive is invalid: %s (at %s)", error, where);

    struct vnode *mf;
    if (path_resolve(vfs_root, MANIFEST_PATH, true, &mf) < 0 || !vn_is_reg(mf))
        refuse(EXIT_REFUSED, "boot: the boot archive has no %s", MANIFEST_PATH);
    struct manifest m;
    char err[256];
    if (manifest_parse((const char *)mf->data, mf->size, &m, err, sizeof(err)) < 0)
        refuse(EXIT_REFUSED, "boot: bad manifest: %s", err);
    proc.trace_syscalls = m.trace_syscalls || cmdline_has(boot->cmdline, "trace-syscalls");
    if (m.confidential && boot->sev_mode != SEV_ACTIVE) {
        /* Said on the program's console too: never run unprotected quietly. */
        static const char msg[] = "cloak: this image requires memory encryption (AMD SEV), which is not active "
                                  "on this VM: refusing to run the program\n";
        console_write_raw(msg, sizeof(msg) - 1);
        refuse(EXIT_REFUSED, "boot: the image requires memory encryption (confidential required) but %s",
               boot->sev_mode == SEV_SIMULATED ? "it is only simulated (sev-sim)" : "SEV is not active");
    }
    proc.umask = 022;

    populate_system_dirs(m.program);
    for (int i = 0; i < m.nmounts; i++) {
        if (ext2_vfs_mount(m.mounts[i].label, m.mounts[i].path, m.mounts[i].read_only, err, sizeof(err)) < 0)
            refuse(EXIT_REFUSED, "boot: cannot mount a volume: %s", err);
    }
    proc.cwd = vfs_root;
    if (m.cwd) {
        struct vnode *cwd;
        if (path_resolve(vfs_root, m.cwd, true, &cwd) < 0 || !vn_is_dir(cwd))
            refuse(EXIT_REFUSED, "boot: working directory %s does not exist in the image", m.cwd);
        proc.cwd = cwd;
    }
    open_console_fds(boot->cmdline);

    struct vnode *prog;
    int r = path_resolve(vfs_root, m.program, true, &prog);
    if (r < 0)
        refuse(EXIT_NOT_FOUND, "exec: %s: program not found in the image", m.program);

    as_init(&proc.as, mm_kernel_root());
    trap_set_page_fault_handler(user_page_fault);
    trap_set_user_fault_handler(user_fault);
    trap_set_user_exit_hook(exit_to_user);
    syscall_init();
    const char *why = "";
    if (exec_load(prog, m.program, m.argv, m.envp, &initial_frame, &why) < 0)
        refuse(EXIT_REFUSED, "exec: %s: cannot run: %s", m.program, why);
    if (cmdline_has(boot->cmdline, "crash-test"))
        crash_test();
    if (cmdline_has(boot->cmdline, "profile")) {
        process_set_exit_hook(profile_report);
        profile_start();
    }
    klog("starting %s, %lu KiB of heap in use", m.program, heap_bytes_in_use() >> 10);
    device_wait_set_blocking(true);     /* device waits may switch threads from now on */
    user_enter(&initial_frame);
}
