/* The ops JSON configuration, decoded with jansson the way Go's
 * encoding/json decodes it for ops: keys match case-insensitively, values
 * are decoded on top of what is already there, the last duplicate wins.
 * Unlike ops, unknown keys are warnings, not errors (ops rejects them), so
 * that a config written for ops still runs with what cloak supports.
 * This file holds the key tables and the decoding; config_settings.c the
 * defaults and flags, config_lists.c the lists both fill. */
#define _GNU_SOURCE
#include "config.h"

#include <errno.h>
#include <jansson.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "config_lists.h"

/* ---- decoding ---- */

enum key_kind {
    K_UNSUPPORTED, /* ops knows it, cloak ignores it for now */
    K_GCP,         /* read by the Google Cloud commands (tools/gcp/gcp_config.c) */
    K_ARGS, K_ENV, K_FILES, K_DIRS, K_MAPDIRS, K_UEFI,
    K_RUNCONFIG, K_CLOUDCONFIG, K_MEMORY, K_CONFIDENTIAL_VM,
    K_MOUNTS, K_VOLUMES_DIR, K_NAMESERVERS, K_ACCEL, K_CPUS, K_PORTS, K_UDP_PORTS,
    K_NET, /* a string for config_set_net: IPAddress, NetMask, Gateway, IPv6Address, TapName */
};

struct key_def {
    const char *name;
    enum key_kind kind;
};

static const struct key_def top_keys[] = {
    {"Args", K_ARGS}, {"Env", K_ENV}, {"Files", K_FILES}, {"Dirs", K_DIRS},
    {"MapDirs", K_MAPDIRS}, {"Uefi", K_UEFI}, {"RunConfig", K_RUNCONFIG},
    {"CloudConfig", K_CLOUDCONFIG},
    {"DisableArgsCopy", K_UNSUPPORTED}, {"BaseVolumeSz", K_UNSUPPORTED},
    {"Boot", K_UNSUPPORTED}, {"UefiBoot", K_UNSUPPORTED}, {"BuildDir", K_UNSUPPORTED},
    {"TargetConfig", K_UNSUPPORTED}, {"Debugflags", K_UNSUPPORTED},
    {"Force", K_UNSUPPORTED}, {"home", K_UNSUPPORTED}, {"Kernel", K_UNSUPPORTED},
    {"KlibDir", K_UNSUPPORTED}, {"Klibs", K_UNSUPPORTED}, {"Mounts", K_MOUNTS},
    {"NameServers", K_NAMESERVERS}, {"NanosVersion", K_UNSUPPORTED},
    {"NightlyBuild", K_UNSUPPORTED}, {"NoTrace", K_UNSUPPORTED},
    {"ManifestPassthrough", K_UNSUPPORTED}, {"Program", K_UNSUPPORTED},
    {"ProgramPath", K_UNSUPPORTED}, {"RebootOnExit", K_UNSUPPORTED},
    {"LocalFilesParentDirectory", K_UNSUPPORTED}, {"TargetRoot", K_UNSUPPORTED},
    {"TFSv4", K_UNSUPPORTED}, {"Version", K_UNSUPPORTED}, {"Language", K_UNSUPPORTED},
    {"Description", K_UNSUPPORTED}, {"VolumesDir", K_VOLUMES_DIR},
    {"PackageBaseURL", K_UNSUPPORTED}, {"PackageManifestURL", K_UNSUPPORTED},
    {NULL, 0},
};

