/* tools/config: the ops JSON config and its merging with flags. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "../../../tools/config/config.h"

static char err[1024];

static int load(struct cloak_config *c, const char *json)
{
    err[0] = '\0';
    return config_load_string(c, json, "cfg.json", err, sizeof err);
}

static void assert_contains(const char *hay, const char *needle)
{
    if (!strstr(hay, needle))
        fail_msg("\"%s\" does not contain \"%s\"", hay, needle);
}

static void test_all_supported_keys(void **state)
{
    struct cloak_config c;
    (void)state;

    config_init(&c);
    assert_int_equal(load(&c, "{\"Args\":[\"a\",\"b c\"],\"Env\":{\"K\":\"v\",\"E\":\"\"},"
                              "\"Files\":[\"f1\"],\"Dirs\":[\"d1\",\"d2\"],"
                              "\"MapDirs\":{\"/etc/ssl/certs/*\":\"/etc/ssl/certs\"},"
                              "\"Uefi\":true,\"RunConfig\":{\"Memory\":\"512M\"},"
                              "\"CloudConfig\":{\"ConfidentialVM\":true}}"), 0);
    assert_int_equal(c.args.n, 2);
    assert_string_equal(c.args.items[1], "b c");
    assert_int_equal(c.env.n, 2);
    assert_string_equal(config_env_get(&c, "K"), "v");
    assert_string_equal(config_env_get(&c, "E"), "");
    assert_int_equal(c.files.n, 1);
    assert_int_equal(c.dirs.n, 2);
    assert_int_equal(c.mapdirs.n, 1);
    assert_string_equal(c.mapdirs.items[0].key, "/etc/ssl/certs/*");
    assert_true(c.uefi);
    assert_true(c.confidential_vm);
    assert_string_equal(c.memory, "512M");
    assert_true(c.memory_bytes == 512ull << 20);
    assert_int_equal(c.warnings.n, 0);
    config_free(&c);
}

/* RunConfig.Accel: true by default (ops's), false from the file, null
 * leaves it; no warning, and a non-boolean is refused. */
static void test_accel(void **state)
{
    struct cloak_config c;
    (void)state;

    config_init(&c);
    assert_true(c.accel);
    assert_int_equal(load(&c, "{\"RunConfig\":{\"Accel\":false}}"), 0);
    assert_false(c.accel);
    assert_int_equal(c.warnings.n, 0);
    assert_int_equal(load(&c, "{\"RunConfig\":{\"accel\":null}}"), 0);
    assert_false(c.accel);
    assert_int_equal(load(&c, "{\"RunConfig\":{\"Accel\":true}}"), 0);
    assert_true(c.accel);
    assert_int_equal(load(&c, "{\"RunConfig\":{\"Accel\":\"kvm\"}}"), -1);
    assert_string_equal(err, "cfg.json: key \"RunConfig.Accel\" must be a boolean (true or "
                        "false), but it is a string");
    config_free(&c);
}

