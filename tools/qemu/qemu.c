/* Builds the QEMU command line (qemu_run.c runs it); see qemu.h for the consoles.
 * qemu_outcome.c reads how the VM ended from the kernel log. */
#define _GNU_SOURCE
#include "qemu.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <sys/syscall.h>

/* ---- argv ---- */

static int push(struct qemu_argv *a, const char *s)
{
    char **v = realloc(a->argv, (a->argc + 2) * sizeof *v);
    if (!v)
        return -1;
    a->argv = v;
    if (!(a->argv[a->argc] = strdup(s)))
        return -1;
    a->argv[++a->argc] = NULL;
    return 0;
}

static int pushf(struct qemu_argv *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int pushf(struct qemu_argv *a, const char *fmt, ...)
{
    char *s;
    int rc;
    va_list ap;

    va_start(ap, fmt);
    rc = vasprintf(&s, fmt, ap);
    va_end(ap);
    if (rc < 0)
        return -1;
    rc = push(a, s);
    free(s);
    return rc;
}

/* A value inside a QEMU option list ("a=b,c=d"): commas are doubled. */
static char *opt_escape(const char *s)
{
    size_t n = 0;
    char *out, *o;

    for (const char *p = s; *p; p++)
        n += *p == ',' ? 2 : 1;
    if (!(out = malloc(n + 1)))
        return NULL;
    for (o = out; *s; s++) {
        if (*s == ',')
            *o++ = ',';
        *o++ = *s;
    }
    *o = '\0';
    return out;
}

/* The machine: KVM, an EPYC CPU and an sev-guest object for SEV; KVM with
 * the host's CPU when accel.h chose it; TCG with every CPU feature
 * otherwise. */
static int push_machine(struct qemu_argv *a, const struct qemu_config *q)
{
    int rc = 0;

    if (q->sev) {
        rc |= push(a, "-machine");
        rc |= push(a, "q35,confidential-guest-support=sev0");
        rc |= push(a, "-accel");
        rc |= push(a, "kvm");
        rc |= push(a, "-cpu");
        rc |= push(a, QEMU_SEV_CPU);
        rc |= push(a, "-object");
        rc |= pushf(a, "sev-guest,id=sev0,cbitpos=%u,reduced-phys-bits=%u,policy=0x%x",
                    q->sev_cbitpos, q->sev_reduced_phys_bits, q->sev_policy);
    } else if (q->kvm) {
        rc |= push(a, "-machine");
        rc |= push(a, "q35");
        rc |= push(a, "-accel");
        rc |= push(a, "kvm");
        rc |= push(a, "-cpu");
        rc |= push(a, "host");
    } else {
        rc |= push(a, "-machine");
        rc |= push(a, "q35,accel=tcg");
        rc |= push(a, "-cpu");
        rc |= push(a, "max");
    }
    rc |= push(a, "-m");
    rc |= pushf(a, "%lluM", (unsigned long long)q->memory_mib);
    if (q->cpus > 1) {
        rc |= push(a, "-smp");
        rc |= pushf(a, "%u", q->cpus);
    }
    rc |= push(a, "-nodefaults");
    rc |= push(a, "-no-reboot");
    /* not -nographic: it makes SeaBIOS (which runs the PVH option ROM) and
     * OVMF print their banners on COM1, the program's output */
    rc |= push(a, "-display");
    rc |= push(a, "none");
    return rc;
}

/* UEFI: the firmware (code read-only, VARS a writable copy) and the GPT
 * disk it boots from. */
static int push_uefi_boot(struct qemu_argv *a, const struct qemu_config *q)
{
    char *code = opt_escape(q->ovmf_code), *vars = opt_escape(q->ovmf_vars);
    char *disk = opt_escape(q->disk);
    int rc = -1;

    if (code && vars && disk) {
        rc = push(a, "-drive");
        rc |= pushf(a, "if=pflash,format=raw,unit=0,readonly=on,file=%s", code);
        rc |= push(a, "-drive");
        rc |= pushf(a, "if=pflash,format=raw,unit=1,file=%s", vars);
        rc |= push(a, "-drive");
        rc |= pushf(a, "if=none,id=disk0,format=raw,file=%s", disk);
        rc |= push(a, "-device");
        rc |= push(a, "virtio-blk-pci,drive=disk0,disable-legacy=on,iommu_platform=on,"
                      "bootindex=1");
    }
    free(code);
    free(vars);
    free(disk);
    return rc;
}

/* PVH direct boot: the kernel, the boot archive as its initrd, and the
 * command line if there is one. */
static int push_pvh_boot(struct qemu_argv *a, const struct qemu_config *q)
{
    int rc = 0;

    rc |= push(a, "-kernel");
    rc |= push(a, q->kernel);
    rc |= push(a, "-initrd");
    rc |= push(a, q->initrd);
    if (q->cmdline && *q->cmdline) {
        rc |= push(a, "-append");
        rc |= push(a, q->cmdline);
    }
    return rc;
}

/* Volume i: its drive, and a virtio-blk device, a scsi-hd on the one
 * virtio-scsi controller (added with the first volume) or an NVMe
 * controller.  The name is the
 * serial the guest finds it by. */
static int push_volume(struct qemu_argv *a, const struct qemu_config *q, size_t i)
{
    const struct qemu_volume *v = &q->volumes[i];
    char *file = opt_escape(v->path), *serial = opt_escape(v->name);
    int rc = -1;

    if (file && serial) {
        rc = push(a, "-drive");
        rc |= pushf(a, "if=none,id=vol%zu,format=raw,cache=writeback%s%s,file=%s", i,
                    q->io_uring ? ",aio=io_uring" : "", v->read_only ? ",readonly=on" : "",
                    file);
        if (q->disk_bus == QEMU_DISK_VIRTIO_SCSI) {
            if (i == 0) {
                rc |= push(a, "-device");
                rc |= push(a, "virtio-scsi-pci,id=scsi0,disable-legacy=on,iommu_platform=on");
            }
            rc |= push(a, "-device");
            rc |= pushf(a, "scsi-hd,drive=vol%zu,bus=scsi0.0,serial=%s", i, serial);
        } else if (q->disk_bus == QEMU_DISK_NVME) {
            /* The controller's serial (Identify, 20 characters) is the name. */
            rc |= push(a, "-device");
            rc |= pushf(a, "nvme,drive=vol%zu,serial=%s", i, serial);
        } else {
            rc |= push(a, "-device");
            rc |= pushf(a, "virtio-blk-pci,drive=vol%zu,disable-legacy=on,iommu_platform=on,"
                        "serial=%s", i, serial);
        }
    }
    free(file);
    free(serial);
    return rc;
}

static int push_user_netdev(struct qemu_argv *a, const struct qemu_config *q);

/* A virtio-net card on QEMU's user network (slirp: NAT to the host's
 * network, DHCP, the host at 10.0.2.2) or on a tap device.  No option ROM: the firmware
 * would otherwise load iPXE for it. */
static int push_net(struct qemu_argv *a, const struct qemu_config *q)
{
    int rc = 0;

    if (q->net_tap) {
        /* script=no: cloak configures nothing on the host; the user made
         * and bridged the tap (README, "Networking") */
        char netdev[64];
        snprintf(netdev, sizeof netdev, "tap,id=net0,ifname=%s,script=no,downscript=no",
                 q->net_tap);
        rc |= push(a, "-netdev");
        rc |= push(a, netdev);
    } else if (!q->net_user) {
        return 0;
    } else {
        rc |= push_user_netdev(a, q);
    }
    rc |= push(a, "-device");
    rc |= push(a, "virtio-net-pci,netdev=net0,disable-legacy=on,iommu_platform=on,romfile=");
    return rc;
}

/* QEMU's user network with the forwarded ports. */
static int push_user_netdev(struct qemu_argv *a, const struct qemu_config *q)
{
    int rc = 0;
    /* Each forwarded port: the host's loopback only, as ops does locally. */
    size_t len = 32 + q->nfwd * 48;
    char *netdev = malloc(len);
    if (!netdev)
        return -1;
    size_t at = (size_t)snprintf(netdev, len, "user,id=net0");
    for (size_t i = 0; i < q->nfwd; i++) {
        const struct qemu_fwd *p = &q->fwd[i];
        at += (size_t)snprintf(netdev + at, len - at, ",hostfwd=%s:127.0.0.1:%u-:%u",
                               p->udp ? "udp" : "tcp", p->host, p->guest);
    }
    rc |= push(a, "-netdev");
    rc |= push(a, netdev);
    free(netdev);
    return rc;
}

/* The entropy device, fed from the host's /dev/urandom. */
static int push_rng(struct qemu_argv *a)
{
    int rc = 0;

    rc |= push(a, "-object");
    rc |= push(a, "rng-random,filename=/dev/urandom,id=rng0");
    rc |= push(a, "-device");
    rc |= push(a, "virtio-rng-pci,rng=rng0,disable-legacy=on,iommu_platform=on");
    return rc;
}

/* The program's console (cloak's stdio, or a file) and the kernel log, on
 * the serial ports the kernel expects them on. */
static int push_consoles(struct qemu_argv *a, const struct qemu_config *q)
{
    bool vcon = q->virtio_console && !q->console_path;
    int rc = push(a, "-chardev");

    if (q->console_path) {
        char *c = opt_escape(q->console_path);
        if (!c)
            return -1;
        rc |= pushf(a, "file,id=con,path=%s", c);
        free(c);
    } else {
        rc |= push(a, "stdio,id=con,signal=on");
    }
    /* Two virtserialports (port 0 could only be a virtconsole, which drops
     * output its chardev cannot take at once): the program's output on
     * port 1, appended to QEMU's stdout, and its input on port 2 from QEMU's
     * stdin.  Apart, because QEMU stops a port's output once its chardev
     * reaches the end of input. */
    if (vcon) {
        rc |= push(a, "-chardev");
        rc |= push(a, "file,id=conout,path=/dev/stdout,append=on");
        rc |= push(a, "-device");
        rc |= push(a, "virtio-serial-pci,id=vser0,disable-legacy=on,iommu_platform=on,"
                      "max_ports=3");
        rc |= push(a, "-device");
        rc |= push(a, "virtserialport,chardev=conout,bus=vser0.0,nr=1,name=cloak.stdout");
        rc |= push(a, "-device");
        rc |= push(a, "virtserialport,chardev=con,bus=vser0.0,nr=2,name=cloak.stdin");
    }
    /* OVMF writes its screen to COM1 and COM2 but never looks at COM3;
     * under UEFI the kernel is told (console=com3 klog=com1) to use COM3
     * for the program and COM1 for its log, so the output stays clean. */
    if (q->uefi) {
        rc |= push(a, "-serial");
        rc |= pushf(a, "file:%s", q->log_path);
        rc |= push(a, "-serial");
        rc |= push(a, "null");
        rc |= push(a, "-serial");
        rc |= push(a, vcon ? "null" : "chardev:con");
    } else {
        rc |= push(a, "-serial");
        rc |= push(a, vcon ? "null" : "chardev:con");
        rc |= push(a, "-serial");
        rc |= pushf(a, "file:%s", q->log_path); /* the rest of the string is the path, no escaping */
    }
    return rc;
}

/* The port the kernel exits QEMU through, and the QMP socket if asked. */
static int push_exit_and_qmp(struct qemu_argv *a, const struct qemu_config *q)
{
    int rc = 0;

    rc |= push(a, "-device");
    rc |= push(a, "isa-debug-exit,iobase=0xf4,iosize=4");
    if (q->qmp_path) {
        char *s = opt_escape(q->qmp_path);
        if (!s)
            return -1;
        rc |= push(a, "-qmp");
        rc |= pushf(a, "unix:%s,server=on,wait=off", s);
        free(s);
    }
    return rc;
}

int qemu_build_argv(const struct qemu_config *q, struct qemu_argv *out)
{
    struct qemu_argv a = {0};
    int rc = push(&a, q->binary ? q->binary : QEMU_DEFAULT_BINARY);

    rc |= push_machine(&a, q);
    rc |= q->uefi ? push_uefi_boot(&a, q) : push_pvh_boot(&a, q);
    for (size_t i = 0; i < q->nvolumes; i++)
        rc |= push_volume(&a, q, i);
    rc |= push_rng(&a);
    rc |= push_net(&a, q);
    rc |= push_consoles(&a, q);
    rc |= push_exit_and_qmp(&a, q);
    if (rc) {
        qemu_argv_free(&a);
        return -1;
    }
    *out = a;
    return 0;
}

void qemu_argv_free(struct qemu_argv *a)
{
    for (size_t i = 0; i < a->argc; i++)
        free(a->argv[i]);
    free(a->argv);
    a->argv = NULL;
    a->argc = 0;
}

static bool shell_safe(const char *s)
{
    if (!*s)
        return false;
    for (; *s; s++)
        if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
                    "-_./:=,+@%", *s))
            return false;
    return true;
}

