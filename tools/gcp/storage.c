/* Cloud Storage (storage.h). */
#define _GNU_SOURCE
#include "storage.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "api_error.h"
#include "http.h"

#define UPLOAD_QUANTUM (256u * 1024)     /* chunks but the last: multiples of this */
#define DEFAULT_CHUNK (32u * UPLOAD_QUANTUM)

int storage_ensure_bucket(struct gcp *g, const char *bucket)
{
    char *b = gcp_escape(bucket), *p = gcp_escape(g->project);
    char *url = gcp_strf("%sb/%s", g->ep.storage, b);
    json_t *r = gcp_call(g, "GET", url, NULL, "storage.buckets.get");
    int rc = 0;

    if (!r && g->last_status == 404) {
        fprintf(stderr, "cloak: bucket %s does not exist; creating it in project %s\n", bucket,
                g->project);
        free(url);
        url = gcp_strf("%sb?project=%s", g->ep.storage, p);
        json_t *body = json_pack("{s:s}", "name", bucket);
        r = gcp_call(g, "POST", url, body, "storage.buckets.insert");
        json_decref(body);
    }
    if (!r)
        rc = -1;
    json_decref(r);
    free(url);
    free(b);
    free(p);
    return rc;
}

static size_t chunk_size(void)
{
    const char *e = getenv("CLOAK_GCP_UPLOAD_CHUNK");
    size_t c = e && *e ? strtoul(e, NULL, 10) : DEFAULT_CHUNK;

    return c && c % UPLOAD_QUANTUM == 0 ? c : DEFAULT_CHUNK;
}

static void progress(const char *object, size_t done, size_t total, bool end)
{
    static bool tty = false, asked = false;

    if (!asked) {
        tty = isatty(2);
        asked = true;
    }
    if (!tty && !end)
        return;
    fprintf(stderr, "%scloak: uploading %s: %.1f of %.1f MiB (%u%%)%s", tty ? "\r" : "",
            object, done / 1048576.0, total / 1048576.0,
            total ? (unsigned)(done * 100 / total) : 100, end ? "\n" : "");
}

static int fail_status(struct gcp *g, const char *what, const struct http_response *rs)
{
    struct api_error_ctx c = {what, g->project, g->account};
    api_error_explain(&c, rs->status, rs->body, g->err, sizeof g->err);
    return -1;
}

/* The next chunk from offset: read and PUT with its Content-Range.  The
 * answer: 308 (say up to where it is stored) or 200/201 (complete). */
static int put_chunk(struct gcp *g, const char *session, FILE *f, size_t *off, size_t total,
                     char *buf, size_t chunk, bool *complete)
{
    size_t n = total - *off < chunk ? total - *off : chunk;
    char range[128], err[1024];
    struct http_response rs;

    if (fseeko(f, (off_t)*off, SEEK_SET) != 0 || fread(buf, 1, n, f) != n)
        return gcp_fail(g, "reading the archive: %s", strerror(errno));
    snprintf(range, sizeof range, "Content-Range: bytes %zu-%zu/%zu", *off, *off + n - 1, total);
    struct http_request rq = {.method = "PUT", .url = session, .bearer = g->token, .body = buf,
                              .body_len = n, .headers = {range},
                              .content_type = "application/gzip", .timeout_s = 600};
    if (http_send_retrying(&rq, &rs, &g->retry, err, sizeof err) < 0)
        return gcp_fail(g, "storage.objects.insert (resumable): %s", err);
    int rc = 0;
    unsigned long long last;
    if (rs.status == 200 || rs.status == 201) {
        *off = total;
        *complete = true;
    } else if (rs.status == 308) {
        /* what the service holds: "bytes=0-LAST", or nothing yet */
        *off = sscanf(rs.range, "bytes=0-%llu", &last) == 1 ? (size_t)last + 1 : 0;
    } else {
        rc = fail_status(g, "storage.objects.insert (resumable)", &rs);
    }
    http_response_free(&rs);
    return rc;
}

