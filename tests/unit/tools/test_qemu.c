/* tools/qemu: command lines for both boot paths, the --dry-run rendering,
 * and reading the exit status back from the kernel log. */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <signal.h>
#include <sys/wait.h>
#include <cmocka.h>

#include "../../../tools/qemu/qemu.h"

static char *joined(const struct qemu_argv *a)
{
    char *line = qemu_format_command(a);
    assert_non_null(line);
    return line;
}

static void test_pvh(void **state)
{
    struct qemu_config q = {.memory_mib = 128, .kernel = "/s/kernel.elf",
                            .initrd = "/t/archive.cpio", .log_path = "/t/kernel.log"};
    struct qemu_argv a;
    char *line;
    (void)state;

    assert_int_equal(qemu_build_argv(&q, &a), 0);
    assert_null(a.argv[a.argc]);
    line = joined(&a);
    assert_string_equal(line,
        "qemu-system-x86_64 -machine q35,accel=tcg -cpu max -m 128M -nodefaults -no-reboot "
        "-display none -kernel /s/kernel.elf -initrd /t/archive.cpio "
        "-object rng-random,filename=/dev/urandom,id=rng0 "
        "-device virtio-rng-pci,rng=rng0,disable-legacy=on,iommu_platform=on "
        "-chardev stdio,id=con,signal=on -serial chardev:con -serial file:/t/kernel.log "
        "-device isa-debug-exit,iobase=0xf4,iosize=4");
    free(line);
    qemu_argv_free(&a);

    q.cmdline = "log=debug x";
    q.memory_mib = 2048;
    q.binary = "/opt/qemu";
    assert_int_equal(qemu_build_argv(&q, &a), 0);
    line = joined(&a);
    assert_string_equal(line,
        "/opt/qemu -machine q35,accel=tcg -cpu max -m 2048M -nodefaults -no-reboot "
        "-display none -kernel /s/kernel.elf -initrd /t/archive.cpio -append 'log=debug x' "
        "-object rng-random,filename=/dev/urandom,id=rng0 "
        "-device virtio-rng-pci,rng=rng0,disable-legacy=on,iommu_platform=on "
        "-chardev stdio,id=con,signal=on -serial chardev:con -serial file:/t/kernel.log "
        "-device isa-debug-exit,iobase=0xf4,iosize=4");
    free(line);
    qemu_argv_free(&a);
}

/* -smp N right after -m when there is more than one CPU; nothing for one
 * (QEMU's default), so the one-CPU command stays as it was. */
static void test_smp(void **state)
{
    struct qemu_config q = {.memory_mib = 64, .cpus = 4, .kernel = "/s/kernel.elf",
                            .initrd = "/t/archive.cpio", .log_path = "/t/kernel.log"};
    struct qemu_argv a;
    char *line;
    (void)state;

    assert_int_equal(qemu_build_argv(&q, &a), 0);
    line = joined(&a);
    assert_non_null(strstr(line, " -cpu max -m 64M -smp 4 -nodefaults "));
    free(line);
    qemu_argv_free(&a);
    for (unsigned n = 0; n <= 1; n++) {
        q.cpus = n;
        assert_int_equal(qemu_build_argv(&q, &a), 0);
        line = joined(&a);
        assert_null(strstr(line, "-smp"));
        free(line);
        qemu_argv_free(&a);
    }
    q.cpus = 2;                           /* UEFI and SEV get it too */
    q.uefi = q.sev = true;
    q.ovmf_code = "/o/CODE.fd";
    q.ovmf_vars = "/t/VARS.fd";
    q.disk = "/t/disk.img";
    assert_int_equal(qemu_build_argv(&q, &a), 0);
    line = joined(&a);
    assert_non_null(strstr(line, " -m 64M -smp 2 -nodefaults "));
    assert_non_null(strstr(line, "sev-guest"));
    free(line);
    qemu_argv_free(&a);
}

