/* tools/qemu/accel: the /dev/kvm probe, given fake answers through its
 * system-call table, and the KVM-or-TCG decision on what it found; and the
 * QEMU command line for each accelerator. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "../../../tools/qemu/accel.h"
#include "../../../tools/qemu/qemu.h"

/* ---- a fake /dev/kvm ---- */

static struct {
    int open_errno;          /* open fails with this, or 0 */
    int api;                 /* KVM_GET_API_VERSION's answer (-1: fails with api_errno) */
    int api_errno;
    int missing_cap;         /* KVM_CHECK_EXTENSION answers 0 for it; -1: none missing */
    int create_errno;        /* KVM_CREATE_VM fails with this, or 0 */
    const char *group;       /* the device's group, NULL: unknown */
    const char *modules[3];  /* the kernel modules loaded */
    unsigned mode;           /* its permission bits */
    int open_flags;          /* what the probe asked for */
    int opens, closes, vms;  /* fds handed out and given back */
    char opened[64];
} fake;

static void fake_reset(void)
{
    memset(&fake, 0, sizeof fake);
    fake.api = KVM_API_VERSION;
    fake.missing_cap = -1;
}

static int fake_open(const char *path, int flags)
{
    snprintf(fake.opened, sizeof fake.opened, "%s", path);
    fake.open_flags = flags;
    if (fake.open_errno) {
        errno = fake.open_errno;
        return -1;
    }
    fake.opens++;
    return 100;
}

static int fake_ioctl(int fd, unsigned long req, unsigned long arg)
{
    assert_int_equal(fd, 100);
    if (req == KVM_GET_API_VERSION) {
        if (fake.api < 0)
            errno = fake.api_errno;
        return fake.api;
    }
    if (req == KVM_CHECK_EXTENSION)
        return (int)arg == fake.missing_cap ? 0 : 1;
    if (req == KVM_CREATE_VM) {
        if (fake.create_errno) {
            errno = fake.create_errno;
            return -1;
        }
        fake.vms++;
        return 101;
    }
    fail_msg("unexpected ioctl %#lx", req);
    return -1;
}

static int fake_close(int fd)
{
    assert_true(fd == 100 || fd == 101);
    fake.closes++;
    return 0;
}

static int fake_group_of(const char *path, char *buf, size_t len, unsigned *mode)
{
    (void)path;
    if (!fake.group)
        return -1;
    snprintf(buf, len, "%s", fake.group);
    *mode = fake.mode;
    return 0;
}

static bool fake_module_loaded(const char *name)
{
    for (int i = 0; i < 3; i++)
        if (fake.modules[i] && !strcmp(fake.modules[i], name))
            return true;
    return false;
}

static const struct kvm_sys fake_sys = {fake_open, fake_ioctl, fake_close, fake_group_of,
                                        fake_module_loaded};

/* Probe the fake, then decide for want. */
static void probe_and_decide(enum accel_want want, bool verbose, struct kvm_probe *p,
                             struct accel_choice *c)
{
    accel_probe("/dev/kvm", &fake_sys, p);
    accel_decide(p, want, verbose, c);
}

/* ---- the probe ---- */

static void test_probe_good(void **state)
{
    struct kvm_probe p;
    (void)state;

    fake_reset();
    accel_probe("/dev/kvm", &fake_sys, &p);
    assert_int_equal(p.state, KVM_OK);
    assert_string_equal(fake.opened, "/dev/kvm");
    assert_int_equal(fake.open_flags & O_ACCMODE, O_RDWR);
    assert_int_equal(fake.vms, 1);
    assert_int_equal(fake.closes, 2); /* the VM and the device */
}

