/* Parsing the options of cloak run, build and dump-check: first the flags
 * (getopt stops at PROGRAM), then the operands, then the combinations that
 * do not go together. */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "../qemu/accel.h"
#include "cli.h"
#include "options.h"

enum { OPT_UEFI = 256, OPT_LOG, OPT_DRY_RUN, OPT_KERNEL_ARGS, OPT_LIST, OPT_MOUNT,
       OPT_DISK_BUS, OPT_SEV, OPT_SEV_SIM, OPT_QMP, OPT_SETTLE, OPT_KEEP_DUMP, OPT_ACCEL,
       OPT_SMP, OPT_NET, OPT_UDP, OPT_IP_ADDRESS, OPT_NETMASK, OPT_GATEWAY,
       OPT_IPV6_ADDRESS };

static const struct option longopts[] = {
    {"config", required_argument, NULL, 'c'},
    {"args", required_argument, NULL, 'a'},
    {"envs", required_argument, NULL, 'e'},
    {"memory", required_argument, NULL, 'm'},
    {"output", required_argument, NULL, 'o'},
    {"verbose", no_argument, NULL, 'v'},
    {"help", no_argument, NULL, 'h'},
    {"uefi", no_argument, NULL, OPT_UEFI},
    {"log", required_argument, NULL, OPT_LOG},
    {"dry-run", no_argument, NULL, OPT_DRY_RUN},
    {"kernel-args", required_argument, NULL, OPT_KERNEL_ARGS},
    {"list", no_argument, NULL, OPT_LIST},
    {"mount", required_argument, NULL, OPT_MOUNT},
    {"mounts", required_argument, NULL, OPT_MOUNT}, /* ops's spelling */
    {"disk-bus", required_argument, NULL, OPT_DISK_BUS},
    {"sev", no_argument, NULL, OPT_SEV},
    {"sev-sim", no_argument, NULL, OPT_SEV_SIM},
    {"qmp", required_argument, NULL, OPT_QMP},
    {"settle", required_argument, NULL, OPT_SETTLE},
    {"keep-dump", required_argument, NULL, OPT_KEEP_DUMP},
    {"accel", required_argument, NULL, OPT_ACCEL},
    {"net", required_argument, NULL, OPT_NET},
    {"port", required_argument, NULL, 'p'},
    {"udp", no_argument, NULL, OPT_UDP},
    {"ip-address", required_argument, NULL, OPT_IP_ADDRESS},
    {"netmask", required_argument, NULL, OPT_NETMASK},
    {"gateway", required_argument, NULL, OPT_GATEWAY},
    {"ipv6-address", required_argument, NULL, OPT_IPV6_ADDRESS},
    {"smp", required_argument, NULL, OPT_SMP},
    {NULL, 0, NULL, 0},
};

/* --settle SECONDS (dump-check only). */
static void parse_settle(const char *cmd, struct options *o)
{
    char *end;

    if (!o->dump_check)
        die("%s: --settle is for `cloak dump-check`", cmd);
    errno = 0;
    o->settle = strtod(optarg, &end);
    if (errno || end == optarg || *end || o->settle < 0 || o->settle > 3600)
        die("dump-check: --settle \"%s\": give seconds, from 0 to 3600", optarg);
}

/* The flags before PROGRAM (or before SECRET for dump-check). */
static void parse_flags(int argc, char **argv, struct options *o)
{
    const char *cmd = argv[0];
    int c;

    opterr = 0;
    optind = 1;
    /* '+': stop at PROGRAM, so that its own options stay its own */
    while ((c = getopt_long(argc, argv, "+:c:a:e:m:o:p:vh", longopts, NULL)) != -1) {
        switch (c) {
        case 'c': o->config = optarg; break;
        case 'a': list_append(&o->flag_args, &o->nflag_args, optarg); break;
        case 'e': list_append(&o->envs, &o->nenvs, optarg); break;
        case 'm': o->memory = optarg; break;
        case 'o': o->output = optarg; break;
        case 'v': o->verbose = true; break;
        case OPT_UEFI: o->uefi = true; break;
        case OPT_LOG: o->log = optarg; break;
        case OPT_DRY_RUN: o->dry_run = true; break;
        case OPT_KERNEL_ARGS: o->kernel_args = optarg; break;
        case OPT_LIST: o->list = true; break;
        case OPT_MOUNT: list_append(&o->mounts, &o->nmounts, optarg); break;
        case OPT_DISK_BUS: o->disk_bus = optarg; break;
        case OPT_SEV: o->sev = true; break;
        case OPT_SEV_SIM: o->sev_sim = true; break;
        case OPT_QMP: o->qmp = optarg; break;
        case OPT_ACCEL: o->accel = optarg; break;
        case OPT_NET: o->net = optarg; break;
        case 'p': list_append(&o->ports, &o->nports, optarg); break;
        case OPT_UDP: o->udp = true; break;
        case OPT_IP_ADDRESS: o->ip_address = optarg; break;
        case OPT_NETMASK: o->netmask = optarg; break;
        case OPT_GATEWAY: o->gateway = optarg; break;
        case OPT_IPV6_ADDRESS: o->ipv6_address = optarg; break;
        case OPT_SMP: o->smp = optarg; break;
        case OPT_SETTLE: parse_settle(cmd, o); break;
        case OPT_KEEP_DUMP:
            if (!o->dump_check)
                die("%s: --keep-dump is for `cloak dump-check`", cmd);
            o->keep_dump = optarg;
            break;
        case 'h':
            usage(stdout);
            exit(0);
        case ':':
            die("%s: option %s needs a value (see `cloak help`)", cmd, argv[optind - 1]);
        default:
            if (optopt)
                die("%s: unknown option -%c (see `cloak help`)", cmd, optopt);
            die("%s: unknown option %s (see `cloak help`)", cmd, argv[optind - 1]);
        }
    }
}

