/* cloak image create/list/delete: the program as a Compute Engine image.
 * create builds the UEFI disk the way `cloak build --uefi` does (build.c,
 * contents.c), with the consoles GCP shows (the program on COM3, the
 * kernel log on COM1, as cloak run --uefi), wraps it as Google imports it
 * (tools/gcp/package.c), uploads it to CloudConfig.BucketName, calls
 * images.insert, waits, and deletes the uploaded object. */
#define _GNU_SOURCE
#include <libgen.h>
#include <stdlib.h>
#include <string.h>

#include "../gcp/compute.h"
#include "../image/disk_image.h"
#include "../gcp/package.h"
#include "../gcp/storage.h"
#include "cli.h"
#include "cloud.h"
#include "session.h"

struct image_opts {
    const char *name;           /* -i */
    char **build_argv;          /* for session_start: "build" and the build flags */
    size_t nbuild;
};

static const struct option create_opts[] = {
    CLOUD_LONGOPTS,
    {"imagename", required_argument, NULL, 'i'},
    {"args", required_argument, NULL, 'a'},
    {"envs", required_argument, NULL, 'e'},
    {"kernel-args", required_argument, NULL, 'k'},
    {NULL, 0, NULL, 0},
};

static void parse_create(struct cloud *cl, struct image_opts *io, int argc, char **argv)
{
    int c;

    list_append(&io->build_argv, &io->nbuild, "build");
    opterr = 0;
    optind = 1;
    while ((c = getopt_long(argc, argv, "+:" CLOUD_SHORT "i:a:e:", create_opts, NULL)) != -1) {
        if (cloud_option(cl, c, optarg))
            continue;
        switch (c) {
        case 'i': io->name = optarg; break;
        case 'a': list_append(&io->build_argv, &io->nbuild, "-a");
                  list_append(&io->build_argv, &io->nbuild, optarg); break;
        case 'e': list_append(&io->build_argv, &io->nbuild, "-e");
                  list_append(&io->build_argv, &io->nbuild, optarg); break;
        case 'k': list_append(&io->build_argv, &io->nbuild, "--kernel-args");
                  list_append(&io->build_argv, &io->nbuild, optarg); break;
        default: cloud_bad_option(cl, c, argv);
        }
    }
    if (optind >= argc)
        die("image create: which program? usage: cloak image create [-c CONFIG] PROGRAM [ARGS...]");
    /* ops takes `ops image create ./prog -c config.json`; here, as in
     * cloak run, what follows PROGRAM is the program's */
    for (int i = optind + 1; i < argc; i++)
        if (!strcmp(argv[i], "-c") || !strcmp(argv[i], "-t") || !strcmp(argv[i], "-g") ||
            !strcmp(argv[i], "-z") || !strcmp(argv[i], "-i"))
            fprintf(stderr, "cloak: warning: image create: \"%s\" after PROGRAM is an argument "
                    "of the program; cloak's options go before PROGRAM\n", argv[i]);
}

/* -i, else CloudConfig.ImageName, else the program's name (as ops does). */
static const char *image_name(struct cloud *cl, const struct image_opts *io, const char *prog)
{
    static char base[256];

    snprintf(base, sizeof base, "%s", prog);
    const char *name = io->name ? io->name : cl->set.image_name ? cl->set.image_name
                                                                 : basename(base);
    if (!gcp_name_ok(name))
        die("image create: \"%s\" cannot name a Compute Engine image: it takes 1 to 63 "
            "lower-case letters, digits and dashes, starting with a letter and not ending "
            "with a dash; choose one with -i NAME or CloudConfig.ImageName", name);
    return name;
}

/* The UEFI disk, as build.c does it for --uefi, with the consoles GCP's
 * serial ports show. */
static void build_image(struct cloud *cl, struct image_opts *io, int argc, char **argv,
                        const char *disk)
{
    struct session s;
    char cmdline_path[PATH_MAX], cmdline[8192], err[1024];

    if (cl->config) {
        list_append(&io->build_argv, &io->nbuild, "-c");
        list_append(&io->build_argv, &io->nbuild, (char *)cl->config);
    }
    list_append(&io->build_argv, &io->nbuild, "--uefi");
    list_append(&io->build_argv, &io->nbuild, "-o");
    list_append(&io->build_argv, &io->nbuild, (char *)disk);
    for (int i = optind; i < argc; i++)
        list_append(&io->build_argv, &io->nbuild, argv[i]);
    list_append(&io->build_argv, &io->nbuild, NULL);
    session_start(&s, (int)io->nbuild - 1, io->build_argv, false, false);
    session_boot_files(&s);
    tmp_path(s.archive, sizeof s.archive, "archive.cpio");
    write_archive(s.archive, &s.cfg, &s.b);
    snprintf(cmdline, sizeof cmdline, "console=com3 klog=com1%s%s", *s.extra ? " " : "",
             s.extra);
    tmp_path(cmdline_path, sizeof cmdline_path, "cmdline.txt");
    write_text_file(cmdline_path, cmdline);
    /* build.c's write_disk, on a disk of a whole GiB (the backup GPT at
     * its end, as Compute Engine sees it) */
    const struct esp_file files[] = {
        {"EFI/BOOT/BOOTX64.EFI", s.loader}, {"cloak/kernel.elf", s.kernel},
        {"cloak/archive.cpio", s.archive}, {"cloak/cmdline.txt", cmdline_path},
    };
    if (disk_image_write_size(disk, files, 4, GIB, err, sizeof err) < 0)
        die("%s", err);
    config_free(&s.cfg);
}

