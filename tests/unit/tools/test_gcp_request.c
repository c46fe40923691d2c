/* Request building for Google Cloud (tools/gcp/compute_body.c, endpoint.c,
 * api_error.c): the image and instance bodies field by field, firewall
 * rules from RunConfig.Ports, names and URL escapes, and what cloak says
 * about Google's errors. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "../../../tools/gcp/api_error.h"
#include "../../../tools/gcp/compute_body.h"
#include "../../../tools/gcp/gcp.h"

static char *dump(json_t *j)
{
    char *s = json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS);
    json_decref(j);
    return s;
}

static void test_image_body(void **state)
{
    (void)state;
    struct image_spec s = {"luggage", "https://storage.googleapis.com/b/luggage.tar.gz"};
    char *got = dump(compute_image_body(&s));
    assert_string_equal(got,
        "{\"architecture\":\"X86_64\",\"guestOsFeatures\":[{\"type\":\"UEFI_COMPATIBLE\"},"
        "{\"type\":\"GVNIC\"},{\"type\":\"SEV_CAPABLE\"}],\"labels\":{\"createdby\":\"cloak\"},"
        "\"name\":\"luggage\",\"rawDisk\":{\"containerType\":\"TAR\",\"source\":"
        "\"https://storage.googleapis.com/b/luggage.tar.gz\"}}");
    free(got);
}

static void test_instance_body_confidential(void **state)
{
    (void)state;
    struct instance_spec s = {.name = "lug-1", .zone = "us-central1-a", .project = "p",
                              .flavor = "n2d-standard-2", .image = "lug", .disk_size_gb = "1",
                              .confidential = true};
    json_t *b = compute_instance_body(&s);
    json_t *disk = json_array_get(json_object_get(b, "disks"), 0);
    json_t *nic = json_array_get(json_object_get(b, "networkInterfaces"), 0);
    assert_string_equal(json_string_value(json_object_get(b, "machineType")),
                        "zones/us-central1-a/machineTypes/n2d-standard-2");
    char *cic = dump(json_incref(json_object_get(b, "confidentialInstanceConfig")));
    assert_string_equal(cic, "{\"confidentialInstanceType\":\"SEV\"}");
    free(cic);
    assert_string_equal(json_string_value(json_object_get(json_object_get(b, "scheduling"),
                                                          "onHostMaintenance")), "TERMINATE");
    assert_string_equal(json_string_value(json_object_get(disk, "interface")), "NVME");
    assert_true(json_is_true(json_object_get(disk, "boot")));
    json_t *init = json_object_get(disk, "initializeParams");
    assert_string_equal(json_string_value(json_object_get(init, "sourceImage")),
                        "projects/p/global/images/lug");
    /* int64 travels as a JSON string */
    assert_true(json_is_string(json_object_get(init, "diskSizeGb")));
    assert_string_equal(json_string_value(json_object_get(nic, "nicType")), "GVNIC");
    assert_string_equal(json_string_value(json_object_get(
        json_array_get(json_object_get(nic, "accessConfigs"), 0), "type")), "ONE_TO_ONE_NAT");
    assert_string_equal(json_string_value(json_array_get(
        json_object_get(json_object_get(b, "tags"), "items"), 0)), "lug-1");
    json_decref(b);

    s.confidential = false;
    s.disk_size_gb = NULL;
    b = compute_instance_body(&s);
    assert_null(json_object_get(b, "confidentialInstanceConfig"));
    assert_null(json_object_get(b, "scheduling"));
    assert_null(json_object_get(json_object_get(json_array_get(json_object_get(b, "disks"), 0),
                                                "initializeParams"), "diskSizeGb"));
    json_decref(b);
}