char *qemu_format_command(const struct qemu_argv *a)
{
    size_t n = 1;
    char *out, *o;

    for (size_t i = 0; i < a->argc; i++)
        n += 4 * strlen(a->argv[i]) + 3;
    if (!(out = malloc(n)))
        return NULL;
    o = out;
    for (size_t i = 0; i < a->argc; i++) {
        const char *s = a->argv[i];
        if (i)
            *o++ = ' ';
        if (shell_safe(s)) {
            o = stpcpy(o, s);
            continue;
        }
        *o++ = '\'';
        for (; *s; s++) {
            if (*s == '\'')
                o = stpcpy(o, "'\\''");
            else
                *o++ = *s;
        }
        *o++ = '\'';
    }
    *o = '\0';
    return out;
}

/* ---- OVMF ---- */

static int copy_file(const char *from, const char *to, char *err, size_t errlen)
{
    char buf[65536];
    ssize_t n;
    int in, out;

    if ((in = open(from, O_RDONLY | O_CLOEXEC)) < 0) {
        snprintf(err, errlen, "cannot read %s: %s", from, strerror(errno));
        return -1;
    }
    if ((out = open(to, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600)) < 0) {
        snprintf(err, errlen, "cannot create %s: %s", to, strerror(errno));
        close(in);
        return -1;
    }
    while ((n = read(in, buf, sizeof buf)) > 0) {
        if (write(out, buf, (size_t)n) != n) {
            snprintf(err, errlen, "cannot write %s: %s", to, strerror(errno));
            close(in);
            close(out);
            return -1;
        }
    }
    close(in);
    if (n < 0 || close(out) < 0) {
        snprintf(err, errlen, "copying %s: %s", from, strerror(errno));
        return -1;
    }
    return 0;
}

