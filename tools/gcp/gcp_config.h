/* The keys of the ops configuration the Google Cloud commands read
 * (docs/config.md): CloudConfig ProjectID, Zone, BucketName, ImageName,
 * Flavor, ConfidentialVM; RunConfig Ports, UDPPorts, InstanceName; Uefi.
 * Keys match case-insensitively, as in ops.  tools/config reads the rest. */
#ifndef CLOAK_TOOLS_GCP_CONFIG_H
#define CLOAK_TOOLS_GCP_CONFIG_H

#include <stdbool.h>
#include <stddef.h>

struct gcp_settings {
    char *project, *zone, *bucket, *image_name, *flavor, *instance_name;
    bool confidential;
    bool uefi_given, uefi;          /* "Uefi" in the file, and its value */
    char **ports, **udp_ports;      /* as written: "80", "80,443", "70-80" */
    size_t nports, nudp_ports;
};

/* path NULL: nothing from a file.  Then the environment where the file is
 * silent: GOOGLE_CLOUD_PROJECT, GOOGLE_CLOUD_ZONE, and the project of the
 * service-account key.  -1 with err on an unreadable file or a wrong type. */
int gcp_settings_load(struct gcp_settings *s, const char *path, char *err, size_t errlen);
void gcp_settings_free(struct gcp_settings *s);

#endif
