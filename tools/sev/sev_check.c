/* `cloak sev check`: facts about this machine, and the verdict drawn from
 * them; see sev_check.h. */
#define _GNU_SOURCE
#include "sev_check.h"

#include <cpuid.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

/* ---- the verdict (pure) ---- */

static struct sev_line *add(struct sev_verdict *v, const char *name, bool ok, bool required)
{
    struct sev_line *l = &v->lines[v->n < SEV_MAX_LINES ? v->n++ : SEV_MAX_LINES - 1];
    l->name = name;
    l->ok = ok;
    l->required = required;
    l->reason[0] = '\0';
    return l;
}

__attribute__((format(printf, 2, 3)))
static void say(struct sev_line *l, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(l->reason, sizeof l->reason, fmt, ap);
    va_end(ap);
}

/* Adds a short phrase to why_not. */
static void why(struct sev_verdict *v, const char *phrase)
{
    size_t n = strlen(v->why_not);
    snprintf(v->why_not + n, sizeof v->why_not - n, "%s%s", n ? "; " : "", phrase);
}

static const char *errno_phrase(int e)
{
    return e == ENOENT ? "missing" : e == EACCES || e == EPERM ? "not accessible" : "unusable";
}

/* What CPUID says, as the checks below read it. */
struct cpu_view {
    bool amd;     /* an AMD processor */
    bool leaf;    /* CPUID 0x8000001F was read */
    bool sev_bit; /* ... and has the SEV bit */
};

static void check_vendor(const struct sev_facts *f, const struct cpu_view *c,
                         struct sev_verdict *v)
{
    struct sev_line *l = add(v, "cpu vendor", c->amd, true);
    char tmp[128];

    if (!f->cpuid_read) {
        say(l, "CPUID could not be read");
        why(v, "CPUID could not be read");
    } else if (c->amd) {
        say(l, "%s (read from %s)%s", f->vendor, f->cpuid_source,
            f->hypervisor_bit ? "; this machine is itself a virtual machine, so SEV must "
            "also be passed through to it" : "");
    } else {
        say(l, "%s: SEV is an AMD feature (EPYC 7001 \"Naples\" or later)%s", f->vendor,
            f->hypervisor_bit ? "; this machine is also itself a virtual machine" : "");
        snprintf(tmp, sizeof tmp, "the CPU is %s, not AMD", f->vendor[0] ? f->vendor : "unknown");
        why(v, tmp);
    }
}

static void check_sev_leaf(const struct sev_facts *f, const struct cpu_view *c,
                           struct sev_verdict *v)
{
    struct sev_line *l = add(v, "cpuid 0x8000001f", c->leaf, true);

    if (c->leaf)
        say(l, "EAX=0x%08x EBX=0x%08x ECX=0x%08x EDX=0x%08x", f->eax, f->ebx, f->ecx, f->edx);
    else if (f->cpuid_read) {
        say(l, "the highest extended CPUID leaf is 0x%08x: no memory-encryption leaf",
            f->max_ext_leaf);
        if (c->amd)
            why(v, "no CPUID leaf 0x8000001F");
    } else
        say(l, "CPUID could not be read");
}

static void check_sev_bit(const struct sev_facts *f, const struct cpu_view *c,
                          struct sev_verdict *v)
{
    struct sev_line *l = add(v, "sev (cpu)", c->sev_bit, true);

    if (c->sev_bit)
        say(l, "EAX bit 1 set: SEV supported, %u encrypted guests at once (ECX)%s", f->ecx,
            f->eax & SEV_CPUID_SME ? ", SME too" : "");
    else if (c->leaf) {
        say(l, "EAX bit 1 clear: this processor has no SEV");
        why(v, "the CPU has no SEV (CPUID 0x8000001F EAX bit 1)");
    } else
        say(l, "no CPUID leaf 0x8000001F");
}

/* The C-bit must be a physical-address bit a page table can carry. */
static void check_cbit(const struct sev_facts *f, const struct cpu_view *c,
                       struct sev_verdict *v)
{
    bool ok = c->sev_bit && v->cbitpos >= 32;
    struct sev_line *l = add(v, "c-bit", ok, true);

    if (ok)
        say(l, "position %u (EBX[5:0]), physical-address reduction %u bit%s (EBX[11:6])",
            v->cbitpos, v->reduced_phys_bits, v->reduced_phys_bits == 1 ? "" : "s");
    else if (c->sev_bit) {
        say(l, "position %u (EBX[5:0]) is not a plausible page-table bit", v->cbitpos);
        why(v, "implausible C-bit position");
    } else if (c->leaf)
        say(l, "EBX[5:0]=%u, EBX[11:6]=%u, but without SEV they mean nothing", f->ebx & 0x3f,
            (f->ebx >> 6) & 0x3f);
    else
        say(l, "no CPUID leaf 0x8000001F");
}

