/* cloak instance logs NAME [-f] and cloak instance attestation NAME.
 * logs reads a serial port with getSerialPortOutput, from the `next`
 * cursor of the last answer: port 3 (COM3) carries the program's output,
 * port 1 (COM1) the kernel log and the firmware's text, as under
 * `cloak run --uefi` (image.c writes console=com3 klog=com1). */
#define _GNU_SOURCE
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "../gcp/compute.h"
#include "../gcp/logging.h"
#include "cli.h"
#include "cloud.h"

#define PROGRAM_PORT 3
#define KERNEL_LOG_PORT 1

enum { OPT_PORT = CLOUD_OPT_FIRST_OWN, OPT_KERNEL_LOG };

static const struct option logs_opts[] = {
    CLOUD_LONGOPTS,
    {"follow", no_argument, NULL, 'f'},
    {"watch", no_argument, NULL, 'w'},
    {"port", required_argument, NULL, OPT_PORT},
    {"kernel-log", no_argument, NULL, OPT_KERNEL_LOG},
    {NULL, 0, NULL, 0},
};

/* Prints one answer; *start becomes its next (malloc'd). */
static void print_chunk(json_t *r, char **start)
{
    const char *contents = json_string_value(json_object_get(r, "contents"));
    const char *got = json_string_value(json_object_get(r, "start"));
    const char *next = json_string_value(json_object_get(r, "next"));

    /* the console keeps the last 1 MB: an answer starting after the byte
     * asked for lost what lay between */
    if (*start && got && strtoull(got, NULL, 10) > strtoull(*start, NULL, 10))
        fprintf(stderr, "cloak: (%llu bytes of output were dropped by the console buffer)\n",
                strtoull(got, NULL, 10) - strtoull(*start, NULL, 10));
    if (contents) {
        fputs(contents, stdout);
        fflush(stdout);
    }
    if (next) {
        free(*start);
        *start = strdup(next);
    }
}

int instance_logs(int argc, char **argv)
{
    struct cloud cl = {.cmd = "instance logs"};
    bool follow = false;
    int port = PROGRAM_PORT, c;
    char *start = NULL;

    opterr = 0;
    optind = 1;
    while ((c = getopt_long(argc, argv, ":" CLOUD_SHORT "fw", logs_opts, NULL)) != -1) {
        if (cloud_option(&cl, c, optarg))
            continue;
        if (c == 'f' || c == 'w')
            follow = true;
        else if (c == OPT_KERNEL_LOG)
            port = KERNEL_LOG_PORT;
        else if (c == OPT_PORT && (port = atoi(optarg)) >= 1 && port <= 4)
            ;
        else if (c == OPT_PORT)
            die("instance logs: --port %s: Compute Engine shows serial ports 1 to 4", optarg);
        else
            cloud_bad_option(&cl, c, argv);
    }
    if (optind + 1 != argc)
        die("instance logs: which instance? usage: cloak instance logs NAME [-f]");
    cloud_start(&cl, true);
    cloud_connect(&cl);
    do {
        json_t *r = compute_serial_output(&cl.g, argv[optind], port, start);
        if (!r)
            cloud_die(&cl);
        print_chunk(r, &start);
        json_decref(r);
        if (follow && !cl.dry_run)
            sleep(1);
    } while (follow && !cl.dry_run);
    free(start);
    cloud_end(&cl);
    return 0;
}

static const struct option plain_opts[] = {CLOUD_LONGOPTS, {NULL, 0, NULL, 0}};

int instance_attestation(int argc, char **argv)
{
    struct cloud cl = {.cmd = "instance attestation"};
    int c;

    opterr = 0;
    optind = 1;
    while ((c = getopt_long(argc, argv, ":" CLOUD_SHORT, plain_opts, NULL)) != -1)
        if (!cloud_option(&cl, c, optarg))
            cloud_bad_option(&cl, c, argv);
    if (optind + 1 != argc)
        die("instance attestation: which instance? usage: cloak instance attestation NAME");
    cloud_start(&cl, true);
    cloud_connect(&cl);
    json_t *in = compute_instance_get(&cl.g, argv[optind]);
    if (!in)
        cloud_die(&cl);
    const char *id = json_string_value(json_object_get(in, "id"));
    if (!id && !cl.dry_run)
        die("instance attestation: instances.get gave no id for %s", argv[optind]);
    if (!cl.dry_run && !json_object_get(in, "confidentialInstanceConfig"))
        fprintf(stderr, "cloak: warning: %s is not a Confidential VM; it has no SEV launch "
                "report\n", argv[optind]);
    json_t *entry = logging_attestation_entry(&cl.g, id ? id : "INSTANCE_ID");
    int rc = 0;
    if (!cl.dry_run) {
        if (!entry)
            cloud_die(&cl);
        printf("instance: %s (id %s)\n", argv[optind], id);
        rc = logging_attestation_verdict(entry, stdout);
    }
    json_decref(entry);
    json_decref(in);
    cloud_end(&cl);
    return rc;
}
