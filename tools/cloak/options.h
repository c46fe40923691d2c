/* The options of cloak run, build and dump-check (as in ops: they go before
 * PROGRAM, everything after it is the program's). */
#ifndef CLOAK_OPTIONS_H
#define CLOAK_OPTIONS_H

#include <stdbool.h>
#include <stddef.h>

struct options {
    bool run;                 /* run, else build */
    const char *config;
    char **flag_args;
    size_t nflag_args;
    char **envs;
    size_t nenvs;
    const char *memory;
    const char *smp;          /* --smp N: vCPUs (RunConfig.CPUs) */
    bool uefi;
    bool verbose;
    const char *log;
    bool dry_run;
    bool list;                /* --list */
    char **mounts;            /* --mount VOLUME:/path[:ro] */
    size_t nmounts;
    const char *disk_bus;     /* --disk-bus */
    const char *net;          /* --net user|none|tap:IFNAME */
    const char *ip_address;   /* --ip-address (RunConfig.IPAddress) */
    const char *netmask;      /* --netmask (RunConfig.NetMask) */
    const char *gateway;      /* --gateway (RunConfig.Gateway) */
    const char *ipv6_address; /* --ipv6-address (RunConfig.IPv6Address) */
    char **ports;             /* -p/--port SPEC: added to RunConfig.Ports */
    size_t nports;
    bool udp;                 /* --udp: the -p ports go to UDPPorts as well */
    const char *kernel_args;  /* extra kernel command line */
    bool sev;                 /* --sev: real AMD SEV */
    bool sev_sim;             /* --sev-sim: the kernel's simulation (protects nothing) */
    const char *qmp;          /* --qmp PATH: a QMP unix socket */
    const char *accel;        /* --accel kvm|tcg|auto, or NULL */
    /* dump-check */
    bool dump_check;
    const char *secret;
    double settle;            /* --settle SECONDS */
    const char *keep_dump;    /* --keep-dump FILE */
    const char *output;
    const char *program;
    char **prog_args;         /* ARGS after PROGRAM */
    size_t nprog_args;
};

/* Parses argv (argv[0] is the command word) into o, whose run and
 * dump_check fields say which command it is and whose settle holds its
 * default.  Dies with a message on a bad or misplaced option; -h prints
 * the usage and exits 0. */
void parse_options(int argc, char **argv, struct options *o);

#endif