/* The operands after the flags: dump-check's SECRET --, then PROGRAM and
 * its arguments. */
static void parse_operands(int argc, char **argv, struct options *o)
{
    const char *cmd = argv[0];

    if (o->dump_check) {
        if (optind >= argc)
            die("dump-check: which secret? usage: cloak dump-check [OPTIONS] SECRET -- "
                "PROGRAM [ARGS...]");
        o->secret = argv[optind++];
        if (optind >= argc || strcmp(argv[optind], "--") != 0)
            die("dump-check: put -- between the secret and the program: cloak dump-check "
                "[OPTIONS] SECRET -- PROGRAM [ARGS...]");
        optind++;
        if (o->dry_run || o->list || o->qmp)
            die("dump-check: %s does not go with dump-check",
                o->dry_run ? "--dry-run" : o->list ? "--list" : "--qmp");
    }
    if (optind >= argc)
        die("%s: which program? usage: cloak %s [OPTIONS] PROGRAM [ARGS...]%s", cmd, cmd,
            o->run || o->list ? "" : " -o IMAGE");
    o->program = argv[optind++];
    /* `cloak build PROG ARGS -o IMAGE`: -o may also follow the arguments */
    for (; optind < argc; optind++) {
        if (!o->run && strcmp(argv[optind], "-o") == 0 && optind + 1 < argc &&
            optind + 2 == argc) {
            o->output = argv[++optind];
            continue;
        }
        list_append(&o->prog_args, &o->nprog_args, argv[optind]);
    }
}

/* --accel kvm|tcg|auto: only where a VM boots; SEV needs KVM. */
static void check_accel(const char *cmd, const struct options *o)
{
    enum accel_want want;

    if (!o->accel)
        return;
    if (!o->run)
        die("build: --accel is for `cloak run` (and dump-check)");
    if (accel_want_parse(o->accel, &want) < 0)
        die("%s: --accel \"%s\": use kvm, tcg or auto", cmd, o->accel);
    if (o->sev && want == ACCEL_WANT_TCG)
        die("%s: --sev runs under KVM; it does not go with --accel tcg", cmd);
}

/* The options that do not go with this command or with each other. */
static void check_combinations(const char *cmd, const struct options *o)
{
    if (o->run && o->output)
        die("run: -o is for `cloak build`");
    if (!o->run && o->dry_run)
        die("build: --dry-run is for `cloak run`");
    if (o->list && (o->dry_run || o->output))
        die("%s: --list prints what the image would hold; it goes without %s", cmd,
            o->dry_run ? "--dry-run" : "-o");
    if (!o->run && !o->output && !o->list)
        die("build: where to? add -o IMAGE (or --list to see what it would hold)");
    if (o->sev && o->sev_sim)
        die("%s: --sev or --sev-sim, not both (--sev-sim only simulates SEV for testing)", cmd);
    if (!o->run && o->qmp)
        die("build: --qmp is for `cloak run`");
    if (o->disk_bus && strcmp(o->disk_bus, "virtio-blk") != 0 &&
        strcmp(o->disk_bus, "virtio-scsi") != 0 && strcmp(o->disk_bus, "nvme") != 0)
        die("%s: --disk-bus \"%s\": use virtio-blk, virtio-scsi or nvme", cmd, o->disk_bus);
    if (o->net && strcmp(o->net, "user") != 0 && strcmp(o->net, "none") != 0 &&
        (strncmp(o->net, "tap:", 4) != 0 || !o->net[4]))
        die("%s: --net \"%s\": use user, none or tap:IFNAME", cmd, o->net);
    if (!o->run && (o->net || o->nports || o->udp))
        die("build: %s is for `cloak run`", o->net ? "--net" : o->nports ? "-p" : "--udp");
    if (o->udp && !o->nports)
        die("%s: --udp forwards the -p ports for UDP too; give -p PORT", cmd);
    check_accel(cmd, o);
}

void parse_options(int argc, char **argv, struct options *o)
{
    parse_flags(argc, argv, o);
    parse_operands(argc, argv, o);
    check_combinations(argv[0], o);
}
