/* cloak sev check: can this machine run AMD SEV guests?  The checks
 * themselves are in tools/sev; run uses the same verdict to refuse --sev on
 * a host without SEV. */
#include <limits.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "../qemu/qemu.h"
#include "../sev/sev_check.h"
#include "cli.h"

/* What `cloak sev check` says about this machine. */
void sev_host_verdict(struct sev_verdict *v)
{
    struct sev_facts f;
    char code[PATH_MAX], vars[PATH_MAX], err[1024];
    const char *qbin = getenv("CLOAK_QEMU");
    bool ovmf = qemu_find_ovmf(code, sizeof code, vars, sizeof vars, err, sizeof err) == 0;

    sev_gather(&f, qbin && *qbin ? qbin : NULL, ovmf ? code : NULL);
    sev_verdict(&f, v);
}

int cmd_sev(int argc, char **argv)
{
    struct sev_verdict v;

    if (argc == 2 && (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help"))) {
        usage(stdout);
        return 0;
    }
    if (argc != 2 || strcmp(argv[1], "check") != 0)
        die("sev: usage: cloak sev check");
    sev_host_verdict(&v);
    sev_verdict_print(&v, stdout);
    return v.works ? 0 : 1;
}
