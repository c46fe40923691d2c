/* The bodies of the Compute Engine calls cloak makes: the image, the
 * Confidential VM instance and its firewall rules (field names and enum
 * values from the v1 API description; tests/gcp/api/compute-v1.json). */
#ifndef CLOAK_TOOLS_GCP_COMPUTE_BODY_H
#define CLOAK_TOOLS_GCP_COMPUTE_BODY_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#define GCP_LABEL_CREATEDBY "cloak"

struct image_spec {
    const char *name;
    const char *source_url;     /* rawDisk.source: https://storage.googleapis.com/B/O */
};

struct instance_spec {
    const char *name;
    const char *zone;
    const char *project;
    const char *flavor;         /* machine type, e.g. n2d-standard-2 */
    const char *image;          /* image name in project */
    const char *disk_size_gb;   /* the image's size, or NULL (Google picks) */
    bool confidential;          /* confidentialInstanceType SEV */
};

/* images.insert: name, rawDisk {source, containerType TAR}, architecture
 * X86_64, guestOsFeatures UEFI_COMPATIBLE, GVNIC, SEV_CAPABLE (the kernel
 * runs plain SEV; not SEV_SNP_CAPABLE), labels createdby=cloak. */
json_t *compute_image_body(const struct image_spec *s);
/* instances.insert: see compute_body.c for every field and why. */
json_t *compute_instance_body(const struct instance_spec *s);
/* What an instance and an instance template share (InstanceProperties):
 * machine_type ("zones/Z/machineTypes/F" for an instance, the bare "F" in a
 * template), the NVMe boot disk from s->image, gVNIC, labels, the network
 * tag, and when s->confidential the SEV settings (s->name is not used). */
json_t *compute_instance_properties(const struct instance_spec *s, const char *machine_type,
                                   const char *tag);
/* firewalls.insert: INGRESS from anywhere to the instances tagged tag,
 * proto "tcp" or "udp", ports as in RunConfig.Ports ("80", "70-80"). */
json_t *compute_firewall_body(const char *name, const char *proto, char *const *ports,
                              size_t nports, const char *tag);
/* RunConfig.Ports entries ("80", "80,443", "70-80") split at commas into
 * *out (malloc'd strings); -1 with err on a bad one. */
int compute_split_ports(char *const *in, size_t n, char ***out, size_t *nout, char *err,
                        size_t errlen);
/* The firewall rule of an instance for proto: "cloak-tcp-rule-NAME". */
void compute_firewall_name(char *out, size_t len, const char *proto, const char *instance);

#endif
