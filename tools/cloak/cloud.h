/* What the Google Cloud command families (image.c, instance.c,
 * instance_logs.c, group.c) share: the options every one of them takes (-c, -t,
 * -g, -z, --dry-run), the settings they make, and the connection. */
#ifndef CLOAK_CLOUD_H
#define CLOAK_CLOUD_H

#include <getopt.h>
#include <stdbool.h>

#include "../gcp/gcp.h"
#include "../gcp/gcp_config.h"

struct cloud {
    const char *cmd;            /* "image create", for messages */
    const char *config;         /* -c */
    const char *target;         /* -t: only "gcp" */
    const char *project, *zone; /* -g, -z */
    bool dry_run;
    struct gcp_settings set;    /* the file, the flags over it */
    struct gcp g;
};

/* The long options of all cloud commands; CLOUD_SHORT their short ones. */
#define CLOUD_SHORT "c:t:g:z:h"
enum { CLOUD_OPT_DRY_RUN = 300, CLOUD_OPT_FIRST_OWN = 310 };
#define CLOUD_LONGOPTS \
    {"config", required_argument, NULL, 'c'}, {"target", required_argument, NULL, 't'}, \
    {"target-cloud", required_argument, NULL, 't'}, \
    {"projectid", required_argument, NULL, 'g'}, {"zone", required_argument, NULL, 'z'}, \
    {"dry-run", no_argument, NULL, CLOUD_OPT_DRY_RUN}, {"help", no_argument, NULL, 'h'}

/* Handles option c if it is a cloud option; false if it is not. */
bool cloud_option(struct cloud *cl, int c, const char *arg);
/* Dies on an unknown option or a missing value (from getopt's answer). */
__attribute__((noreturn)) void cloud_bad_option(const struct cloud *cl, int c, char **argv);
/* The settings (file, flags, environment), the target, the project (and
 * the zone if need_zone).  Dies with what to do on any error. */
void cloud_start(struct cloud *cl, bool need_zone);
/* The token (none under --dry-run), once the command's own checks passed. */
void cloud_connect(struct cloud *cl);
/* Dies with g->err. */
__attribute__((noreturn)) void cloud_die(struct cloud *cl);
void cloud_end(struct cloud *cl);

/* instance.c, for group.c too: the machine type (flag, else
 * CloudConfig.Flavor, else n2d-standard-2 for a Confidential VM, g1-small),
 * with a warning when a Confidential VM is not on an AMD type; and the
 * image checked (it exists; SEV_CAPABLE when confidential): its
 * diskSizeGb (malloc'd), or NULL under --dry-run.  Dies on errors. */
const char *instance_flavor(struct cloud *cl, const char *flag);
char *instance_check_image(struct cloud *cl, const char *image);

#endif
