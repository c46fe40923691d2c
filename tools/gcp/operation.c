/* Waiting for a Compute Engine operation (operation.h). */
#define _GNU_SOURCE
#include "operation.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "api_error.h"

static void sleep_ms(unsigned ms)
{
    struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

/* A DONE operation: its error, if any, into g->err. */
static int finished(struct gcp *g, json_t *op, const char *what)
{
    json_t *error = json_object_get(op, "error");

    if (json_array_size(json_object_get(error, "errors")) == 0)
        return 0;
    struct api_error_ctx c = {what, g->project, g->account};
    api_error_operation(&c, error, g->err, sizeof g->err);
    return -1;
}

int gcp_wait(struct gcp *g, json_t *op, const char *zone, const char *what)
{
    const char *name = json_string_value(json_object_get(op, "name"));
    char *pname = gcp_escape(g->project), *zname = zone ? gcp_escape(zone) : NULL;
    char *n = gcp_escape(name ? name : "OPERATION");
    char *url = zone ? gcp_strf("%sprojects/%s/zones/%s/operations/%s", g->ep.compute, pname,
                                zname, n)
                     : gcp_strf("%sprojects/%s/global/operations/%s", g->ep.compute, pname, n);
    char last[32] = "";
    time_t start = time(NULL);
    json_t *cur = json_incref(op);
    int rc = -1;

    if (g->dry_run) {
        printf("DRY-RUN: (then, every %u ms until its status is DONE)\n", g->poll_ms);
        json_decref(gcp_call(g, "GET", url, NULL, "operations.get"));
        rc = 0;
        goto out;
    }
    for (;;) {
        const char *st = json_string_value(json_object_get(cur, "status"));
        if (!st) {
            gcp_fail(g, "%s: the answer is not an operation (no status)", what);
            break;
        }
        if (strcmp(st, last) != 0) {
            fprintf(stderr, "cloak: %s: operation %s %s\n", what, name ? name : "?", st);
            snprintf(last, sizeof last, "%s", st);
        }
        if (!strcmp(st, "DONE")) {
            rc = finished(g, cur, what);
            break;
        }
        if (time(NULL) - start > (time_t)g->poll_max_s) {
            gcp_fail(g, "%s: operation %s still %s after %u s; it may still finish: see "
                     "`gcloud compute operations describe %s`", what, name, st, g->poll_max_s,
                     name);
            break;
        }
        sleep_ms(g->poll_ms);
        json_decref(cur);
        if (!(cur = gcp_call(g, "GET", url, NULL, zone ? "zoneOperations.get"
                                                        : "globalOperations.get")))
            break;
    }
    json_decref(cur);
out:
    free(url);
    free(pname);
    free(zname);
    free(n);
    return rc;
}