/* SEV-ES and SEV-SNP: reported, not required. */
static void check_later_sev_cpu(const struct sev_facts *f, const struct cpu_view *c,
                                struct sev_verdict *v)
{
    struct sev_line *l = add(v, "sev-es (cpu)", c->leaf && (f->eax & SEV_CPUID_SEV_ES), false);

    say(l, "%s (optional: cloak runs plain SEV; SEV-ES is not supported yet)",
        l->ok ? "EAX bit 3 set" : "not supported");
    l = add(v, "sev-snp (cpu)", c->leaf && (f->eax & SEV_CPUID_SEV_SNP), false);
    say(l, "%s (optional: SEV-SNP is not supported yet)",
        l->ok ? "EAX bit 4 set" : "not supported");
}

static const char *param_text(enum sev_tri t)
{
    return t == SEV_YES ? "Y" : t == SEV_NO ? "N" : "absent";
}

/* The host kernel: kvm_amd loaded with sev=Y. */
static void check_kvm_amd(const struct sev_facts *f, const struct cpu_view *c,
                          struct sev_verdict *v)
{
    struct sev_line *l = add(v, "kvm_amd sev", f->kvm_amd_loaded && f->param_sev == SEV_YES,
                             true);

    if (!f->kvm_amd_loaded) {
        say(l, "/sys/module/kvm_amd is missing: the kvm_amd module is not loaded%s",
            c->amd ? " (modprobe kvm_amd sev=1)" : "");
        why(v, "kvm_amd is not loaded");
    } else if (f->param_sev == SEV_UNKNOWN) {
        say(l, "kvm_amd has no sev parameter (a host kernel without CONFIG_KVM_AMD_SEV)");
        why(v, "kvm_amd has no sev parameter");
    } else if (f->param_sev == SEV_NO) {
        say(l, "sev=N: enable SME and SEV in the BIOS, then load kvm_amd with sev=1 (the "
            "kernel log says why: dmesg | grep -i sev)");
        why(v, "kvm_amd has SEV off (sev=N)");
    } else {
        say(l, "sev=Y (/sys/module/kvm_amd/parameters/sev)");
    }
    if (f->kvm_amd_loaded) {
        l = add(v, "kvm_amd sev_es/snp", f->param_sev_es == SEV_YES, false);
        say(l, "sev_es=%s sev_snp=%s (optional)", param_text(f->param_sev_es),
            param_text(f->param_sev_snp));
    }
}

/* A device QEMU opens read-write: what its open gave (e, an errno or 0),
 * with the advice for a missing one and for one the user may not open. */
static void check_device(struct sev_verdict *v, const char *path, int e, const char *ok_text,
                         const char *missing_text, const char *denied_advice)
{
    struct sev_line *l = add(v, path, e == 0, true);
    char tmp[128];

    if (e == 0)
        say(l, "%s", ok_text);
    else if (e == ENOENT)
        say(l, "%s", missing_text);
    else if (e == EACCES || e == EPERM)
        say(l, "%s: %s", strerror(e), denied_advice);
    else
        say(l, "%s", strerror(e));
    if (e) {
        snprintf(tmp, sizeof tmp, "%s is %s", path, errno_phrase(e));
        why(v, tmp);
    }
}

/* QEMU with -object sev-guest and a way to attach it to the machine. */
static void check_qemu(const struct sev_facts *f, struct sev_verdict *v)
{
    bool ok = f->qemu_found && f->qemu_sev_guest && (f->qemu_cgs || f->qemu_memory_encryption);
    struct sev_line *l = add(v, "qemu sev-guest", ok, true);

    if (!f->qemu_found) {
        say(l, "%s did not run (Debian package qemu-system-x86)", f->qemu);
        why(v, "QEMU is missing");
    } else if (!f->qemu_sev_guest) {
        say(l, "%s %s has no -object sev-guest (built without SEV)", f->qemu, f->qemu_version);
        why(v, "QEMU has no sev-guest");
    } else if (!ok) {
        say(l, "%s %s has sev-guest but no -machine confidential-guest-support", f->qemu,
            f->qemu_version);
        why(v, "QEMU lacks confidential-guest-support");
    } else {
        say(l, "%s %s: -object sev-guest, -machine %s", f->qemu, f->qemu_version,
            f->qemu_cgs ? "confidential-guest-support" : "memory-encryption (older spelling)");
    }
}

static void check_ovmf(const struct sev_facts *f, struct sev_verdict *v)
{
    struct sev_line *l = add(v, "ovmf", f->ovmf[0] != '\0', true);

    if (f->ovmf[0])
        say(l, "%s (SEV guests boot through UEFI)", f->ovmf);
    else {
        say(l, "no UEFI firmware (Debian package ovmf); SEV guests boot through OVMF");
        why(v, "OVMF is missing");
    }
}

