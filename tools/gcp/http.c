/* HTTP with libcurl (http.h).  TLS is libcurl's (OpenSSL on Debian). */
#define _GNU_SOURCE
#include "http.h"

#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static void global_init(void)
{
    static int done;
    if (!done) {
        curl_global_init(CURL_GLOBAL_DEFAULT);
        done = 1;
    }
}

static size_t on_body(char *p, size_t size, size_t n, void *ctx)
{
    struct http_response *rs = ctx;
    size_t add = size * n;
    char *b = realloc(rs->body, rs->len + add + 1);

    if (!b)
        return 0;
    memcpy(b + rs->len, p, add);
    rs->len += add;
    b[rs->len] = 0;
    rs->body = b;
    return add;
}

/* "Name: value\r\n" into out (trimmed) if the line is that header. */
static void header_value(const char *line, size_t len, const char *name, char *out,
                         size_t outlen)
{
    size_t nl = strlen(name);

    if (len <= nl + 1 || strncasecmp(line, name, nl) != 0 || line[nl] != ':')
        return;
    line += nl + 1;
    len -= nl + 1;
    while (len && (*line == ' ' || *line == '\t'))
        line++, len--;
    while (len && (line[len - 1] == '\r' || line[len - 1] == '\n' || line[len - 1] == ' '))
        len--;
    if (len >= outlen)
        len = outlen - 1;
    memcpy(out, line, len);
    out[len] = 0;
}

static size_t on_header(char *p, size_t size, size_t n, void *ctx)
{
    struct http_response *rs = ctx;
    size_t len = size * n;
    char after[32] = "";

    header_value(p, len, "Location", rs->location, sizeof rs->location);
    header_value(p, len, "Range", rs->range, sizeof rs->range);
    header_value(p, len, "Retry-After", after, sizeof after);
    if (*after) {
        char *end;
        long s = strtol(after, &end, 10);
        rs->retry_after_s = (end != after && *end == 0 && s >= 0) ? s : -1;
    }
    return len;
}

static struct curl_slist *request_headers(const struct http_request *rq)
{
    struct curl_slist *h = NULL;
    char line[8192];

    if (rq->bearer) {
        snprintf(line, sizeof line, "Authorization: Bearer %s", rq->bearer);
        h = curl_slist_append(h, line);
    }
    if (rq->content_type) {
        snprintf(line, sizeof line, "Content-Type: %s", rq->content_type);
        h = curl_slist_append(h, line);
    }
    for (size_t i = 0; i < sizeof rq->headers / sizeof rq->headers[0] && rq->headers[i]; i++)
        h = curl_slist_append(h, rq->headers[i]);
    h = curl_slist_append(h, "Expect:"); /* no 100-continue round trip */
    h = curl_slist_append(h, "User-Agent: cloak");
    return h;
}

int http_send(const struct http_request *rq, struct http_response *rs, char *err,
              size_t errlen)
{
    char cerr[CURL_ERROR_SIZE] = "";
    CURL *c;
    CURLcode rc;

    global_init();
    memset(rs, 0, sizeof *rs);
    rs->retry_after_s = -1;
    if (!(c = curl_easy_init())) {
        snprintf(err, errlen, "libcurl could not start");
        return -1;
    }
    struct curl_slist *h = request_headers(rq);
    curl_easy_setopt(c, CURLOPT_URL, rq->url);
    curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, rq->method);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
    curl_easy_setopt(c, CURLOPT_ERRORBUFFER, cerr);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, rs);
    curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(c, CURLOPT_HEADERDATA, rs);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_TIMEOUT, rq->timeout_s ? rq->timeout_s : 120L);
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT,
                     rq->connect_timeout_s ? rq->connect_timeout_s : 30L);
    if (!strcmp(rq->method, "GET"))
        curl_easy_setopt(c, CURLOPT_HTTPGET, 1L);
    else if (strcmp(rq->method, "DELETE") != 0) {
        curl_easy_setopt(c, CURLOPT_POSTFIELDS, rq->body ? rq->body : "");
        curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE,
                         (curl_off_t)(rq->body ? rq->body_len : 0));
    }
    rc = curl_easy_perform(c);
    if (rc == CURLE_OK)
        curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &rs->status);
    else
        snprintf(err, errlen, "%s %s: %s", rq->method, rq->url,
                 *cerr ? cerr : curl_easy_strerror(rc));
    curl_slist_free_all(h);
    curl_easy_cleanup(c);
    if (!rs->body && (rs->body = calloc(1, 1)) == NULL)
        return -1;
    return rc == CURLE_OK ? 0 : -1;
}

struct attempt_ctx {
    const struct http_request *rq;
    struct http_response *rs;
    char *err;
    size_t errlen;
};

static long one_attempt(void *ctx, long *retry_after_s)
{
    struct attempt_ctx *a = ctx;

    http_response_free(a->rs);
    if (http_send(a->rq, a->rs, a->err, a->errlen) < 0)
        return 0;
    *retry_after_s = a->rs->retry_after_s;
    return a->rs->status;
}

static void note_retry(void *ctx, long status, unsigned long wait_ms, unsigned next,
                       unsigned max)
{
    struct attempt_ctx *a = ctx;
    char why[600];

    if (status)
        snprintf(why, sizeof why, "HTTP %ld", status);
    else
        snprintf(why, sizeof why, "no answer (%s)", a->err);
    fprintf(stderr, "cloak: %s %s: %s; trying again in %.1f s (attempt %u of %u)\n",
            a->rq->method, a->rq->url, why, wait_ms / 1000.0, next, max);
}

int http_send_retrying(const struct http_request *rq, struct http_response *rs,
                       const struct retry_policy *p, char *err, size_t errlen)
{
    struct attempt_ctx a = {rq, rs, err, errlen};

    memset(rs, 0, sizeof *rs);
    retry_run(p, one_attempt, note_retry, &a, NULL);
    return rs->status ? 0 : -1;
}

void http_response_free(struct http_response *rs)
{
    free(rs->body);
    rs->body = NULL;
    rs->len = 0;
}
