/* KVM or TCG (accel.h): the probe of /dev/kvm and the decision. */
#define _GNU_SOURCE
#include "accel.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <linux/kvm.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

/* ---- the real system calls ---- */

static int real_open(const char *path, int flags)
{
    return open(path, flags);
}

static int real_ioctl(int fd, unsigned long req, unsigned long arg)
{
    return ioctl(fd, req, arg);
}

static int real_group_of(const char *path, char *buf, size_t len, unsigned *mode)
{
    struct stat st;
    struct group gr, *res = NULL;
    char tmp[4096];

    if (stat(path, &st) < 0 || getgrgid_r(st.st_gid, &gr, tmp, sizeof tmp, &res) != 0 || !res)
        return -1;
    *mode = st.st_mode & 07777;
    return (size_t)snprintf(buf, len, "%s", res->gr_name) < len ? 0 : -1;
}

static bool real_module_loaded(const char *name)
{
    char path[128];
    struct stat st;

    snprintf(path, sizeof path, "/sys/module/%s", name);
    return stat(path, &st) == 0;
}

const struct kvm_sys *accel_real_sys(void)
{
    static const struct kvm_sys sys = {real_open, real_ioctl, close, real_group_of,
                                       real_module_loaded};
    return &sys;
}

const char *accel_kvm_path(void)
{
    const char *p = getenv("CLOAK_KVM_DEVICE");
    return p && *p ? p : ACCEL_KVM_DEVICE;
}

/* ---- the probe ---- */

/* Capabilities QEMU's KVM support refuses to start without (x86). */
static const struct {
    int cap;
    const char *name;
} needed_caps[] = {
    {KVM_CAP_USER_MEMORY, "KVM_CAP_USER_MEMORY"},
    {KVM_CAP_SET_TSS_ADDR, "KVM_CAP_SET_TSS_ADDR"},
    {KVM_CAP_EXT_CPUID, "KVM_CAP_EXT_CPUID"},
    {KVM_CAP_MP_STATE, "KVM_CAP_MP_STATE"},
    {KVM_CAP_IOEVENTFD, "KVM_CAP_IOEVENTFD"},
};

/* Everything after a successful open: version, extensions, a VM. */
static void probe_open_device(int fd, const struct kvm_sys *sys, struct kvm_probe *p)
{
    int v, vm;

    errno = 0;
    v = sys->ioctl(fd, KVM_GET_API_VERSION, 0);
    if (v != KVM_API_VERSION) {
        p->state = KVM_BAD_API;
        p->err = v < 0 ? errno : 0;
        p->api_version = v;
        return;
    }
    for (size_t i = 0; i < sizeof needed_caps / sizeof needed_caps[0]; i++) {
        if (sys->ioctl(fd, KVM_CHECK_EXTENSION, (unsigned long)needed_caps[i].cap) <= 0) {
            p->state = KVM_NO_EXTENSION;
            p->extension = needed_caps[i].name;
            return;
        }
    }
    errno = 0;
    vm = sys->ioctl(fd, KVM_CREATE_VM, 0);
    if (vm < 0) {
        p->state = KVM_CREATE_VM_FAILED;
        p->err = errno;
        return;
    }
    sys->close(vm);
    p->state = KVM_OK;
}

/* A software-only KVM module serving the device, with no hardware one
 * beside it: its name into p->software. */
static void probe_software_kvm(const struct kvm_sys *sys, struct kvm_probe *p)
{
    static const char *const software[] = {ACCEL_SOFTWARE_KVM_MODULES};
    static const char *const hardware[] = {ACCEL_HARDWARE_KVM_MODULES};

    for (size_t i = 0; i < sizeof hardware / sizeof hardware[0]; i++)
        if (sys->module_loaded(hardware[i]))
            return;
    for (size_t i = 0; i < sizeof software / sizeof software[0]; i++) {
        if (sys->module_loaded(software[i])) {
            snprintf(p->software, sizeof p->software, "%s", software[i]);
            return;
        }
    }
}

void accel_probe(const char *path, const struct kvm_sys *sys, struct kvm_probe *p)
{
    int fd;

    memset(p, 0, sizeof *p);
    snprintf(p->path, sizeof p->path, "%s", path);
    errno = 0;
    fd = sys->open(path, O_RDWR | O_CLOEXEC);
    if (fd < 0) {
        p->err = errno;
        if (p->err == ENOENT || p->err == ENODEV || p->err == ENXIO || p->err == ENOTDIR) {
            p->state = KVM_NO_DEVICE;
        } else if (p->err == EACCES || p->err == EPERM) {
            p->state = KVM_NO_PERMISSION;
            if (sys->group_of(path, p->group, sizeof p->group, &p->mode) < 0) {
                p->group[0] = '\0';
                p->mode = 0;
            }
        } else {
            p->state = KVM_OPEN_FAILED;
        }
        return;
    }
    probe_open_device(fd, sys, p);
    sys->close(fd);
    if (p->state == KVM_OK)
        probe_software_kvm(sys, p);
}

/* ---- the decision ---- */

bool accel_needs_probe(enum accel_want want)
{
    return want != ACCEL_WANT_TCG;
}

