/* HTTP with libcurl: one request (http_send) and the same with the retry
 * policy (http_send_retrying). */
#ifndef CLOAK_TOOLS_GCP_HTTP_H
#define CLOAK_TOOLS_GCP_HTTP_H

#include <stddef.h>

#include "retry.h"

struct http_request {
    const char *method;         /* GET, POST, PUT, DELETE */
    const char *url;
    const char *bearer;         /* access token, or NULL */
    const char *content_type;   /* NULL: no Content-Type */
    const char *body;           /* NULL: none (Content-Length 0 for POST/PUT) */
    size_t body_len;
    const char *headers[4];     /* more "Name: value" lines, NULL-ended */
    long timeout_s;             /* 0: 120 */
    long connect_timeout_s;     /* 0: 30 */
};

struct http_response {
    long status;                /* 0: no answer (err says why) */
    char *body;                 /* NUL-terminated, malloc'd */
    size_t len;
    char location[4096];        /* the Location header, or "" */
    char range[128];            /* the Range header (resumable uploads), or "" */
    long retry_after_s;         /* Retry-After in seconds, or -1 */
};

/* One request; 0 when an answer came (any status), -1 with err otherwise. */
int http_send(const struct http_request *rq, struct http_response *rs, char *err,
              size_t errlen);
/* The same, sent again on transient failures (retry.h), saying so on
 * stderr; returns the last answer as http_send does. */
int http_send_retrying(const struct http_request *rq, struct http_response *rs,
                       const struct retry_policy *p, char *err, size_t errlen);
void http_response_free(struct http_response *rs);

#endif
