/* One invocation of cloak run, build or dump-check: its options, the
 * configuration they make, and what the image holds.  build.c makes it,
 * contents.c writes the boot archive, run.c and dump_check.c boot it. */
#ifndef CLOAK_SESSION_H
#define CLOAK_SESSION_H

#include <limits.h>
#include <stdbool.h>
#include <stdio.h>

#include "../config/config.h"
#include "../elf/deps.h"
#include "../image/manifest_writer.h"
#include "../qemu/qemu.h"
#include "../sev/sev_check.h"
#include "options.h"

/* What goes into the image besides the user's files. */
struct build {
    const char *program;            /* host path */
    const char *program_image;      /* its image path */
    struct dep_result deps;         /* interpreter and libraries */
    struct manifest_mount *mounts;  /* from Mounts and --mount */
    size_t nmounts;
    struct qemu_volume *volumes;    /* their images (run only) */
    FILE *list;                     /* --list: print the entries here */
    bool confidential;              /* --sev or ConfidentialVM: "confidential required" */
};

struct session {
    struct options o;
    struct cloak_config cfg;
    bool confidential;              /* --sev or CloudConfig.ConfidentialVM */
    struct sev_verdict sev;         /* this host's, when a confidential image runs */
    struct build b;
    char extra[4096];               /* kernel command line besides the consoles */
    char program_image[PATH_MAX];
    char archive[PATH_MAX];         /* the boot archive (cpio) */
    char kernel[PATH_MAX];          /* kernel.elf, when the boot needs it */
    char loader[PATH_MAX];          /* bootx64.efi, under UEFI */
    char log_path[PATH_MAX];        /* the kernel log (run) */
    char disk[PATH_MAX];            /* the GPT disk (run under UEFI) */
    char ovmf_code[PATH_MAX], ovmf_vars[PATH_MAX];
};

/* build.c */
/* Parses the options of the command argv[0] (run: it boots the image;
 * dump_check: cloak dump-check), loads the configuration, applies the SEV
 * rules, checks the program and finds what it needs.  Dies on any error. */
void session_start(struct session *s, int argc, char **argv, bool run, bool dump_check);
/* --list: prints the files the image would hold; returns the exit status. */
int session_list(struct session *s);
/* Finds the kernel (and under UEFI the loader) the boot needs. */
void session_boot_files(struct session *s);
/* Writes the GPT disk image; cmdline_file: NULL, or a host file to place
 * as \cloak\cmdline.txt. */
void write_disk(const char *path, const char *kernel, const char *loader,
                const char *archive, const char *cmdline_file);
void write_text_file(const char *path, const char *text);

/* contents.c */
/* Writes the boot archive for the program to path (b->list: printing each
 * entry as it goes). */
void write_archive(const char *path, const struct cloak_config *cfg, const struct build *b);
/* Mounts (the file's, then --mount) into b: manifest lines, and when
 * need_images (run) the volume images, which must exist. */
void resolve_mounts(const struct cloak_config *cfg, struct build *b, bool need_images);

/* run.c */
/* Writes the boot archive and fills q (everything but the boot itself). */
void session_qemu_config(struct session *s, struct qemu_config *q);
/* Sets up the boot (the UEFI disk and firmware, or PVH) and builds QEMU's
 * command line in qa. */
void session_qemu_argv(struct session *s, struct qemu_config *q, struct qemu_argv *qa);
/* accel.c: KVM or TCG into q->kvm (--accel, RunConfig.Accel, /dev/kvm);
 * dies (125) when KVM was demanded and cannot be had. */
void session_accel(const struct session *s, struct qemu_config *q);
/* network.c: --net, -p and RunConfig.Ports/UDPPorts into q (dies on a bad
 * port, naming it). */
void session_network(const struct session *s, struct qemu_config *q);
/* network.c: the static addresses as kernel words (docs/boot-protocol.md:
 * net-ip, net-netmask, net-gateway, net-ip6) appended to out; dies if
 * they do not fit. */
void net_kernel_words(const struct cloak_config *cfg, char *out, size_t len);
/* network.c, cloak run: when NameServers was not given and the guest is
 * on QEMU's user network, /etc/resolv.conf names its DNS forwarder
 * 10.0.2.3 (the host's own resolver) instead of ops's 8.8.8.8, which
 * many networks block. */
void net_settle(struct session *s);
/* What cloak says on stderr just before the VM starts. */
void session_boot_notes(const struct session *s, const struct qemu_config *q);

#endif