static void test_uefi(void **state)
{
    struct qemu_config q = {.memory_mib = 256, .uefi = true,
                            .ovmf_code = "/usr/share/OVMF/OVMF_CODE_4M.fd",
                            .ovmf_vars = "/t/OVMF_VARS.fd", .disk = "/t/a,b.img",
                            .log_path = "/t/kernel.log"};
    struct qemu_argv a;
    char *line;
    (void)state;

    assert_int_equal(qemu_build_argv(&q, &a), 0);
    line = joined(&a);
    assert_string_equal(line,
        "qemu-system-x86_64 -machine q35,accel=tcg -cpu max -m 256M -nodefaults -no-reboot "
        "-display none "
        "-drive if=pflash,format=raw,unit=0,readonly=on,file=/usr/share/OVMF/OVMF_CODE_4M.fd "
        "-drive if=pflash,format=raw,unit=1,file=/t/OVMF_VARS.fd "
        "-drive if=none,id=disk0,format=raw,file=/t/a,,b.img "
        "-device virtio-blk-pci,drive=disk0,disable-legacy=on,iommu_platform=on,bootindex=1 "
        "-object rng-random,filename=/dev/urandom,id=rng0 "
        "-device virtio-rng-pci,rng=rng0,disable-legacy=on,iommu_platform=on "
        "-chardev stdio,id=con,signal=on -serial file:/t/kernel.log -serial null -serial chardev:con "
        "-device isa-debug-exit,iobase=0xf4,iosize=4");
    free(line);
    qemu_argv_free(&a);
}

static const struct qemu_volume vols[] = {
    {"data", "/v/data.img", false},
    {"conf", "/v/a,b.img", true},
};

static void test_volumes_virtio_blk(void **state)
{
    struct qemu_config q = {.memory_mib = 128, .kernel = "/s/kernel.elf",
                            .initrd = "/t/archive.cpio", .log_path = "/t/kernel.log",
                            .volumes = vols, .nvolumes = 2};
    struct qemu_argv a;
    char *line;
    (void)state;

    assert_int_equal(qemu_build_argv(&q, &a), 0);
    line = joined(&a);
    assert_string_equal(line,
        "qemu-system-x86_64 -machine q35,accel=tcg -cpu max -m 128M -nodefaults -no-reboot "
        "-display none -kernel /s/kernel.elf -initrd /t/archive.cpio "
        "-drive if=none,id=vol0,format=raw,cache=writeback,file=/v/data.img "
        "-device virtio-blk-pci,drive=vol0,disable-legacy=on,iommu_platform=on,serial=data "
        "-drive if=none,id=vol1,format=raw,cache=writeback,readonly=on,file=/v/a,,b.img "
        "-device virtio-blk-pci,drive=vol1,disable-legacy=on,iommu_platform=on,serial=conf "
        "-object rng-random,filename=/dev/urandom,id=rng0 "
        "-device virtio-rng-pci,rng=rng0,disable-legacy=on,iommu_platform=on "
        "-chardev stdio,id=con,signal=on -serial chardev:con -serial file:/t/kernel.log "
        "-device isa-debug-exit,iobase=0xf4,iosize=4");
    free(line);
    qemu_argv_free(&a);
}

