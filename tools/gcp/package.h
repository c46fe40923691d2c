/* The archive Compute Engine imports: gzip around a GNU tar whose one
 * member is disk.raw, its size the raw image rounded up to a whole GiB.
 * The padding is written as zeros, streamed (never a 1 GiB buffer, never
 * a 1 GiB file on disk); gzip makes them a few kilobytes.  No GNU sparse
 * entries: libarchive writes sparse files only in pax form, which Google
 * does not document as accepted. */
#ifndef CLOAK_TOOLS_GCP_PACKAGE_H
#define CLOAK_TOOLS_GCP_PACKAGE_H

#include <stddef.h>
#include <stdint.h>

#define GIB (1ull << 30)

/* Writes out (tar.gz) from the raw disk image at raw; *member_size: the
 * size of disk.raw in it.  -1 with err. */
int package_disk(const char *raw, const char *out, uint64_t *member_size, char *err,
                 size_t errlen);

#endif