/* Starts a session (its URI in Location), then sends the chunks. */
static int resumable(struct gcp *g, const char *url, const char *object, FILE *f, size_t total)
{
    size_t chunk = chunk_size(), off = 0;
    char len_hdr[64], err[1024];
    json_t *meta = json_pack("{s:s, s:s}", "name", object, "contentType", "application/gzip");
    char *body = json_dumps(meta, JSON_COMPACT);
    snprintf(len_hdr, sizeof len_hdr, "X-Upload-Content-Length: %zu", total);
    struct http_request rq = {.method = "POST", .url = url, .bearer = g->token, .body = body,
                              .body_len = strlen(body), .content_type = "application/json",
                              .headers = {"X-Upload-Content-Type: application/gzip", len_hdr}};
    struct http_response rs;
    int rc = -1;
    bool complete = false;
    char *buf = NULL, *session = NULL;

    if (http_send_retrying(&rq, &rs, &g->retry, err, sizeof err) < 0)
        gcp_fail(g, "storage.objects.insert (resumable): %s", err);
    else if (rs.status != 200)
        fail_status(g, "storage.objects.insert (resumable)", &rs);
    else if (!*rs.location)
        gcp_fail(g, "storage.objects.insert (resumable): no session URI (Location) came back");
    else if ((buf = malloc(chunk)) && (session = strdup(rs.location))) {
        rc = 0;
        while (rc == 0 && !complete) {
            rc = put_chunk(g, session, f, &off, total, buf, chunk, &complete);
            progress(object, off, total, complete);
        }
    }
    http_response_free(&rs);
    free(session);
    free(buf);
    free(body);
    json_decref(meta);
    return rc;
}

static int simple(struct gcp *g, const char *url, const char *object, FILE *f, size_t total)
{
    char *buf = malloc(total ? total : 1), err[1024];
    struct http_response rs;
    int rc = -1;

    if (!buf || fread(buf, 1, total, f) != total) {
        free(buf);
        return gcp_fail(g, "reading the archive: %s", strerror(errno));
    }
    struct http_request rq = {.method = "POST", .url = url, .bearer = g->token, .body = buf,
                              .body_len = total, .content_type = "application/gzip",
                              .timeout_s = 600};
    if (http_send_retrying(&rq, &rs, &g->retry, err, sizeof err) < 0)
        gcp_fail(g, "storage.objects.insert: %s", err);
    else if (rs.status != 200)
        fail_status(g, "storage.objects.insert", &rs);
    else
        rc = 0;
    if (rc == 0)
        progress(object, total, total, true);
    http_response_free(&rs);
    free(buf);
    return rc;
}

int storage_upload(struct gcp *g, const char *bucket, const char *object, const char *path)
{
    struct stat st;
    FILE *f = fopen(path, "rb");
    char *b = gcp_escape(bucket), *o = gcp_escape(object);
    bool big = false;
    int rc = -1;

    if (!f || fstat(fileno(f), &st) < 0) {
        gcp_fail(g, "%s: %s", path, strerror(errno));
        goto out;
    }
    big = (size_t)st.st_size > chunk_size();
    char *url = gcp_strf("%sb/%s/o?uploadType=%s&name=%s", g->ep.upload, b,
                         big ? "resumable" : "media", o);
    if (g->dry_run) {
        printf("DRY-RUN: POST %s\n(%s: %lld bytes of %s%s)\n\n", url,
               big ? "starts a resumable session" : "the body", (long long)st.st_size, path,
               big ? ", then sent by PUT to the session URI in chunks" : "");
        rc = 0;
    } else {
        rc = big ? resumable(g, url, object, f, (size_t)st.st_size)
                 : simple(g, url, object, f, (size_t)st.st_size);
    }
    free(url);
out:
    if (f)
        fclose(f);
    free(b);
    free(o);
    return rc;
}

int storage_delete(struct gcp *g, const char *bucket, const char *object)
{
    char *b = gcp_escape(bucket), *o = gcp_escape(object);
    char *url = gcp_strf("%sb/%s/o/%s", g->ep.storage, b, o);
    json_t *r = gcp_call(g, "DELETE", url, NULL, "storage.objects.delete");

    json_decref(r);
    free(url);
    free(b);
    free(o);
    return r ? 0 : -1;
}

char *storage_public_url(const struct gcp *g, const char *bucket, const char *object)
{
    char *o = gcp_escape(object);
    char *u = gcp_strf("%s%s/%s", g->ep.storage_public, bucket, o);

    free(o);
    return u;
}