/* The network card: the user network with forwarded ports, or a tap. */
static void test_net(void **state)
{
    struct qemu_fwd fwd[2] = {{8080, 80, false}, {53, 53, true}};
    struct qemu_config q = {.memory_mib = 64, .kernel = "/s/kernel.elf",
                            .initrd = "/t/archive.cpio", .log_path = "/t/kernel.log",
                            .net_user = true, .fwd = fwd, .nfwd = 2};
    struct qemu_argv a;
    char *line;
    (void)state;

    assert_int_equal(qemu_build_argv(&q, &a), 0);
    line = joined(&a);
    if (!strstr(line, " -netdev user,id=net0,hostfwd=tcp:127.0.0.1:8080-:80,"
                      "hostfwd=udp:127.0.0.1:53-:53 -device virtio-net-pci,netdev=net0,"
                      "disable-legacy=on,iommu_platform=on,romfile= "))
        fail_msg("no user netdev in: %s", line);
    free(line);
    qemu_argv_free(&a);

    q = (struct qemu_config){.memory_mib = 64, .kernel = "/s/kernel.elf",
                             .initrd = "/t/archive.cpio", .log_path = "/t/kernel.log",
                             .net_tap = "tap3"};
    assert_int_equal(qemu_build_argv(&q, &a), 0);
    line = joined(&a);
    if (!strstr(line, " -netdev tap,id=net0,ifname=tap3,script=no,downscript=no "
                      "-device virtio-net-pci,netdev=net0,"))
        fail_msg("no tap netdev in: %s", line);
    free(line);
    qemu_argv_free(&a);

    q.net_tap = NULL;
    assert_int_equal(qemu_build_argv(&q, &a), 0);
    line = joined(&a);
    if (strstr(line, "-netdev") || strstr(line, "virtio-net"))
        fail_msg("a card without a network: %s", line);
    free(line);
    qemu_argv_free(&a);
}

static void test_volumes_io_uring(void **state)
{
    struct qemu_config q = {.memory_mib = 128, .kernel = "/s/kernel.elf",
                            .initrd = "/t/archive.cpio", .log_path = "/t/kernel.log",
                            .volumes = vols, .nvolumes = 2, .io_uring = true};
    struct qemu_argv a;
    (void)state;

    assert_int_equal(qemu_build_argv(&q, &a), 0);
    char *line = joined(&a);
    assert_non_null(strstr(line, "-drive if=none,id=vol0,format=raw,cache=writeback,aio=io_uring,file=/v/data.img "));
    assert_non_null(strstr(line, "-drive if=none,id=vol1,format=raw,cache=writeback,aio=io_uring,readonly=on,"
                                 "file=/v/a,,b.img "));
    free(line);
    qemu_argv_free(&a);
}

static void test_volumes_virtio_scsi(void **state)
{
    struct qemu_config q = {.memory_mib = 128, .kernel = "/s/kernel.elf",
                            .initrd = "/t/archive.cpio", .log_path = "/t/kernel.log",
                            .volumes = vols, .nvolumes = 2, .disk_bus = QEMU_DISK_VIRTIO_SCSI};
    struct qemu_argv a;
    char *line;
    (void)state;

    assert_int_equal(qemu_build_argv(&q, &a), 0);
    line = joined(&a);
    assert_string_equal(line,
        "qemu-system-x86_64 -machine q35,accel=tcg -cpu max -m 128M -nodefaults -no-reboot "
        "-display none -kernel /s/kernel.elf -initrd /t/archive.cpio "
        "-drive if=none,id=vol0,format=raw,cache=writeback,file=/v/data.img "
        "-device virtio-scsi-pci,id=scsi0,disable-legacy=on,iommu_platform=on "
        "-device scsi-hd,drive=vol0,bus=scsi0.0,serial=data "
        "-drive if=none,id=vol1,format=raw,cache=writeback,readonly=on,file=/v/a,,b.img "
        "-device scsi-hd,drive=vol1,bus=scsi0.0,serial=conf "
        "-object rng-random,filename=/dev/urandom,id=rng0 "
        "-device virtio-rng-pci,rng=rng0,disable-legacy=on,iommu_platform=on "
        "-chardev stdio,id=con,signal=on -serial chardev:con -serial file:/t/kernel.log "
        "-device isa-debug-exit,iobase=0xf4,iosize=4");
    free(line);
    qemu_argv_free(&a);
}

/* NVMe: a controller per volume, its serial the volume's name (what
 * Identify reports, up to 20 characters). */
