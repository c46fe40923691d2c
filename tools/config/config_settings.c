/* The settings of a config apart from the file: defaults, the command-line
 * flags (-a, -e, -m, --mount), what config_finalize() adds, and the
 * parsing of memory sizes and mount points that the file shares. */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config_lists.h"
#include "../util/size.h"

void config_init(struct cloak_config *c)
{
    memset(c, 0, sizeof *c);
    c->memory = config_xstrdup(CONFIG_DEFAULT_MEMORY);
    config_parse_memory(c->memory, &c->memory_bytes);
    c->files_parent_dir = config_xstrdup(".");
    c->accel = true; /* ops's default */
    c->cpus = CONFIG_DEFAULT_CPUS;
}

void config_free(struct cloak_config *c)
{
    config_strlist_clear(&c->args);
    config_kvlist_clear(&c->env);
    config_strlist_clear(&c->files);
    config_strlist_clear(&c->dirs);
    config_kvlist_clear(&c->mapdirs);
    config_kvlist_clear(&c->mounts);
    config_strlist_clear(&c->nameservers);
    config_strlist_clear(&c->ports);
    config_strlist_clear(&c->udp_ports);
    free(c->volumes_dir);
    free(c->ip_address);
    free(c->netmask);
    free(c->gateway);
    free(c->ipv6_address);
    free(c->tap_name);
    config_strlist_clear(&c->warnings);
    free(c->memory);
    free(c->files_parent_dir);
    memset(c, 0, sizeof *c);
}

int config_parse_memory(const char *s, uint64_t *bytes)
{
    return parse_size(s, 1ull << 20, bytes); /* a bare number is MiB, as for QEMU -m */
}

int config_set_memory(struct cloak_config *c, const char *size, const char *origin,
                      char *err, size_t errlen)
{
    uint64_t bytes;

    if (config_parse_memory(size, &bytes) < 0) {
        snprintf(err, errlen, "%s: \"%s\" is not a memory size (use a number with an M or G "
                 "suffix, like 512M or 2G)", origin, size);
        return -1;
    }
    if (bytes % (1ull << 20)) {
        snprintf(err, errlen, "%s: memory size \"%s\" is not a whole number of MiB", origin, size);
        return -1;
    }
    if (bytes < CONFIG_MIN_MEMORY) {
        snprintf(err, errlen, "%s: memory size \"%s\" is too small; cloak needs at least %lluM",
                 origin, size, (unsigned long long)(CONFIG_MIN_MEMORY >> 20));
        return -1;
    }
    if (bytes > (1ull << 40)) {
        snprintf(err, errlen, "%s: memory size \"%s\" is too large (at most 1T)", origin, size);
        return -1;
    }
    free(c->memory);
    c->memory = config_xstrdup(size);
    c->memory_bytes = bytes;
    return 0;
}

int config_set_cpus_number(struct cloak_config *c, long long n, const char *origin,
                           char *err, size_t errlen)
{
    if (n < 1 || n > CONFIG_MAX_CPUS) {
        snprintf(err, errlen, "%s: %lld CPUs is out of range: give 1 to %d", origin, n,
                 CONFIG_MAX_CPUS);
        return -1;
    }
    c->cpus = (unsigned)n;
    return 0;
}

int config_set_cpus(struct cloak_config *c, const char *text, const char *origin,
                    char *err, size_t errlen)
{
    long long n = 0;
    const char *p = text;

    /* digits only: no sign, no blanks, no "2x"; long runs are clamped */
    for (; *p >= '0' && *p <= '9'; p++)
        n = n > 1000000 ? n : n * 10 + (*p - '0');
    if (p == text || *p) {
        snprintf(err, errlen, "%s: \"%s\" is not a number of CPUs (give 1 to %d)", origin,
                 text, CONFIG_MAX_CPUS);
        return -1;
    }
    return config_set_cpus_number(c, n, origin, err, errlen);
}

void config_set_args(struct cloak_config *c, char *const *args, size_t n)
{
    config_strlist_clear(&c->args);
    for (size_t i = 0; i < n; i++)
        config_strlist_add(&c->args, args[i]);
}