static void test_ports_and_firewall(void **state)
{
    (void)state;
    char *in[] = {"80,443", "8000-8010", " 22"}, **out, err[256];
    size_t n;
    assert_int_equal(compute_split_ports(in, 3, &out, &n, err, sizeof err), 0);
    assert_int_equal(n, 4);
    assert_string_equal(out[0], "80");
    assert_string_equal(out[1], "443");
    assert_string_equal(out[2], "8000-8010");
    assert_string_equal(out[3], "22");
    char name[128];
    compute_firewall_name(name, sizeof name, "tcp", "lug-1");
    assert_string_equal(name, "cloak-tcp-rule-lug-1");
    char *fw = dump(compute_firewall_body(name, "tcp", out, n, "lug-1"));
    assert_string_equal(fw, "{\"allowed\":[{\"IPProtocol\":\"tcp\",\"ports\":[\"80\",\"443\","
                            "\"8000-8010\",\"22\"]}],\"direction\":\"INGRESS\",\"name\":"
                            "\"cloak-tcp-rule-lug-1\",\"network\":\"global/networks/default\","
                            "\"sourceRanges\":[\"0.0.0.0/0\"],\"targetTags\":[\"lug-1\"]}");
    free(fw);
    for (size_t i = 0; i < n; i++)
        free(out[i]);
    free(out);
    const char *bad[] = {"0", "65536", "http", "80-70", "8a", "1-", ""};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        char *one[] = {(char *)bad[i]};
        assert_int_equal(compute_split_ports(one, 1, &out, &n, err, sizeof err), -1);
        for (size_t j = 0; j < n; j++)
            free(out[j]);
        free(out);
    }
}

static void test_names_and_escapes(void **state)
{
    (void)state;
    assert_true(gcp_name_ok("luggage"));
    assert_true(gcp_name_ok("a"));
    assert_true(gcp_name_ok("my-prog-2"));
    assert_false(gcp_name_ok(""));
    assert_false(gcp_name_ok("Luggage"));
    assert_false(gcp_name_ok("2prog"));
    assert_false(gcp_name_ok("prog-"));
    assert_false(gcp_name_ok("my_prog"));
    assert_false(gcp_name_ok("a123456789012345678901234567890123456789012345678901234567890123"));
    char *e = gcp_escape("dir/a b.tar.gz~");
    assert_string_equal(e, "dir%2Fa%20b.tar.gz~");
    free(e);
}

static void test_error_messages(void **state)
{
    (void)state;
    struct api_error_ctx c = {"images.insert", "proj", "sa@proj.iam.gserviceaccount.com"};
    char out[2048];
    api_error_explain(&c, 403, "{\"error\":{\"code\":403,\"status\":\"PERMISSION_DENIED\","
                      "\"message\":\"Required 'compute.images.create' permission\"}}",
                      out, sizeof out);
    assert_non_null(strstr(out, "images.insert: HTTP 403 (PERMISSION_DENIED): Required "
                                "'compute.images.create' permission"));
    assert_non_null(strstr(out, "what to do: sa@proj.iam.gserviceaccount.com lacks a permission"));

    api_error_explain(&c, 403, "{\"error\":{\"code\":403,\"message\":\"x\",\"details\":[{"
                      "\"reason\":\"SERVICE_DISABLED\",\"metadata\":{\"service\":"
                      "\"compute.googleapis.com\"}}]}}", out, sizeof out);
    assert_non_null(strstr(out, "gcloud services enable compute.googleapis.com --project proj"));

    api_error_explain(&c, 429, "{\"error\":{\"code\":429,\"message\":\"Rate Limit Exceeded\","
                      "\"errors\":[{\"reason\":\"rateLimitExceeded\"}]}}", out, sizeof out);
    assert_non_null(strstr(out, "quota of project proj"));

    api_error_explain(&c, 502, "<html>Bad Gateway</html>", out, sizeof out);
    assert_non_null(strstr(out, "HTTP 502: <html>Bad Gateway</html>"));

    json_t *err = json_loads("{\"errors\":[{\"code\":\"QUOTA_EXCEEDED\",\"message\":\"Quota "
                             "'IMAGES' exceeded.\"}]}", 0, NULL);
    api_error_operation(&c, err, out, sizeof out);
    assert_string_equal(out, "images.insert failed: QUOTA_EXCEEDED: Quota 'IMAGES' exceeded.\n"
                             "cloak: what to do: a quota is used up: ask for more (IAM & Admin "
                             "> Quotas) or free some");
    json_decref(err);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_image_body),
        cmocka_unit_test(test_instance_body_confidential),
        cmocka_unit_test(test_ports_and_firewall),
        cmocka_unit_test(test_names_and_escapes),
        cmocka_unit_test(test_error_messages),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
