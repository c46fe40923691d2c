/* Cloud Storage: the bucket the image archive goes to, the upload (simple
 * for a file of one chunk, resumable in 256 KiB-multiple chunks for more)
 * and the deletion of the object once Compute Engine has imported it. */
#ifndef CLOAK_TOOLS_GCP_STORAGE_H
#define CLOAK_TOOLS_GCP_STORAGE_H

#include "gcp.h"

/* buckets.get; on 404 buckets.insert in g->project. */
int storage_ensure_bucket(struct gcp *g, const char *bucket);
/* Uploads the file at path as bucket/object, with progress on stderr.
 * CLOAK_GCP_UPLOAD_CHUNK sets the chunk (a multiple of 256 KiB; 8 MiB). */
int storage_upload(struct gcp *g, const char *bucket, const char *object, const char *path);
int storage_delete(struct gcp *g, const char *bucket, const char *object);
/* "https://storage.googleapis.com/BUCKET/OBJECT": rawDisk.source; malloc'd. */
char *storage_public_url(const struct gcp *g, const char *bucket, const char *object);

#endif
