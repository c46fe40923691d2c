/* One JSON call to a Google API (gcp.h): the token, retries, the answer
 * decoded, an error said with what to do; under --dry-run only printed. */
#define _GNU_SOURCE
#include <stdlib.h>
#include <string.h>

#include "api_error.h"
#include "gcp.h"
#include "http.h"

/* "DRY-RUN: METHOD URL", then the body (2-space indents), then a blank line. */
static void print_request(const char *method, const char *url, json_t *body)
{
    printf("DRY-RUN: %s %s\n", method, url);
    if (body) {
        char *s = json_dumps(body, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
        printf("%s\n", s ? s : "");
        free(s);
    }
    printf("\n");
    fflush(stdout);
}

json_t *gcp_call(struct gcp *g, const char *method, const char *url, json_t *body,
                 const char *what)
{
    char *text = body ? json_dumps(body, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
    struct http_request rq = {
        .method = method, .url = url, .bearer = g->token,
        .content_type = body ? "application/json" : NULL,
        .body = text, .body_len = text ? strlen(text) : 0,
    };
    struct http_response rs;
    char err[2048] = "";
    json_t *answer = NULL;

    g->last_status = 0;
    if (g->dry_run) {
        print_request(method, url, body);
        free(text);
        return json_object();
    }
    int sent = http_send_retrying(&rq, &rs, &g->retry, err, sizeof err);
    if (sent == 0 && rs.status == 401 && g->token) {
        /* the token ran out (an hour): a new one, and the call once more */
        free(g->token);
        g->token = NULL;
        http_response_free(&rs);
        if (gcp_authorize(g) < 0) {
            free(text);
            return NULL;
        }
        fprintf(stderr, "cloak: %s: the access token was refused (401); got a new one from "
                "%s\n", what, g->token_source);
        rq.bearer = g->token;
        sent = http_send_retrying(&rq, &rs, &g->retry, err, sizeof err);
    }
    if (sent < 0) {
        gcp_fail(g, "%s: %s\ncloak: what to do: check the network connection (and a proxy "
                 "in https_proxy, if one is needed)", what, err);
    } else if ((g->last_status = rs.status) < 200 || rs.status > 299) {
        struct api_error_ctx c = {what, g->project, g->account};
        api_error_explain(&c, rs.status, rs.body, g->err, sizeof g->err);
    } else if (rs.len == 0) {
        answer = json_object(); /* e.g. storage DELETE: 204, no body */
    } else if (!(answer = json_loadb(rs.body, rs.len, 0, NULL))) {
        gcp_fail(g, "%s: HTTP %ld but the answer is not JSON: %.200s", what, rs.status, rs.body);
    }
    http_response_free(&rs);
    free(text);
    return answer;
}
