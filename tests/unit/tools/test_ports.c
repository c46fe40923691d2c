/* tools/config/ports: the forms ops writes ports in, and every way a spec
 * can be wrong. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "../../../tools/config/ports.h"

static struct port_list l;
static char err[512];

static int add(const char *spec, bool udp)
{
    err[0] = '\0';
    return ports_add(&l, spec, udp, err, sizeof err);
}

static void expect(size_t i, unsigned host, unsigned guest, bool udp)
{
    assert_true(i < l.n);
    assert_int_equal(l.items[i].host, host);
    assert_int_equal(l.items[i].guest, guest);
    assert_int_equal(l.items[i].udp, udp);
}

static void test_forms(void **state)
{
    (void)state;
    memset(&l, 0, sizeof l);
    assert_int_equal(add("80", false), 0);
    assert_int_equal(add("443,8443", false), 0);
    assert_int_equal(add("7000-7002", false), 0);
    assert_int_equal(add("9000:90", false), 0);
    assert_int_equal(add("80", true), 0);           /* UDP 80 beside TCP 80 */
    assert_int_equal(add("65535", false), 0);
    assert_int_equal(l.n, 9);
    expect(0, 80, 80, false);
    expect(1, 443, 443, false);
    expect(2, 8443, 8443, false);
    expect(3, 7000, 7000, false);
    expect(5, 7002, 7002, false);
    expect(6, 9000, 90, false);
    expect(7, 80, 80, true);
    expect(8, 65535, 65535, false);
}

static void test_errors(void **state)
{
    static const struct {
        const char *spec, *says;
    } bad[] = {
        {"", "empty"},
        {"0", "is not a port"},
        {"65536", "is not a port"},
        {"-1", "is not a port"},
        {"http", "is not a port"},
        {"80 ", "is not a port"},
        {"8o", "is not a port"},
        {"90-80", "runs backwards"},
        {"80-", "is not a port"},
        {"80:", "is not a port"},
        {":80", "is not a port"},
        {"80:0", "is not a port"},
        {"1:2:3", "is not a port"},
        {"80,", "ends with a comma"},
        {",80", "an empty part"},
        {"80,,81", "an empty part"},
        {"80,80", "forwarded twice"},
        {"1-65535", "more than"},
    };
    (void)state;
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        memset(&l, 0, sizeof l);
        assert_int_equal(add(bad[i].spec, false), -1);
        if (!strstr(err, bad[i].says) || !strstr(err, "port \""))
            fail_msg("spec \"%s\": message \"%s\" lacks \"%s\"", bad[i].spec, err, bad[i].says);
    }
}

/* A host port forwarded twice across specs (8080 as a port and in a
 * range), and the limit of PORTS_MAX in all. */
static void test_across_specs(void **state)
{
    (void)state;
    memset(&l, 0, sizeof l);
    assert_int_equal(add("8080", false), 0);
    assert_int_equal(add("8000-8100", false), -1);
    assert_non_null(strstr(err, "host port 8080 (TCP) is forwarded twice"));
    memset(&l, 0, sizeof l);
    assert_int_equal(add("1000-1255", false), 0);
    assert_int_equal(l.n, PORTS_MAX);
    assert_int_equal(add("2000", false), -1);
    assert_non_null(strstr(err, "more than 256 forwarded ports"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_forms),
        cmocka_unit_test(test_errors),
        cmocka_unit_test(test_across_specs),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
