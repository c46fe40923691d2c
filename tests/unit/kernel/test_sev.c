/* SEV detection: the decision from CPUID and SEV_STATUS values, as
 * docs/sev.md describes it (never CPUID alone); and the SEV-ES/SNP early
 * stop shared by the kernel and the UEFI loader (include/cloak/sev_early.h):
 * SEV_STATUS to action, the GHCB MSR termination request, and the
 * sev-status-sim word.  Expected MSR values are written out from the GHCB
 * specification (#56421, MSR protocol: GHCBInfo 0x100 in bits 11:0, reason
 * code set in 15:12, reason code in 23:16), not computed. */
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

static void test_early_msr_unreadable_goes_on(void **state)
{
    (void)state;
    /* No MSR (#GP): not an SEV processor, whatever the value left behind. */
    assert_int_equal(sev_early_decide(false, 0), SEV_EARLY_GO);
    assert_int_equal(sev_early_decide(false, 0x7), SEV_EARLY_GO);
}

static void test_early_plain_sev_goes_on(void **state)
{
    (void)state;
    assert_int_equal(sev_early_decide(true, 0), SEV_EARLY_GO);
    assert_int_equal(sev_early_decide(true, 0x1), SEV_EARLY_GO);
    /* feature bits above SNP (PreventHostIBS 8, SmtProtection 17) alone */
    assert_int_equal(sev_early_decide(true, 0x1 | (1u << 8) | (1u << 17)), SEV_EARLY_GO);
}

static void test_early_es_stops(void **state)
{
    (void)state;
    assert_int_equal(sev_early_decide(true, 0x3), SEV_EARLY_STOP_ES);
    /* the ES bit alone still means CPUID and port I/O would trap */
    assert_int_equal(sev_early_decide(true, 0x2), SEV_EARLY_STOP_ES);
}

static void test_early_snp_stops(void **state)
{
    (void)state;
    assert_int_equal(sev_early_decide(true, 0x7), SEV_EARLY_STOP_SNP);
    assert_int_equal(sev_early_decide(true, 0x5), SEV_EARLY_STOP_SNP);
    /* a Google Cloud style SNP guest with DebugSwap (bit 7) */
    assert_int_equal(sev_early_decide(true, 0x87), SEV_EARLY_STOP_SNP);
}

static void test_ghcb_terminate_values(void **state)
{
    (void)state;
    assert_true(ghcb_msr_terminate(0, 0) == 0x100);
    assert_true(ghcb_msr_terminate(0, 1) == 0x10100);
    assert_true(ghcb_msr_terminate(0, 2) == 0x20100);
    assert_true(ghcb_msr_terminate(1, 0) == 0x1100);
    assert_true(ghcb_msr_terminate(0xf, 0xff) == 0xfff100);
    /* out-of-range fields are cut to their width, never spill over */
    assert_true(ghcb_msr_terminate(0x1f, 0x1ff) == 0xfff100);
}

static void test_early_stop_msr(void **state)
{
    (void)state;
    /* SEV-ES: set 0 code 1 (GHCB protocol range not supported);
     * SEV-SNP: set 0 code 2 (SNP features not supported) */
    assert_true(sev_early_stop_msr(SEV_EARLY_STOP_ES) == 0x10100);
    assert_true(sev_early_stop_msr(SEV_EARLY_STOP_SNP) == 0x20100);
    assert_true(sev_early_stop_msr(SEV_EARLY_GO) == 0);
}

static bool sim(const char *cmdline, uint64_t *v)
{
    *v = 0xdead;
    return cmdline_word_hex(cmdline, strlen(cmdline) + 1, SEV_STATUS_SIM_WORD, v);
}

static void test_sim_word(void **state)
{
    (void)state;
    uint64_t v;
    assert_true(sim("sev-status-sim=0x3", &v));
    assert_true(v == 3);
    assert_true(sim("console=com3 sev-status-sim=7 klog=com1", &v));
    assert_true(v == 7);
    assert_true(sim("sev-status-sim=0XaB", &v));
    assert_true(v == 0xab);
    assert_true(sim("sev-status-sim=ffffffffffffffff", &v));
    assert_true(v == UINT64_MAX);
}

static void test_sim_word_rejected(void **state)
{
    (void)state;
    uint64_t v;
    assert_false(sim("", &v));
    assert_false(sim("sev-sim", &v));
    assert_false(sim("xsev-status-sim=3", &v));          /* not at a word start */
    assert_false(sim("sev-status-sim=", &v));
    assert_false(sim("sev-status-sim=0x", &v));
    assert_false(sim("sev-status-sim=3z", &v));
    assert_false(sim("sev-status-sim=-1", &v));
    assert_false(sim("sev-status-sim=10000000000000000", &v)); /* 17 digits */
    assert_true(v == 0xdead);                            /* untouched */
    /* max bounds the scan: the word cut short is no word */
    const char cut[] = "sev-status-sim=3";
    assert_false(cmdline_word_hex(cut, 10, SEV_STATUS_SIM_WORD, &v));
    /* max also bounds the value: "3" is outside the first 15 bytes */
    assert_false(cmdline_word_hex(cut, 15, SEV_STATUS_SIM_WORD, &v));
    assert_true(cmdline_word_hex(cut, 16, SEV_STATUS_SIM_WORD, &v));
    assert_true(v == 3);
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
        cmocka_unit_test(test_early_msr_unreadable_goes_on),
        cmocka_unit_test(test_early_plain_sev_goes_on),
        cmocka_unit_test(test_early_es_stops),
        cmocka_unit_test(test_early_snp_stops),
        cmocka_unit_test(test_ghcb_terminate_values),
        cmocka_unit_test(test_early_stop_msr),
        cmocka_unit_test(test_sim_word),
        cmocka_unit_test(test_sim_word_rejected),
    };
    return cmocka_run_group_tests_name("sev", tests, NULL, NULL);
}