static void test_mounts_and_volumes(void **state)
{
    struct cloak_config c;
    char *path;
    bool ro;
    (void)state;

    config_init(&c);
    assert_int_equal(load(&c, "{\"Mounts\":{\"data\":\"/data\",\"conf\":\"/etc/app:ro\"},"
                              "\"VolumesDir\":\"/v\",\"NameServers\":[\"1.1.1.1\",\"9.9.9.9\"]}"), 0);
    assert_int_equal(c.warnings.n, 0);
    assert_int_equal(c.mounts.n, 2);
    assert_string_equal(c.mounts.items[0].key, "data");
    assert_string_equal(c.mounts.items[1].value, "/etc/app:ro");
    assert_string_equal(c.volumes_dir, "/v");
    assert_int_equal(c.nameservers.n, 2);
    /* --mount adds, and replaces a volume of the same name */
    assert_int_equal(config_add_mount_flag(&c, "data:/srv:ro", err, sizeof err), 0);
    assert_int_equal(config_add_mount_flag(&c, "logs:/var/log", err, sizeof err), 0);
    assert_int_equal(c.mounts.n, 3);
    assert_string_equal(c.mounts.items[0].value, "/srv:ro");
    assert_string_equal(c.mounts.items[2].key, "logs");
    assert_int_equal(config_add_mount_flag(&c, "data", err, sizeof err), -1);
    assert_string_equal(err, "--mount \"data\": expected VOLUME:/path (or VOLUME:/path:ro)");
    assert_int_equal(config_add_mount_flag(&c, ":/x", err, sizeof err), -1);
    assert_int_equal(config_add_mount_flag(&c, "d:x", err, sizeof err), -1);
    assert_contains(err, "the mount point \"x\" is not an absolute path");
    config_finalize(&c);
    assert_int_equal(c.nameservers.n, 2); /* not replaced by the default */
    config_free(&c);

    assert_int_equal(config_mount_point("v", "/a/b:ro", &path, &ro, err, sizeof err), 0);
    assert_string_equal(path, "/a/b");
    assert_true(ro);
    free(path);
    assert_int_equal(config_mount_point("v", "/a:b", &path, &ro, err, sizeof err), 0 - 1);
    assert_contains(err, "has a ':' suffix");
    assert_int_equal(config_mount_point("v", "/a:rw", &path, &ro, err, sizeof err), -1);
    assert_int_equal(config_mount_point("v", "//", &path, &ro, err, sizeof err), -1);
    assert_contains(err, "cannot mount a volume over /");
    assert_int_equal(config_mount_point("v", ":ro", &path, &ro, err, sizeof err), -1);

    config_init(&c);
    assert_int_equal(load(&c, "{\"Mounts\":[\"data\"]}"), -1);
    assert_string_equal(err, "cfg.json: key \"Mounts\" must be an object with string values, "
                        "but it is an array");
    assert_int_equal(load(&c, "{\"VolumesDir\":1}"), -1);
    assert_contains(err, "key \"VolumesDir\" must be a string");
    config_finalize(&c);
    assert_int_equal(c.nameservers.n, 1);
    assert_string_equal(c.nameservers.items[0], "8.8.8.8");
    config_free(&c);
}

static void test_keys_ignore_case(void **state)
{
    struct cloak_config c;
    (void)state;

    config_init(&c);
    assert_int_equal(load(&c, "{\"args\":[\"x\"],\"ENV\":{\"A\":\"1\"},\"uefi\":true,"
                              "\"runconfig\":{\"MEMORY\":\"1G\"},"
                              "\"cloudConfig\":{\"confidentialvm\":false}}"), 0);
    assert_int_equal(c.args.n, 1);
    assert_string_equal(config_env_get(&c, "A"), "1");
    assert_true(c.uefi);
    assert_true(c.memory_bytes == 1ull << 30);
    assert_int_equal(c.warnings.n, 0);
    config_free(&c);
}

static void test_unknown_and_unsupported_keys_warn(void **state)
{
    struct cloak_config c;
    (void)state;

    config_init(&c);
    assert_int_equal(load(&c, "{\"Argz\":[], \"Klibs\":[\"ntp\"],"
                              "\"RunConfig\":{\"GPUs\":2,\"Bogus\":1},"
                              "\"CloudConfig\":{\"DomainName\":\"x\",\"Nope\":true}}"), 0);
    assert_int_equal(c.warnings.n, 6);
    assert_string_equal(c.warnings.items[0],
                        "cfg.json: unknown key \"Argz\"; ignored (ops would reject it)");
    assert_string_equal(c.warnings.items[1],
                        "cfg.json: key \"Klibs\" is not supported yet; ignored");
    assert_string_equal(c.warnings.items[2],
                        "cfg.json: key \"RunConfig.GPUs\" is not supported yet; ignored");
    assert_string_equal(c.warnings.items[3],
                        "cfg.json: unknown key \"RunConfig.Bogus\"; ignored (ops would reject it)");
    assert_string_equal(c.warnings.items[4],
                        "cfg.json: key \"CloudConfig.DomainName\" is not supported yet; ignored");
    assert_string_equal(c.warnings.items[5],
                        "cfg.json: unknown key \"CloudConfig.Nope\"; ignored (ops would reject it)");
    config_free(&c);
}

