/* Compute Engine calls: images, instances, firewall rules, the serial
 * console.  Those that change something wait for their operation. */
#ifndef CLOAK_TOOLS_GCP_COMPUTE_H
#define CLOAK_TOOLS_GCP_COMPUTE_H

#include <stdbool.h>
#include <stdio.h>

#include "compute_body.h"
#include "gcp.h"

/* For the other Compute Engine files (template.c, group.c): the URL of
 * .../projects/P/global/WHAT and .../projects/P/zones/Z/WHAT (malloc'd;
 * WHAT already escaped), and a call answering an operation followed by the
 * wait for it (takes url and body; zonal: a zone operation). */
char *compute_global_url(struct gcp *g, const char *what);
char *compute_zone_url(struct gcp *g, const char *what);
int compute_call_and_wait(struct gcp *g, const char *method, char *url, json_t *body,
                          const char *what, bool zonal);

int compute_image_insert(struct gcp *g, const struct image_spec *s);
/* GET: the image resource, or NULL (g->last_status 404: there is none). */
json_t *compute_image_get(struct gcp *g, const char *name);
/* The images labelled createdby=cloak: NAME STATUS SIZE CREATED, one a line. */
int compute_image_list(struct gcp *g, FILE *out);
int compute_image_delete(struct gcp *g, const char *name);

int compute_instance_insert(struct gcp *g, const struct instance_spec *s);
json_t *compute_instance_get(struct gcp *g, const char *name);
/* The instances labelled createdby=cloak in the zone: NAME STATUS
 * MACHINE-TYPE EXTERNAL-IP, one a line. */
int compute_instance_list(struct gcp *g, FILE *out);
/* action: "start", "stop" (POST .../NAME/ACTION) or "delete". */
int compute_instance_action(struct gcp *g, const char *name, const char *action);
/* getSerialPortOutput from byte start (NULL: the beginning). */
json_t *compute_serial_output(struct gcp *g, const char *name, int port, const char *start);

int compute_firewall_insert(struct gcp *g, json_t *body);
/* missing_ok: a 404 is no error (the rule was never made). */
/* DELETE of global resource collection/name ("firewalls", "instanceTemplates"),
 * waiting for its operation; a missing one is 0 when missing_ok. */
int compute_global_delete(struct gcp *g, const char *collection, const char *name,
                          bool missing_ok);
int compute_firewall_delete(struct gcp *g, const char *name, bool missing_ok);

#endif
