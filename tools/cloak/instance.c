/* cloak instance create/list/delete/start/stop (logs and attestation:
 * instance_logs.c): a Confidential VM on Compute Engine from an image of
 * `cloak image create`, with its firewall rules (RunConfig.Ports and
 * UDPPorts, named per instance and aimed at its own tag, as ops does). */
#define _GNU_SOURCE
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../gcp/compute.h"
#include "cli.h"
#include "cloud.h"

struct create_opts {
    const char *flavor;             /* -f */
    const char *name;               /* -i */
    const char *confidential_type;  /* --confidential-type */
    char **ports, **udp;            /* -p, --udp */
    size_t nports, nudp;
};

enum { OPT_CONF_TYPE = CLOUD_OPT_FIRST_OWN, OPT_UDP };

static const struct option create_longopts[] = {
    CLOUD_LONGOPTS,
    {"flavor", required_argument, NULL, 'f'},
    {"instance-name", required_argument, NULL, 'i'},
    {"port", required_argument, NULL, 'p'},
    {"udp", required_argument, NULL, OPT_UDP},
    {"confidential-type", required_argument, NULL, OPT_CONF_TYPE},
    {NULL, 0, NULL, 0},
};

static const char *parse_create(struct cloud *cl, struct create_opts *co, int argc, char **argv)
{
    int c;

    opterr = 0;
    optind = 1;
    while ((c = getopt_long(argc, argv, ":" CLOUD_SHORT "f:i:p:", create_longopts, NULL)) != -1) {
        if (cloud_option(cl, c, optarg))
            continue;
        switch (c) {
        case 'f': co->flavor = optarg; break;
        case 'i': co->name = optarg; break;
        case 'p': list_append(&co->ports, &co->nports, optarg); break;
        case OPT_UDP: list_append(&co->udp, &co->nudp, optarg); break;
        case OPT_CONF_TYPE: co->confidential_type = optarg; break;
        default: cloud_bad_option(cl, c, argv);
        }
    }
    if (optind + 1 < argc)
        die("instance create: one image only (\"%s\" is extra)", argv[optind + 1]);
    return optind < argc ? argv[optind] : NULL;
}

/* SEV only: SEV-SNP and TDX need what the kernel does not do yet. */
static void check_confidential(struct cloud *cl, const struct create_opts *co)
{
    const char *t = co->confidential_type;

    if (t && !cl->set.confidential)
        die("instance create: --confidential-type needs CloudConfig.ConfidentialVM true");
    if (t && !strcmp(t, "SEV_SNP"))
        die("instance create: SEV_SNP is refused: cloak's kernel runs plain AMD SEV only (no "
            "PVALIDATE, GHCB or #VC handling, which SEV-SNP guests need); use SEV");
    if (t && !strcmp(t, "TDX"))
        die("instance create: TDX is refused: cloak's kernel supports AMD SEV only, not Intel "
            "TDX; use SEV on an AMD machine type (n2d-*)");
    if (t && strcmp(t, "SEV") != 0)
        die("instance create: --confidential-type \"%s\": only SEV is supported", t);
}

const char *instance_flavor(struct cloud *cl, const char *flag)
{
    const char *flavor = flag ? flag : cl->set.flavor ? cl->set.flavor
                         : cl->set.confidential ? "n2d-standard-2" : "g1-small";

    if (cl->set.confidential && strncmp(flavor, "n2d-", 4) && strncmp(flavor, "c2d-", 4) &&
        strncmp(flavor, "c3d-", 4))
        fprintf(stderr, "cloak: warning: Flavor %s: Confidential VMs with AMD SEV run on AMD "
                "machine types (n2d-*, c2d-*, c3d-*); Google may refuse it\n", flavor);
    return flavor;
}

/* The image must exist; a confidential instance needs SEV_CAPABLE.
 * Returns its diskSizeGb (malloc'd) or NULL under --dry-run. */
char *instance_check_image(struct cloud *cl, const char *image)
{
    json_t *im = compute_image_get(&cl->g, image), *f;
    bool sev = false;
    size_t i;

    if (!im)
        cloud_die(cl);
    if (cl->dry_run) {
        json_decref(im);
        return NULL;
    }
    json_array_foreach(json_object_get(im, "guestOsFeatures"), i, f)
        sev |= !strcmp(json_string_value(json_object_get(f, "type")) ?: "", "SEV_CAPABLE");
    if (cl->set.confidential && !sev)
        die("%s: image %s lacks the guest OS feature SEV_CAPABLE, which a "
            "Confidential VM needs; make it with `cloak image create`", cl->cmd, image);
    const char *gb = json_string_value(json_object_get(im, "diskSizeGb"));
    char *out = gb ? strdup(gb) : NULL;
    json_decref(im);
    return out;
}

/* One rule per protocol with ports: "cloak-tcp-rule-NAME". */
static void make_firewalls(struct cloud *cl, const char *name, char **tcp, size_t ntcp,
                           char **udp, size_t nudp)
{
    const struct { const char *proto; char **in; size_t n; } rules[] = {
        {"tcp", tcp, ntcp}, {"udp", udp, nudp}};
    char err[512], fw[128];

    for (size_t r = 0; r < 2; r++) {
        char **ports;
        size_t n;
        if (!rules[r].n)
            continue;
        if (compute_split_ports(rules[r].in, rules[r].n, &ports, &n, err, sizeof err) < 0)
            die("instance create: %s", err);
        compute_firewall_name(fw, sizeof fw, rules[r].proto, name);
        if (compute_firewall_insert(&cl->g, compute_firewall_body(fw, rules[r].proto, ports, n,
                                                                  name)) < 0)
            cloud_die(cl);
        for (size_t i = 0; i < n; i++)
            free(ports[i]);
        free(ports);
    }
}