static void test_wrong_types(void **state)
{
    static const struct { const char *json, *msg; } cases[] = {
        {"{\"Args\":\"a b\"}",
         "cfg.json: key \"Args\" must be an array of strings, but it is a string"},
        {"{\"Args\":[\"a\", 2]}",
         "cfg.json: key \"Args\" must be an array of strings, but element 1 is a number"},
        {"{\"Env\":[\"A=1\"]}",
         "cfg.json: key \"Env\" must be an object with string values, but it is an array"},
        {"{\"env\":{\"A\":1}}",
         "cfg.json: key \"env\" must be an object with string values, but \"A\" is a number"},
        {"{\"Uefi\":\"yes\"}",
         "cfg.json: key \"Uefi\" must be a boolean (true or false), but it is a string"},
        {"{\"RunConfig\":[]}",
         "cfg.json: key \"RunConfig\" must be an object, but it is an array"},
        {"{\"RunConfig\":{\"Memory\":512}}",
         "cfg.json: key \"RunConfig.Memory\" must be a string (like \"512M\"), but it is a number"},
        {"{\"CloudConfig\":{\"ConfidentialVM\":1}}",
         "cfg.json: key \"CloudConfig.ConfidentialVM\" must be a boolean (true or false), "
         "but it is a number"},
        {"{\"Files\":{}}",
         "cfg.json: key \"Files\" must be an array of strings, but it is an object"},
        {"[1]", "cfg.json: the configuration must be a JSON object ({...}), but it is an array"},
    };
    (void)state;

    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct cloak_config c;
        config_init(&c);
        assert_int_equal(load(&c, cases[i].json), -1);
        assert_string_equal(err, cases[i].msg);
        config_free(&c);
    }
}

static void test_syntax_error_location(void **state)
{
    struct cloak_config c;
    (void)state;

    config_init(&c);
    assert_int_equal(load(&c, "{\n  \"Args\": [\"a\"],\n  \"Env\": {\"A\" \"b\"}\n}\n"), -1);
    assert_contains(err, "cfg.json:3:");
    assert_contains(err, "JSON syntax error");
    config_free(&c);

    config_init(&c);
    assert_int_equal(load(&c, "{\"Args\": [\"a\"]"), -1);
    assert_contains(err, "cfg.json:1:");
    config_free(&c);
}

static void test_memory_sizes(void **state)
{
    static const struct { const char *s; uint64_t bytes; } good[] = {
        {"64M", 64ull << 20}, {"1G", 1ull << 30}, {"512m", 512ull << 20}, {"2g", 2ull << 30},
        {"2048", 2048ull << 20}, {"65536K", 64ull << 20}, {"1GiB", 1ull << 30},
        {"128MB", 128ull << 20}, {"1T", 1ull << 40},
    };
    static const char *const bad[] = {
        "", "M", "-1G", "1.5G", "12X", "0", "0M", "1 G", "G1", "1GG", "99999999999999999999999",
        "18446744073709551615G",
    };
    uint64_t b;
    (void)state;

    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
        assert_int_equal(config_parse_memory(good[i].s, &b), 0);
        assert_true(b == good[i].bytes);
    }
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        if (config_parse_memory(bad[i], &b) == 0)
            fail_msg("\"%s\" parsed as %llu", bad[i], (unsigned long long)b);
    }
}

static void test_memory_limits(void **state)
{
    struct cloak_config c;
    (void)state;

    config_init(&c);
    assert_string_equal(c.memory, "128M");
    assert_true(c.memory_bytes == 128ull << 20);
    assert_int_equal(config_set_memory(&c, "12X", "-m", err, sizeof err), -1);
    assert_string_equal(err, "-m: \"12X\" is not a memory size (use a number with an M or G "
                        "suffix, like 512M or 2G)");
    assert_int_equal(config_set_memory(&c, "3M", "-m", err, sizeof err), -1);
    assert_contains(err, "too small");
    assert_int_equal(config_set_memory(&c, "1000K", "-m", err, sizeof err), -1);
    assert_contains(err, "whole number of MiB");
    assert_int_equal(config_set_memory(&c, "2T", "-m", err, sizeof err), -1);
    assert_contains(err, "too large");
    assert_true(c.memory_bytes == 128ull << 20); /* unchanged by the failures */
    assert_int_equal(load(&c, "{\"RunConfig\":{\"Memory\":\"lots\"}}"), -1);
    assert_string_equal(err, "cfg.json: key \"RunConfig.Memory\": \"lots\" is not a memory size "
                        "(use a number with an M or G suffix, like 512M or 2G)");
    config_free(&c);
}