void config_env_set(struct cloak_config *c, const char *key, const char *value)
{
    config_kvlist_set(&c->env, key, value);
}

const char *config_env_get(const struct cloak_config *c, const char *key)
{
    for (size_t i = 0; i < c->env.n; i++)
        if (strcmp(c->env.items[i].key, key) == 0)
            return c->env.items[i].value;
    return NULL;
}

/* -e KEY=VALUE.  ops keeps only the text between the first and the second
 * '='; cloak keeps everything after the first '=' (a value may contain '='). */
int config_add_env_flag(struct cloak_config *c, const char *kv, char *err, size_t errlen)
{
    const char *eq = strchr(kv, '=');
    char *key;

    if (!eq || eq == kv) {
        snprintf(err, errlen, "-e \"%s\": expected KEY=VALUE", kv);
        return -1;
    }
    key = strndup(kv, (size_t)(eq - kv));
    if (!key) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    config_env_set(c, key, eq + 1);
    free(key);
    return 0;
}

int config_add_mount_flag(struct cloak_config *c, const char *spec, char *err, size_t errlen)
{
    const char *colon = strchr(spec, ':');
    char *name, *path;
    bool ro;

    if (!colon || colon == spec || colon[1] == '\0') {
        snprintf(err, errlen, "--mount \"%s\": expected VOLUME:/path (or VOLUME:/path:ro)",
                 spec);
        return -1;
    }
    name = strndup(spec, (size_t)(colon - spec));
    if (!name) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    if (config_mount_point(name, colon + 1, &path, &ro, err, errlen) < 0) {
        free(name);
        return -1;
    }
    free(path);
    config_kvlist_set(&c->mounts, name, colon + 1);
    free(name);
    return 0;
}

int config_mount_point(const char *name, const char *value, char **path, bool *read_only,
                       char *err, size_t errlen)
{
    size_t n = strlen(value);

    *path = NULL;
    *read_only = false;
    if (n >= 3 && strcmp(value + n - 3, ":ro") == 0) {
        *read_only = true;
        n -= 3;
    }
    if (n == 0 || value[0] != '/') {
        snprintf(err, errlen, "mount of volume \"%s\": the mount point \"%s\" is not an "
                 "absolute path (write \"/path\" or \"/path:ro\")", name, value);
        return -1;
    }
    if (memchr(value, ':', n)) {
        snprintf(err, errlen, "mount of volume \"%s\": \"%s\" has a ':' suffix cloak does not "
                 "know (only \":ro\")", name, value);
        return -1;
    }
    bool root = true;
    for (size_t i = 0; i < n; i++)
        if (value[i] != '/')
            root = false;
    if (root) {
        snprintf(err, errlen, "mount of volume \"%s\": cannot mount a volume over / (the boot "
                 "archive is the root)", name);
        return -1;
    }
    if (!(*path = strndup(value, n))) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    return 0;
}

void config_add_port_flag(struct cloak_config *c, const char *spec, bool udp)
{
    config_strlist_add(&c->ports, spec);
    if (udp)
        config_strlist_add(&c->udp_ports, spec);
}

void config_finalize(struct cloak_config *c)
{
    if (c->nameservers.n == 0) {
        config_strlist_add(&c->nameservers, CONFIG_DEFAULT_NAMESERVER);
        c->nameservers_default = true;
    }
    if (c->confidential_vm)
        c->uefi = true;
    if (!config_env_get(c, "USER"))
        config_env_set(c, "USER", "root");
    if (!config_env_get(c, "PWD"))
        config_env_set(c, "PWD", "/");
    /* ops tells the program which TCP ports it forwards. */
    if (c->ports.n && !config_env_get(c, "OPS_PORT")) {
        char *list = NULL;
        size_t len = 0;
        for (size_t i = 0; i < c->ports.n; i++) {
            size_t n = strlen(c->ports.items[i]);
            list = config_xrealloc(list, len + n + 2);
            if (len)
                list[len++] = ',';
            memcpy(list + len, c->ports.items[i], n + 1);
            len += n;
        }
        config_env_set(c, "OPS_PORT", list);
        free(list);
    }
}