static void say_created(struct cloud *cl, const char *name)
{
    json_t *in = compute_instance_get(&cl->g, name);
    json_t *nic = json_array_get(json_object_get(in, "networkInterfaces"), 0);
    const char *ip = json_string_value(json_object_get(
        json_array_get(json_object_get(nic, "accessConfigs"), 0), "natIP"));

    printf("instance %s created in %s (%s), external address %s; `cloak instance logs %s` "
           "shows the program's output\n", name, cl->set.zone,
           json_string_value(json_object_get(in, "status")) ?: "?", ip ? ip : "(none yet)", name);
    json_decref(in);
}

static int instance_create(int argc, char **argv)
{
    struct cloud cl = {.cmd = "instance create"};
    struct create_opts co = {0};
    char name[64];

    const char *image = parse_create(&cl, &co, argc, argv);
    cloud_start(&cl, true);
    if (!image && !(image = cl.set.image_name))
        die("instance create: which image? usage: cloak instance create [-c CONFIG] IMAGE");
    check_confidential(&cl, &co);
    const char *flavor = instance_flavor(&cl, co.flavor);
    if (co.name || cl.set.instance_name)
        snprintf(name, sizeof name, "%s", co.name ? co.name : cl.set.instance_name);
    else
        snprintf(name, sizeof name, "%.50s-%lld", image, (long long)time(NULL));
    if (!gcp_name_ok(name))
        die("instance create: \"%s\" cannot name an instance: 1 to 63 lower-case letters, "
            "digits and dashes, starting with a letter (-i NAME)", name);
    if ((co.nports || cl.set.nports || co.nudp || cl.set.nudp_ports) && strlen(name) > 48)
        die("instance create: \"%s\" is too long for its firewall rule names "
            "(cloak-tcp-rule-NAME, at most 63 characters); give -i NAME of 48 or fewer", name);
    cloud_connect(&cl);
    char *size = instance_check_image(&cl, image);
    struct instance_spec spec = {.name = name, .zone = cl.set.zone, .project = cl.set.project,
                                 .flavor = flavor, .image = image, .disk_size_gb = size,
                                 .confidential = cl.set.confidential};
    if (compute_instance_insert(&cl.g, &spec) < 0)
        cloud_die(&cl);
    for (size_t i = 0; i < cl.set.nports; i++)
        list_append(&co.ports, &co.nports, cl.set.ports[i]);
    for (size_t i = 0; i < cl.set.nudp_ports; i++)
        list_append(&co.udp, &co.nudp, cl.set.udp_ports[i]);
    make_firewalls(&cl, name, co.ports, co.nports, co.udp, co.nudp);
    if (!cl.dry_run)
        say_created(&cl, name);
    free(size);
    free(co.ports);
    free(co.udp);
    cloud_end(&cl);
    return 0;
}

static const struct option plain_opts[] = {CLOUD_LONGOPTS, {NULL, 0, NULL, 0}};

/* list, or delete/start/stop NAME */
static int instance_simple(int argc, char **argv, const char *action)
{
    char cmd[64];
    struct cloud cl = {.cmd = cmd};
    int c;

    snprintf(cmd, sizeof cmd, "instance %s", action);
    opterr = 0;
    optind = 1;
    while ((c = getopt_long(argc, argv, ":" CLOUD_SHORT, plain_opts, NULL)) != -1)
        if (!cloud_option(&cl, c, optarg))
            cloud_bad_option(&cl, c, argv);
    bool list = !strcmp(action, "list");
    if (!list && optind + 1 != argc)
        die("%s: which instance? usage: cloak %s NAME", cmd, cmd);
    if (list && optind != argc)
        die("%s: unexpected \"%s\"", cmd, argv[optind]);
    cloud_start(&cl, true);
    cloud_connect(&cl);
    if (list) {
        if (compute_instance_list(&cl.g, stdout) < 0)
            cloud_die(&cl);
    } else {
        const char *name = argv[optind];
        char fw[128];
        if (!strcmp(action, "delete"))
            for (int p = 0; p < 2; p++) {
                compute_firewall_name(fw, sizeof fw, p ? "udp" : "tcp", name);
                if (compute_firewall_delete(&cl.g, fw, true) < 0)
                    cloud_die(&cl);
            }
        if (compute_instance_action(&cl.g, name, action) < 0)
            cloud_die(&cl);
        if (!cl.dry_run)
            printf("instance %s: %s done\n", name, action);
    }
    cloud_end(&cl);
    return 0;
}

int cmd_instance(int argc, char **argv)
{
    static const char *const simple[] = {"list", "delete", "start", "stop"};

    if (argc < 2)
        die("instance: create, list, delete, start, stop, logs or attestation? (see `cloak "
            "help instance`)");
    if (!strcmp(argv[1], "create"))
        return instance_create(argc - 1, argv + 1);
    for (size_t i = 0; i < sizeof simple / sizeof simple[0]; i++)
        if (!strcmp(argv[1], simple[i]))
            return instance_simple(argc - 1, argv + 1, simple[i]);
    if (!strcmp(argv[1], "logs"))
        return instance_logs(argc - 1, argv + 1);
    if (!strcmp(argv[1], "attestation"))
        return instance_attestation(argc - 1, argv + 1);
    die("instance: unknown subcommand \"%s\" (see `cloak help instance`)", argv[1]);
}