static void test_cpus(void **state)
{
    struct cloak_config c;
    (void)state;

    config_init(&c);
    assert_int_equal(c.cpus, 1);                        /* ops's default */
    assert_int_equal(load(&c, "{\"RunConfig\":{\"CPUs\":4}}"), 0);
    assert_int_equal(c.cpus, 4);
    assert_int_equal(c.warnings.n, 0);                  /* no longer "not supported" */
    assert_int_equal(load(&c, "{\"runconfig\":{\"cpus\":64}}"), 0);
    assert_int_equal(c.cpus, 64);
    assert_int_equal(load(&c, "{\"RunConfig\":{\"CPUs\":null}}"), 0);
    assert_int_equal(c.cpus, 64);                       /* null leaves it, like Go */
    static const struct { const char *json, *msg; } bad[] = {
        {"{\"RunConfig\":{\"CPUs\":0}}",
         "cfg.json: key \"RunConfig.CPUs\": 0 CPUs is out of range: give 1 to 64"},
        {"{\"RunConfig\":{\"CPUs\":65}}",
         "cfg.json: key \"RunConfig.CPUs\": 65 CPUs is out of range: give 1 to 64"},
        {"{\"RunConfig\":{\"CPUs\":-2}}",
         "cfg.json: key \"RunConfig.CPUs\": -2 CPUs is out of range: give 1 to 64"},
        {"{\"RunConfig\":{\"CPUs\":\"4\"}}",
         "cfg.json: key \"RunConfig.CPUs\" must be a whole number (of CPUs, 1 to 64), "
         "but it is a string"},
        {"{\"RunConfig\":{\"CPUs\":2.5}}",
         "cfg.json: key \"RunConfig.CPUs\" must be a whole number (of CPUs, 1 to 64), "
         "but it is a number with a fraction"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        assert_int_equal(load(&c, bad[i].json), -1);
        assert_string_equal(err, bad[i].msg);
        assert_int_equal(c.cpus, 64);                   /* unchanged by the failures */
    }
    /* --smp: the flag's text */
    assert_int_equal(config_set_cpus(&c, "2", "--smp", err, sizeof err), 0);
    assert_int_equal(c.cpus, 2);
    static const char *const bad_flags[] = { "", "abc", "2x", "-1", "+3", " 3", "1.0",
                                             "99999999999999999999999" };
    for (size_t i = 0; i < sizeof bad_flags / sizeof bad_flags[0]; i++) {
        if (config_set_cpus(&c, bad_flags[i], "--smp", err, sizeof err) != -1)
            fail_msg("--smp \"%s\" accepted", bad_flags[i]);
        assert_int_equal(c.cpus, 2);
    }
    assert_int_equal(config_set_cpus(&c, "abc", "--smp", err, sizeof err), -1);
    assert_string_equal(err, "--smp: \"abc\" is not a number of CPUs (give 1 to 64)");
    assert_int_equal(config_set_cpus(&c, "65", "--smp", err, sizeof err), -1);
    assert_string_equal(err, "--smp: 65 CPUs is out of range: give 1 to 64");
    assert_int_equal(config_set_cpus(&c, "99999999999999999999999", "--smp", err, sizeof err), -1);
    assert_contains(err, "out of range: give 1 to 64");
    assert_int_equal(config_set_cpus(&c, "64", "--smp", err, sizeof err), 0);
    assert_int_equal(c.cpus, 64);
    config_free(&c);
}

static void test_merge_order(void **state)
{
    struct cloak_config c;
    char *flag_args[] = {"x", "y"};
    (void)state;

    config_init(&c);
    assert_int_equal(load(&c, "{\"Args\":[\"a\",\"b\",\"c\"],\"Env\":{\"A\":\"file\",\"B\":\"file\"},"
                              "\"RunConfig\":{\"Memory\":\"256M\"}}"), 0);
    /* a second file decodes on top of the first, like Go: Env merges, Args replaces */
    assert_int_equal(load(&c, "{\"Env\":{\"C\":\"second\"}}"), 0);
    assert_int_equal(c.args.n, 3);
    config_set_args(&c, flag_args, 2); /* -a replaces Args */
    assert_int_equal(config_add_env_flag(&c, "B=flag", err, sizeof err), 0);
    assert_int_equal(config_add_env_flag(&c, "D=x=y", err, sizeof err), 0);
    assert_int_equal(config_add_env_flag(&c, "novalue", err, sizeof err), -1);
    assert_string_equal(err, "-e \"novalue\": expected KEY=VALUE");
    assert_int_equal(config_add_env_flag(&c, "=v", err, sizeof err), -1);
    assert_int_equal(config_set_memory(&c, "1G", "-m", err, sizeof err), 0);
    config_finalize(&c);

    assert_int_equal(c.args.n, 2);
    assert_string_equal(c.args.items[0], "x");
    assert_string_equal(c.args.items[1], "y");
    assert_int_equal(c.env.n, 6);
    const char *order[][2] = {{"A", "file"}, {"B", "flag"}, {"C", "second"}, {"D", "x=y"},
                              {"USER", "root"}, {"PWD", "/"}};
    for (size_t i = 0; i < 6; i++) {
        assert_string_equal(c.env.items[i].key, order[i][0]);
        assert_string_equal(c.env.items[i].value, order[i][1]);
    }
    assert_true(c.memory_bytes == 1ull << 30);
    config_free(&c);
}

static void test_finalize(void **state)
{
    struct cloak_config c;
    (void)state;

    config_init(&c);
    assert_int_equal(load(&c, "{\"Env\":{\"USER\":\"alice\"},"
                              "\"CloudConfig\":{\"ConfidentialVM\":true}}"), 0);
    assert_false(c.uefi);
    config_finalize(&c);
    assert_true(c.uefi); /* ConfidentialVM implies Uefi, as in ops */
    assert_string_equal(config_env_get(&c, "USER"), "alice");
    assert_string_equal(config_env_get(&c, "PWD"), "/");
    config_free(&c);
}

static void test_load_file(void **state)
{
    struct cloak_config c;
    char dir[] = "/tmp/cloak-test-XXXXXX", path[256];
    FILE *f;
    (void)state;

    assert_non_null(mkdtemp(dir));
    snprintf(path, sizeof path, "%s/ops.json", dir);
    f = fopen(path, "w");
    assert_non_null(f);
    fputs("{\n  \"Args\": [\"1\"],\n  \"Env\": 3\n}\n", f);
    fclose(f);
    config_init(&c);
    assert_int_equal(config_load_file(&c, path, err, sizeof err), -1);
    assert_contains(err, path);
    assert_contains(err, "\"Env\"");

    f = fopen(path, "w");
    fputs("{\"Args\": [\"1\"]}", f);
    fclose(f);
    assert_int_equal(config_load_file(&c, path, err, sizeof err), 0);
    assert_string_equal(c.files_parent_dir, dir);
    unlink(path);
    rmdir(dir);
    assert_int_equal(config_load_file(&c, path, err, sizeof err), -1);
    assert_contains(err, "cannot read config");
    config_free(&c);
}

/* RunConfig.IPAddress, NetMask, Gateway, IPv6Address, TapName. */
static void test_static_addresses(void **state)
{
    struct cloak_config c;
    (void)state;

    config_init(&c);
    assert_int_equal(load(&c, "{\"RunConfig\":{\"IPAddress\":\"192.168.1.20\","
                              "\"Gateway\":\"192.168.1.1\",\"IPv6Address\":\"fd00::20\","
                              "\"TapName\":\"tap0\",\"NetMask\":\"\"}}"), 0);
    assert_int_equal(c.warnings.n, 0);
    assert_string_equal(c.ip_address, "192.168.1.20");
    assert_string_equal(c.gateway, "192.168.1.1");
    assert_string_equal(c.ipv6_address, "fd00::20");
    assert_string_equal(c.tap_name, "tap0");
    assert_null(c.netmask);                 /* "" is ops's "not set" */
    assert_int_equal(config_check_net(&c, err, sizeof err), 0);
    assert_string_equal(c.netmask, "255.255.255.0");
    /* a flag over the file */
    assert_int_equal(config_set_net(&c, "NetMask", "255.255.0.0", "--netmask", err, sizeof err), 0);
    assert_string_equal(c.netmask, "255.255.0.0");
    assert_int_equal(config_check_net(&c, err, sizeof err), 0);
    config_free(&c);

    static const struct { const char *json, *msg; } bad[] = {
        {"{\"RunConfig\":{\"IPAddress\":\"1.2.3\"}}",
         "cfg.json: key \"RunConfig.IPAddress\": \"1.2.3\" is not an IPv4 address"},
        {"{\"RunConfig\":{\"IPAddress\":\"224.0.0.1\"}}", "cannot be the guest's address"},
        {"{\"RunConfig\":{\"NetMask\":\"255.255.0.255\"}}", "\"255.255.0.255\" is not a netmask"},
        {"{\"RunConfig\":{\"NetMask\":\"0.0.0.0\"}}", "is not a netmask"},
        {"{\"RunConfig\":{\"Gateway\":\"gw\"}}", "key \"RunConfig.Gateway\": \"gw\""},
        {"{\"RunConfig\":{\"IPv6Address\":\"10.0.2.15\"}}", "is not an IPv6 address"},
        {"{\"RunConfig\":{\"TapName\":\"a-very-long-tap-name\"}}", "not a network interface name"},
        {"{\"RunConfig\":{\"IPAddress\":[\"10.0.2.15\"]}}", "must be a string, but it is an array"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        config_init(&c);
        assert_int_equal(load(&c, bad[i].json), -1);
        assert_contains(err, bad[i].msg);
        config_free(&c);
    }

    static const struct { const char *ip, *mask, *gw, *msg; } combos[] = {
        {NULL, NULL, "10.0.2.2", "Gateway (--gateway) \"10.0.2.2\" is given without IPAddress"},
        {NULL, "255.255.255.0", NULL, "NetMask (--netmask) \"255.255.255.0\" is given without"},
        {"10.0.2.0", NULL, NULL, "the network's own address or its broadcast address"},
        {"10.0.2.255", NULL, NULL, "broadcast"},
        {"10.0.2.15", NULL, "10.0.3.1", "Gateway \"10.0.3.1\" is not another address"},
        {"10.0.2.15", NULL, "10.0.2.15", "is not another address"},
    };
    for (size_t i = 0; i < sizeof combos / sizeof combos[0]; i++) {
        config_init(&c);
        if (combos[i].ip)
            assert_int_equal(config_set_net(&c, "IPAddress", combos[i].ip, "-", err, sizeof err), 0);
        if (combos[i].mask)
            assert_int_equal(config_set_net(&c, "NetMask", combos[i].mask, "-", err, sizeof err), 0);
        if (combos[i].gw)
            assert_int_equal(config_set_net(&c, "Gateway", combos[i].gw, "-", err, sizeof err), 0);
        assert_int_equal(config_check_net(&c, err, sizeof err), -1);
        assert_contains(err, combos[i].msg);
        config_free(&c);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_all_supported_keys),
        cmocka_unit_test(test_static_addresses),
        cmocka_unit_test(test_accel),
        cmocka_unit_test(test_keys_ignore_case),
        cmocka_unit_test(test_mounts_and_volumes),
        cmocka_unit_test(test_unknown_and_unsupported_keys_warn),
        cmocka_unit_test(test_wrong_types),
        cmocka_unit_test(test_syntax_error_location),
        cmocka_unit_test(test_memory_sizes),
        cmocka_unit_test(test_memory_limits),
        cmocka_unit_test(test_cpus),
        cmocka_unit_test(test_merge_order),
        cmocka_unit_test(test_finalize),
        cmocka_unit_test(test_load_file),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
