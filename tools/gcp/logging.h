/* The launch attestation of a Confidential VM, as Compute Engine writes it
 * to Cloud Logging at every boot: the newest entry of the instance's
 * shielded_vm_integrity log with a jsonPayload.sevLaunchAttestationReportEvent. */
#ifndef CLOAK_TOOLS_GCP_LOGGING_H
#define CLOAK_TOOLS_GCP_LOGGING_H

#include <stdio.h>

#include "gcp.h"

/* entries.list for the instance (its numeric id); the newest entry, or
 * NULL: g->err says why ("no report" included). */
json_t *logging_attestation_entry(struct gcp *g, const char *instance_id);
/* Prints the report's integrityEvaluationPassed, sevPolicy, measurement
 * (when the event has one) and the verdict; 0 when integrity passed and
 * the policy forbids debugging (debugEnabled false or absent), else 1. */
int logging_attestation_verdict(json_t *entry, FILE *out);

#endif