static const struct key_def run_keys[] = {
    {"Memory", K_MEMORY},
    {"Accel", K_ACCEL}, {"AtExit", K_UNSUPPORTED}, {"Bridged", K_UNSUPPORTED},
    {"BridgeName", K_UNSUPPORTED}, {"BridgeIPAddress", K_UNSUPPORTED},
    {"CanIPForward", K_UNSUPPORTED}, {"CPUs", K_CPUS}, {"GPUs", K_UNSUPPORTED},
    {"GPUType", K_UNSUPPORTED}, {"Debug", K_UNSUPPORTED}, {"GdbPort", K_UNSUPPORTED},
    {"Gateway", K_NET}, {"NetMask", K_NET}, {"IPAddress", K_NET},
    {"IPv6Address", K_NET}, {"ImageName", K_UNSUPPORTED},
    {"InstanceName", K_UNSUPPORTED}, {"InstanceGroup", K_UNSUPPORTED},
    {"Kernel", K_UNSUPPORTED}, {"Mgmt", K_UNSUPPORTED}, {"Vga", K_UNSUPPORTED},
    {"Mounts", K_UNSUPPORTED}, {"AttachVolumeOnInstanceCreate", K_UNSUPPORTED},
    {"Nics", K_UNSUPPORTED}, {"Background", K_UNSUPPORTED},
    {"BackgroundDetach", K_UNSUPPORTED}, {"Ports", K_PORTS},
    {"UDPPorts", K_UDP_PORTS}, {"QMP", K_UNSUPPORTED}, {"ShowDebug", K_UNSUPPORTED},
    {"ShowErrors", K_UNSUPPORTED}, {"ShowWarnings", K_UNSUPPORTED}, {"JSON", K_UNSUPPORTED},
    {"TapName", K_NET}, {"Verbose", K_UNSUPPORTED},
    {"VolumeSizeInGb", K_UNSUPPORTED}, {"ThreadsPerCore", K_UNSUPPORTED},
    {NULL, 0},
};

static const struct key_def cloud_keys[] = {
    {"ConfidentialVM", K_CONFIDENTIAL_VM},
    {"Platform", K_UNSUPPORTED}, {"ProjectID", K_GCP}, {"Zone", K_GCP},
    {"BucketName", K_GCP}, {"BucketNamespace", K_UNSUPPORTED},
    {"Flavor", K_GCP}, {"ImageName", K_GCP}, {"ImageType", K_UNSUPPORTED},
    {"DedicatedHostID", K_UNSUPPORTED}, {"DomainName", K_UNSUPPORTED},
    {"StaticIP", K_UNSUPPORTED}, {"EnableIPv6", K_UNSUPPORTED},
    {"InstanceProfile", K_UNSUPPORTED}, {"KMS", K_UNSUPPORTED},
    {"RootVolume", K_UNSUPPORTED}, {"SecurityGroup", K_UNSUPPORTED},
    {"Subnet", K_UNSUPPORTED}, {"VPC", K_UNSUPPORTED}, {"SkipImportVerify", K_UNSUPPORTED},
    {"Spot", K_UNSUPPORTED}, {"Tags", K_UNSUPPORTED}, {"UserData", K_UNSUPPORTED},
    {NULL, 0},
};

static const struct key_def *find_key(const struct key_def *defs, const char *name)
{
    for (const struct key_def *d = defs; d->name; d++) /* exact match first, like Go */
        if (strcmp(d->name, name) == 0)
            return d;
    for (const struct key_def *d = defs; d->name; d++)
        if (strcasecmp(d->name, name) == 0)
            return d;
    return NULL;
}

static const char *json_type_name(const json_t *v)
{
    switch (json_typeof(v)) {
    case JSON_OBJECT: return "an object";
    case JSON_ARRAY: return "an array";
    case JSON_STRING: return "a string";
    case JSON_INTEGER:
    case JSON_REAL: return "a number";
    case JSON_TRUE:
    case JSON_FALSE: return "a boolean";
    case JSON_NULL: return "null";
    }
    return "something else";
}

struct decoder {
    struct cloak_config *c;
    const char *file;
    char *err;
    size_t errlen;
};

/* "RunConfig.Memory" as the user wrote it. */
static void key_path(char *buf, size_t len, const char *parent, const char *key)
{
    if (parent)
        snprintf(buf, len, "%s.%s", parent, key);
    else
        snprintf(buf, len, "%s", key);
}

static int decode_strlist(struct decoder *d, const char *path, json_t *v,
                          struct config_strlist *out)
{
    size_t i;
    json_t *e;

