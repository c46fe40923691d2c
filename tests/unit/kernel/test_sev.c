/* SEV detection: the decision from CPUID and SEV_STATUS values, as the
 * project's sev.md section 1 describes it (never CPUID alone). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>
#include "arch/x86_64/sev.h"

static struct sev_facts facts(uint32_t max, uint32_t eax, uint32_t ebx, int readable, uint64_t status)
{
    struct sev_facts f = { max, eax, ebx, readable != 0, status };
    return f;
}

#define EBX(cbit, reduction) ((uint32_t)(cbit) | ((uint32_t)(reduction) << 6))

static void test_no_leaf(void **state)
{
    (void)state;
    struct sev_facts f = facts(0x80000008, 0, 0, 0, 0);
    struct sev_state s = sev_decide(&f, false);
    assert_int_equal(s.mode, SEV_NONE);
    assert_int_equal(s.mask, 0);
    assert_non_null(s.why);
}

static void test_cpuid_without_sev(void **state)
{
    (void)state;
    struct sev_facts f = facts(0x80000020, 0x1 /* SME only */, EBX(47, 5), 1, 0);
    struct sev_state s = sev_decide(&f, false);
    assert_int_equal(s.mode, SEV_NONE);
    assert_int_equal(s.mask, 0);
}

static void test_cpuid_says_sev_msr_says_no(void **state)
{
    (void)state;
    /* A host SEV-capable CPU, but this guest runs unencrypted. */
    struct sev_facts f = facts(0x80000020, 0x2, EBX(51, 1), 1, 0);
    struct sev_state s = sev_decide(&f, false);
    assert_int_equal(s.mode, SEV_NONE);
    assert_int_equal(s.mask, 0);
    assert_non_null(strstr(s.why, "not active"));
}

static void test_cpuid_says_sev_msr_unreadable(void **state)
{
    (void)state;
    struct sev_facts f = facts(0x80000020, 0x2, EBX(51, 1), 0, 0);
    struct sev_state s = sev_decide(&f, false);
    assert_int_equal(s.mode, SEV_NONE);
    assert_int_equal(s.mask, 0);
}

static void test_sev_cbit_47(void **state)
{
    (void)state;
    struct sev_facts f = facts(0x8000001f, 0x0000000f, EBX(47, 5), 1, 0x1);
    struct sev_state s = sev_decide(&f, false);
    assert_int_equal(s.mode, SEV_ACTIVE);
    assert_int_equal(s.cbit, 47);
    assert_int_equal(s.phys_reduction, 5);
    assert_true(s.mask == (1ull << 47));
}

static void test_sev_cbit_51(void **state)
{
    (void)state;
    /* Upper EBX bits (VMPL count, etc.) must not leak into the C-bit. */
    struct sev_facts f = facts(0x80000020, 0x1000f, EBX(51, 1) | (4u << 12) | (1u << 31), 1, 0x1);
    struct sev_state s = sev_decide(&f, false);
    assert_int_equal(s.mode, SEV_ACTIVE);
    assert_int_equal(s.cbit, 51);
    assert_int_equal(s.phys_reduction, 1);
    assert_true(s.mask == (1ull << 51));
}

static void test_es_and_snp_are_reported(void **state)
{
    (void)state;
    struct sev_facts es = facts(0x8000001f, 0xf, EBX(51, 1), 1, 0x3);
    assert_int_equal(sev_decide(&es, false).mode, SEV_ES_ACTIVE);
    struct sev_facts snp = facts(0x8000001f, 0x1f, EBX(51, 1), 1, 0x7);
    assert_int_equal(sev_decide(&snp, false).mode, SEV_SNP_ACTIVE);
}

static void test_bad_cbit(void **state)
{
    (void)state;
    struct sev_facts low = facts(0x8000001f, 0x2, EBX(15, 0), 1, 0x1);
    struct sev_state s = sev_decide(&low, false);
    assert_int_equal(s.mode, SEV_INVALID);
    assert_int_equal(s.mask, 0);
    struct sev_facts high = facts(0x8000001f, 0x2, EBX(63, 0), 1, 0x1);
    assert_int_equal(sev_decide(&high, false).mode, SEV_INVALID);
}

static void test_simulation(void **state)
{
    (void)state;
    struct sev_facts f = facts(0x80000008, 0, 0, 0, 0);
    struct sev_state s = sev_decide(&f, true);
    assert_int_equal(s.mode, SEV_SIMULATED);
    assert_int_equal(s.cbit, SEV_SIM_CBIT);
    assert_true(s.mask == (1ull << 52));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_no_leaf),
        cmocka_unit_test(test_cpuid_without_sev),
        cmocka_unit_test(test_cpuid_says_sev_msr_says_no),
        cmocka_unit_test(test_cpuid_says_sev_msr_unreadable),
        cmocka_unit_test(test_sev_cbit_47),
        cmocka_unit_test(test_sev_cbit_51),
        cmocka_unit_test(test_es_and_snp_are_reported),
        cmocka_unit_test(test_bad_cbit),
        cmocka_unit_test(test_simulation),
    };
    return cmocka_run_group_tests_name("sev", tests, NULL, NULL);
}