/* SEV works when every required line is ok; the summary says so or why
 * not. */
static void conclude(struct sev_verdict *v)
{
    v->works = true;
    for (size_t i = 0; i < v->n; i++)
        if (v->lines[i].required && !v->lines[i].ok)
            v->works = false;
    if (v->works) {
        snprintf(v->summary, sizeof v->summary, "SEV works here: `cloak run --sev` uses "
                 "cbitpos=%u reduced-phys-bits=%u", v->cbitpos, v->reduced_phys_bits);
        v->why_not[0] = '\0';
    } else {
        if (!v->why_not[0]) /* a required line failed without a phrase (cannot happen) */
            why(v, "a required check failed");
        snprintf(v->summary, sizeof v->summary, "SEV is not available on this machine: %s",
                 v->why_not);
    }
}

void sev_verdict(const struct sev_facts *f, struct sev_verdict *v)
{
    struct cpu_view c;

    c.amd = f->cpuid_read && strcmp(f->vendor, "AuthenticAMD") == 0;
    c.leaf = f->cpuid_read && f->max_ext_leaf >= SEV_CPUID_LEAF;
    c.sev_bit = c.leaf && (f->eax & SEV_CPUID_SEV);
    memset(v, 0, sizeof *v);
    if (c.leaf) {
        v->cbitpos = f->ebx & 0x3f;
        v->reduced_phys_bits = (f->ebx >> 6) & 0x3f;
    }
    /* the processor */
    check_vendor(f, &c, v);
    check_sev_leaf(f, &c, v);
    check_sev_bit(f, &c, v);
    check_cbit(f, &c, v);
    check_later_sev_cpu(f, &c, v);
    /* the host kernel */
    check_kvm_amd(f, &c, v);
    check_device(v, "/dev/kvm", f->kvm_errno, "opens read-write",
                 "missing: no KVM (virtualization off in the BIOS, or kvm not loaded)",
                 "add your user to the kvm group");
    check_device(v, "/dev/sev", f->sev_dev_errno,
                 "opens read-write (the AMD Secure Processor's SEV firmware)",
                 "missing: the ccp driver creates it when the AMD Secure Processor's firmware "
                 "supports SEV",
                 "QEMU opens it read-write (give your user access, or run as root)");
    /* user space */
    check_qemu(f, v);
    check_ovmf(f, v);
    conclude(v);
}

void sev_verdict_print(const struct sev_verdict *v, FILE *out)
{
    for (size_t i = 0; i < v->n; i++)
        fprintf(out, "%-8s %-19s %s\n", v->lines[i].ok ? "ok" : "missing", v->lines[i].name,
                v->lines[i].reason);
    fprintf(out, "summary: %s\n", v->summary);
}

enum sev_tri sev_parse_param(const char *text)
{
    while (*text == ' ' || *text == '\t')
        text++;
    if (*text == 'Y' || *text == 'y' || *text == '1')
        return SEV_YES;
    if (*text == 'N' || *text == 'n' || *text == '0')
        return SEV_NO;
    return SEV_UNKNOWN;
}

/* ---- gathering ---- */

static int read_cpuid_dev(uint32_t leaf, uint32_t r[4])
{
    int fd = open("/dev/cpu/0/cpuid", O_RDONLY | O_CLOEXEC);
    ssize_t n;

    if (fd < 0)
        return -1;
    n = pread(fd, r, 16, (off_t)leaf);
    close(fd);
    return n == 16 ? 0 : -1;
}

static void cpuid_insn(uint32_t leaf, uint32_t r[4])
{
    unsigned a, b, c, d;
    __cpuid_count(leaf, 0, a, b, c, d);
    r[0] = a;
    r[1] = b;
    r[2] = c;
    r[3] = d;
}

/* One leaf from /dev/cpu/0/cpuid (the cpuid module) or, without it, from
 * the instruction itself (cloak runs natively, so it answers the same). */
static void cpuid_any(bool dev, uint32_t leaf, uint32_t r[4])
{
    if (!dev || read_cpuid_dev(leaf, r) < 0)
        cpuid_insn(leaf, r);
}

static void gather_cpuid(struct sev_facts *f)
{
    uint32_t r[4];
    bool dev = read_cpuid_dev(0, r) == 0;

    snprintf(f->cpuid_source, sizeof f->cpuid_source, "%s",
             dev ? "/dev/cpu/0/cpuid" : "the cpuid instruction");
    cpuid_any(dev, 0, r);
    memcpy(f->vendor, &r[1], 4);
    memcpy(f->vendor + 4, &r[3], 4);
    memcpy(f->vendor + 8, &r[2], 4);
    f->vendor[12] = '\0';
    cpuid_any(dev, 1, r);
    f->hypervisor_bit = (r[2] >> 31) & 1;
    cpuid_any(dev, 0x80000000u, r);
    f->max_ext_leaf = r[0];
    if (f->max_ext_leaf >= SEV_CPUID_LEAF) {
        cpuid_any(dev, SEV_CPUID_LEAF, r);
        f->eax = r[0];
        f->ebx = r[1];
        f->ecx = r[2];
        f->edx = r[3];
    }
    f->cpuid_read = true;
}