    if (json_is_null(v)) {
        config_strlist_clear(out);
        return 0;
    }
    if (!json_is_array(v)) {
        snprintf(d->err, d->errlen, "%s: key \"%s\" must be an array of strings, but it is %s",
                 d->file, path, json_type_name(v));
        return -1;
    }
    json_array_foreach(v, i, e) {
        if (!json_is_string(e)) {
            snprintf(d->err, d->errlen, "%s: key \"%s\" must be an array of strings, "
                     "but element %zu is %s", d->file, path, i, json_type_name(e));
            return -1;
        }
    }
    config_strlist_clear(out);
    json_array_foreach(v, i, e)
        config_strlist_add(out, json_string_value(e));
    return 0;
}

static int decode_kvlist(struct decoder *d, const char *path, json_t *v,
                         struct config_kvlist *out)
{
    const char *k;
    json_t *e;

    if (json_is_null(v)) {
        config_kvlist_clear(out);
        return 0;
    }
    if (!json_is_object(v)) {
        snprintf(d->err, d->errlen, "%s: key \"%s\" must be an object with string values, "
                 "but it is %s", d->file, path, json_type_name(v));
        return -1;
    }
    json_object_foreach(v, k, e) {
        if (!json_is_string(e) && !json_is_null(e)) {
            snprintf(d->err, d->errlen, "%s: key \"%s\" must be an object with string values, "
                     "but \"%s\" is %s", d->file, path, k, json_type_name(e));
            return -1;
        }
    }
    json_object_foreach(v, k, e) /* decoded on top of the existing map, like Go */
        config_kvlist_set(out, k, json_is_string(e) ? json_string_value(e) : "");
    return 0;
}

static int decode_bool(struct decoder *d, const char *path, json_t *v, bool *out)
{
    if (json_is_null(v))
        return 0;
    if (!json_is_boolean(v)) {
        snprintf(d->err, d->errlen, "%s: key \"%s\" must be a boolean (true or false), "
                 "but it is %s", d->file, path, json_type_name(v));
        return -1;
    }
    *out = json_is_true(v);
    return 0;
}

static int decode_object(struct decoder *d, const char *parent, json_t *obj,
                         const struct key_def *defs);

static int decode_key(struct decoder *d, const char *path, const struct key_def *def, json_t *v)
{
    struct cloak_config *c = d->c;
    char origin[600];

    switch (def->kind) {
    case K_UNSUPPORTED:
        config_warn(c, "%s: key \"%s\" is not supported yet; ignored", d->file, path);
        return 0;
    case K_GCP:
        return 0;
    case K_ARGS: return decode_strlist(d, path, v, &c->args);
    case K_FILES: return decode_strlist(d, path, v, &c->files);
    case K_DIRS: return decode_strlist(d, path, v, &c->dirs);
    case K_ENV: return decode_kvlist(d, path, v, &c->env);
    case K_MAPDIRS: return decode_kvlist(d, path, v, &c->mapdirs);
    case K_MOUNTS: return decode_kvlist(d, path, v, &c->mounts);
    case K_NAMESERVERS: return decode_strlist(d, path, v, &c->nameservers);
    case K_PORTS: return decode_strlist(d, path, v, &c->ports);
    case K_UDP_PORTS: return decode_strlist(d, path, v, &c->udp_ports);
    case K_VOLUMES_DIR:
        if (json_is_null(v))
            return 0;
        if (!json_is_string(v)) {
            snprintf(d->err, d->errlen, "%s: key \"%s\" must be a string (a directory), "
                     "but it is %s", d->file, path, json_type_name(v));
            return -1;
        }
        free(c->volumes_dir);
        c->volumes_dir = config_xstrdup(json_string_value(v));
        return 0;
    case K_UEFI: return decode_bool(d, path, v, &c->uefi);
    case K_ACCEL: return decode_bool(d, path, v, &c->accel);
    case K_CONFIDENTIAL_VM: return decode_bool(d, path, v, &c->confidential_vm);
    case K_RUNCONFIG:
    case K_CLOUDCONFIG:
        if (json_is_null(v))
            return 0;
        if (!json_is_object(v)) {
            snprintf(d->err, d->errlen, "%s: key \"%s\" must be an object, but it is %s",
                     d->file, path, json_type_name(v));
            return -1;
        }
        return decode_object(d, path, v, def->kind == K_RUNCONFIG ? run_keys : cloud_keys);
    case K_MEMORY:
        if (json_is_null(v))
            return 0;
        if (!json_is_string(v)) {
            snprintf(d->err, d->errlen, "%s: key \"%s\" must be a string (like \"512M\"), "
                     "but it is %s", d->file, path, json_type_name(v));
            return -1;
        }
        snprintf(origin, sizeof origin, "%s: key \"%s\"", d->file, path);
        return config_set_memory(c, json_string_value(v), origin, d->err, d->errlen);
    case K_NET:
        if (json_is_null(v) || (json_is_string(v) && !*json_string_value(v)))
            return 0; /* ops's "" means not set */
        if (!json_is_string(v)) {
            snprintf(d->err, d->errlen, "%s: key \"%s\" must be a string, but it is %s",
                     d->file, path, json_type_name(v));
            return -1;
        }
        snprintf(origin, sizeof origin, "%s: key \"%s\"", d->file, path);
        return config_set_net(c, def->name, json_string_value(v), origin, d->err, d->errlen);
    case K_CPUS:
        if (json_is_null(v))
            return 0;
        if (!json_is_integer(v)) {
            snprintf(d->err, d->errlen, "%s: key \"%s\" must be a whole number (of CPUs, 1 to "
                     "%d), but it is %s", d->file, path, CONFIG_MAX_CPUS,
                     json_is_real(v) ? "a number with a fraction" : json_type_name(v));
            return -1;
        }
        snprintf(origin, sizeof origin, "%s: key \"%s\"", d->file, path);
        return config_set_cpus_number(c, json_integer_value(v), origin, d->err, d->errlen);
    }
    return 0;
}

