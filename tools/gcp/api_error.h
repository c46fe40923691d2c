/* Google's error answers, said with what to do about them.  The body is
 * {"error": {"code", "message", "status", "errors": [{"reason", ...}],
 * "details": [{"@type": ".../google.rpc.ErrorInfo", "reason",
 * "metadata": {"service", "activationUrl"}}]}} (Compute, Storage, Logging
 * alike); the token endpoint answers {"error", "error_description"}. */
#ifndef CLOAK_TOOLS_GCP_API_ERROR_H
#define CLOAK_TOOLS_GCP_API_ERROR_H

#include <jansson.h>
#include <stddef.h>

struct api_error_ctx {
    const char *what;       /* the call: "images.insert" */
    const char *project;    /* may be NULL */
    const char *account;    /* who asked, may be NULL */
};

/* "WHAT: HTTP 403 (PERMISSION_DENIED): Google's message" and, on the
 * next lines, "cloak: what to do: ...". */
void api_error_explain(const struct api_error_ctx *c, long status, const char *body,
                       char *out, size_t outlen);
/* An operation that ended DONE with error.errors[]: every code and message,
 * and advice for the codes known (quota, resources exhausted, ...). */
void api_error_operation(const struct api_error_ctx *c, json_t *error, char *out,
                         size_t outlen);

#endif
