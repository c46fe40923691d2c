/* The options and the connection the Google Cloud commands share (cloud.h). */
#define _GNU_SOURCE
#include "cloud.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

bool cloud_option(struct cloud *cl, int c, const char *arg)
{
    switch (c) {
    case 'c': cl->config = arg; return true;
    case 't': cl->target = arg; return true;
    case 'g': cl->project = arg; return true;
    case 'z': cl->zone = arg; return true;
    case CLOUD_OPT_DRY_RUN: cl->dry_run = true; return true;
    case 'h':
        command_help(stdout, strncmp(cl->cmd, "image", 5) ? "instance" : "image");
        exit(0);
    }
    return false;
}

void cloud_bad_option(const struct cloud *cl, int c, char **argv)
{
    if (c == ':')
        die("%s: option %s needs a value (see `cloak help %.*s`)", cl->cmd, argv[optind - 1],
            (int)strcspn(cl->cmd, " "), cl->cmd);
    if (optopt)
        die("%s: unknown option -%c (see `cloak help %.*s`)", cl->cmd, optopt,
            (int)strcspn(cl->cmd, " "), cl->cmd);
    die("%s: unknown option %s (see `cloak help %.*s`)", cl->cmd, argv[optind - 1],
        (int)strcspn(cl->cmd, " "), cl->cmd);
}

static void set_flag(char **field, const char *flag)
{
    if (flag) {
        free(*field);
        *field = strdup(flag);
    }
}

void cloud_start(struct cloud *cl, bool need_zone)
{
    char err[1024];

    if (cl->target && strcmp(cl->target, "gcp") != 0)
        die("%s: target \"%s\": cloak deploys to Google Cloud only (-t gcp)", cl->cmd,
            cl->target);
    if (gcp_settings_load(&cl->set, cl->config, err, sizeof err) < 0)
        die("%s", err);
    set_flag(&cl->set.project, cl->project);
    set_flag(&cl->set.zone, cl->zone);
    if (!cl->set.project)
        die("%s: ProjectID missing: set CloudConfig.ProjectID in the config, give -g PROJECT, "
            "or export GOOGLE_CLOUD_PROJECT", cl->cmd);
    if (need_zone && !cl->set.zone)
        die("%s: Zone missing: set CloudConfig.Zone in the config, give -z ZONE (e.g. "
            "us-central1-a), or export GOOGLE_CLOUD_ZONE", cl->cmd);
    gcp_init(&cl->g);
    cl->g.dry_run = cl->dry_run;
    cl->g.project = cl->set.project;
    cl->g.zone = cl->set.zone;
}

void cloud_connect(struct cloud *cl)
{
    if (gcp_authorize(&cl->g) < 0)
        cloud_die(cl);
}

void cloud_die(struct cloud *cl)
{
    die("%s", cl->g.err);
}

void cloud_end(struct cloud *cl)
{
    gcp_free(&cl->g);
    gcp_settings_free(&cl->set);
}