int qemu_find_ovmf(char *code, size_t codelen, char *vars, size_t varslen, char *err,
                   size_t errlen)
{
    static const char *const pairs[][2] = {
        {OVMF_DIR "/OVMF_CODE_4M.fd", OVMF_DIR "/OVMF_VARS_4M.fd"},
        {OVMF_DIR "/OVMF_CODE.fd", OVMF_DIR "/OVMF_VARS.fd"},
    };
    const char *c = getenv("CLOAK_OVMF_CODE"), *v = getenv("CLOAK_OVMF_VARS");

    if (!c || !v) {
        if (c || v) {
            snprintf(err, errlen, "set both CLOAK_OVMF_CODE and CLOAK_OVMF_VARS, or neither");
            return -1;
        }
        for (size_t i = 0; i < sizeof pairs / sizeof pairs[0]; i++) {
            if (access(pairs[i][0], R_OK) == 0 && access(pairs[i][1], R_OK) == 0) {
                c = pairs[i][0];
                v = pairs[i][1];
                break;
            }
        }
        if (!c) {
            snprintf(err, errlen, "no UEFI firmware: %s/OVMF_CODE_4M.fd and OVMF_VARS_4M.fd not "
                     "found; install the Debian package %s (make deps does it)", OVMF_DIR,
                     OVMF_PACKAGE);
            return -1;
        }
    }
    if ((size_t)snprintf(code, codelen, "%s", c) >= codelen ||
        (size_t)snprintf(vars, varslen, "%s", v) >= varslen) {
        snprintf(err, errlen, "path too long");
        return -1;
    }
    return 0;
}

int qemu_setup_ovmf(const char *dir, char *code, size_t codelen, char *vars, size_t varslen,
                    char *err, size_t errlen)
{
    char tmpl[4096];

    if (qemu_find_ovmf(code, codelen, tmpl, sizeof tmpl, err, errlen) < 0)
        return -1;
    if ((size_t)snprintf(vars, varslen, "%s/OVMF_VARS.fd", dir) >= varslen) {
        snprintf(err, errlen, "path too long");
        return -1;
    }
    return copy_file(tmpl, vars, err, errlen);
}

bool qemu_host_has_io_uring(void)
{
    /* io_uring_setup with one entry; params are 120 bytes of zeroes. */
    unsigned char params[120];
    memset(params, 0, sizeof params);
    long fd = syscall(425 /* SYS_io_uring_setup */, 1, params);
    if (fd < 0)
        return false;
    close((int)fd);
    return true;
}