/* Permission denied: join the group that may open the device; if no
 * group but root may (mode 0600, or unknown), say how the usual kvm
 * group gets it. */
static void no_permission(const struct kvm_probe *p, char *buf, size_t len)
{
    bool group_rw = (p->mode & 060) == 060;

    if (*p->group && group_rw && strcmp(p->group, "root") != 0)
        snprintf(buf, len, "%s: permission denied (the group %s may open it; join it with "
                 "`sudo usermod -aG %s $USER` and log in again)", p->path, p->group, p->group);
    else if (*p->group)
        snprintf(buf, len, "%s: permission denied (mode %04o, group %s: only root may open "
                 "it; usually the group %s may: `sudo chgrp %s %s && sudo chmod 660 %s`, "
                 "then `sudo usermod -aG %s $USER` and log in again)", p->path, p->mode,
                 p->group, ACCEL_KVM_GROUP, ACCEL_KVM_GROUP, p->path, p->path, ACCEL_KVM_GROUP);
    else
        snprintf(buf, len, "%s: permission denied (usually the group %s may open it; join "
                 "it with `sudo usermod -aG %s $USER` and log in again)", p->path,
                 ACCEL_KVM_GROUP, ACCEL_KVM_GROUP);
}

/* Why KVM cannot be used, in words a user can act on. */
static void kvm_unusable(const struct kvm_probe *p, char *buf, size_t len)
{
    switch (p->state) {
    case KVM_OK:
        snprintf(buf, len, "%s works", p->path);
        break;
    case KVM_NO_DEVICE:
        snprintf(buf, len, "%s does not exist (no KVM: virtualization is off in the firmware, "
                 "the kvm_intel or kvm_amd module is not loaded, or this is a VM without "
                 "nested virtualization)", p->path);
        break;
    case KVM_NO_PERMISSION:
        no_permission(p, buf, len);
        break;
    case KVM_OPEN_FAILED:
        snprintf(buf, len, "cannot open %s read-write: %s", p->path, strerror(p->err));
        break;
    case KVM_BAD_API:
        if (p->api_version < 0)
            snprintf(buf, len, "%s does not answer KVM_GET_API_VERSION (%s): not a KVM device?",
                     p->path, strerror(p->err));
        else
            snprintf(buf, len, "%s has KVM API version %d; QEMU needs %d", p->path,
                     p->api_version, KVM_API_VERSION);
        break;
    case KVM_NO_EXTENSION:
        snprintf(buf, len, "%s lacks %s, which QEMU needs", p->path, p->extension);
        break;
    case KVM_CREATE_VM_FAILED:
        snprintf(buf, len, "%s cannot create a VM (KVM_CREATE_VM: %s): hardware "
                 "virtualization is off or taken by another hypervisor, or this is a VM "
                 "whose host does not offer nested virtualization", p->path, strerror(p->err));
        break;
    }
}

/* KVM works.  On a software-only KVM only --accel kvm takes it. */
static void kvm_works(const struct kvm_probe *p, enum accel_want want, bool verbose,
                      struct accel_choice *c)
{
    if (!*p->software) {
        c->accel = ACCEL_KVM;
        c->say = verbose;
        snprintf(c->reason, sizeof c->reason, "using KVM (%s)", p->path);
        return;
    }
    if (want == ACCEL_WANT_KVM) {
        c->accel = ACCEL_KVM;
        c->say = true;
        snprintf(c->reason, sizeof c->reason, "using KVM (%s), served by %s: KVM without "
                 "hardware virtualization, slower than emulation for cloak (UEFI does not "
                 "boot on it)", p->path, p->software);
        return;
    }
    c->say = verbose || want == ACCEL_WANT_AUTO;
    snprintf(c->reason, sizeof c->reason, "using TCG (software emulation): %s is served by "
             "%s, KVM without hardware virtualization (VMX/SVM), which runs cloak's kernel "
             "slower than emulation; --accel kvm uses it anyway", p->path, p->software);
}

void accel_decide(const struct kvm_probe *p, enum accel_want want, bool verbose,
                  struct accel_choice *c)
{
    char why[1536];

    memset(c, 0, sizeof *c);
    c->accel = ACCEL_TCG;
    if (!accel_needs_probe(want))
        return; /* TCG as asked: nothing to say */
    if (p && p->state == KVM_OK) {
        kvm_works(p, want, verbose, c);
        return;
    }
    if (p)
        kvm_unusable(p, why, sizeof why);
    else
        snprintf(why, sizeof why, "KVM was not probed");
    if (want == ACCEL_WANT_KVM) {
        c->error = c->say = true;
        snprintf(c->reason, sizeof c->reason, "--accel kvm: cannot use KVM: %s", why);
        return;
    }
    c->say = verbose || want == ACCEL_WANT_AUTO;
    snprintf(c->reason, sizeof c->reason, "using TCG (software emulation, slow): %s", why);
}

int accel_want_parse(const char *s, enum accel_want *want)
{
    if (!strcmp(s, "kvm"))
        *want = ACCEL_WANT_KVM;
    else if (!strcmp(s, "tcg"))
        *want = ACCEL_WANT_TCG;
    else if (!strcmp(s, "auto"))
        *want = ACCEL_WANT_AUTO;
    else
        return -1;
    return 0;
}
