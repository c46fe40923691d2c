/* Zonal managed instance groups (instanceGroupManagers): Google's own
 * engine keeps N instances of a template running; cloak only asks it to
 * (create, resize, list, delete), it orchestrates nothing itself. */
#ifndef CLOAK_TOOLS_GCP_GROUP_H
#define CLOAK_TOOLS_GCP_GROUP_H

#include <stdbool.h>
#include <stdio.h>

#include "gcp.h"

/* baseInstanceName is at most 58 characters, and "NAME-template" must
 * stay a name (63) */
#define GROUP_NAME_MAX 54
/* a zonal group holds at most 1000 instances */
#define GROUP_SIZE_MAX 1000
/* The description cloak gives its groups; `group list` shows those only. */
#define GROUP_DESCRIPTION_PREFIX "cloak group"

struct group_spec {
    const char *name;           /* also the instances' baseInstanceName */
    const char *template_ref;   /* compute_template_ref() */
    const char *image;          /* for the description */
    long size;                  /* targetSize */
};

/* instanceGroupManagers.insert: name, description, baseInstanceName,
 * instanceTemplate, targetSize. */
json_t *compute_group_body(const struct group_spec *s);
int compute_group_insert(struct gcp *g, const struct group_spec *s);
/* instanceGroupManagers.resize?size=N */
int compute_group_resize(struct gcp *g, const char *name, long size);
/* instanceGroupManagers.delete, waiting until the group and its instances
 * are gone.  g->last_status 404: there was no such group. */
int compute_group_delete(struct gcp *g, const char *name);
/* cloak's groups in the zone, one a line: NAME TARGET-SIZE TEMPLATE and
 * the count of its instances in each status (listManagedInstances); under
 * it, if Google failed to make one of them, "  last failed attempt:
 * INSTANCE: CODE: MESSAGE" (a quota, say: the group itself was made). */
int compute_group_list(struct gcp *g, FILE *out);

#endif