/* Upload, images.insert, then the object deleted whatever the insert did. */
static void publish(struct cloud *cl, const char *name, const char *archive)
{
    struct gcp *g = &cl->g;
    char *object = gcp_strf("%s.tar.gz", name);
    char *source = storage_public_url(g, cl->set.bucket, object);
    struct image_spec spec = {.name = name, .source_url = source};

    if (storage_ensure_bucket(g, cl->set.bucket) < 0 ||
        storage_upload(g, cl->set.bucket, object, archive) < 0)
        cloud_die(cl);
    int rc = compute_image_insert(g, &spec);
    char saved[sizeof g->err];
    memcpy(saved, g->err, sizeof saved);
    if (storage_delete(g, cl->set.bucket, object) < 0)
        fprintf(stderr, "cloak: warning: the uploaded object stays: %s\n", g->err);
    if (rc < 0)
        die("%s", saved);
    free(object);
    free(source);
}

static int image_create(int argc, char **argv)
{
    struct cloud cl = {.cmd = "image create"};
    struct image_opts io = {0};
    char disk[PATH_MAX], archive[PATH_MAX], err[1024];
    uint64_t size;

    parse_create(&cl, &io, argc, argv);
    cloud_start(&cl, false);
    if (cl.set.uefi_given && !cl.set.uefi)
        die("image create: the config says \"Uefi\": false, but %s; set \"Uefi\": true "
            "(or leave it out)", cl.set.confidential
                ? "a Confidential VM (CloudConfig.ConfidentialVM) boots only through UEFI"
                : "cloak's Compute Engine images boot through UEFI (a GPT disk with an EFI "
                  "System Partition)");
    if (!cl.set.bucket)
        die("image create: CloudConfig.BucketName is not set: name the Cloud Storage bucket "
            "the image goes through (cloak creates it if it does not exist)");
    const char *name = image_name(&cl, &io, argv[optind]);
    cloud_connect(&cl);
    tmp_path(disk, sizeof disk, "disk.img");
    build_image(&cl, &io, argc, argv, disk);
    snprintf(archive, sizeof archive, "%s/%s.tar.gz", tmp_dir_get(), name);
    if (package_disk(disk, archive, &size, err, sizeof err) < 0)
        die("image create: %s", err);
    fprintf(stderr, "cloak: %s.tar.gz: disk.raw of %llu GiB (%s)\n", name,
            (unsigned long long)(size / GIB), cl.set.confidential ? "Confidential VM, AMD SEV"
                                                                  : "UEFI");
    publish(&cl, name, archive);
    if (!cl.dry_run)
        printf("image %s created in project %s; start it with `cloak instance create %s%s%s`\n",
               name, cl.set.project, name, cl.config ? " -c " : "", cl.config ? cl.config : "");
    cloud_end(&cl);
    free(io.build_argv);
    return 0;
}

static const struct option plain_opts[] = {CLOUD_LONGOPTS, {NULL, 0, NULL, 0}};

/* image list / image delete NAME: only the cloud options. */
static int image_simple(int argc, char **argv, const char *cmd, bool want_name)
{
    struct cloud cl = {.cmd = cmd};
    int c;

    opterr = 0;
    optind = 1;
    while ((c = getopt_long(argc, argv, ":" CLOUD_SHORT, plain_opts, NULL)) != -1)
        if (!cloud_option(&cl, c, optarg))
            cloud_bad_option(&cl, c, argv);
    if (want_name && optind + 1 != argc)
        die("%s: which image? usage: cloak %s NAME", cmd, cmd);
    if (!want_name && optind != argc)
        die("%s: unexpected \"%s\"", cmd, argv[optind]);
    cloud_start(&cl, false);
    cloud_connect(&cl);
    int rc = want_name ? compute_image_delete(&cl.g, argv[optind])
                       : compute_image_list(&cl.g, stdout);
    if (rc < 0)
        cloud_die(&cl);
    if (want_name && !cl.dry_run)
        printf("image %s deleted\n", argv[optind]);
    cloud_end(&cl);
    return 0;
}

int cmd_image(int argc, char **argv)
{
    if (argc < 2)
        die("image: create, list or delete? (see `cloak help image`)");
    if (!strcmp(argv[1], "create"))
        return image_create(argc - 1, argv + 1);
    if (!strcmp(argv[1], "list"))
        return image_simple(argc - 1, argv + 1, "image list", false);
    if (!strcmp(argv[1], "delete"))
        return image_simple(argc - 1, argv + 1, "image delete", true);
    die("image: unknown subcommand \"%s\": create, list or delete (see `cloak help image`)",
        argv[1]);
}
