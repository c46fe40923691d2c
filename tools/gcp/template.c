/* Instance templates (template.h). */
#define _GNU_SOURCE
#include "template.h"

#include <stdio.h>
#include <stdlib.h>

#include "compute.h"
#include "operation.h"

void compute_template_name(char *out, size_t len, const char *group)
{
    snprintf(out, len, "%s-template", group);
}

json_t *compute_template_body(const char *name, const struct instance_spec *s)
{
    /* in a template the machine type is the bare name: the zone comes from
     * the group that uses it */
    json_t *props = compute_instance_properties(s, s->flavor, s->name);
    json_object_set_new(json_object_get(props, "labels"), "group", json_string(s->name));
    char *desc = gcp_strf("cloak group %s, image %s", s->name, s->image);
    json_t *b = json_pack("{s:s, s:s, s:o}", "name", name, "description", desc,
                          "properties", props);
    free(desc);
    return b;
}

int compute_template_insert(struct gcp *g, const char *name, const struct instance_spec *s)
{
    return compute_call_and_wait(g, "POST", compute_global_url(g, "instanceTemplates"),
                                 compute_template_body(name, s), "instanceTemplates.insert",
                                 false);
}

int compute_template_delete(struct gcp *g, const char *name, bool missing_ok)
{
    return compute_global_delete(g, "instanceTemplates", name, missing_ok);
}

char *compute_template_ref(const char *project, const char *name)
{
    return gcp_strf("projects/%s/global/instanceTemplates/%s", project, name);
}
