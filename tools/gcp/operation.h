/* Compute Engine operations: every insert, delete, start and stop answers
 * with one, PENDING, then RUNNING, then DONE; a DONE operation may still
 * carry error.errors[]. */
#ifndef CLOAK_TOOLS_GCP_OPERATION_H
#define CLOAK_TOOLS_GCP_OPERATION_H

#include "gcp.h"

/* Reads op again every g->poll_ms until DONE (zone NULL: a global
 * operation), saying each change of status on stderr.  0 when it ended
 * without error; -1 with g->err (its errors and what to do) otherwise.
 * Under --dry-run prints the read it would repeat. */
int gcp_wait(struct gcp *g, json_t *op, const char *zone, const char *what);

#endif
