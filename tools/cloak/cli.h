/* What the files of the cloak command share.  main.c dispatches on the
 * command word to one file per command family:
 *   run.c         cloak run (boot the image in QEMU, report its exit status)
 *   build.c       cloak build (and --list): the boot archive and disk image;
 *                 run and dump-check build their image through it too
 *   dump_check.c  cloak dump-check
 *   volume.c      cloak volume create/list/delete
 *   sev.c         cloak sev check
 *   help.c        cloak help (the usage text)
 *   image.c       cloak image create/list/delete (Google Cloud, tools/gcp)
 *   instance.c    cloak instance create/list/delete/start/stop; instance_logs.c
 *                 its logs and attestation; cloud.c their shared options
 *   group.c       cloak group create/resize/list/delete (managed instance groups)
 * Later families (image, instance) get a file each and a line in main.c.
 * options.c parses the options run, build and dump-check share, session.h
 * holds what one of them builds up (contents.c writes the boot archive);
 * util.c has die(), the temporary directory and the installed files.  The
 * modules under tools/ (config, elf, image, qemu, ...) never call back into
 * these. */
#ifndef CLOAK_CLI_H
#define CLOAK_CLI_H

#include <stddef.h>
#include <stdio.h>

/* Exit statuses of cloak itself (the rest are the program's; help.c lists
 * them all). */
#define EXIT_CLOAK_ERROR 125
#define EXIT_VM_DIED 70

/* The command families: argv[0] is the command word. */
int cmd_help(int argc, char **argv);
int cmd_version(int argc, char **argv);
int cmd_run(int argc, char **argv);
int cmd_build(int argc, char **argv);
int cmd_dump_check(int argc, char **argv);
int cmd_volume(int argc, char **argv);
int cmd_sev(int argc, char **argv);
int cmd_image(int argc, char **argv);       /* image.c (Google Cloud) */
int cmd_instance(int argc, char **argv);    /* instance.c */
int cmd_group(int argc, char **argv);       /* group.c: managed instance groups */
/* instance_logs.c: cloak instance logs / attestation */
int instance_logs(int argc, char **argv);
int instance_attestation(int argc, char **argv);

/* help.c: the usage text; command_help prints the parts about one command
 * (-1 and a message on stderr if there is no such command). */
void usage(FILE *f);
int command_help(FILE *f, const char *cmd);

/* util.c */
/* "cloak: MESSAGE" on stderr (stdout flushed first), exit status 125. */
__attribute__((format(printf, 1, 2), noreturn))
void die(const char *fmt, ...);
/* Appends s to the growing array *list of *n entries. */
void list_append(char ***list, size_t *n, char *s);
/* The temporary directory ($TMPDIR/cloak-XXXXXX), made on first use and
 * removed at exit unless tmp_keep() was called. */
const char *tmp_dir_get(void);
/* out = <temporary directory>/name. */
void tmp_path(char *out, size_t len, const char *name);
/* Keeps the temporary directory after exit; returns its path. */
const char *tmp_keep(void);
/* out = $env if set, else <dir of cloak>/../share/cloak/name; dies if it
 * cannot be read (what names it in the message). */
void share_file(char *out, size_t len, const char *env, const char *name, const char *what);

/* sev.c: what `cloak sev check` says about this machine. */
struct sev_verdict;
void sev_host_verdict(struct sev_verdict *v);

#endif