static void test_volumes_nvme(void **state)
{
    struct qemu_config q = {.memory_mib = 128, .kernel = "/s/kernel.elf",
                            .initrd = "/t/archive.cpio", .log_path = "/t/kernel.log",
                            .volumes = vols, .nvolumes = 2, .disk_bus = QEMU_DISK_NVME};
    struct qemu_argv a;
    (void)state;

    assert_int_equal(qemu_build_argv(&q, &a), 0);
    char *line = joined(&a);
    assert_non_null(strstr(line, "-drive if=none,id=vol0,format=raw,cache=writeback,file=/v/data.img "
                                 "-device nvme,drive=vol0,serial=data "
                                 "-drive if=none,id=vol1,format=raw,cache=writeback,readonly=on,file=/v/a,,b.img "
                                 "-device nvme,drive=vol1,serial=conf "));
    assert_null(strstr(line, "virtio-blk"));
    assert_null(strstr(line, "scsi"));
    free(line);
    qemu_argv_free(&a);
}

/* Under UEFI the boot disk is a virtio-blk device too; volumes follow it. */
static void test_volumes_uefi(void **state)
{
    struct qemu_config q = {.memory_mib = 256, .uefi = true, .ovmf_code = "/o/CODE.fd",
                            .ovmf_vars = "/t/VARS.fd", .disk = "/t/disk.img",
                            .log_path = "/t/kernel.log", .volumes = vols, .nvolumes = 1};
    struct qemu_argv a;
    char *line;
    (void)state;

    assert_int_equal(qemu_build_argv(&q, &a), 0);
    line = joined(&a);
    assert_string_equal(line,
        "qemu-system-x86_64 -machine q35,accel=tcg -cpu max -m 256M -nodefaults -no-reboot "
        "-display none "
        "-drive if=pflash,format=raw,unit=0,readonly=on,file=/o/CODE.fd "
        "-drive if=pflash,format=raw,unit=1,file=/t/VARS.fd "
        "-drive if=none,id=disk0,format=raw,file=/t/disk.img "
        "-device virtio-blk-pci,drive=disk0,disable-legacy=on,iommu_platform=on,bootindex=1 "
        "-drive if=none,id=vol0,format=raw,cache=writeback,file=/v/data.img "
        "-device virtio-blk-pci,drive=vol0,disable-legacy=on,iommu_platform=on,serial=data "
        "-object rng-random,filename=/dev/urandom,id=rng0 "
        "-device virtio-rng-pci,rng=rng0,disable-legacy=on,iommu_platform=on "
        "-chardev stdio,id=con,signal=on -serial file:/t/kernel.log -serial null -serial chardev:con "
        "-device isa-debug-exit,iobase=0xf4,iosize=4");
    free(line);
    qemu_argv_free(&a);
}

/* cloak run --sev: KVM, EPYC, the sev-guest object with the host's C-bit,
 * confidential-guest-support, OVMF; every virtio device modern-only with
 * iommu_platform=on. */
