/* QEMU: the command line for the two boot paths, running it, and reading
 * the VM's exit status back from the kernel log (docs/boot-protocol.md).
 *
 * Consoles, in this order because -nodefaults leaves no serial port and
 * QEMU numbers -serial options COM1, COM2, ...:
 *   COM1 (0x3f8) = the program's output  -> cloak's stdin/stdout (stdio chardev)
 *   COM2 (0x2f8) = the kernel log        -> a file (cloak reads it back)
 *   isa-debug-exit at 0xf4, 4 bytes wide  -> QEMU exits right away */
#ifndef CLOAK_TOOLS_QEMU_H
#define CLOAK_TOOLS_QEMU_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define QEMU_DEFAULT_BINARY "qemu-system-x86_64"
#define QEMU_PACKAGE "qemu-system-x86"
#define OVMF_PACKAGE "ovmf"
#define OVMF_DIR "/usr/share/OVMF"

/* A data volume (an ext2 image) attached as a disk. */
struct qemu_volume {
    const char *name;         /* the volume's name: the disk's serial */
    const char *path;         /* the image file */
    bool read_only;           /* attached read-only (a ":ro" mount) */
};

enum qemu_disk_bus {
    QEMU_DISK_VIRTIO_BLK,     /* one virtio-blk-pci device per volume (the default) */
    QEMU_DISK_VIRTIO_SCSI,    /* one virtio-scsi-pci controller, a scsi-hd per volume */
    QEMU_DISK_NVME,           /* one NVMe controller per volume (namespace 1), as on GCP */
};

/* A host port forwarded to a guest port (QEMU's user network, hostfwd). */
struct qemu_fwd {
    unsigned host, guest;
    bool udp;
};

struct qemu_config {
    const char *binary;       /* NULL: QEMU_DEFAULT_BINARY */
    uint64_t memory_mib;
    unsigned cpus;            /* vCPUs: -smp N when above 1 (0 and 1: QEMU's one) */
    bool uefi;
    /* PVH */
    const char *kernel;
    const char *initrd;
    const char *cmdline;      /* NULL or "": no -append */
    /* UEFI */
    const char *ovmf_code;
    const char *ovmf_vars;    /* a writable copy */
    const char *disk;         /* raw GPT disk image */
    /* both */
    const char *log_path;     /* where the kernel log goes (COM2; COM1 under UEFI) */
    const struct qemu_volume *volumes; /* drives vol0, vol1, ... (after the boot disk) */
    size_t nvolumes;
    enum qemu_disk_bus disk_bus;
    bool io_uring;            /* volumes use QEMU's io_uring back end (qemu_host_has_io_uring) */
    bool kvm;                 /* -accel kvm -cpu host (accel.h decides); else TCG, -cpu max */
    bool net_user;            /* a virtio-net card on QEMU's user network (NAT, DHCP) */
    const char *net_tap;      /* or on this host tap device (made by the user), or NULL */
    const struct qemu_fwd *fwd;   /* host ports forwarded to the guest (net_user) */
    size_t nfwd;
    /* AMD SEV (cloak run --sev): KVM, -cpu EPYC, an sev-guest object and
     * -machine confidential-guest-support (QEMU >= 6.0 spelling; the
     * older memory-encryption= is an alias).  Needs uefi. */
    bool sev;
    unsigned sev_cbitpos;         /* CPUID 0x8000001F EBX[5:0] */
    unsigned sev_reduced_phys_bits; /* EBX[11:6] */
    unsigned sev_policy;          /* SEV guest policy; QEMU_SEV_POLICY */
    const char *qmp_path;         /* NULL, or a unix socket for QMP (server, no wait) */
    const char *console_path;     /* NULL: the program's console is cloak's stdio;
                                   * else it goes to this file */
    bool virtio_console;          /* (no console_path) the program's stdio through a
                                   * virtio console on QEMU's stdin/stdout, its
                                   * input framed by qemu_stdin_start; else COM1 */
};

/* SEV policy bit 0, NODBG: the host may not use the SEV debug commands to
 * read the guest's memory. */
#define QEMU_SEV_POLICY 0x1
#define QEMU_SEV_CPU "EPYC"

struct qemu_argv {
    char **argv;              /* NULL-terminated */
    size_t argc;
    int stdin_fd;             /* > 0: QEMU's stdin, else cloak's own (qemu_run */
    int stdout_fd;            /* > 0: QEMU's stdout, else cloak's  closes them) */
};

/* The virtio console (qemu_stdio.c, docs/boot-protocol.md).  Input: a
 * thread copies cloak's stdin, as it comes, in frames (u32 little-endian
 * length, the bytes; length 0 = end of input) into a socket whose other
 * end it returns for QEMU's stdin (qemu_argv.stdin_fd); cloak keeps its end
 * open until it exits.  Output: a pipe whose write end it returns for
 * QEMU's stdout (qemu_argv.stdout_fd), copied by a thread to cloak's
 * stdout; qemu_stdout_finish waits until all of it is copied (call it
 * after qemu_run).  -1 with err on failure. */
