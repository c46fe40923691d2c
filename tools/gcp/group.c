/* Managed instance groups (group.h). */
#define _GNU_SOURCE
#include "group.h"

#include <stdlib.h>
#include <string.h>

#include "compute.h"
#include "operation.h"

json_t *compute_group_body(const struct group_spec *s)
{
    char *desc = gcp_strf(GROUP_DESCRIPTION_PREFIX " %s, image %s", s->name, s->image);
    /* targetSize is int32 in the API: a JSON number */
    json_t *b = json_pack("{s:s, s:s, s:s, s:s, s:I}", "name", s->name, "description", desc,
                          "baseInstanceName", s->name, "instanceTemplate", s->template_ref,
                          "targetSize", (json_int_t)s->size);
    free(desc);
    return b;
}

int compute_group_insert(struct gcp *g, const struct group_spec *s)
{
    return compute_call_and_wait(g, "POST", compute_zone_url(g, "instanceGroupManagers"),
                                 compute_group_body(s), "instanceGroupManagers.insert", true);
}

/* instanceGroupManagers/NAME[SUFFIX], escaped, as a zonal URL */
static char *group_url(struct gcp *g, const char *name, const char *suffix)
{
    char *n = gcp_escape(name), *w = gcp_strf("instanceGroupManagers/%s%s", n, suffix);
    char *url = compute_zone_url(g, w);
    free(n);
    free(w);
    return url;
}

int compute_group_resize(struct gcp *g, const char *name, long size)
{
    char suffix[48];

    snprintf(suffix, sizeof suffix, "/resize?size=%ld", size);
    return compute_call_and_wait(g, "POST", group_url(g, name, suffix), NULL,
                                 "instanceGroupManagers.resize", true);
}

int compute_group_delete(struct gcp *g, const char *name)
{
    return compute_call_and_wait(g, "DELETE", group_url(g, name, ""), NULL,
                                 "instanceGroupManagers.delete", true);
}

/* An instance's last failed attempt to be made ("NAME: CODE: MESSAGE"):
 * how Google reports a group's instances it could not create (a quota). */
static void note_failure(json_t *mi, char *failure, size_t len)
{
    json_t *e = json_array_get(json_object_get(json_object_get(json_object_get(mi, "lastAttempt"),
                                                               "errors"), "errors"), 0);
    const char *code = json_string_value(json_object_get(e, "code"));
    const char *msg = json_string_value(json_object_get(e, "message"));
    const char *who = json_string_value(json_object_get(mi, "name"));

    if (failure[0] || (!code && !msg))
        return;
    snprintf(failure, len, "%s: %s: %s", who ? who : json_string_value(json_object_get(mi, "instance"))
             ?: "?", code ? code : "ERROR", msg ? msg : "(no message)");
}

/* "RUNNING:2 PROVISIONING:1" from every page of listManagedInstances, and
 * the first failed attempt to make one in failure ("" if none). */
static int instance_statuses(struct gcp *g, const char *name, char *out, size_t len, char *failure,
                             size_t flen)
{
    const char *names[16];
    int counts[16], kinds = 0;
    char *token = NULL;

    do {
        char *t = token ? gcp_escape(token) : NULL;
        char *url = group_url(g, name, "/listManagedInstances");
        char *full = gcp_strf("%s%s%s", url, t ? "?pageToken=" : "", t ? t : "");
        json_t *r = gcp_call(g, "POST", full, NULL, "instanceGroupManagers.listManagedInstances");
        json_t *mi;
        size_t i;
        free(url);
        free(full);
        free(t);
        free(token);
        token = NULL;
        if (!r)
            return -1;
        json_array_foreach(json_object_get(r, "managedInstances"), i, mi) {
            /* no instanceStatus yet: the instance is still being made */
            const char *st = json_string_value(json_object_get(mi, "instanceStatus"));
            st = st ? st : json_string_value(json_object_get(mi, "currentAction"));
            st = st ? st : "UNKNOWN";
            int k = 0;
            while (k < kinds && strcmp(names[k], st) != 0)
                k++;
            if (k == kinds && kinds < 16) {
                names[kinds] = strdup(st);
                counts[kinds++] = 0;
            }
            if (k < kinds)
                counts[k]++;
            note_failure(mi, failure, flen);
        }
        const char *next = json_string_value(json_object_get(r, "nextPageToken"));
        token = next ? strdup(next) : NULL;
        json_decref(r);
    } while (token);
    size_t at = 0;
    out[0] = 0;
    for (int k = 0; k < kinds; k++) {
        if (at < len)
            at += snprintf(out + at, len - at, "%s%s:%d", k ? " " : "", names[k], counts[k]);
        free((char *)names[k]);
    }
    if (!kinds)
        snprintf(out, len, "-");
    return 0;
}

static int print_group(struct gcp *g, FILE *out, json_t *m)
{
    const char *name = json_string_value(json_object_get(m, "name"));
    const char *tpl = json_string_value(json_object_get(m, "instanceTemplate"));
    const char *slash = tpl ? strrchr(tpl, '/') : NULL;
    char statuses[512], failure[1024] = "";

    if (!name || instance_statuses(g, name, statuses, sizeof statuses, failure, sizeof failure) < 0)
        return name ? -1 : 0;
    fprintf(out, "%-40s %5lld  %-40s %s\n", name,
            (long long)json_integer_value(json_object_get(m, "targetSize")),
            slash ? slash + 1 : tpl ? tpl : "-", statuses);
    if (failure[0])
        fprintf(out, "  last failed attempt: %s\n", failure);
    return 0;
}

int compute_group_list(struct gcp *g, FILE *out)
{
    char *base = compute_zone_url(g, "instanceGroupManagers"), *token = NULL;
    int rc = 0;

    do {
        char *t = token ? gcp_escape(token) : NULL;
        char *url = gcp_strf("%s%s%s", base, t ? "?pageToken=" : "", t ? t : "");
        json_t *r = gcp_call(g, "GET", url, NULL, "instanceGroupManagers.list"), *m;
        size_t i;
        free(url);
        free(t);
        free(token);
        token = NULL;
        if (!r) {
            rc = -1;
            break;
        }
        json_array_foreach(json_object_get(r, "items"), i, m) {
            const char *d = json_string_value(json_object_get(m, "description"));
            if (d && !strncmp(d, GROUP_DESCRIPTION_PREFIX " ", strlen(GROUP_DESCRIPTION_PREFIX) + 1)
                && print_group(g, out, m) < 0)
                rc = -1;
        }
        const char *next = json_string_value(json_object_get(r, "nextPageToken"));
        token = rc == 0 && next ? strdup(next) : NULL;
        json_decref(r);
    } while (token);
    free(base);
    return rc;
}
