/* The config's lists and warnings; see config_lists.h. */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config_lists.h"

void *config_xrealloc(void *p, size_t n)
{
    p = realloc(p, n ? n : 1);
    if (!p) {
        fprintf(stderr, "cloak: out of memory\n");
        exit(125);
    }
    return p;
}

char *config_xstrdup(const char *s)
{
    char *d = strdup(s);
    if (!d) {
        fprintf(stderr, "cloak: out of memory\n");
        exit(125);
    }
    return d;
}

void config_strlist_clear(struct config_strlist *l)
{
    for (size_t i = 0; i < l->n; i++)
        free(l->items[i]);
    free(l->items);
    l->items = NULL;
    l->n = 0;
}

void config_strlist_add(struct config_strlist *l, const char *s)
{
    l->items = config_xrealloc(l->items, (l->n + 1) * sizeof *l->items);
    l->items[l->n++] = config_xstrdup(s);
}

void config_kvlist_clear(struct config_kvlist *l)
{
    for (size_t i = 0; i < l->n; i++) {
        free(l->items[i].key);
        free(l->items[i].value);
    }
    free(l->items);
    l->items = NULL;
    l->n = 0;
}

void config_kvlist_set(struct config_kvlist *l, const char *key, const char *value)
{
    for (size_t i = 0; i < l->n; i++) {
        if (strcmp(l->items[i].key, key) == 0) {
            free(l->items[i].value);
            l->items[i].value = config_xstrdup(value);
            return;
        }
    }
    l->items = config_xrealloc(l->items, (l->n + 1) * sizeof *l->items);
    l->items[l->n].key = config_xstrdup(key);
    l->items[l->n].value = config_xstrdup(value);
    l->n++;
}

void config_warn(struct cloak_config *c, const char *fmt, ...)
{
    char *s;
    va_list ap;

    va_start(ap, fmt);
    if (vasprintf(&s, fmt, ap) < 0)
        s = NULL;
    va_end(ap);
    if (!s) {
        fprintf(stderr, "cloak: out of memory\n");
        exit(125);
    }
    c->warnings.items = config_xrealloc(c->warnings.items, (c->warnings.n + 1) * sizeof(char *));
    c->warnings.items[c->warnings.n++] = s;
}