int qemu_stdin_start(char *err, size_t errlen);
/* Passes signal sig to the program: a control frame (0x80000000 | sig) on
 * the input, between data frames, also after the end of input.  0, or -1
 * when there is no such input.  Async-signal-safe (a byte into a pipe that
 * the input thread watches). */
int qemu_stdin_signal(int sig);
int qemu_stdout_start(char *err, size_t errlen);
void qemu_stdout_finish(void);
/* True once a write to cloak's stdout failed with EPIPE (its reader went
 * away, as in `cloak run prog | head -1`): qemu_run then stops the VM. */
bool qemu_stdout_broken(void);

/* Builds the argument vector. Returns 0 or -1 (out of memory).
 * Every run gets a virtio-rng device fed from the host's /dev/urandom.
 * Volumes use cache=writeback: the guest sees a volatile write cache, and
 * its FLUSH becomes an fdatasync of the image file on the host.  All virtio
 * devices are modern-only (disable-legacy=on) with iommu_platform=on
 * (VIRTIO_F_ACCESS_PLATFORM, which SEV guests need). */
int qemu_build_argv(const struct qemu_config *q, struct qemu_argv *out);

/* True if this host's kernel lets a process use io_uring (not disabled by
 * sysctl or a seccomp filter): QEMU's io_uring disk back end then works and
 * is much faster under emulation than its thread pool. */
bool qemu_host_has_io_uring(void);
void qemu_argv_free(struct qemu_argv *a);

/* The command as one shell-quoted line (malloc'd), for --dry-run. */
char *qemu_format_command(const struct qemu_argv *a);

/* Finds OVMF (env CLOAK_OVMF_CODE / CLOAK_OVMF_VARS override; otherwise the
 * 4M pair in OVMF_DIR, then the 2M pair) and copies the VARS template into
 * dir (the firmware writes to it).  Fills code/vars with the paths to use. */
int qemu_find_ovmf(char *code, size_t codelen, char *vars, size_t varslen, char *err,
                   size_t errlen);
int qemu_setup_ovmf(const char *dir, char *code, size_t codelen, char *vars, size_t varslen,
                    char *err, size_t errlen);

struct qemu_result {
    bool exited;              /* QEMU exited (else: killed by signal) */
    int status;               /* exit status or signal number */
    int forwarded_signal;     /* SIGINT/SIGTERM/SIGHUP cloak passed on, or 0 */
    bool stdout_broken;       /* cloak stopped the VM: nobody reads its stdout */
};

/* Runs QEMU and waits.  SIGINT, SIGTERM and SIGHUP received meanwhile are
 * forwarded to it.  If echo_log, the kernel log (log_path) is copied to
 * stderr while the VM runs.  Returns 0, or -1 if QEMU could not be started
 * (err says so and names the package to install). */
int qemu_run(const struct qemu_argv *a, const char *log_path, bool echo_log,
             struct qemu_result *res, char *err, size_t errlen);

/* Forks and execs bin (searched in PATH) with stdin, stdout and stderr
 * from the fds given (-1: cloak's own), in a process group of its own if
 * own_group, killed by the kernel when the calling thread ends
 * (qemu_spawn.c says why).  0 and *pid, or the errno of what failed (the
 * exec's: ENOENT when bin is not found). */
int qemu_spawn_tied(const char *bin, char *const argv[], int stdin_fd, int stdout_fd,
                    int stderr_fd, bool own_group, pid_t *pid);

/* Starts QEMU in the background (stdin from /dev/null, killed with cloak
 * as qemu_run's) and returns its pid in *pid: for dump-check, which talks
 * to it over QMP.  -1 with err as qemu_run() words it. */
int qemu_spawn(const struct qemu_argv *a, int *pid, char *err, size_t errlen);

/* How the VM ended, read from the kernel log. */
enum vm_end {
    VM_END_PROGRAM,           /* "@@cloak-exit S program": the program's status */
    VM_END_REFUSED,           /* "... refused": 126 or 127 */
    VM_END_PANIC,             /* "... panic": 70 */
    VM_END_OTHER,             /* an exit line with a reason we do not know */
    VM_END_NO_STATUS,         /* no exit line at all: QEMU died, triple fault, ... */
};

struct vm_outcome {
    enum vm_end end;
    int status;               /* what cloak should exit with */
    char *report;             /* malloc'd text for the user, or NULL: panic report
                               * (from the line with "PANIC" to the exit line), the log
                               * lines before a refusal, the log's tail otherwise */
    char *summary;            /* malloc'd one line for the user, or NULL: the text of
                               * "@@cloak-why" (the program was killed) or the
                               * message of the first "PANIC: " line */
    bool fault;               /* "@@cloak-fault RIP BIAS": the program faulted at */
    uint64_t fault_rip;       /* fault_rip, its ELF loaded with fault_bias added */
    uint64_t fault_bias;
};

/* Parses the last "@@cloak-exit STATUS REASON" line of the log text. */
void qemu_outcome_from_log(const char *log, size_t len, struct vm_outcome *o);
/* The same, from the log file (a missing file counts as an empty log). */
void qemu_outcome_from_file(const char *path, struct vm_outcome *o);
void qemu_outcome_free(struct vm_outcome *o);

#endif
