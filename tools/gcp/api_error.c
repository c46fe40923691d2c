/* Google's errors and what to do (api_error.h). */
#define _GNU_SOURCE
#include "api_error.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

struct google_error {
    const char *message, *status, *reason, *service, *activation;
};

static void read_error(json_t *root, struct google_error *e)
{
    json_t *err = json_object_get(root, "error");
    json_t *x;
    size_t i;

    memset(e, 0, sizeof *e);
    if (json_is_string(err)) { /* the OAuth token endpoint */
        e->status = json_string_value(err);
        e->message = json_string_value(json_object_get(root, "error_description"));
        return;
    }
    e->message = json_string_value(json_object_get(err, "message"));
    e->status = json_string_value(json_object_get(err, "status"));
    json_array_foreach(json_object_get(err, "errors"), i, x)
        if (!e->reason)
            e->reason = json_string_value(json_object_get(x, "reason"));
    json_array_foreach(json_object_get(err, "details"), i, x) {
        const char *r = json_string_value(json_object_get(x, "reason"));
        json_t *md = json_object_get(x, "metadata");
        if (r && !strcmp(r, "SERVICE_DISABLED")) {
            e->reason = r;
            e->service = json_string_value(json_object_get(md, "service"));
            e->activation = json_string_value(json_object_get(md, "activationUrl"));
        } else if (r && !e->reason) {
            e->reason = r;
        }
    }
}

static bool has(const char *s, const char *needle)
{
    return s && needle && strcasestr(s, needle);
}

/* The service a call belongs to, for "enable the API" advice. */
static const char *service_of(const char *what)
{
    if (!strncmp(what, "storage.", 8))
        return "storage.googleapis.com";
    if (!strncmp(what, "logging.", 8))
        return "logging.googleapis.com";
    return "compute.googleapis.com";
}

static void advice(const struct api_error_ctx *c, long status, const struct google_error *e,
                   char *out, size_t len)
{
    const char *p = c->project ? c->project : "PROJECT";
    const char *who = c->account ? c->account : "the account cloak used";

    if (has(e->reason, "SERVICE_DISABLED") || has(e->reason, "accessNotConfigured") ||
        has(e->message, "has not been used in project") || has(e->message, "is disabled"))
        snprintf(out, len, "enable the API: `gcloud services enable %s --project %s`%s%s, "
                 "wait a minute, and try again", e->service ? e->service : service_of(c->what),
                 p, e->activation ? " or open " : "", e->activation ? e->activation : "");
    else if (status == 429 || has(e->reason, "quota") || has(e->reason, "rateLimit") ||
             has(e->status, "RESOURCE_EXHAUSTED"))
        snprintf(out, len, "a quota of project %s is used up: wait and try again, or ask for "
                 "more under IAM & Admin > Quotas in the console", p);
    else if (status == 401 || has(e->status, "UNAUTHENTICATED") || has(e->status, "invalid_grant"))
        snprintf(out, len, "the credentials were refused: check the key named by "
                 "GOOGLE_APPLICATION_CREDENTIALS (not revoked? this machine's clock right?) "
                 "or run `gcloud auth login`");
    else if (status == 403)
        snprintf(out, len, "%s lacks a permission on project %s: grant it a role that has it "
                 "(for cloak: roles/compute.instanceAdmin.v1, roles/compute.storageAdmin, "
                 "roles/compute.securityAdmin for firewalls, roles/storage.admin, "
                 "roles/logging.viewer), e.g. `gcloud projects add-iam-policy-binding %s "
                 "--member serviceAccount:%s --role ROLE`", who, p, p, who);
    else if (status == 404)
        snprintf(out, len, "check the name, ProjectID (%s) and Zone (`cloak image list`, "
                 "`cloak instance list` show what there is)", p);
    else if (status == 409)
        snprintf(out, len, "the name is taken: delete the old one or choose another name");
    else if (status == 400)
        snprintf(out, len, "Google refused the request as invalid; the message above says "
                 "which field");
    else if (status >= 500)
        snprintf(out, len, "Google's service failed even after retries; try again later");
    else
        *out = 0;
}

void api_error_explain(const struct api_error_ctx *c, long status, const char *body,
                       char *out, size_t outlen)
{
    json_t *root = body ? json_loads(body, 0, NULL) : NULL;
    struct google_error e;
    char what_to_do[1024];

    read_error(root, &e);
    advice(c, status, &e, what_to_do, sizeof what_to_do);
    if (!e.message && body && *body)
        e.message = body; /* not Google's JSON: say what came */
    snprintf(out, outlen, "%s: HTTP %ld%s%s%s: %s%s%s", c->what, status,
             e.status ? " (" : "", e.status ? e.status : "", e.status ? ")" : "",
             e.message ? e.message : "no message", *what_to_do ? "\ncloak: what to do: " : "",
             what_to_do);
    json_decref(root);
}

static const char *operation_advice(const char *code)
{
    if (has(code, "QUOTA"))
        return "a quota is used up: ask for more (IAM & Admin > Quotas) or free some";
    if (has(code, "RESOURCE_POOL_EXHAUSTED") || has(code, "STOCKOUT"))
        return "the zone has no capacity for this machine type now: try another Zone or later";
    if (has(code, "CONFIDENTIAL") || has(code, "UNSUPPORTED_OPERATION"))
        return "check that the Flavor is an AMD machine type (n2d-*, c2d-*, c3d-*) in a zone "
               "that offers Confidential VMs, and that the image has SEV_CAPABLE";
    if (has(code, "IMAGE") || has(code, "INVALID"))
        return "check the image: a tar.gz holding disk.raw, a whole number of GiB, bootable";
    return NULL;
}

void api_error_operation(const struct api_error_ctx *c, json_t *error, char *out,
                         size_t outlen)
{
    size_t i, n = 0;
    json_t *x;
    const char *advice = NULL;

    n += (size_t)snprintf(out, outlen, "%s failed:", c->what);
    json_array_foreach(json_object_get(error, "errors"), i, x) {
        const char *code = json_string_value(json_object_get(x, "code"));
        const char *msg = json_string_value(json_object_get(x, "message"));
        if (n < outlen)
            n += (size_t)snprintf(out + n, outlen - n, " %s%s%s", code ? code : "ERROR",
                                  msg ? ": " : "", msg ? msg : "");
        if (!advice)
            advice = operation_advice(code);
    }
    if (advice && n < outlen)
        snprintf(out + n, outlen - n, "\ncloak: what to do: %s", advice);
}
