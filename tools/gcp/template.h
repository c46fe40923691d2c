/* Instance templates (global resources): what each instance of a managed
 * instance group is made from, with the same properties `cloak instance
 * create` gives one instance (compute_instance_properties). */
#ifndef CLOAK_TOOLS_GCP_TEMPLATE_H
#define CLOAK_TOOLS_GCP_TEMPLATE_H

#include <stdbool.h>
#include <stddef.h>

#include "compute_body.h"
#include "gcp.h"

/* The template of group "NAME": "NAME-template" (a group name has at most
 * GROUP_NAME_MAX characters so that this stays a valid name). */
void compute_template_name(char *out, size_t len, const char *group);
/* instanceTemplates.insert: {name, description, properties}; s->name is
 * the group's name: the instances' network tag and their label "group". */
json_t *compute_template_body(const char *name, const struct instance_spec *s);
int compute_template_insert(struct gcp *g, const char *name, const struct instance_spec *s);
/* missing_ok: a 404 is no error (there was none). */
int compute_template_delete(struct gcp *g, const char *name, bool missing_ok);
/* .../projects/P/global/instanceTemplates/NAME as a group refers to it
 * (a partial URL, as sourceImage is given): malloc'd. */
char *compute_template_ref(const char *project, const char *name);

#endif
