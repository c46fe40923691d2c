/* The Google Cloud keys of the configuration (gcp_config.h). */
#define _GNU_SOURCE
#include "gcp_config.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "gcp.h"

/* obj[key], the key matched case-insensitively (exact match first). */
static json_t *get_ci(json_t *obj, const char *key)
{
    const char *k;
    json_t *v, *found = json_object_get(obj, key);

    if (found || !json_is_object(obj))
        return found;
    json_object_foreach(obj, k, v)
        if (!strcasecmp(k, key))
            found = v;
    return found;
}

static int get_str(json_t *obj, const char *parent, const char *key, char **out, char *err,
                   size_t errlen)
{
    json_t *v = get_ci(obj, key);

    if (!v || json_is_null(v))
        return 0;
    if (!json_is_string(v)) {
        snprintf(err, errlen, "%s.%s must be a string", parent, key);
        return -1;
    }
    free(*out);
    *out = json_string_value(v)[0] ? strdup(json_string_value(v)) : NULL;
    return 0;
}

static int get_list(json_t *obj, const char *parent, const char *key, char ***out, size_t *n,
                    char *err, size_t errlen)
{
    json_t *v = get_ci(obj, key), *x;
    size_t i;

    if (!v || json_is_null(v))
        return 0;
    if (!json_is_array(v)) {
        snprintf(err, errlen, "%s.%s must be a list of strings, like [\"80\", \"443\"]", parent, key);
        return -1;
    }
    json_array_foreach(v, i, x) {
        if (!json_is_string(x)) {
            snprintf(err, errlen, "%s.%s[%zu] must be a string", parent, key, i);
            return -1;
        }
        *out = realloc(*out, (*n + 1) * sizeof **out);
        (*out)[(*n)++] = strdup(json_string_value(x));
    }
    return 0;
}

static int from_file(struct gcp_settings *s, json_t *root, char *err, size_t errlen)
{
    json_t *cloud = get_ci(root, "CloudConfig"), *run = get_ci(root, "RunConfig");
    json_t *uefi = get_ci(root, "Uefi"), *conf = get_ci(cloud, "ConfidentialVM");

    if (uefi && json_is_boolean(uefi)) {
        s->uefi_given = true;
        s->uefi = json_is_true(uefi);
    }
    if (conf && json_is_boolean(conf))
        s->confidential = json_is_true(conf);
    if (get_str(cloud, "CloudConfig", "ProjectID", &s->project, err, errlen) < 0 ||
        get_str(cloud, "CloudConfig", "Zone", &s->zone, err, errlen) < 0 ||
        get_str(cloud, "CloudConfig", "BucketName", &s->bucket, err, errlen) < 0 ||
        get_str(cloud, "CloudConfig", "ImageName", &s->image_name, err, errlen) < 0 ||
        get_str(cloud, "CloudConfig", "Flavor", &s->flavor, err, errlen) < 0 ||
        get_str(run, "RunConfig", "InstanceName", &s->instance_name, err, errlen) < 0 ||
        get_list(run, "RunConfig", "Ports", &s->ports, &s->nports, err, errlen) < 0 ||
        get_list(run, "RunConfig", "UDPPorts", &s->udp_ports, &s->nudp_ports, err, errlen) < 0)
        return -1;
    return 0;
}

static void from_env(char **field, const char *var)
{
    const char *v = getenv(var);
    if (!*field && v && *v)
        *field = strdup(v);
}

int gcp_settings_load(struct gcp_settings *s, const char *path, char *err, size_t errlen)
{
    memset(s, 0, sizeof *s);
    if (path) {
        json_error_t je;
        json_t *root = json_load_file(path, 0, &je);
        if (!root) {
            snprintf(err, errlen, "%s:%d:%d: %s", path, je.line, je.column, je.text);
            return -1;
        }
        int rc = from_file(s, root, err, errlen);
        json_decref(root);
        if (rc < 0) {
            char msg[512];
            snprintf(msg, sizeof msg, "%s", err);
            snprintf(err, errlen, "%s: %s", path, msg);
            return -1;
        }
    }
    from_env(&s->project, "GOOGLE_CLOUD_PROJECT");
    from_env(&s->zone, "GOOGLE_CLOUD_ZONE");
    if (!s->project)
        s->project = gcp_key_file_project();
    return 0;
}

static void free_list(char **l, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(l[i]);
    free(l);
}

void gcp_settings_free(struct gcp_settings *s)
{
    free(s->project);
    free(s->zone);
    free(s->bucket);
    free(s->image_name);
    free(s->flavor);
    free(s->instance_name);
    free_list(s->ports, s->nports);
    free_list(s->udp_ports, s->nudp_ports);
    memset(s, 0, sizeof *s);
}
