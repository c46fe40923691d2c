/* cloak run: build the image, boot it in QEMU (PVH direct boot, or UEFI
 * from a GPT disk), and turn the way the VM ended into cloak's exit status.
 * dump_check.c boots through the same functions. */
#define _GNU_SOURCE
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../elf/elf_sym.h"
#include "cli.h"
#include "session.h"

/* The program's fds are terminals only where cloak's own are (kernel words
 * stdin-tty, stdout-tty): `cloak run prog | sort` buffers its output in
 * blocks, as the program would in that pipe on Linux. */
static void tell_terminals(struct session *s)
{
    const char *words[2] = { isatty(0) ? "stdin-tty" : 0, isatty(1) ? "stdout-tty" : 0 };
    for (int i = 0; i < 2; i++) {
        size_t used = strlen(s->extra);
        if (words[i] && used + strlen(words[i]) + 2 < sizeof s->extra)
            snprintf(s->extra + used, sizeof s->extra - used, "%s%s", used ? " " : "", words[i]);
    }
}

void session_qemu_config(struct session *s, struct qemu_config *q)
{
    const struct options *o = &s->o;
    const char *qbin = getenv("CLOAK_QEMU");

    tmp_path(s->archive, sizeof s->archive, "archive.cpio");
    write_archive(s->archive, &s->cfg, &s->b);
    if (o->log) {
        if ((size_t)snprintf(s->log_path, sizeof s->log_path, "%s", o->log) >= sizeof s->log_path)
            die("--log: path too long");
    } else {
        tmp_path(s->log_path, sizeof s->log_path, "kernel.log");
    }
    memset(q, 0, sizeof *q);
    q->binary = qbin && *qbin ? qbin : NULL;
    q->memory_mib = s->cfg.memory_bytes >> 20;
    q->cpus = s->cfg.cpus;
    q->uefi = s->cfg.uefi;
    q->log_path = s->log_path;
    q->volumes = s->b.volumes;
    q->nvolumes = s->b.nmounts;
    q->disk_bus = o->disk_bus && !strcmp(o->disk_bus, "virtio-scsi") ? QEMU_DISK_VIRTIO_SCSI
                                                                   : QEMU_DISK_VIRTIO_BLK;
    if (o->disk_bus && !strcmp(o->disk_bus, "nvme"))
        q->disk_bus = QEMU_DISK_NVME;
    session_network(s, q);
    /* io_uring makes volume I/O markedly faster; CLOAK_NO_IO_URING=1 turns
     * it off for a QEMU built without it. */
    const char *no_uring = getenv("CLOAK_NO_IO_URING");
    q->io_uring = s->b.nmounts && !(no_uring && *no_uring && strcmp(no_uring, "0")) &&
                  qemu_host_has_io_uring();
    if (s->confidential) {
        q->sev = true;
        q->sev_cbitpos = s->sev.cbitpos;
        q->sev_reduced_phys_bits = s->sev.reduced_phys_bits;
        q->sev_policy = QEMU_SEV_POLICY;
    }
    q->qmp_path = o->qmp;
    /* The program's stdio through a virtio console, which carries the end
     * of input; CLOAK_SERIAL_CONSOLE=1 keeps the old COM1 path (no end of
     * input), for comparison. */
    const char *serial = getenv("CLOAK_SERIAL_CONSOLE");
    q->virtio_console = !(serial && *serial && strcmp(serial, "0"));
    if (q->virtio_console)
        tell_terminals(s);
    session_accel(s, q);
}

void session_qemu_argv(struct session *s, struct qemu_config *q, struct qemu_argv *qa)
{
    char err[2048];

    if (s->cfg.uefi) {
        char cmdline_path[PATH_MAX], cmdline[8192];
        snprintf(cmdline, sizeof cmdline, "console=com3 klog=com1%s%s", *s->extra ? " " : "",
                 s->extra);
        tmp_path(cmdline_path, sizeof cmdline_path, "cmdline.txt");
        write_text_file(cmdline_path, cmdline);
        tmp_path(s->disk, sizeof s->disk, "disk.img");
        write_disk(s->disk, s->kernel, s->loader, s->archive, cmdline_path);
        if (qemu_setup_ovmf(tmp_dir_get(), s->ovmf_code, sizeof s->ovmf_code, s->ovmf_vars,
                            sizeof s->ovmf_vars, err, sizeof err) < 0)
            die("%s", err);
        q->ovmf_code = s->ovmf_code;
        q->ovmf_vars = s->ovmf_vars;
        q->disk = s->disk;
    } else {
        q->kernel = s->kernel;
        q->initrd = s->archive;
        q->cmdline = s->extra;
    }
    if (qemu_build_argv(q, qa) < 0)
        die("out of memory");
}

