/* The attestation report in Cloud Logging (logging.h). */
#define _GNU_SOURCE
#include "logging.h"

#include <stdlib.h>
#include <string.h>

json_t *logging_attestation_entry(struct gcp *g, const char *instance_id)
{
    char *project = gcp_strf("projects/%s", g->project);
    char *filter = gcp_strf(
        "resource.type=\"gce_instance\" AND resource.labels.instance_id=\"%s\" AND "
        "logName=\"projects/%s/logs/compute.googleapis.com%%2Fshielded_vm_integrity\" AND "
        "jsonPayload.sevLaunchAttestationReportEvent:*", instance_id, g->project);
    json_t *body = json_pack("{s:[s], s:s, s:s, s:i}", "resourceNames", project,
                             "filter", filter, "orderBy", "timestamp desc", "pageSize", 10);
    char *url = gcp_strf("%sv2/entries:list", g->ep.logging);
    json_t *r = gcp_call(g, "POST", url, body, "logging.entries.list"), *entry = NULL;

    if (r && !g->dry_run) {
        entry = json_incref(json_array_get(json_object_get(r, "entries"), 0));
        if (!entry)
            gcp_fail(g, "no launch attestation report (sevLaunchAttestationReportEvent) for "
                     "instance id %s in Cloud Logging\ncloak: what to do: a report is written "
                     "at each boot of a Confidential VM with integrity monitoring; wait a "
                     "minute after the start, and check that the instance is confidential", 
                     instance_id);
    }
    json_decref(r);
    json_decref(body);
    free(url);
    free(filter);
    free(project);
    return entry;
}

static const char *yes_no(json_t *v)
{
    return json_is_true(v) ? "true" : json_is_false(v) ? "false" : "(absent)";
}

int logging_attestation_verdict(json_t *entry, FILE *out)
{
    json_t *ev = json_object_get(json_object_get(entry, "jsonPayload"),
                                 "sevLaunchAttestationReportEvent");
    json_t *passed = json_object_get(ev, "integrityEvaluationPassed");
    json_t *policy = json_object_get(ev, "sevPolicy");
    json_t *debug = json_object_get(policy, "debugEnabled");
    json_t *v;
    const char *k;
    bool measured = false;

    fprintf(out, "timestamp: %s\n", json_string_value(json_object_get(entry, "timestamp"))
                                        ? json_string_value(json_object_get(entry, "timestamp"))
                                        : "(absent)");
    fprintf(out, "integrityEvaluationPassed: %s\n", yes_no(passed));
    fprintf(out, "sevPolicy:\n");
    json_object_foreach(policy, k, v) {
        char *s = json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT);
        fprintf(out, "  %s: %s\n", k, s ? s : "?");
        free(s);
    }
    /* any other field of the event (a measurement, when Google gives one) */
    json_object_foreach(ev, k, v) {
        if (!strcmp(k, "integrityEvaluationPassed") || !strcmp(k, "sevPolicy"))
            continue;
        char *s = json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT);
        fprintf(out, "%s: %s\n", k, s ? s : "?");
        measured |= strcasestr(k, "measurement") != NULL;
        free(s);
    }
    if (!measured)
        fprintf(out, "measurement: (not in the event)\n");
    bool ok = json_is_true(passed) && !json_is_true(debug);
    fprintf(out, "verdict: %s\n", ok ? "PASS (integrity passed; the SEV policy forbids debugging)"
                                     : !json_is_true(passed)
                                           ? "FAIL (integrityEvaluationPassed is not true)"
                                           : "FAIL (the SEV policy allows debugging: the "
                                             "hypervisor may read the guest's memory)");
    return ok ? 0 : 1;
}
