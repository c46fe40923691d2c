/* The ops JSON configuration, the subset cloak understands, merged with
 * command-line flags (docs/config.md describes it key by key).
 *
 * Order of merging, as ops does it: defaults, then the -c file, then flags
 * (-a replaces Args, -e adds to Env, -m sets the memory, --uefi sets Uefi,
 * --mount adds to Mounts),
 * then config_finalize() (automatic Env entries, ConfidentialVM => Uefi). */
#ifndef CLOAK_TOOLS_CONFIG_H
#define CLOAK_TOOLS_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CONFIG_DEFAULT_MEMORY "128M" /* ops forces 2G; TCG is slow to boot that much */
#define CONFIG_DEFAULT_NAMESERVER "8.8.8.8" /* ops's default */
#define CONFIG_MIN_MEMORY (4ull << 20)   /* luggage runs in 4M under PVH */
#define CONFIG_DEFAULT_CPUS 1            /* ops's default */
#define CONFIG_MAX_CPUS 64               /* the kernel starts at most 64 CPUs */

struct config_kv {
    char *key;
    char *value;
};

struct config_strlist {
    char **items;
    size_t n;
};

struct config_kvlist {
    struct config_kv *items;
    size_t n;
};

struct cloak_config {
    struct config_strlist args;     /* Args: argv[1..] */
    struct config_kvlist env;       /* Env, in order of first appearance */
    struct config_strlist files;    /* Files */
    struct config_strlist dirs;     /* Dirs */
    struct config_kvlist mapdirs;   /* MapDirs: host pattern -> image directory */
    struct config_kvlist mounts;    /* Mounts: volume name -> "/path" or "/path:ro" */
    char *volumes_dir;              /* VolumesDir, or NULL */
    struct config_strlist nameservers; /* NameServers (config_finalize: 8.8.8.8 if empty) */
    struct config_strlist ports;    /* RunConfig.Ports (and -p): TCP, as written ("80,443") */
    struct config_strlist udp_ports; /* RunConfig.UDPPorts (and -p with --udp) */
    bool nameservers_default;       /* NameServers was not given (config_finalize filled it) */
    /* Static addressing (RunConfig.IPAddress, NetMask, Gateway, IPv6Address and
     * --ip-address, --netmask, --gateway, --ipv6-address): NULL when not given;
     * checked when set (config_set_net), as written otherwise. */
    char *ip_address;
    char *netmask;
    char *gateway;
    char *ipv6_address;
    char *tap_name;                 /* RunConfig.TapName: --net tap:NAME */
    bool uefi;                      /* Uefi */
    bool confidential_vm;           /* CloudConfig.ConfidentialVM */
    bool accel;                     /* RunConfig.Accel: true (default) lets cloak use KVM,
                                     * false always emulates (TCG) */
    char *memory;                   /* RunConfig.Memory as written, e.g. "512M" */
    uint64_t memory_bytes;          /* the same, parsed */
    unsigned cpus;                  /* RunConfig.CPUs: vCPUs, 1..CONFIG_MAX_CPUS */
    char *files_parent_dir;         /* base of relative MapDirs keys: the config's directory, or "." */
    struct config_strlist warnings; /* things the user should hear about; the caller prints them */
};

/* Defaults: no args, memory CONFIG_DEFAULT_MEMORY, CONFIG_DEFAULT_CPUS, Accel true,
 * files_parent_dir ".". */
void config_init(struct cloak_config *c);
void config_free(struct cloak_config *c);

/* Decodes a config file on top of c.  Returns 0, or -1 with a message in err
 * (JSON syntax errors as "FILE:LINE:COLUMN: ...", wrong types naming the key,
 * the expected type and the file).  Unknown keys add warnings. */
int config_load_file(struct cloak_config *c, const char *path, char *err, size_t errlen);

/* -p SPEC: added to Ports, and to UDPPorts as well with --udp (checked
 * when the ports are resolved: tools/config/ports.h). */
void config_add_port_flag(struct cloak_config *c, const char *spec, bool udp);

/* Same, from a string; `name` stands for the file in messages. */
int config_load_string(struct cloak_config *c, const char *text, const char *name,
                       char *err, size_t errlen);

/* Flags. */
void config_set_args(struct cloak_config *c, char *const *args, size_t n); /* -a (all of them) */
int config_add_env_flag(struct cloak_config *c, const char *key_eq_value,
                        char *err, size_t errlen);                         /* -e K=V */
int config_set_memory(struct cloak_config *c, const char *size, const char *origin,
                      char *err, size_t errlen);                           /* -m */
/* --smp N (text) and RunConfig.CPUs (a JSON number): 1..CONFIG_MAX_CPUS,
 * else -1 with a message naming origin, the value and the limits. */
int config_set_cpus(struct cloak_config *c, const char *text, const char *origin,
                    char *err, size_t errlen);
int config_set_cpus_number(struct cloak_config *c, long long n, const char *origin,
                           char *err, size_t errlen);

/* --mount NAME:/path or NAME:/path:ro, added to Mounts (replacing NAME). */
int config_add_mount_flag(struct cloak_config *c, const char *spec, char *err, size_t errlen);

/* Splits a Mounts value "/path" or "/path:ro" into the mount point (malloc'd)
 * and the read-only flag.  -1 with a message naming the volume if the
 * point is not an absolute path, is "/", or has another ":" suffix. */
int config_mount_point(const char *name, const char *value, char **path, bool *read_only,
                       char *err, size_t errlen);

/* Static addressing: key is "IPAddress", "NetMask", "Gateway",
 * "IPv6Address" or "TapName"; origin names the file key or flag in
 * messages.  A value that is not an address of that kind (a netmask that
 * is not contiguous ones, a tap name that is not a Linux interface name)
 * is -1 with a message naming origin and the value. */
int config_set_net(struct cloak_config *c, const char *key, const char *value,
                   const char *origin, char *err, size_t errlen);
/* After merging: the addresses that only make sense together (a gateway or
 * netmask without IPAddress; a gateway outside IPAddress/NetMask).  NetMask
 * defaults to 255.255.255.0 when IPAddress is given, as ops's --netmask. */
int config_check_net(struct cloak_config *c, char *err, size_t errlen);

/* Sets Env key (replacing its value if present). */
void config_env_set(struct cloak_config *c, const char *key, const char *value);
const char *config_env_get(const struct cloak_config *c, const char *key);

/* After all merging: ConfidentialVM implies Uefi; Env gets USER=root and
 * PWD=/ unless already set; NameServers defaults to 8.8.8.8, as in ops. */
void config_finalize(struct cloak_config *c);

/* "64M", "1G", "512m", "2048" (MiB, like QEMU), "4096K", optional "B"/"iB".
 * Returns 0 and the size in bytes, or -1 (not a size, zero, overflow). */
int config_parse_memory(const char *s, uint64_t *bytes);

#endif