static void test_probe_failures(void **state)
{
    struct kvm_probe p;
    (void)state;

    fake_reset();
    fake.open_errno = ENOENT;
    accel_probe("/dev/kvm", &fake_sys, &p);
    assert_int_equal(p.state, KVM_NO_DEVICE);
    assert_int_equal(fake.closes, 0);

    fake_reset();
    fake.open_errno = EACCES;
    fake.group = "kvm";
    accel_probe("/dev/kvm", &fake_sys, &p);
    assert_int_equal(p.state, KVM_NO_PERMISSION);
    assert_string_equal(p.group, "kvm");

    fake_reset();
    fake.api = 11;
    accel_probe("/dev/kvm", &fake_sys, &p);
    assert_int_equal(p.state, KVM_BAD_API);
    assert_int_equal(p.api_version, 11);
    assert_int_equal(fake.vms, 0);
    assert_int_equal(fake.closes, 1);

    fake_reset();
    fake.missing_cap = KVM_CAP_USER_MEMORY;
    accel_probe("/dev/kvm", &fake_sys, &p);
    assert_int_equal(p.state, KVM_NO_EXTENSION);
    assert_string_equal(p.extension, "KVM_CAP_USER_MEMORY");
    assert_int_equal(fake.vms, 0);

    fake_reset();
    fake.create_errno = ENXIO;
    accel_probe("/dev/kvm", &fake_sys, &p);
    assert_int_equal(p.state, KVM_CREATE_VM_FAILED);
    assert_int_equal(p.err, ENXIO);
    assert_int_equal(fake.closes, 1);
}

/* ---- the decision ---- */

static void test_good_kvm(void **state)
{
    struct kvm_probe p;
    struct accel_choice c;
    (void)state;

    fake_reset();
    probe_and_decide(ACCEL_WANT_KVM, false, &p, &c);
    assert_int_equal(c.accel, ACCEL_KVM);
    assert_false(c.error);
    assert_false(c.say);
    probe_and_decide(ACCEL_WANT_AUTO, false, &p, &c);
    assert_int_equal(c.accel, ACCEL_KVM);
    probe_and_decide(ACCEL_WANT_DEFAULT, false, &p, &c);
    assert_int_equal(c.accel, ACCEL_KVM);
    probe_and_decide(ACCEL_WANT_AUTO, true, &p, &c);
    assert_true(c.say);
    assert_string_equal(c.reason, "using KVM (/dev/kvm)");
}

/* With KVM working, tcg (or Accel false) stays on TCG and needs no probe;
 * everything else probes. */
static void test_tcg_asked(void **state)
{
    struct kvm_probe p;
    struct accel_choice c;
    (void)state;

    fake_reset();
    assert_false(accel_needs_probe(ACCEL_WANT_TCG));
    assert_true(accel_needs_probe(ACCEL_WANT_DEFAULT));
    assert_true(accel_needs_probe(ACCEL_WANT_KVM));
    assert_true(accel_needs_probe(ACCEL_WANT_AUTO));
    probe_and_decide(ACCEL_WANT_TCG, true, &p, &c);
    assert_int_equal(c.accel, ACCEL_TCG);
    assert_false(c.say);
    assert_false(c.error);
}

static void test_missing(void **state)
{
    struct kvm_probe p;
    struct accel_choice c;
    (void)state;

    fake_reset();
    fake.open_errno = ENOENT;
    probe_and_decide(ACCEL_WANT_KVM, false, &p, &c);
    assert_true(c.error);
    assert_true(c.say);
    assert_non_null(strstr(c.reason, "--accel kvm: cannot use KVM: /dev/kvm does not exist"));
    /* auto falls back, quietly unless -v or asked with --accel auto */
    probe_and_decide(ACCEL_WANT_DEFAULT, false, &p, &c);
    assert_int_equal(c.accel, ACCEL_TCG);
    assert_false(c.error);
    assert_false(c.say);
    probe_and_decide(ACCEL_WANT_DEFAULT, true, &p, &c);
    assert_true(c.say);
    assert_non_null(strstr(c.reason, "using TCG"));
    assert_non_null(strstr(c.reason, "/dev/kvm does not exist"));
    probe_and_decide(ACCEL_WANT_AUTO, false, &p, &c);
    assert_int_equal(c.accel, ACCEL_TCG);
    assert_true(c.say);
}

