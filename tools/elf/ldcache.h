/* /etc/ld.so.cache, read the way glibc's ld.so reads it.
 *
 * The format ldconfig writes (glibc 2.32 and later write only the new one;
 * older caches put an "ld.so-1.7.0" table first and the new table after it,
 * aligned to 8 bytes):
 *   header, 48 bytes: "glibc-ld.so.cache" "1.1", u32 nlibs, u32 len_strings,
 *     u8 flags (bits 0-1: 0 unknown, 2 little-endian, 3 big-endian),
 *     3 padding, u32 extension_offset, 3 x u32 unused;
 *   nlibs entries of 24 bytes: i32 flags, u32 key, u32 value,
 *     u32 osversion (unused), u64 hwcap;
 *   the string table.  key (the soname) and value (the path) are offsets
 *     from the start of the new-format header.
 * An entry is for x86-64 when flags == 0x0303 (FLAG_ELF_LIBC6 |
 * FLAG_X8664_LIB64); ld.so on x86-64 takes no other.  Entries with a
 * non-zero hwcap name glibc-hwcaps subdirectories (x86-64-v3, ...) chosen
 * by the CPU at run time: cloak takes the baseline entry (hwcap 0), which
 * runs on any x86-64 guest.  Among equal names the first entry wins, as in
 * ld.so. */
#ifndef CLOAK_TOOLS_LDCACHE_H
#define CLOAK_TOOLS_LDCACHE_H

#include <stddef.h>
#include <stdint.h>

#define LDCACHE_DEFAULT_PATH "/etc/ld.so.cache"
#define LDCACHE_FLAGS_X86_64 0x0303

struct ldcache_entry {
    int32_t flags;
    uint64_t hwcap;
    const char *name;   /* the soname, e.g. "libc.so.6" */
    const char *path;   /* e.g. "/lib/x86_64-linux-gnu/libc.so.6" */
};

struct ldcache {
    unsigned char *data;
    size_t len;
    struct ldcache_entry *entries;
    size_t n;
};

/* Parses a cache held in memory (the buffer is copied).  Returns 0, or -1
 * with a message naming `name` in err. */
int ldcache_parse(const void *buf, size_t len, const char *name, struct ldcache *c,
                  char *err, size_t errlen);

/* Reads and parses a file.  A missing file is not an error: c is empty
 * and 0 is returned (ld.so then searches the default directories). */
int ldcache_load(const char *path, struct ldcache *c, char *err, size_t errlen);

/* The path of the x86-64 baseline library for `name`, or NULL. */
const char *ldcache_lookup(const struct ldcache *c, const char *name);

void ldcache_free(struct ldcache *c);

#endif
