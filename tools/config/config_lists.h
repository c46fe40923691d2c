/* The lists a config holds (Args, Env, ...) and its warnings, shared by
 * config.c (decoding the file) and config_settings.c (defaults and flags);
 * not part of config.h's interface.  Running out of memory here ends cloak
 * (status 125): there is nothing sensible to go on with. */
#ifndef CLOAK_TOOLS_CONFIG_LISTS_H
#define CLOAK_TOOLS_CONFIG_LISTS_H

#include <stddef.h>

#include "config.h"

void *config_xrealloc(void *p, size_t n);
char *config_xstrdup(const char *s);

void config_strlist_clear(struct config_strlist *l);
void config_strlist_add(struct config_strlist *l, const char *s);
void config_kvlist_clear(struct config_kvlist *l);
/* Sets key (replacing its value if present; new keys go last). */
void config_kvlist_set(struct config_kvlist *l, const char *key, const char *value);

/* Adds a warning for the caller to print. */
void config_warn(struct cloak_config *c, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

#endif