static void test_permission(void **state)
{
    struct kvm_probe p;
    struct accel_choice c;
    (void)state;

    fake_reset();
    fake.open_errno = EACCES;
    fake.group = "kvm";
    fake.mode = 0660;
    probe_and_decide(ACCEL_WANT_KVM, false, &p, &c);
    assert_true(c.error);
    assert_non_null(strstr(c.reason, "/dev/kvm: permission denied (the group kvm may open it"));
    assert_non_null(strstr(c.reason, "sudo usermod -aG kvm $USER"));
    /* another group is named as it is */
    fake.group = "hypervisor";
    probe_and_decide(ACCEL_WANT_KVM, false, &p, &c);
    assert_non_null(strstr(c.reason, "sudo usermod -aG hypervisor $USER"));
    /* root:root 0600: joining root would not help; say how kvm gets it */
    fake.group = "root";
    fake.mode = 0600;
    probe_and_decide(ACCEL_WANT_KVM, false, &p, &c);
    assert_non_null(strstr(c.reason, "mode 0600, group root: only root may open it"));
    assert_non_null(strstr(c.reason, "sudo chgrp kvm /dev/kvm && sudo chmod 660 /dev/kvm"));
    assert_null(strstr(c.reason, "-aG root"));
    fake.group = "kvm"; /* a group without rw is no way in either */
    fake.mode = 0604;
    probe_and_decide(ACCEL_WANT_KVM, false, &p, &c);
    assert_non_null(strstr(c.reason, "only root may open it"));
    /* unknown group: the usual one */
    fake.group = NULL;
    fake.open_errno = EPERM;
    probe_and_decide(ACCEL_WANT_AUTO, false, &p, &c);
    assert_int_equal(c.accel, ACCEL_TCG);
    assert_non_null(strstr(c.reason, "sudo usermod -aG kvm $USER"));
}

static void test_bad_api(void **state)
{
    struct kvm_probe p;
    struct accel_choice c;
    (void)state;

    fake_reset();
    fake.api = 11;
    probe_and_decide(ACCEL_WANT_KVM, false, &p, &c);
    assert_true(c.error);
    assert_non_null(strstr(c.reason, "/dev/kvm has KVM API version 11; QEMU needs 12"));
    fake.api = -1;
    fake.api_errno = ENOTTY;
    probe_and_decide(ACCEL_WANT_KVM, false, &p, &c);
    assert_true(c.error);
    assert_non_null(strstr(c.reason, "does not answer KVM_GET_API_VERSION"));
}

static void test_create_vm_fails(void **state)
{
    struct kvm_probe p;
    struct accel_choice c;
    (void)state;

    fake_reset();
    fake.create_errno = EBUSY;
    probe_and_decide(ACCEL_WANT_KVM, false, &p, &c);
    assert_true(c.error);
    assert_int_equal(c.accel, ACCEL_TCG);
    assert_non_null(strstr(c.reason, "cannot create a VM (KVM_CREATE_VM: "));
    assert_non_null(strstr(c.reason, "nested virtualization"));
    probe_and_decide(ACCEL_WANT_AUTO, false, &p, &c);
    assert_false(c.error);
    assert_int_equal(c.accel, ACCEL_TCG);

    fake_reset();
    fake.missing_cap = KVM_CAP_EXT_CPUID;
    probe_and_decide(ACCEL_WANT_KVM, false, &p, &c);
    assert_true(c.error);
    assert_non_null(strstr(c.reason, "lacks KVM_CAP_EXT_CPUID"));
}

