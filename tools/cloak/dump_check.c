/* cloak dump-check: boot the program as run does, wait until it has
 * printed a line, dump the guest's memory through QMP and search the dump
 * for the secret (tools/dump does the waiting, dumping and searching). */
#define _GNU_SOURCE
#include <limits.h>
#include <stdio.h>

#include "../dump/dump_check.h"
#include "cli.h"
#include "session.h"

int cmd_dump_check(int argc, char **argv)
{
    struct session s;
    struct qemu_config q;
    struct qemu_argv qa;
    char qmp_path[PATH_MAX], console_path[PATH_MAX], dump_path[PATH_MAX];

    /* --list, --dry-run and --qmp are refused by parse_options */
    session_start(&s, argc, argv, true, true);
    session_boot_files(&s);
    session_qemu_config(&s, &q);
    tmp_path(qmp_path, sizeof qmp_path, "qmp.sock");
    tmp_path(console_path, sizeof console_path, "console.out");
    if (s.o.keep_dump) {
        if ((size_t)snprintf(dump_path, sizeof dump_path, "%s", s.o.keep_dump) >=
            sizeof dump_path)
            die("--keep-dump: path too long");
    } else {
        tmp_path(dump_path, sizeof dump_path, "memory.core");
    }
    q.qmp_path = qmp_path;
    q.console_path = console_path;
    session_qemu_argv(&s, &q, &qa);
    session_boot_notes(&s, &q);

    struct dump_check d = {
        .qemu = &qa, .qmp_path = qmp_path, .console_path = console_path,
        .log_path = s.log_path, .dump_path = dump_path, .keep_dump = s.o.keep_dump != NULL,
        .secret = s.o.secret, .settle_s = s.o.settle, .output_timeout_s = 240,
        .verbose = s.o.verbose,
    };
    printf("dump-check: %s, %s, %lluM of guest memory\n", s.o.program,
           q.sev ? "AMD SEV (memory encrypted)" :
           s.o.sev_sim ? "simulated SEV (memory NOT encrypted)" : "no memory encryption",
           (unsigned long long)(s.cfg.memory_bytes >> 20));
    fflush(stdout);
    int rc = dump_check_run(&d);
    qemu_argv_free(&qa);
    config_free(&s.cfg);
    return rc;
}