static enum sev_tri read_param(const char *name)
{
    char path[128], buf[16] = "";
    FILE *fp;

    snprintf(path, sizeof path, "/sys/module/kvm_amd/parameters/%s", name);
    if (!(fp = fopen(path, "r")))
        return SEV_UNKNOWN;
    if (!fgets(buf, sizeof buf, fp))
        buf[0] = '\0';
    fclose(fp);
    return sev_parse_param(buf);
}

static int open_errno(const char *path)
{
    int fd = open(path, O_RDWR | O_CLOEXEC);
    if (fd < 0)
        return errno;
    close(fd);
    return 0;
}

/* Runs argv with stdout (and stderr) into a buffer; returns its length, or
 * -1 if it could not run or did not exit 0 within a few seconds. */
static ssize_t capture(char *const argv[], char *buf, size_t len)
{
    posix_spawn_file_actions_t fa;
    int p[2], st = 0;
    pid_t pid;
    size_t got = 0;
    ssize_t n;
    struct timespec t0, t;

    if (pipe2(p, O_CLOEXEC) < 0)
        return -1;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, p[1], 1);
    posix_spawn_file_actions_adddup2(&fa, p[1], 2);
    posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
    int rc = posix_spawnp(&pid, argv[0], &fa, NULL, argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    close(p[1]);
    if (rc != 0) {
        close(p[0]);
        return -1;
    }
    fcntl(p[0], F_SETFL, O_NONBLOCK);
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (;;) {
        n = read(p[0], buf + got, len - 1 - got);
        if (n > 0) {
            got += (size_t)n;
            if (got == len - 1)
                break;
            continue;
        }
        if (n == 0)
            break;
        if (errno != EAGAIN && errno != EINTR)
            break;
        clock_gettime(CLOCK_MONOTONIC, &t);
        if (t.tv_sec - t0.tv_sec > 10) {
            kill(pid, SIGKILL);
            break;
        }
        nanosleep(&(struct timespec){0, 10 * 1000 * 1000}, NULL);
    }
    buf[got] = '\0';
    close(p[0]);
    while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
        ;
    if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
        return -1;
    return (ssize_t)got;
}

static void gather_qemu(struct sev_facts *f, const char *qemu)
{
    static char buf[1 << 16];
    char *argv[4];
    const char *p;

    snprintf(f->qemu, sizeof f->qemu, "%s", qemu ? qemu : "qemu-system-x86_64");
    argv[0] = f->qemu;
    argv[1] = "--version";
    argv[2] = NULL;
    if (capture(argv, buf, sizeof buf) < 0)
        return;
    f->qemu_found = true;
    if ((p = strstr(buf, "version "))) {
        size_t n = strcspn(p + 8, " \n(");
        snprintf(f->qemu_version, sizeof f->qemu_version, "%.*s", (int)n, p + 8);
    }
    argv[1] = "-object";
    argv[2] = "help";
    argv[3] = NULL;
    if (capture(argv, buf, sizeof buf) >= 0)
        f->qemu_sev_guest = strstr(buf, "sev-guest") != NULL;
    argv[1] = "-machine";
    argv[2] = "q35,help";
    if (capture(argv, buf, sizeof buf) >= 0) {
        f->qemu_cgs = strstr(buf, "confidential-guest-support") != NULL;
        f->qemu_memory_encryption = strstr(buf, "memory-encryption") != NULL;
    }
}

void sev_gather(struct sev_facts *f, const char *qemu, const char *ovmf_code)
{
    struct stat st;

    memset(f, 0, sizeof *f);
    gather_cpuid(f);
    f->kvm_amd_loaded = stat("/sys/module/kvm_amd", &st) == 0;
    f->param_sev = f->param_sev_es = f->param_sev_snp = SEV_UNKNOWN;
    if (f->kvm_amd_loaded) {
        f->param_sev = read_param("sev");
        f->param_sev_es = read_param("sev_es");
        f->param_sev_snp = read_param("sev_snp");
    }
    f->kvm_errno = open_errno("/dev/kvm");
    f->sev_dev_errno = open_errno("/dev/sev");
    gather_qemu(f, qemu);
    if (ovmf_code && access(ovmf_code, R_OK) == 0)
        snprintf(f->ovmf, sizeof f->ovmf, "%s", ovmf_code);
}
