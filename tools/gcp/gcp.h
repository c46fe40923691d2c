/* The Google Cloud client of the cloak command: one connection to Compute
 * Engine v1, Cloud Storage v1 and Cloud Logging v2 with one access token.
 * Each concept has its file: endpoint.c (where the services are, URLs),
 * credentials.c and jwt.c (the token), retry.c and http.c (libcurl with
 * retries), api_error.c (Google's errors and what to do about them),
 * call.c (one JSON call, or its printout under --dry-run), storage.c
 * (bucket and upload), compute.c and compute_body.c (images, instances,
 * firewalls), operation.c (waiting for an operation), logging.c (the
 * attestation report), package.c (the tar.gz Compute Engine imports),
 * gcp_config.c (the CloudConfig keys).  Functions return -1 with a message
 * in g->err on failure. */
#ifndef CLOAK_TOOLS_GCP_H
#define CLOAK_TOOLS_GCP_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "retry.h"

#define GCP_SCOPE "https://www.googleapis.com/auth/cloud-platform"

struct gcp_endpoints {
    char compute[512];      /* ".../compute/v1/" */
    char storage[512];      /* ".../storage/v1/" */
    char upload[512];       /* ".../upload/storage/v1/" */
    char logging[512];      /* ".../" (then "v2/entries:list") */
    char storage_public[512]; /* rawDisk.source base: "https://storage.googleapis.com/" */
};

struct gcp {
    struct gcp_endpoints ep;
    bool dry_run;           /* print each request, send nothing */
    const char *project;
    const char *zone;
    char *token;            /* the access token, NULL until gcp_authorize() */
    char token_source[160]; /* where it came from, for messages */
    char *account;          /* the service account's email, when known */
    char *key_project;      /* project_id of the key file, when there is one */
    struct retry_policy retry;
    unsigned poll_ms;       /* between two reads of an operation */
    unsigned poll_max_s;    /* give up waiting after this long */
    long last_status;       /* HTTP status of the last call (0: none) */
    char err[8192];
};

/* endpoint.c */
/* The production endpoints, or all of them under $CLOAK_GCP_ENDPOINT
 * (tests: "http://127.0.0.1:PORT"), retry and polling defaults. */
void gcp_init(struct gcp *g);
void gcp_free(struct gcp *g);
/* Percent-encodes s (everything but A-Z a-z 0-9 - . _ ~); malloc'd. */
char *gcp_escape(const char *s);
/* printf into a malloc'd string (dies on out of memory). */
__attribute__((format(printf, 1, 2)))
char *gcp_strf(const char *fmt, ...);
/* Sets g->err; returns -1. */
__attribute__((format(printf, 2, 3)))
int gcp_fail(struct gcp *g, const char *fmt, ...);
/* RFC 1035 names (images, instances, firewalls): [a-z]([-a-z0-9]*[a-z0-9])?, 1-63. */
bool gcp_name_ok(const char *name);

/* credentials.c: GOOGLE_APPLICATION_CREDENTIALS, else `gcloud auth
 * print-access-token` (gcloud on PATH), else the metadata server. */
int gcp_authorize(struct gcp *g);
/* The project of the key file (GOOGLE_APPLICATION_CREDENTIALS), if any;
 * malloc'd or NULL.  Reads only the file. */
char *gcp_key_file_project(void);

/* call.c: one JSON call.  Under dry_run prints "METHOD URL" and the body
 * to stdout and returns an empty object.  Else sends it (with retries) and
 * returns the decoded answer, or NULL with Google's message and advice in
 * g->err (g->last_status: the HTTP status).  what names the call
 * ("images.insert"). */
json_t *gcp_call(struct gcp *g, const char *method, const char *url, json_t *body,
                 const char *what);

#endif
