/* Request bodies for Compute Engine (compute_body.h). */
#define _GNU_SOURCE
#include "compute_body.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

json_t *compute_image_body(const struct image_spec *s)
{
    return json_pack("{s:s, s:{s:s, s:s}, s:s, s:[{s:s},{s:s},{s:s}], s:{s:s}}",
                     "name", s->name,
                     "rawDisk", "source", s->source_url, "containerType", "TAR",
                     "architecture", "X86_64",
                     "guestOsFeatures", "type", "UEFI_COMPATIBLE", "type", "GVNIC",
                     "type", "SEV_CAPABLE",
                     "labels", "createdby", GCP_LABEL_CREATEDBY);
}

/* The boot disk: NVMe (a Confidential VM has no SCSI), made from the image,
 * deleted with the instance. */
static json_t *boot_disk(const struct instance_spec *s)
{
    char *src = NULL;

    if (asprintf(&src, "projects/%s/global/images/%s", s->project, s->image) < 0)
        return NULL;
    json_t *init = json_pack("{s:s}", "sourceImage", src);
    if (s->disk_size_gb)
        json_object_set_new(init, "diskSizeGb", json_string(s->disk_size_gb)); /* int64: a string */
    free(src);
    return json_pack("[{s:b, s:b, s:s, s:s, s:s, s:o}]", "boot", 1, "autoDelete", 1,
                     "type", "PERSISTENT", "mode", "READ_WRITE", "interface", "NVME",
                     "initializeParams", init);
}

json_t *compute_instance_properties(const struct instance_spec *s, const char *machine_type,
                                   const char *tag)
{
    json_t *b = json_pack(
        "{s:s, s:o,"
        " s:[{s:s, s:s, s:[{s:s, s:s, s:s}]}],"
        " s:{s:s, s:s}, s:{s:[s]}}",
        "machineType", machine_type, "disks", boot_disk(s),
        /* gVNIC, with an external address */
        "networkInterfaces", "network", "global/networks/default", "nicType", "GVNIC",
        "accessConfigs", "name", "External NAT", "type", "ONE_TO_ONE_NAT",
        "networkTier", "PREMIUM",
        "labels", "createdby", GCP_LABEL_CREATEDBY, "image", s->image,
        "tags", "items", tag);
    if (s->confidential) {
        json_object_set_new(b, "confidentialInstanceConfig",
                            json_pack("{s:s}", "confidentialInstanceType", "SEV"));
        /* no live migration for plain SEV without SEV_LIVE_MIGRATABLE_V2 */
        json_object_set_new(b, "scheduling", json_pack("{s:s, s:b}", "onHostMaintenance",
                                                       "TERMINATE", "automaticRestart", 1));
        /* integrity monitoring writes the launch attestation report to
         * Cloud Logging; Secure Boot stays off (cloak's loader is not
         * signed by a CA in the default UEFI db) */
        json_object_set_new(b, "shieldedInstanceConfig",
                            json_pack("{s:b, s:b, s:b}", "enableSecureBoot", 0, "enableVtpm", 1,
                                      "enableIntegrityMonitoring", 1));
    }
    return b;
}

json_t *compute_instance_body(const struct instance_spec *s)
{
    char *mt = NULL;

    if (asprintf(&mt, "zones/%s/machineTypes/%s", s->zone, s->flavor) < 0)
        return NULL;
    /* the instance's own name as its tag: its firewall rules apply to it alone */
    json_t *props = compute_instance_properties(s, mt, s->name);
    json_t *b = json_pack("{s:s}", "name", s->name);
    json_object_update(b, props);
    json_decref(props);
    free(mt);
    return b;
}

json_t *compute_firewall_body(const char *name, const char *proto, char *const *ports,
                              size_t nports, const char *tag)
{
    json_t *p = json_array();

    for (size_t i = 0; i < nports; i++)
        json_array_append_new(p, json_string(ports[i]));
    return json_pack("{s:s, s:s, s:s, s:[{s:s, s:o}], s:[s], s:[s]}",
                     "name", name, "network", "global/networks/default", "direction", "INGRESS",
                     "allowed", "IPProtocol", proto, "ports", p,
                     "sourceRanges", "0.0.0.0/0", "targetTags", tag);
}

static bool port_ok(const char *s, char **end)
{
    unsigned long v = strtoul(s, end, 10);
    return *end != s && *s >= '0' && *s <= '9' && v >= 1 && v <= 65535;
}

/* "80" or "70-80" */
static bool entry_ok(const char *s)
{
    char *end;

    if (!port_ok(s, &end))
        return false;
    if (*end == '-') {
        unsigned long lo = strtoul(s, NULL, 10);
        if (!port_ok(end + 1, &end) || strtoul(strchr(s, '-') + 1, NULL, 10) < lo)
            return false;
    }
    return *end == 0;
}

int compute_split_ports(char *const *in, size_t n, char ***out, size_t *nout, char *err,
                        size_t errlen)
{
    *out = NULL;
    *nout = 0;
    for (size_t i = 0; i < n; i++) {
        char *copy = strdup(in[i]), *save = NULL;
        if (!strpbrk(copy, "0123456789")) {
            snprintf(err, errlen, "port \"%s\": give a port from 1 to 65535 or a range like "
                     "70-80", in[i]);
            free(copy);
            return -1;
        }
        for (char *t = strtok_r(copy, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
            while (*t == ' ')
                t++;
            if (!entry_ok(t)) {
                snprintf(err, errlen, "port \"%s\" (in \"%s\"): give a port from 1 to 65535 "
                         "or a range like 70-80", t, in[i]);
                free(copy);
                return -1;
            }
            *out = realloc(*out, (*nout + 1) * sizeof **out);
            (*out)[(*nout)++] = strdup(t);
        }
        free(copy);
    }
    return 0;
}

void compute_firewall_name(char *out, size_t len, const char *proto, const char *instance)
{
    snprintf(out, len, "cloak-%s-rule-%s", proto, instance);
}
