/* The cloak command: a dispatcher.  The first word names the command
 * family, each in its own file (cli.h lists them); they call the modules
 * under tools/ in order (config, ELF checks, manifest and boot archive,
 * disk image, QEMU), which never call back.  Exit statuses are listed in
 * the usage text (help.c). */
#include <stdio.h>
#include <string.h>

#include "cli.h"

static const struct command {
    const char *name;
    int (*run)(int argc, char **argv);  /* argv[0] is the command word */
} commands[] = {
    {"run", cmd_run},
    {"build", cmd_build},
    {"dump-check", cmd_dump_check},
    {"volume", cmd_volume},
    {"sev", cmd_sev},
    {"help", cmd_help},
    {"--help", cmd_help},
    {"-h", cmd_help},
    /* Later command families (image, instance, as in ops) get a file of
     * their own and a line here. */
};

int main(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return EXIT_CLOAK_ERROR;
    }
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        if (strcmp(argv[1], commands[i].name) == 0)
            return commands[i].run(argc - 1, argv + 1);
    die("unknown command \"%s\"; try `cloak help`", argv[1]);
}
