/* Where the services are (production, or all of them on one test server
 * named by CLOAK_GCP_ENDPOINT), and small helpers every file uses. */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "gcp.h"

static void set_bases(struct gcp_endpoints *e, const char *root)
{
    size_t n = strlen(root);
    const char *sep = n && root[n - 1] == '/' ? "" : "/";

    snprintf(e->compute, sizeof e->compute, "%s%scompute/v1/", root, sep);
    snprintf(e->storage, sizeof e->storage, "%s%sstorage/v1/", root, sep);
    snprintf(e->upload, sizeof e->upload, "%s%supload/storage/v1/", root, sep);
    snprintf(e->logging, sizeof e->logging, "%s%s", root, sep);
}

void gcp_init(struct gcp *g)
{
    const char *root = getenv("CLOAK_GCP_ENDPOINT");
    const char *poll = getenv("CLOAK_GCP_POLL_MS");

    memset(g, 0, sizeof *g);
    if (root && *root) {
        set_bases(&g->ep, root);
    } else {
        snprintf(g->ep.compute, sizeof g->ep.compute, "https://compute.googleapis.com/compute/v1/");
        snprintf(g->ep.storage, sizeof g->ep.storage, "https://storage.googleapis.com/storage/v1/");
        snprintf(g->ep.upload, sizeof g->ep.upload,
                 "https://storage.googleapis.com/upload/storage/v1/");
        snprintf(g->ep.logging, sizeof g->ep.logging, "https://logging.googleapis.com/");
    }
    /* what Compute Engine reads rawDisk.source from: always Google's form,
     * even against a test server (which checks it) */
    snprintf(g->ep.storage_public, sizeof g->ep.storage_public, "https://storage.googleapis.com/");
    retry_policy_default(&g->retry);
    g->poll_ms = poll && *poll ? (unsigned)strtoul(poll, NULL, 10) : 2000;
    g->poll_max_s = 1800;
}

void gcp_free(struct gcp *g)
{
    free(g->token);
    free(g->account);
    free(g->key_project);
    g->token = g->account = g->key_project = NULL;
}

char *gcp_escape(const char *s)
{
    static const char hex[] = "0123456789ABCDEF";
    char *out = malloc(3 * strlen(s) + 1), *o = out;

    if (!out)
        abort();
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
            strchr("-._~", c)) {
            *o++ = (char)c;
        } else {
            *o++ = '%';
            *o++ = hex[c >> 4];
            *o++ = hex[c & 15];
        }
    }
    *o = 0;
    return out;
}

char *gcp_strf(const char *fmt, ...)
{
    va_list ap;
    char *s;

    va_start(ap, fmt);
    if (vasprintf(&s, fmt, ap) < 0)
        abort();
    va_end(ap);
    return s;
}

int gcp_fail(struct gcp *g, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(g->err, sizeof g->err, fmt, ap);
    va_end(ap);
    return -1;
}

bool gcp_name_ok(const char *name)
{
    size_t n = strlen(name);

    if (n < 1 || n > 63 || name[0] < 'a' || name[0] > 'z' || name[n - 1] == '-')
        return false;
    for (size_t i = 0; i < n; i++)
        if (!((name[i] >= 'a' && name[i] <= 'z') || (name[i] >= '0' && name[i] <= '9') ||
              name[i] == '-'))
            return false;
    return true;
}
