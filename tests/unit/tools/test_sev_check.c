/* tools/sev: the verdict of `cloak sev check`, a pure function of the
 * gathered facts: an EPYC host that has everything, and hosts missing one
 * thing each, down to this kind of machine (Intel, no kvm_amd, no /dev/sev). */
#define _GNU_SOURCE
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "../../../tools/sev/sev_check.h"

/* Milan: SME, SEV, SEV-ES, SEV-SNP; C-bit 51, reduction 1; 509 ASIDs. */
static void epyc(struct sev_facts *f)
{
    memset(f, 0, sizeof *f);
    f->cpuid_read = true;
    strcpy(f->cpuid_source, "/dev/cpu/0/cpuid");
    strcpy(f->vendor, "AuthenticAMD");
    f->max_ext_leaf = 0x80000023;
    f->eax = 0x0101fd3f;
    f->ebx = 0x00004073; /* [5:0] = 51, [11:6] = 1, [15:12] = 4 VMPLs */
    f->ecx = 509;
    f->edx = 100;
    f->kvm_amd_loaded = true;
    f->param_sev = SEV_YES;
    f->param_sev_es = SEV_NO;
    f->param_sev_snp = SEV_NO;
    strcpy(f->qemu, "qemu-system-x86_64");
    f->qemu_found = true;
    strcpy(f->qemu_version, "7.2.22");
    f->qemu_sev_guest = true;
    f->qemu_cgs = true;
    f->qemu_memory_encryption = true;
    strcpy(f->ovmf, "/usr/share/OVMF/OVMF_CODE_4M.fd");
}

static const struct sev_line *line(const struct sev_verdict *v, const char *name)
{
    for (size_t i = 0; i < v->n; i++)
        if (strcmp(v->lines[i].name, name) == 0)
            return &v->lines[i];
    fail_msg("no line named %s", name);
    return NULL;
}

static char *printed(const struct sev_verdict *v)
{
    char *buf;
    size_t len;
    FILE *f = open_memstream(&buf, &len);
    assert_non_null(f);
    sev_verdict_print(v, f);
    fclose(f);
    return buf;
}

static void test_works(void **state)
{
    struct sev_facts f;
    struct sev_verdict v;
    (void)state;

    epyc(&f);
    sev_verdict(&f, &v);
    assert_true(v.works);
    assert_int_equal(v.cbitpos, 51);
    assert_int_equal(v.reduced_phys_bits, 1);
    assert_string_equal(v.why_not, "");
    assert_string_equal(v.summary, "SEV works here: `cloak run --sev` uses cbitpos=51 "
                                   "reduced-phys-bits=1");
    for (size_t i = 0; i < v.n; i++)
        if (v.lines[i].required)
            assert_true(v.lines[i].ok);
    assert_true(line(&v, "sev-es (cpu)")->ok);
    assert_false(line(&v, "sev-es (cpu)")->required);
    assert_false(line(&v, "kvm_amd sev_es/snp")->ok); /* optional, and off */
    assert_string_equal(line(&v, "c-bit")->reason,
                        "position 51 (EBX[5:0]), physical-address reduction 1 bit (EBX[11:6])");

    char *text = printed(&v);
    assert_non_null(strstr(text, "ok       cpu vendor          AuthenticAMD (read from "
                                 "/dev/cpu/0/cpuid)\n"));
    assert_non_null(strstr(text, "ok       c-bit               position 51"));
    assert_non_null(strstr(text, "ok       /dev/sev            opens read-write"));
    assert_non_null(strstr(text, "\nsummary: SEV works here"));
    free(text);

    /* Rome: C-bit 47; an older QEMU with only memory-encryption */
    f.ebx = 0x0000006f; /* 47, reduction 1 */
    f.qemu_cgs = false;
    sev_verdict(&f, &v);
    assert_true(v.works);
    assert_int_equal(v.cbitpos, 47);
    assert_non_null(strstr(line(&v, "qemu sev-guest")->reason, "memory-encryption"));
}

/* Exactly this kind of machine: an Intel VM with KVM but nothing of SEV. */
static void test_intel(void **state)
{
    struct sev_facts f = {0};
    struct sev_verdict v;
    (void)state;

    f.cpuid_read = true;
    strcpy(f.cpuid_source, "/dev/cpu/0/cpuid");
    strcpy(f.vendor, "GenuineIntel");
    f.hypervisor_bit = true;
    f.max_ext_leaf = 0x80000008;
    f.param_sev = f.param_sev_es = f.param_sev_snp = SEV_UNKNOWN;
    f.sev_dev_errno = ENOENT;
    strcpy(f.qemu, "qemu-system-x86_64");
    f.qemu_found = true;
    strcpy(f.qemu_version, "7.2.22");
    f.qemu_sev_guest = true;
    f.qemu_cgs = true;
    strcpy(f.ovmf, "/usr/share/OVMF/OVMF_CODE_4M.fd");
    sev_verdict(&f, &v);
    assert_false(v.works);
    assert_string_equal(v.why_not, "the CPU is GenuineIntel, not AMD; kvm_amd is not loaded; "
                                   "/dev/sev is missing");
    assert_string_equal(v.summary, "SEV is not available on this machine: the CPU is "
                                   "GenuineIntel, not AMD; kvm_amd is not loaded; /dev/sev is "
                                   "missing");
    assert_false(line(&v, "cpu vendor")->ok);
    assert_non_null(strstr(line(&v, "cpu vendor")->reason, "itself a virtual machine"));
    assert_false(line(&v, "cpuid 0x8000001f")->ok);
    assert_string_equal(line(&v, "cpuid 0x8000001f")->reason,
                        "the highest extended CPUID leaf is 0x80000008: no memory-encryption "
                        "leaf");
    assert_true(line(&v, "/dev/kvm")->ok);
    assert_true(line(&v, "qemu sev-guest")->ok);
    assert_true(line(&v, "ovmf")->ok);

    char *text = printed(&v);
    assert_non_null(strstr(text, "missing  cpu vendor          GenuineIntel: SEV is an AMD "
                                 "feature"));
    assert_non_null(strstr(text, "missing  /dev/sev            missing: the ccp driver"));
    assert_non_null(strstr(text, "ok       /dev/kvm            opens read-write\n"));
    free(text);
}

