/* cloak group create/resize/list/delete: fleets on Google's own engine, a
 * zonal managed instance group made from an instance template that has the
 * properties `cloak instance create` gives one instance (the SEV settings
 * included).  Google keeps the group at its target size; cloak only asks. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "../gcp/group.h"
#include "../gcp/template.h"
#include "cli.h"
#include "cloud.h"

struct group_opts {
    const char *flavor;     /* -f */
    long size;              /* --size, -1: not given */
    char *const *args;      /* the words after the options */
    int nargs;
};

static const struct option group_longopts[] = {
    CLOUD_LONGOPTS,
    {"size", required_argument, NULL, 's'},
    {"flavor", required_argument, NULL, 'f'},
    {NULL, 0, NULL, 0},
};

/* --size: a whole number from min to GROUP_SIZE_MAX */
static long parse_size(const char *cmd, const char *arg, long min)
{
    char *end;

    errno = 0;
    long v = strtol(arg, &end, 10);
    if (errno || end == arg || *end || *arg < '0' || *arg > '9' || v < min ||
        v > GROUP_SIZE_MAX)
        die("%s: --size \"%s\": give a whole number of instances from %ld to %d (a zonal "
            "managed instance group's limit)%s", cmd, arg, min, GROUP_SIZE_MAX,
            min ? "" : "; 0 keeps the group with no instances");
    return v;
}

static void parse(struct cloud *cl, struct group_opts *go, int argc, char **argv, long min)
{
    int c;

    go->size = -1;
    opterr = 0;
    optind = 1;
    while ((c = getopt_long(argc, argv, ":" CLOUD_SHORT "s:f:", group_longopts, NULL)) != -1) {
        if (cloud_option(cl, c, optarg))
            continue;
        switch (c) {
        case 's': go->size = parse_size(cl->cmd, optarg, min); break;
        case 'f': go->flavor = optarg; break;
        default: cloud_bad_option(cl, c, argv);
        }
    }
    go->args = argv + optind;
    go->nargs = argc - optind;
}

static void check_name(const char *cmd, const char *name)
{
    if (!gcp_name_ok(name) || strlen(name) > GROUP_NAME_MAX)
        die("%s: \"%s\" cannot name a group: 1 to %d lower-case letters, digits and dashes, "
            "starting with a letter (its instances are NAME-xxxx, its template NAME-template)",
            cmd, name, GROUP_NAME_MAX);
}

/* The group failed after its template was made: the template goes again,
 * so that the same command can be tried once more. */
__attribute__((noreturn)) static void undo_template(struct cloud *cl, const char *tname)
{
    char *why = strdup(cl->g.err);

    if (compute_template_delete(&cl->g, tname, true) == 0)
        die("%s\ncloak: the instance template %s made for it was deleted again", why, tname);
    die("%s\ncloak: the instance template %s made for it is left: %s\ncloak: `cloak group "
        "delete` with the group's name removes it", why, tname, cl->g.err);
}

static int group_create(int argc, char **argv)
{
    struct cloud cl = {.cmd = "group create"};
    struct group_opts go = {0};
    char tname[80];
    static const char usage_line[] = "usage: cloak group create NAME --size N [-c CONFIG] "
                                     "[-f FLAVOR] IMAGE";

    parse(&cl, &go, argc, argv, 1);
    if (go.nargs < 1)
        die("group create: which group? %s", usage_line);
    if (go.nargs > 2)
        die("group create: one group and one image only (\"%s\" is extra); %s", go.args[2],
            usage_line);
    check_name(cl.cmd, go.args[0]);
    if (go.size < 0)
        die("group create: how many instances? give --size N; %s", usage_line);
    cloud_start(&cl, true);
    const char *image = go.nargs == 2 ? go.args[1] : cl.set.image_name;
    if (!image)
        die("group create: which image? give IMAGE (or CloudConfig.ImageName); %s", usage_line);
    const char *name = go.args[0], *flavor = instance_flavor(&cl, go.flavor);
    compute_template_name(tname, sizeof tname, name);
    cloud_connect(&cl);
    char *disk_gb = instance_check_image(&cl, image);
    struct instance_spec spec = {.name = name, .zone = cl.set.zone, .project = cl.set.project,
                                 .flavor = flavor, .image = image, .disk_size_gb = disk_gb,
                                 .confidential = cl.set.confidential};
    if (compute_template_insert(&cl.g, tname, &spec) < 0) {
        if (cl.g.last_status == 409)
            die("%s\ncloak: what to do: the instance template %s exists already: a group %s "
                "exists (`cloak group list`) or an earlier create stopped half-way; `cloak "
                "group delete %s` removes both, or choose another NAME", cl.g.err, tname, name,
                name);
        cloud_die(&cl);
    }
    char *ref = compute_template_ref(cl.set.project, tname);
    struct group_spec gs = {.name = name, .template_ref = ref, .image = image, .size = go.size};
    if (compute_group_insert(&cl.g, &gs) < 0)
        undo_template(&cl, tname);
    if (!cl.dry_run)
        printf("group %s created in %s: %ld instance%s of %s from template %s (Google makes "
               "them now; `cloak group list` shows their status)\n", name, cl.set.zone,
               go.size, go.size == 1 ? "" : "s", image, tname);
    free(ref);
    free(disk_gb);
    cloud_end(&cl);
    return 0;
}

