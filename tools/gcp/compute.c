/* Compute Engine calls (compute.h). */
#define _GNU_SOURCE
#include "compute.h"

#include <stdlib.h>
#include <string.h>

#include "operation.h"

/* .../projects/P/global/WHAT or .../projects/P/zones/Z/WHAT */
static char *global_url(struct gcp *g, const char *what)
{
    char *p = gcp_escape(g->project);
    char *u = gcp_strf("%sprojects/%s/global/%s", g->ep.compute, p, what);
    free(p);
    return u;
}

static char *zone_url(struct gcp *g, const char *what)
{
    char *p = gcp_escape(g->project), *z = gcp_escape(g->zone);
    char *u = gcp_strf("%sprojects/%s/zones/%s/%s", g->ep.compute, p, z, what);
    free(p);
    free(z);
    return u;
}

/* A call answering an operation, then the wait for it. */
static int call_and_wait(struct gcp *g, const char *method, char *url, json_t *body,
                         const char *what, bool zonal)
{
    json_t *op = gcp_call(g, method, url, body, what);
    int rc = op ? gcp_wait(g, op, zonal ? g->zone : NULL, what) : -1;

    json_decref(op);
    json_decref(body);
    free(url);
    return rc;
}

char *compute_global_url(struct gcp *g, const char *what)
{
    return global_url(g, what);
}

char *compute_zone_url(struct gcp *g, const char *what)
{
    return zone_url(g, what);
}

int compute_call_and_wait(struct gcp *g, const char *method, char *url, json_t *body,
                          const char *what, bool zonal)
{
    return call_and_wait(g, method, url, body, what, zonal);
}

int compute_image_insert(struct gcp *g, const struct image_spec *s)
{
    return call_and_wait(g, "POST", global_url(g, "images"), compute_image_body(s),
                         "images.insert", false);
}

static json_t *get(struct gcp *g, char *url, const char *what)
{
    json_t *r = gcp_call(g, "GET", url, NULL, what);
    free(url);
    return r;
}

json_t *compute_image_get(struct gcp *g, const char *name)
{
    char *n = gcp_escape(name), *w = gcp_strf("images/%s", n);
    json_t *r = get(g, global_url(g, w), "images.get");
    free(n);
    free(w);
    return r;
}

static const char *str(json_t *o, const char *k)
{
    const char *s = json_string_value(json_object_get(o, k));
    return s ? s : "-";
}

/* Every page of a list call ("items", "nextPageToken"), each item printed. */
static int list_all(struct gcp *g, const char *base, const char *what, FILE *out,
                    void (*print)(FILE *, json_t *))
{
    char *token = NULL;
    int rc = 0;

    do {
        char *t = token ? gcp_escape(token) : NULL;
        char *url = gcp_strf("%s?filter=labels.createdby%%3D" GCP_LABEL_CREATEDBY "%s%s", base,
                             t ? "&pageToken=" : "", t ? t : "");
        json_t *r = get(g, url, what), *item;
        size_t i;
        free(t);
        free(token);
        token = NULL;
        if (!r) {
            rc = -1;
            break;
        }
        json_array_foreach(json_object_get(r, "items"), i, item)
            print(out, item);
        const char *next = json_string_value(json_object_get(r, "nextPageToken"));
        token = next ? strdup(next) : NULL;
        json_decref(r);
    } while (token);
    free(token);
    return rc;
}

static void print_image(FILE *out, json_t *im)
{
    fprintf(out, "%-40s %-8s %4s GiB  %s\n", str(im, "name"), str(im, "status"),
            str(im, "diskSizeGb"), str(im, "creationTimestamp"));
}

int compute_image_list(struct gcp *g, FILE *out)
{
    char *base = global_url(g, "images");
    int rc = list_all(g, base, "images.list", out, print_image);
    free(base);
    return rc;
}

int compute_image_delete(struct gcp *g, const char *name)
{
    char *n = gcp_escape(name), *w = gcp_strf("images/%s", n);
    int rc = call_and_wait(g, "DELETE", global_url(g, w), NULL, "images.delete", false);
    free(n);
    free(w);
    return rc;
}

int compute_instance_insert(struct gcp *g, const struct instance_spec *s)
{
    return call_and_wait(g, "POST", zone_url(g, "instances"), compute_instance_body(s),
                         "instances.insert", true);
}

json_t *compute_instance_get(struct gcp *g, const char *name)
{
    char *n = gcp_escape(name), *w = gcp_strf("instances/%s", n);
    json_t *r = get(g, zone_url(g, w), "instances.get");
    free(n);
    free(w);
    return r;
}

static void print_instance(FILE *out, json_t *in)
{
    json_t *nic = json_array_get(json_object_get(in, "networkInterfaces"), 0);
    json_t *ac = json_array_get(json_object_get(nic, "accessConfigs"), 0);
    const char *mt = str(in, "machineType"), *slash = strrchr(mt, '/');

    fprintf(out, "%-40s %-12s %-16s %s\n", str(in, "name"), str(in, "status"),
            slash ? slash + 1 : mt, str(ac, "natIP"));
}

int compute_instance_list(struct gcp *g, FILE *out)
{
    char *base = zone_url(g, "instances");
    int rc = list_all(g, base, "instances.list", out, print_instance);
    free(base);
    return rc;
}

int compute_instance_action(struct gcp *g, const char *name, const char *action)
{
    char *n = gcp_escape(name), *what = gcp_strf("instances.%s", action);
    bool del = !strcmp(action, "delete");
    char *w = del ? gcp_strf("instances/%s", n) : gcp_strf("instances/%s/%s", n, action);
    int rc = call_and_wait(g, del ? "DELETE" : "POST", zone_url(g, w), NULL, what, true);
    free(n);
    free(w);
    free(what);
    return rc;
}

json_t *compute_serial_output(struct gcp *g, const char *name, int port, const char *start)
{
    char *n = gcp_escape(name);
    char *w = gcp_strf("instances/%s/serialPort?port=%d%s%s", n, port, start ? "&start=" : "",
                       start ? start : "");
    json_t *r = get(g, zone_url(g, w), "instances.getSerialPortOutput");
    free(n);
    free(w);
    return r;
}

int compute_firewall_insert(struct gcp *g, json_t *body)
{
    return call_and_wait(g, "POST", global_url(g, "firewalls"), body, "firewalls.insert", false);
}

int compute_global_delete(struct gcp *g, const char *collection, const char *name,
                          bool missing_ok)
{
    char *n = gcp_escape(name), *w = gcp_strf("%s/%s", collection, n);
    char *what = gcp_strf("%s.delete", collection);
    char *url = global_url(g, w);
    json_t *op = gcp_call(g, "DELETE", url, NULL, what);
    int rc;

    if (!op)
        rc = missing_ok && g->last_status == 404 ? 0 : -1;
    else
        rc = gcp_wait(g, op, NULL, what);
    json_decref(op);
    free(url);
    free(what);
    free(n);
    free(w);
    return rc;
}

int compute_firewall_delete(struct gcp *g, const char *name, bool missing_ok)
{
    return compute_global_delete(g, "firewalls", name, missing_ok);
}
