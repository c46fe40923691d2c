/* `cloak dump-check`: the users' experiment, automated.  Boot the program
 * (QEMU already configured with a QMP socket and its console in a file),
 * wait until it has printed its first line and a little more, dump the
 * guest's memory through QMP (dump-guest-memory, paging=false: an ELF core
 * whose segments carry guest-physical addresses), stop the VM (QMP quit),
 * and look for the secret in the dump (memdump.h). */
#ifndef CLOAK_TOOLS_DUMP_CHECK_H
#define CLOAK_TOOLS_DUMP_CHECK_H

#include <stdbool.h>

#include "../qemu/qemu.h"

#define DUMP_CHECK_NOT_FOUND 0
#define DUMP_CHECK_FOUND 1
#define DUMP_CHECK_ERROR 125

struct dump_check {
    const struct qemu_argv *qemu; /* built with qmp_path and console_path */
    const char *qmp_path;
    const char *console_path;
    const char *log_path;         /* the kernel log (dma-heap line, exit line) */
    const char *dump_path;        /* where QEMU writes the core file */
    bool keep_dump;               /* leave dump_path in place */
    const char *secret;
    double settle_s;              /* wait after the first output line */
    double output_timeout_s;      /* give up waiting for output after this long */
    bool verbose;                 /* copy the program's output and kernel log to stderr */
};

/* Runs the experiment and prints the report on stdout (progress on
 * stderr).  Returns DUMP_CHECK_NOT_FOUND, DUMP_CHECK_FOUND or
 * DUMP_CHECK_ERROR. */
int dump_check_run(const struct dump_check *d);

#endif