/* An EPYC with SEV off in the BIOS: CPUID says yes, kvm_amd says sev=N. */
static void test_bios_off(void **state)
{
    struct sev_facts f;
    struct sev_verdict v;
    (void)state;

    epyc(&f);
    f.param_sev = SEV_NO;
    f.sev_dev_errno = ENOENT;
    sev_verdict(&f, &v);
    assert_false(v.works);
    assert_string_equal(v.why_not, "kvm_amd has SEV off (sev=N); /dev/sev is missing");
    assert_non_null(strstr(line(&v, "kvm_amd sev")->reason, "enable SME and SEV in the BIOS"));
    assert_true(line(&v, "sev (cpu)")->ok);
}

/* One missing thing at a time. */
static void test_each_missing(void **state)
{
    struct sev_facts f;
    struct sev_verdict v;
    (void)state;

    epyc(&f);
    f.eax &= ~SEV_CPUID_SEV; /* a Ryzen: SME only */
    sev_verdict(&f, &v);
    assert_false(v.works);
    assert_string_equal(v.why_not, "the CPU has no SEV (CPUID 0x8000001F EAX bit 1)");

    epyc(&f);
    f.max_ext_leaf = 0x8000001e;
    sev_verdict(&f, &v);
    assert_false(v.works);
    assert_string_equal(v.why_not, "no CPUID leaf 0x8000001F");
    assert_int_equal(v.cbitpos, 0);

    epyc(&f);
    f.ebx = 0x40; /* C-bit 0: a nonsense answer */
    sev_verdict(&f, &v);
    assert_false(v.works);
    assert_string_equal(v.why_not, "implausible C-bit position");

    epyc(&f);
    f.kvm_amd_loaded = false;
    sev_verdict(&f, &v);
    assert_string_equal(v.why_not, "kvm_amd is not loaded");
    assert_non_null(strstr(line(&v, "kvm_amd sev")->reason, "modprobe kvm_amd sev=1"));

    epyc(&f);
    f.param_sev = SEV_UNKNOWN;
    sev_verdict(&f, &v);
    assert_string_equal(v.why_not, "kvm_amd has no sev parameter");

    epyc(&f);
    f.kvm_errno = EACCES;
    sev_verdict(&f, &v);
    assert_string_equal(v.why_not, "/dev/kvm is not accessible");
    assert_non_null(strstr(line(&v, "/dev/kvm")->reason, "kvm group"));

    epyc(&f);
    f.kvm_errno = ENOENT;
    sev_verdict(&f, &v);
    assert_string_equal(v.why_not, "/dev/kvm is missing");

    epyc(&f);
    f.sev_dev_errno = EACCES;
    sev_verdict(&f, &v);
    assert_string_equal(v.why_not, "/dev/sev is not accessible");

    epyc(&f);
    f.qemu_found = false;
    sev_verdict(&f, &v);
    assert_string_equal(v.why_not, "QEMU is missing");
    assert_non_null(strstr(line(&v, "qemu sev-guest")->reason, "qemu-system-x86"));

    epyc(&f);
    f.qemu_sev_guest = false;
    sev_verdict(&f, &v);
    assert_string_equal(v.why_not, "QEMU has no sev-guest");

    epyc(&f);
    f.qemu_cgs = f.qemu_memory_encryption = false;
    sev_verdict(&f, &v);
    assert_string_equal(v.why_not, "QEMU lacks confidential-guest-support");

    epyc(&f);
    f.ovmf[0] = '\0';
    sev_verdict(&f, &v);
    assert_string_equal(v.why_not, "OVMF is missing");

    /* optional features never decide */
    epyc(&f);
    f.eax &= ~(SEV_CPUID_SEV_ES | SEV_CPUID_SEV_SNP);
    f.param_sev_es = f.param_sev_snp = SEV_UNKNOWN;
    sev_verdict(&f, &v);
    assert_true(v.works);

    /* CPUID unreadable */
    memset(&f, 0, sizeof f);
    f.param_sev = f.param_sev_es = f.param_sev_snp = SEV_UNKNOWN;
    sev_verdict(&f, &v);
    assert_false(v.works);
    assert_string_equal(v.why_not, "CPUID could not be read; kvm_amd is not loaded; "
                                   "QEMU is missing; OVMF is missing");
}

static void test_parse_param(void **state)
{
    (void)state;
    assert_int_equal(sev_parse_param("Y\n"), SEV_YES);
    assert_int_equal(sev_parse_param("1\n"), SEV_YES);
    assert_int_equal(sev_parse_param("N\n"), SEV_NO);
    assert_int_equal(sev_parse_param("0"), SEV_NO);
    assert_int_equal(sev_parse_param(""), SEV_UNKNOWN);
    assert_int_equal(sev_parse_param("?"), SEV_UNKNOWN);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_works),
        cmocka_unit_test(test_intel),
        cmocka_unit_test(test_bios_off),
        cmocka_unit_test(test_each_missing),
        cmocka_unit_test(test_parse_param),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