static void test_sev(void **state)
{
    struct qemu_config q = {.memory_mib = 512, .uefi = true, .ovmf_code = "/o/CODE.fd",
                            .ovmf_vars = "/t/VARS.fd", .disk = "/t/disk.img",
                            .log_path = "/t/kernel.log", .volumes = vols, .nvolumes = 1,
                            .sev = true, .sev_cbitpos = 51, .sev_reduced_phys_bits = 1,
                            .sev_policy = QEMU_SEV_POLICY};
    struct qemu_argv a;
    char *line;
    (void)state;

    assert_int_equal(qemu_build_argv(&q, &a), 0);
    line = joined(&a);
    assert_string_equal(line,
        "qemu-system-x86_64 -machine q35,confidential-guest-support=sev0 -accel kvm -cpu EPYC "
        "-object sev-guest,id=sev0,cbitpos=51,reduced-phys-bits=1,policy=0x1 "
        "-m 512M -nodefaults -no-reboot -display none "
        "-drive if=pflash,format=raw,unit=0,readonly=on,file=/o/CODE.fd "
        "-drive if=pflash,format=raw,unit=1,file=/t/VARS.fd "
        "-drive if=none,id=disk0,format=raw,file=/t/disk.img "
        "-device virtio-blk-pci,drive=disk0,disable-legacy=on,iommu_platform=on,bootindex=1 "
        "-drive if=none,id=vol0,format=raw,cache=writeback,file=/v/data.img "
        "-device virtio-blk-pci,drive=vol0,disable-legacy=on,iommu_platform=on,serial=data "
        "-object rng-random,filename=/dev/urandom,id=rng0 "
        "-device virtio-rng-pci,rng=rng0,disable-legacy=on,iommu_platform=on "
        "-chardev stdio,id=con,signal=on -serial file:/t/kernel.log -serial null -serial chardev:con "
        "-device isa-debug-exit,iobase=0xf4,iosize=4");
    free(line);
    qemu_argv_free(&a);
}

/* dump-check: the console into a file, and a QMP socket. */
static void test_qmp_console(void **state)
{
    struct qemu_config q = {.memory_mib = 128, .kernel = "/s/kernel.elf",
                            .initrd = "/t/archive.cpio", .log_path = "/t/kernel.log",
                            .cmdline = "sev-sim", .qmp_path = "/t/q,mp.sock",
                            .console_path = "/t/console.out"};
    struct qemu_argv a;
    char *line;
    (void)state;

    assert_int_equal(qemu_build_argv(&q, &a), 0);
    line = joined(&a);
    assert_string_equal(line,
        "qemu-system-x86_64 -machine q35,accel=tcg -cpu max -m 128M -nodefaults -no-reboot "
        "-display none -kernel /s/kernel.elf -initrd /t/archive.cpio -append sev-sim "
        "-object rng-random,filename=/dev/urandom,id=rng0 "
        "-device virtio-rng-pci,rng=rng0,disable-legacy=on,iommu_platform=on "
        "-chardev file,id=con,path=/t/console.out -serial chardev:con -serial file:/t/kernel.log "
        "-device isa-debug-exit,iobase=0xf4,iosize=4 "
        "-qmp unix:/t/q,,mp.sock,server=on,wait=off");
    free(line);
    qemu_argv_free(&a);
}

static void test_shell_quoting(void **state)
{
    char *argv[] = {"qemu", "plain-1.0/x:y=z,w", "two words", "it's", "", NULL};
    struct qemu_argv a = {.argv = argv, .argc = 5};
    char *line = joined(&a);
    (void)state;

    assert_string_equal(line, "qemu plain-1.0/x:y=z,w 'two words' 'it'\\''s' ''");
    free(line);
}

static void outcome(const char *log, struct vm_outcome *o)
{
    qemu_outcome_from_log(log, strlen(log), o);
}

static void test_outcome_program(void **state)
{
    struct vm_outcome o;
    (void)state;

    outcome("boot\n@@cloak-exit 3 program\n", &o);
    assert_int_equal(o.end, VM_END_PROGRAM);
    assert_int_equal(o.status, 3);
    assert_null(o.report);
    /* the last exit line counts; no final newline; CR tolerated */
    outcome("@@cloak-exit 1 program\nmore\n@@cloak-exit 137 program\r\n", &o);
    assert_int_equal(o.status, 137);
    outcome("x\n@@cloak-exit 0 program", &o);
    assert_int_equal(o.end, VM_END_PROGRAM);
    assert_int_equal(o.status, 0);
    /* not at the start of a line: not an exit line */
    outcome("say @@cloak-exit 5 program\n", &o);
    assert_int_equal(o.end, VM_END_NO_STATUS);
    qemu_outcome_free(&o);
}

