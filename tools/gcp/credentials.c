/* The access token, found where Google's own tools look (gcp.h):
 * 1. GOOGLE_APPLICATION_CREDENTIALS: a service-account key; its JWT (jwt.c)
 *    traded at the key's token_uri (the JWT bearer grant, RFC 7523);
 * 2. `gcloud auth print-access-token`, when gcloud is on PATH;
 * 3. the metadata server, when cloak runs on a Compute Engine VM
 *    (GCE_METADATA_HOST moves it, as in Google's libraries). */
#define _GNU_SOURCE
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "api_error.h"
#include "gcp.h"
#include "http.h"
#include "jwt.h"

#define DEFAULT_TOKEN_URI "https://oauth2.googleapis.com/token"
#define JWT_GRANT "urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Ajwt-bearer"

/* The access_token of a token endpoint's JSON answer; -1 with g->err. */
static int take_token(struct gcp *g, const struct http_response *rs, const char *what)
{
    json_t *j = json_loadb(rs->body, rs->len, 0, NULL);
    const char *t = json_string_value(json_object_get(j, "access_token"));

    if (rs->status != 200 || !t) {
        struct api_error_ctx c = {what, g->project, g->account};
        if (rs->status == 200)
            gcp_fail(g, "%s: the answer has no access_token", what);
        else
            api_error_explain(&c, rs->status, rs->body, g->err, sizeof g->err);
        json_decref(j);
        return -1;
    }
    g->token = strdup(t);
    json_decref(j);
    return 0;
}

static json_t *load_key(struct gcp *g, const char *path)
{
    json_error_t je;
    json_t *k = json_load_file(path, 0, &je);

    if (!k) {
        gcp_fail(g, "GOOGLE_APPLICATION_CREDENTIALS=%s: %s (line %d)", path, je.text, je.line);
        return NULL;
    }
    const char *type = json_string_value(json_object_get(k, "type"));
    if (!type || strcmp(type, "service_account") != 0) {
        gcp_fail(g, "GOOGLE_APPLICATION_CREDENTIALS=%s: type is \"%s\"; cloak takes a "
                 "service-account key (type \"service_account\"); for your own account use "
                 "`gcloud auth login` and unset the variable", path, type ? type : "(none)");
        json_decref(k);
        return NULL;
    }
    return k;
}

static int from_key_file(struct gcp *g, const char *path)
{
    json_t *k = load_key(g, path);
    if (!k)
        return -1;
    const char *email = json_string_value(json_object_get(k, "client_email"));
    const char *pem = json_string_value(json_object_get(k, "private_key"));
    const char *kid = json_string_value(json_object_get(k, "private_key_id"));
    const char *uri = json_string_value(json_object_get(k, "token_uri"));
    char err[512], *jwt = NULL, *body = NULL;
    int rc = -1;

    if (!uri)
        uri = DEFAULT_TOKEN_URI;
    if (!email || !pem) {
        gcp_fail(g, "GOOGLE_APPLICATION_CREDENTIALS=%s: no %s in the key", path,
                 email ? "private_key" : "client_email");
    } else if (!(jwt = jwt_make(pem, kid, email, GCP_SCOPE, uri, (long long)time(NULL), err,
                                sizeof err))) {
        gcp_fail(g, "GOOGLE_APPLICATION_CREDENTIALS=%s: %s", path, err);
    } else {
        g->account = strdup(email);
        body = gcp_strf("grant_type=%s&assertion=%s", JWT_GRANT, jwt);
        struct http_request rq = {.method = "POST", .url = uri, .body = body,
                                  .body_len = strlen(body),
                                  .content_type = "application/x-www-form-urlencoded"};
        struct http_response rs;
        if (http_send_retrying(&rq, &rs, &g->retry, err, sizeof err) < 0)
            gcp_fail(g, "the token endpoint %s: %s", uri, err);
        else
            rc = take_token(g, &rs, "the token endpoint (service-account key)");
        http_response_free(&rs);
        snprintf(g->token_source, sizeof g->token_source, "the service-account key %s", email);
    }
    free(jwt);
    free(body);
    json_decref(k);
    return rc;
}

static bool on_path(const char *prog)
{
    const char *path = getenv("PATH");
    char *copy = strdup(path ? path : ""), *save = NULL, buf[4096];
    bool found = false;

    for (char *d = strtok_r(copy, ":", &save); d && !found; d = strtok_r(NULL, ":", &save)) {
        snprintf(buf, sizeof buf, "%s/%s", *d ? d : ".", prog);
        found = access(buf, X_OK) == 0;
    }
    free(copy);
    return found;
}

static int from_gcloud(struct gcp *g)
{
    FILE *p = popen("gcloud auth print-access-token", "r");
    char line[4096] = "";

    if (!p)
        return gcp_fail(g, "gcloud: %s", strerror(errno));
    if (!fgets(line, sizeof line, p))
        line[0] = 0;
    int st = pclose(p);
    line[strcspn(line, "\r\n")] = 0;
    if (st != 0 || !*line)
        return gcp_fail(g, "`gcloud auth print-access-token` failed (its message is above)\n"
                        "cloak: what to do: run `gcloud auth login`, or set "
                        "GOOGLE_APPLICATION_CREDENTIALS to a service-account key file");
    g->token = strdup(line);
    snprintf(g->token_source, sizeof g->token_source, "gcloud");
    return 0;
}

static int from_metadata(struct gcp *g)
{
    const char *host = getenv("GCE_METADATA_HOST");
    char *url = gcp_strf("http://%s/computeMetadata/v1/instance/service-accounts/default/token",
                         host && *host ? host : "metadata.google.internal");
    struct http_request rq = {.method = "GET", .url = url, .timeout_s = 5,
                              .connect_timeout_s = 2,
                              .headers = {"Metadata-Flavor: Google"}};
    struct http_response rs;
    char err[512];
    int rc;

    if (http_send(&rq, &rs, err, sizeof err) < 0)
        rc = gcp_fail(g, "no Google Cloud credentials: GOOGLE_APPLICATION_CREDENTIALS is not "
                      "set, gcloud is not on PATH, and there is no metadata server (%s)\n"
                      "cloak: what to do: create a service-account key (`gcloud iam "
                      "service-accounts keys create key.json --iam-account NAME@PROJECT"
                      ".iam.gserviceaccount.com`) and export GOOGLE_APPLICATION_CREDENTIALS="
                      "key.json", err);
    else
        rc = take_token(g, &rs, "the metadata server");
    snprintf(g->token_source, sizeof g->token_source, "the metadata server");
    http_response_free(&rs);
    free(url);
    return rc;
}

int gcp_authorize(struct gcp *g)
{
    const char *key = getenv("GOOGLE_APPLICATION_CREDENTIALS");

    if (g->token || g->dry_run)
        return 0;
    if (key && *key)
        return from_key_file(g, key);
    if (on_path("gcloud"))
        return from_gcloud(g);
    return from_metadata(g);
}

char *gcp_key_file_project(void)
{
    const char *key = getenv("GOOGLE_APPLICATION_CREDENTIALS");
    json_t *k = key && *key ? json_load_file(key, 0, NULL) : NULL;
    const char *p = json_string_value(json_object_get(k, "project_id"));
    char *out = p ? strdup(p) : NULL;

    json_decref(k);
    return out;
}