static int decode_object(struct decoder *d, const char *parent, json_t *obj,
                         const struct key_def *defs)
{
    const char *k;
    json_t *v;
    char path[512];

    json_object_foreach(obj, k, v) {
        const struct key_def *def = find_key(defs, k);

        key_path(path, sizeof path, parent, k);
        if (!def) {
            config_warn(d->c, "%s: unknown key \"%s\"; ignored (ops would reject it)", d->file, path);
            continue;
        }
        if (decode_key(d, path, def, v) < 0)
            return -1;
    }
    return 0;
}

static int load(struct cloak_config *c, const char *text, size_t len, const char *name,
                char *err, size_t errlen)
{
    json_error_t je;
    json_t *root;
    struct decoder d = {c, name, err, errlen};
    int rc;

    root = json_loadb(text, len, JSON_DECODE_ANY, &je);
    if (!root) {
        snprintf(err, errlen, "%s:%d:%d: JSON syntax error: %s", name, je.line, je.column, je.text);
        return -1;
    }
    if (!json_is_object(root)) {
        snprintf(err, errlen, "%s: the configuration must be a JSON object ({...}), but it is %s",
                 name, json_type_name(root));
        json_decref(root);
        return -1;
    }
    rc = decode_object(&d, NULL, root, top_keys);
    json_decref(root);
    return rc;
}

int config_load_string(struct cloak_config *c, const char *text, const char *name,
                       char *err, size_t errlen)
{
    return load(c, text, strlen(text), name, err, errlen);
}

int config_load_file(struct cloak_config *c, const char *path, char *err, size_t errlen)
{
    FILE *f = fopen(path, "rb");
    char *buf = NULL, *dir;
    size_t len = 0, cap = 0, n;
    int rc;

    if (!f) {
        snprintf(err, errlen, "cannot read config %s: %s", path, strerror(errno));
        return -1;
    }
    do {
        if (cap - len < 4096) {
            cap = cap ? cap * 2 : 8192;
            buf = config_xrealloc(buf, cap);
        }
        n = fread(buf + len, 1, cap - len, f);
        len += n;
    } while (n > 0);
    if (ferror(f)) {
        snprintf(err, errlen, "cannot read config %s: %s", path, strerror(errno));
        fclose(f);
        free(buf);
        return -1;
    }
    fclose(f);
    rc = load(c, buf, len, path, err, errlen);
    free(buf);
    if (rc == 0) { /* ops: relative MapDirs keys are relative to the config's directory */
        char *copy = config_xstrdup(path);
        dir = dirname(copy);
        free(c->files_parent_dir);
        c->files_parent_dir = config_xstrdup(dir);
        free(copy);
    }
    return rc;
}