static void test_outcome_panic(void **state)
{
    struct vm_outcome o;
    (void)state;

    outcome("boot ok\nmm: ready\nPANIC: page fault at 0x0\n  rip 0x1\n  rsp 0x2\n"
            "@@cloak-exit 70 panic\n", &o);
    assert_int_equal(o.end, VM_END_PANIC);
    assert_int_equal(o.status, 70);
    assert_string_equal(o.report, "PANIC: page fault at 0x0\n  rip 0x1\n  rsp 0x2\n");
    qemu_outcome_free(&o);
    /* status in the line is not trusted for panics */
    outcome("KERNEL PANIC x\n@@cloak-exit 1 panic\n", &o);
    assert_int_equal(o.status, 70);
    assert_string_equal(o.report, "KERNEL PANIC x\n");
    qemu_outcome_free(&o);
}

static void test_outcome_refused(void **state)
{
    struct vm_outcome o;
    (void)state;

    outcome("a\nb\nmanifest:3: bad escape \\q\n@@cloak-exit 126 refused\n", &o);
    assert_int_equal(o.end, VM_END_REFUSED);
    assert_int_equal(o.status, 126);
    assert_string_equal(o.report, "a\nb\nmanifest:3: bad escape \\q\n");
    qemu_outcome_free(&o);
    outcome("/prog: not found\n@@cloak-exit 127 refused\n", &o);
    assert_int_equal(o.status, 127);
    qemu_outcome_free(&o);
}

static void test_outcome_none(void **state)
{
    struct vm_outcome o;
    char log[4096] = "";
    (void)state;

    outcome("", &o);
    assert_int_equal(o.end, VM_END_NO_STATUS);
    assert_int_equal(o.status, 70);
    assert_null(o.report);
    for (int i = 0; i < 30; i++)
        sprintf(log + strlen(log), "line %d\n", i);
    outcome(log, &o);
    assert_int_equal(o.end, VM_END_NO_STATUS);
    assert_non_null(o.report);
    assert_true(strncmp(o.report, "line 10\n", 8) == 0); /* the last 20 lines */
    assert_non_null(strstr(o.report, "line 29\n"));
    qemu_outcome_free(&o);
    /* malformed exit lines */
    outcome("@@cloak-exit x program\n", &o);
    assert_int_equal(o.end, VM_END_NO_STATUS);
    qemu_outcome_free(&o);
    outcome("@@cloak-exit 300 program\n", &o);
    assert_int_equal(o.end, VM_END_NO_STATUS);
    qemu_outcome_free(&o);
    outcome("@@cloak-exit 9 weird\n", &o);
    assert_int_equal(o.end, VM_END_OTHER);
    assert_int_equal(o.status, 9);
    qemu_outcome_free(&o);
    qemu_outcome_from_file("/nonexistent/kernel.log", &o);
    assert_int_equal(o.end, VM_END_NO_STATUS);
    qemu_outcome_free(&o);
}

/* The one line cloak prints: "@@cloak-why" (with "@@cloak-fault RIP BIAS"
 * for a fault) before the exit line, or the first panic's message. */