void session_boot_notes(const struct session *s, const struct qemu_config *q)
{
    if (s->o.sev_sim)
        fprintf(stderr, "cloak: --sev-sim: simulated SEV (the kernel's SEV code paths, bounce "
                "buffers included); guest memory is NOT encrypted\n");
    if (q->uefi && !q->sev)
        fprintf(stderr, "cloak: booting through OVMF (UEFI firmware takes a few seconds under "
                "emulation)\n");
    fflush(stdout);
}

/* "cloak: program killed by SIGSEGV: page fault reading 0x0 at RIP 0x401a2c
 * (main+0x1c)": one line, -v or not, like a shell's "Segmentation fault".
 * The function comes from the program's own symbol table. */
static void say_killed(const struct vm_outcome *o, const char *program)
{
    char sym[256];

    if (!o->summary)
        return;
    if (o->fault && program && o->fault_rip >= o->fault_bias &&
        elf_symbolize(program, o->fault_rip - o->fault_bias, sym, sizeof sym) == 0)
        fprintf(stderr, "cloak: %s (%s)\n", o->summary, sym);
    else
        fprintf(stderr, "cloak: %s\n", o->summary);
}

static int report_outcome(const struct qemu_result *r, const char *log_path, bool verbose,
                          const char *program)
{
    struct vm_outcome o;
    int status;

    qemu_outcome_from_file(log_path, &o);
    status = o.status;
    fflush(stdout);
    switch (o.end) {
    case VM_END_PROGRAM:
        say_killed(&o, program);
        break;
    case VM_END_REFUSED:
        fprintf(stderr, "cloak: the kernel refused to run the program (status %d)%s\n", status,
                o.report && !verbose ? "; the kernel log says:" : "");
        if (o.report && !verbose)
            fputs(o.report, stderr);
        break;
    case VM_END_PANIC: /* one line; the report is in -v and --log */
        fprintf(stderr, "cloak: the kernel panicked%s%s\n", o.summary ? ": " : "",
                o.summary ? o.summary : "");
        break;
    case VM_END_OTHER:
        fprintf(stderr, "cloak: warning: the kernel reported exit status %d for an unknown "
                "reason\n", status);
        break;
    case VM_END_NO_STATUS:
        if (r->stdout_broken && !r->forwarded_signal) {
            status = 128 + SIGPIPE; /* silent, as a shell is for its child's SIGPIPE */
            break;
        }
        if (r->forwarded_signal) { /* cloak stopped the VM (qemu.c vm_interrupt) */
            int sig = r->forwarded_signal;
            status = 128 + sig;
            fprintf(stderr, "cloak: interrupted by %s\n", sig == SIGINT ? "SIGINT" :
                    sig == SIGTERM ? "SIGTERM" : sig == SIGHUP ? "SIGHUP" : strsignal(sig));
            break;
        }
        if (r->exited)
            fprintf(stderr, "cloak: the VM stopped without reporting an exit status (QEMU "
                    "exited with status %d)\n", r->status);
        else
            fprintf(stderr, "cloak: the VM stopped without reporting an exit status (QEMU was "
                    "killed by %s)\n", strsignal(r->status));
        if (verbose)
            break;
        if (o.report) {
            fprintf(stderr, "cloak: the end of the kernel log:\n");
            fputs(o.report, stderr);
            if (o.report[strlen(o.report) - 1] != '\n')
                fputc('\n', stderr);
        } else {
            fprintf(stderr, "cloak: the kernel log is empty (the kernel never started?)\n");
        }
        break;
    }
    qemu_outcome_free(&o);
    return status;
}


/* --dry-run: the QEMU command, and the temporary files it names are kept. */
static int dry_run(struct session *s, struct qemu_argv *qa)
{
    char *line = qemu_format_command(qa);

    if (!line)
        die("out of memory");
    printf("%s\n", line);
    free(line);
    const char *dir = tmp_keep();
    config_free(&s->cfg);
    fprintf(stderr, "cloak: dry run: the files it names are kept in %s (remove it when "
            "done)\n", dir);
    qemu_argv_free(qa);
    return 0;
}

int cmd_run(int argc, char **argv)
{
    struct session s;
    struct qemu_config q;
    struct qemu_argv qa;
    struct qemu_result r;
    char err[2048];

    session_start(&s, argc, argv, true, false);
    if (s.o.list)
        return session_list(&s);
    session_boot_files(&s);
    session_qemu_config(&s, &q);
    session_qemu_argv(&s, &q, &qa);
    if (s.o.dry_run)
        return dry_run(&s, &qa);
    session_boot_notes(&s, &q);
    if (q.virtio_console && ((qa.stdin_fd = qemu_stdin_start(err, sizeof err)) < 0 ||
                             (qa.stdout_fd = qemu_stdout_start(err, sizeof err)) < 0))
        die("%s", err);
    if (qemu_run(&qa, s.log_path, s.o.verbose, &r, err, sizeof err) < 0)
        die("%s", err);
    qemu_stdout_finish();
    qemu_argv_free(&qa);
    config_free(&s.cfg);
    return report_outcome(&r, s.log_path, s.o.verbose, s.b.program);
}