static void test_want_parse(void **state)
{
    enum accel_want w;
    (void)state;

    assert_int_equal(accel_want_parse("kvm", &w), 0);
    assert_int_equal(w, ACCEL_WANT_KVM);
    assert_int_equal(accel_want_parse("tcg", &w), 0);
    assert_int_equal(w, ACCEL_WANT_TCG);
    assert_int_equal(accel_want_parse("auto", &w), 0);
    assert_int_equal(w, ACCEL_WANT_AUTO);
    assert_int_equal(accel_want_parse("KVM", &w), -1);
    assert_int_equal(accel_want_parse("", &w), -1);
    assert_int_equal(accel_want_parse("hvf", &w), -1);
}

/* A software-only KVM (kvm_pvm) serves /dev/kvm: the default and auto
 * pass it by for TCG (auto says why, the default only with -v), --accel
 * kvm takes it and says what it is.  With kvm_intel or kvm_amd loaded
 * beside it, KVM is real. */
static void test_software_kvm(void **state)
{
    struct kvm_probe p;
    struct accel_choice c;
    (void)state;

    fake_reset();
    fake.modules[0] = "kvm";
    fake.modules[1] = "kvm_pvm";
    probe_and_decide(ACCEL_WANT_DEFAULT, false, &p, &c);
    assert_int_equal(p.state, KVM_OK);
    assert_string_equal(p.software, "kvm_pvm");
    assert_int_equal(c.accel, ACCEL_TCG);
    assert_false(c.say);
    assert_false(c.error);
    probe_and_decide(ACCEL_WANT_DEFAULT, true, &p, &c);
    assert_true(c.say);
    assert_non_null(strstr(c.reason, "using TCG (software emulation): /dev/kvm is served by kvm_pvm"));
    probe_and_decide(ACCEL_WANT_AUTO, false, &p, &c);
    assert_int_equal(c.accel, ACCEL_TCG);
    assert_true(c.say);
    probe_and_decide(ACCEL_WANT_KVM, false, &p, &c);
    assert_int_equal(c.accel, ACCEL_KVM);
    assert_false(c.error);
    assert_true(c.say);
    assert_non_null(strstr(c.reason, "using KVM (/dev/kvm), served by kvm_pvm"));

    fake.modules[2] = "kvm_intel";
    probe_and_decide(ACCEL_WANT_DEFAULT, false, &p, &c);
    assert_string_equal(p.software, "");
    assert_int_equal(c.accel, ACCEL_KVM);

    fake.modules[1] = NULL;
    fake.modules[2] = "kvm_amd";
    probe_and_decide(ACCEL_WANT_AUTO, false, &p, &c);
    assert_int_equal(c.accel, ACCEL_KVM);
    assert_false(c.say);
}

static void test_command_line(void **state)
{
    struct qemu_config q = {.memory_mib = 64, .kernel = "/k", .initrd = "/i",
                            .log_path = "/l", .kvm = true};
    struct qemu_argv a;
    char *line;
    (void)state;

    assert_int_equal(qemu_build_argv(&q, &a), 0);
    line = qemu_format_command(&a);
    assert_non_null(line);
    assert_non_null(strstr(line, "qemu-system-x86_64 -machine q35 -accel kvm -cpu host -m 64M "));
    assert_null(strstr(line, "tcg"));
    free(line);
    qemu_argv_free(&a);
    q.kvm = false;
    assert_int_equal(qemu_build_argv(&q, &a), 0);
    line = qemu_format_command(&a);
    assert_non_null(strstr(line, "qemu-system-x86_64 -machine q35,accel=tcg -cpu max -m 64M "));
    assert_null(strstr(line, "kvm"));
    free(line);
    qemu_argv_free(&a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_probe_good),
        cmocka_unit_test(test_probe_failures),
        cmocka_unit_test(test_good_kvm),
        cmocka_unit_test(test_tcg_asked),
        cmocka_unit_test(test_missing),
        cmocka_unit_test(test_permission),
        cmocka_unit_test(test_bad_api),
        cmocka_unit_test(test_create_vm_fails),
        cmocka_unit_test(test_want_parse),
        cmocka_unit_test(test_software_kvm),
        cmocka_unit_test(test_command_line),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