static void test_outcome_summary(void **state)
{
    struct vm_outcome o;
    (void)state;

    outcome("program fault: page fault at RIP 555555555190\n"
            "@@cloak-fault 555555555190 555555554000\n"
            "program killed by SIGSEGV (11): page fault writing 0x10 at RIP 0x555555555190\n"
            "@@cloak-why program killed by SIGSEGV: page fault writing 0x10 at RIP 0x555555555190\r\n"
            "@@cloak-exit 139 program\n", &o);
    assert_int_equal(o.status, 139);
    assert_string_equal(o.summary,
                        "program killed by SIGSEGV: page fault writing 0x10 at RIP 0x555555555190");
    assert_true(o.fault);
    assert_true(o.fault_rip == 0x555555555190ull && o.fault_bias == 0x555555554000ull);
    qemu_outcome_free(&o);

    /* killed without a fault: no fault line; exited: no summary at all */
    outcome("@@cloak-why program killed by SIGKILL: out of memory\n@@cloak-exit 137 program\n", &o);
    assert_string_equal(o.summary, "program killed by SIGKILL: out of memory");
    assert_false(o.fault);
    qemu_outcome_free(&o);
    outcome("exit_group(139)\n@@cloak-exit 139 program\n", &o);
    assert_null(o.summary);
    qemu_outcome_free(&o);
    /* a why line after the exit line is not this run's */
    outcome("@@cloak-exit 0 program\n@@cloak-why program killed by SIGABRT: x\n", &o);
    assert_null(o.summary);
    qemu_outcome_free(&o);

    outcome("boot\nPANIC: kernel fault: page fault at RIP 0xffffffff8011fbdc (crash_test+0x1c)\n"
            "backtrace:\nPANIC: second\n@@cloak-exit 70 panic\n", &o);
    assert_int_equal(o.end, VM_END_PANIC);
    assert_string_equal(o.summary, "kernel fault: page fault at RIP 0xffffffff8011fbdc (crash_test+0x1c)");
    qemu_outcome_free(&o);
    outcome("no message\n@@cloak-exit 70 panic\n", &o);
    assert_null(o.summary);
    qemu_outcome_free(&o);
}

static void test_run_missing_binary(void **state)
{
    char *argv[] = {"/nonexistent/qemu-system-x86_64", "-version", NULL};
    struct qemu_argv a = {.argv = argv, .argc = 2};
    struct qemu_result r;
    char err[512];
    (void)state;

    assert_int_equal(qemu_run(&a, "/dev/null", false, &r, err, sizeof err), -1);
    assert_non_null(strstr(err, "install the Debian package qemu-system-x86"));
}

/* SIGINT to cloak while QEMU runs: passed on to QEMU (vm_interrupt), which
 * ends; qemu_run reports the signal. */
static void test_run_interrupted(void **state)
{
    char *argv[] = {"sleep", "30", NULL};
    struct qemu_argv a = {.argv = argv, .argc = 2};
    struct qemu_result r;
    char err[512];
    pid_t helper;
    (void)state;

    helper = fork();
    if (helper == 0) {
        usleep(300 * 1000);
        kill(getppid(), SIGINT);
        _exit(0);
    }
    assert_int_equal(qemu_run(&a, "/dev/null", false, &r, err, sizeof err), 0);
    waitpid(helper, NULL, 0);
    assert_int_equal(r.forwarded_signal, SIGINT);
    assert_false(r.exited && r.status == 0);
}

static void test_run_status(void **state)
{
    char *argv[] = {"sh", "-c", "exit 3", NULL};
    struct qemu_argv a = {.argv = argv, .argc = 3};
    struct qemu_result r;
    char err[512];
    (void)state;

    assert_int_equal(qemu_run(&a, "/dev/null", true, &r, err, sizeof err), 0);
    assert_true(r.exited);
    assert_int_equal(r.status, 3);
    assert_int_equal(r.forwarded_signal, 0);
}

/* The program's stdio through the virtio console: output on port 1 of a
 * virtio-serial device, input on port 2, the UART given nothing (PVH and
 * UEFI). */
