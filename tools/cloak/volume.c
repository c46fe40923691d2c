/* cloak volume create/list/delete: data volumes, ext2 images in the volumes
 * directory (tools/volume makes and finds them). */
#define _GNU_SOURCE
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../config/config.h"
#include "../volume/volume.h"
#include "cli.h"

struct volume_args {
    const char *config, *data, *size;  /* -c, -d, -s */
    char *pos[4];                      /* the sub-command and its operands */
    size_t npos;
};

static void parse_volume_args(int argc, char **argv, struct volume_args *a)
{
    static const struct option longopts[] = {
        {"config", required_argument, NULL, 'c'},
        {"data", required_argument, NULL, 'd'},
        {"size", required_argument, NULL, 's'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    int c;

    opterr = 0;
    optind = 1;
    /* GNU getopt moves the options (wherever they are) before the operands */
    while ((c = getopt_long(argc, argv, ":c:d:s:h", longopts, NULL)) != -1) {
        switch (c) {
        case 'c': a->config = optarg; break;
        case 'd': a->data = optarg; break;
        case 's': a->size = optarg; break;
        case 'h':
            usage(stdout);
            exit(0);
        case ':':
            die("volume: option %s needs a value (see `cloak help`)", argv[optind - 1]);
        default:
            die("volume: unknown option %s (see `cloak help`)", argv[optind - 1]);
        }
    }
    for (; optind < argc; optind++) {
        if (a->npos == sizeof a->pos / sizeof a->pos[0])
            die("volume: too many arguments (see `cloak help`)");
        a->pos[a->npos++] = argv[optind];
    }
    if (a->npos == 0)
        die("volume: create, list or delete? usage: cloak volume create NAME -d DIR -s SIZE");
}

static void volume_create_cmd(const char *dir, const struct volume_args *a)
{
    char err[4096], path[PATH_MAX];

    if (a->npos != 2)
        die("volume create: which name? usage: cloak volume create NAME -d DIR -s SIZE");
    if (volume_create(dir, a->pos[1], a->data, a->size, path, sizeof path, err, sizeof err) < 0)
        die("volume create: %s", err);
    printf("%s\n", path);
    fprintf(stderr, "cloak: created volume %s in %s\n", a->pos[1], path);
}

static void volume_list_cmd(const char *dir, const struct volume_args *a)
{
    char err[4096];
    struct volume_info *v;
    size_t n;

    if (a->npos != 1 || a->data || a->size)
        die("volume list takes no arguments");
    if (volume_list(dir, &v, &n, err, sizeof err) < 0)
        die("volume list: %s", err);
    if (n == 0)
        fprintf(stderr, "cloak: no volumes in %s\n", dir);
    for (size_t i = 0; i < n; i++) {
        char p[PATH_MAX + 300];
        snprintf(p, sizeof p, "%s/%s" VOLUME_SUFFIX, dir, v[i].name);
        printf("%-16s %8lluM  %s%s%s\n", v[i].name,
               (unsigned long long)((v[i].size + (1 << 20) - 1) >> 20), p,
               !v[i].ext2 ? "  (not ext2)" :
               strcmp(v[i].label, v[i].name) ? "  (label differs)" : "",
               v[i].state == VOLUME_NOT_CLEAN ? "  (not clean: e2fsck -f checks it)" :
               v[i].state == VOLUME_ERRORS ? "  (has errors: e2fsck -f repairs it)" : "");
    }
    free(v);
}

static void volume_delete_cmd(const char *dir, const struct volume_args *a)
{
    char err[4096], path[PATH_MAX];

    if (a->npos != 2 || a->data || a->size)
        die("volume delete: usage: cloak volume delete NAME");
    if (volume_delete(dir, a->pos[1], path, sizeof path, err, sizeof err) < 0)
        die("volume delete: %s", err);
    fprintf(stderr, "cloak: deleted volume %s (%s)\n", a->pos[1], path);
}

int cmd_volume(int argc, char **argv)
{
    struct volume_args a = {0};
    struct cloak_config cfg;
    char err[4096], dir[PATH_MAX];
    const char *sub;

    parse_volume_args(argc, argv, &a);
    sub = a.pos[0];
    config_init(&cfg);
    if (a.config && config_load_file(&cfg, a.config, err, sizeof err) < 0)
        die("%s", err);
    for (size_t i = 0; i < cfg.warnings.n; i++)
        if (!strstr(cfg.warnings.items[i], "not supported yet"))
            fprintf(stderr, "cloak: warning: %s\n", cfg.warnings.items[i]);
    if (volume_dir(cfg.volumes_dir, dir, sizeof dir, err, sizeof err) < 0)
        die("%s", err);
    if (strcmp(sub, "create") == 0)
        volume_create_cmd(dir, &a);
    else if (strcmp(sub, "list") == 0)
        volume_list_cmd(dir, &a);
    else if (strcmp(sub, "delete") == 0)
        volume_delete_cmd(dir, &a);
    else
        die("volume: unknown sub-command \"%s\"; use create, list or delete", sub);
    config_free(&cfg);
    return 0;
}