static int group_resize(int argc, char **argv)
{
    struct cloud cl = {.cmd = "group resize"};
    struct group_opts go = {0};

    parse(&cl, &go, argc, argv, 0);
    if (go.nargs != 1)
        die("group resize: %s usage: cloak group resize NAME --size N",
            go.nargs ? "one group only;" : "which group?");
    check_name(cl.cmd, go.args[0]);
    if (go.size < 0)
        die("group resize: to how many instances? usage: cloak group resize NAME --size N");
    cloud_start(&cl, true);
    cloud_connect(&cl);
    if (compute_group_resize(&cl.g, go.args[0], go.size) < 0)
        cloud_die(&cl);
    if (!cl.dry_run)
        printf("group %s: target size %ld (Google adds or removes instances now; `cloak group "
               "list` shows them)\n", go.args[0], go.size);
    cloud_end(&cl);
    return 0;
}

static int group_list(int argc, char **argv)
{
    struct cloud cl = {.cmd = "group list"};
    struct group_opts go = {0};

    parse(&cl, &go, argc, argv, 0);
    if (go.nargs)
        die("group list: unexpected \"%s\"; usage: cloak group list", go.args[0]);
    if (go.size >= 0)
        die("group list: --size belongs to create and resize");
    cloud_start(&cl, true);
    cloud_connect(&cl);
    if (compute_group_list(&cl.g, stdout) < 0)
        cloud_die(&cl);
    cloud_end(&cl);
    return 0;
}

/* The group first (waiting until it and its instances are gone: a template
 * still in use cannot be deleted), then its template. */
static int group_delete(int argc, char **argv)
{
    struct cloud cl = {.cmd = "group delete"};
    struct group_opts go = {0};
    char tname[80];

    parse(&cl, &go, argc, argv, 0);
    if (go.nargs != 1)
        die("group delete: %s usage: cloak group delete NAME",
            go.nargs ? "one group only;" : "which group?");
    check_name(cl.cmd, go.args[0]);
    if (go.size >= 0)
        die("group delete: --size belongs to create and resize");
    const char *name = go.args[0];
    compute_template_name(tname, sizeof tname, name);
    cloud_start(&cl, true);
    cloud_connect(&cl);
    bool had_group = true;
    if (compute_group_delete(&cl.g, name) < 0) {
        if (cl.g.last_status != 404)
            die("%s\ncloak: the group is not deleted, nor its template %s", cl.g.err, tname);
        had_group = false;
        fprintf(stderr, "cloak: group delete: there is no group %s in %s; deleting its "
                "template %s if there is one\n", name, cl.set.zone, tname);
    }
    if (compute_template_delete(&cl.g, tname, true) < 0)
        die("%s\ncloak: the group %s is %s, its template %s is left", cl.g.err, name,
            had_group ? "deleted" : "absent", tname);
    if (!had_group && cl.g.last_status == 404)
        die("group delete: no group %s in zone %s of project %s, and no template %s "
            "(`cloak group list` shows the groups)", name, cl.set.zone, cl.set.project, tname);
    if (!cl.dry_run)
        printf("group %s deleted, with its instances and its template %s\n", name, tname);
    cloud_end(&cl);
    return 0;
}

int cmd_group(int argc, char **argv)
{
    if (argc < 2)
        die("group: create, resize, list or delete? (see `cloak help group`)");
    if (!strcmp(argv[1], "create"))
        return group_create(argc - 1, argv + 1);
    if (!strcmp(argv[1], "resize"))
        return group_resize(argc - 1, argv + 1);
    if (!strcmp(argv[1], "list"))
        return group_list(argc - 1, argv + 1);
    if (!strcmp(argv[1], "delete"))
        return group_delete(argc - 1, argv + 1);
    die("group: unknown subcommand \"%s\" (see `cloak help group`)", argv[1]);
}