static void test_virtio_console(void **state)
{
    struct qemu_config q = {.memory_mib = 64, .kernel = "/s/kernel.elf",
                            .initrd = "/t/archive.cpio", .log_path = "/t/kernel.log",
                            .virtio_console = true};
    struct qemu_argv a;
    char *line;
    (void)state;

    assert_int_equal(qemu_build_argv(&q, &a), 0);
    line = joined(&a);
    assert_non_null(strstr(line,
        "-chardev stdio,id=con,signal=on -chardev file,id=conout,path=/dev/stdout,append=on "
        "-device virtio-serial-pci,id=vser0,disable-legacy=on,iommu_platform=on,max_ports=3 "
        "-device virtserialport,chardev=conout,bus=vser0.0,nr=1,name=cloak.stdout "
        "-device virtserialport,chardev=con,bus=vser0.0,nr=2,name=cloak.stdin "
        "-serial null -serial file:/t/kernel.log "));
    free(line);
    qemu_argv_free(&a);

    q.uefi = true;
    q.ovmf_code = "/c";
    q.ovmf_vars = "/v";
    q.disk = "/d";
    assert_int_equal(qemu_build_argv(&q, &a), 0);
    line = joined(&a);
    assert_non_null(strstr(line, "name=cloak.stdin -serial file:/t/kernel.log -serial null "
                                 "-serial null "));
    free(line);
    qemu_argv_free(&a);

    q.console_path = "/t/console.out";      /* dump-check keeps the UART */
    assert_int_equal(qemu_build_argv(&q, &a), 0);
    line = joined(&a);
    assert_null(strstr(line, "virtio-serial"));
    assert_non_null(strstr(line, "-serial chardev:con"));
    free(line);
    qemu_argv_free(&a);
}

/* qemu_stdin_start frames cloak's stdin: "hello" then the end (length 0). */
static void test_stdin_frames(void **state)
{
    int p[2], saved = dup(0), fd;
    unsigned char buf[64];
    size_t got = 0;
    ssize_t n;
    char err[256];
    (void)state;

    assert_int_equal(pipe(p), 0);
    assert_int_equal(write(p[1], "hello", 5), 5);
    close(p[1]);
    assert_int_equal(dup2(p[0], 0), 0);
    close(p[0]);
    fd = qemu_stdin_start(err, sizeof err);
    assert_true(fd > 0);
    while (got < 13 && (n = read(fd, buf + got, sizeof buf - got)) > 0)
        got += (size_t)n;
    assert_int_equal(got, 13);
    assert_memory_equal(buf, "\5\0\0\0hello\0\0\0\0", 13);
    dup2(saved, 0);
    close(saved);
    close(fd);
}

/* qemu_run gives the child the stdin it is told to. */
static void test_run_stdin(void **state)
{
    char *argv[] = {"sh", "-c", "read x; exit $x", NULL};
    struct qemu_argv a = {.argv = argv, .argc = 3};
    struct qemu_result r;
    char err[512];
    int p[2];
    (void)state;

    assert_int_equal(pipe(p), 0);
    assert_int_equal(write(p[1], "7\n", 2), 2);
    close(p[1]);
    a.stdin_fd = p[0];
    assert_int_equal(qemu_run(&a, "/dev/null", false, &r, err, sizeof err), 0);
    assert_true(r.exited);
    assert_int_equal(r.status, 7);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_virtio_console),
        cmocka_unit_test(test_stdin_frames),
        cmocka_unit_test(test_run_stdin),
        cmocka_unit_test(test_pvh),
        cmocka_unit_test(test_smp),
        cmocka_unit_test(test_uefi),
        cmocka_unit_test(test_volumes_virtio_blk),
        cmocka_unit_test(test_net),
        cmocka_unit_test(test_volumes_io_uring),
        cmocka_unit_test(test_volumes_virtio_scsi),
        cmocka_unit_test(test_volumes_nvme),
        cmocka_unit_test(test_volumes_uefi),
        cmocka_unit_test(test_sev),
        cmocka_unit_test(test_qmp_console),
        cmocka_unit_test(test_shell_quoting),
        cmocka_unit_test(test_outcome_program),
        cmocka_unit_test(test_outcome_panic),
        cmocka_unit_test(test_outcome_refused),
        cmocka_unit_test(test_outcome_none),
        cmocka_unit_test(test_outcome_summary),
        cmocka_unit_test(test_run_missing_binary),
        cmocka_unit_test(test_run_status),
        cmocka_unit_test(test_run_interrupted),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
