/* The kernel command line: space-separated words and KEY=VALUE pairs. */
#ifndef INIT_CMDLINE_H
#define INIT_CMDLINE_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* True if the word stands by itself on the command line. */
bool cmdline_has(const char *cmdline, const char *word);
/* Copies VALUE of KEY=VALUE into val (truncated to len-1); false if absent. */
bool cmdline_get(const char *cmdline, const char *key, char *val, size_t len);
/* KEY=N with N decimal digits only, at most max: true and *out; false if
 * absent, malformed or too large (the caller keeps its default). */
bool cmdline_get_u64(const char *cmdline, const char *key, uint64_t max, uint64_t *out);

#endif
