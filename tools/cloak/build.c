/* cloak build (and --list), and the first half of every run: the options
 * and the configuration, the SEV rules, the program and what it needs;
 * then the image: the boot archive alone, or a GPT disk for UEFI. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "../elf/elf_check.h"
#include "../image/archive.h"
#include "../image/disk_image.h"
#include "cli.h"
#include "session.h"

/* The configuration: the file, then the flags over it. */
/* --ip-address, --netmask, --gateway, --ipv6-address over the file's
 * RunConfig keys, then the checks of the whole (config_check_net). */
static void load_net_flags(const struct options *o, struct cloak_config *cfg)
{
    const char *flags[][3] = {{o->ip_address, "IPAddress", "--ip-address"},
                              {o->netmask, "NetMask", "--netmask"},
                              {o->gateway, "Gateway", "--gateway"},
                              {o->ipv6_address, "IPv6Address", "--ipv6-address"}};
    char err[2048];

    for (size_t i = 0; i < sizeof flags / sizeof flags[0]; i++)
        if (flags[i][0] && config_set_net(cfg, flags[i][1], flags[i][0], flags[i][2], err,
                                          sizeof err) < 0)
            die("%s", err);
    if (o->net && !strncmp(o->net, "tap:", 4) &&
        config_set_net(cfg, "TapName", o->net + 4, "--net", err, sizeof err) < 0)
        die("%s", err);
    if (config_check_net(cfg, err, sizeof err) < 0)
        die("%s", err);
}

static void load_config(struct session *s)
{
    struct options *o = &s->o;
    struct cloak_config *cfg = &s->cfg;
    char err[2048];

    config_init(cfg);
    if (o->config && config_load_file(cfg, o->config, err, sizeof err) < 0)
        die("%s", err);
    for (size_t i = 0; i < cfg->warnings.n; i++)
        fprintf(stderr, "cloak: warning: %s\n", cfg->warnings.items[i]);
    if (o->nflag_args || o->nprog_args) {
        char **all = calloc(o->nflag_args + o->nprog_args + 1, sizeof *all);
        if (!all)
            die("out of memory");
        memcpy(all, o->flag_args, o->nflag_args * sizeof *all);
        memcpy(all + o->nflag_args, o->prog_args, o->nprog_args * sizeof *all);
        config_set_args(cfg, all, o->nflag_args + o->nprog_args);
        free(all);
    }
    for (size_t i = 0; i < o->nenvs; i++)
        if (config_add_env_flag(cfg, o->envs[i], err, sizeof err) < 0)
            die("%s", err);
    if (o->memory && config_set_memory(cfg, o->memory, "-m", err, sizeof err) < 0)
        die("%s", err);
    if (o->smp && config_set_cpus(cfg, o->smp, "--smp", err, sizeof err) < 0)
        die("%s", err);
    if (o->uefi || o->sev)
        cfg->uefi = true;
    for (size_t i = 0; i < o->nmounts; i++)
        if (config_add_mount_flag(cfg, o->mounts[i], err, sizeof err) < 0)
            die("%s", err);
    for (size_t i = 0; i < o->nports; i++)
        config_add_port_flag(cfg, o->ports[i], o->udp);
    load_net_flags(o, cfg);
    config_finalize(cfg);
    if (cfg->uefi && cfg->memory_bytes < (64ull << 20))
        die("-m %lluM: booting through UEFI needs at least 64M (OVMF itself uses most of it)",
            (unsigned long long)(cfg->memory_bytes >> 20));
}

/* SEV: the image says "confidential required" and boots through UEFI;
 * running it needs a host that can (cloak sev check). */
static void apply_sev(struct session *s, const char *cmd)
{
    const struct options *o = &s->o;
    struct sev_verdict *sev = &s->sev;

    s->confidential = o->sev || s->cfg.confidential_vm;
    if (s->confidential && o->sev_sim)
        die("%s: --sev-sim simulates SEV on a machine without it; it does not go with %s",
            cmd, o->sev ? "--sev" : "CloudConfig.ConfidentialVM (which asks for real SEV)");
    if (!s->confidential || !o->run || o->list)
        return;
    const char *why = o->sev ? "--sev" : "CloudConfig.ConfidentialVM";
    sev_host_verdict(sev);
    if (!sev->works && !o->dry_run) {
        fflush(stdout);
        fprintf(stderr, "cloak: %s asks for AMD SEV, but %s\n", why, sev->summary);
        for (size_t i = 0; i < sev->n; i++)
            if (sev->lines[i].required && !sev->lines[i].ok)
                fprintf(stderr, "cloak:   %s: %s\n", sev->lines[i].name, sev->lines[i].reason);
        fprintf(stderr, "cloak: (`cloak sev check` shows every check; --sev-sim runs the "
                "same code paths without SEV, and protects nothing)\n");
        exit(EXIT_CLOAK_ERROR);
    }
    if (!sev->works) {
        sev->cbitpos = 51;
        sev->reduced_phys_bits = 1;
        fprintf(stderr, "cloak: warning: %s; the command below uses cbitpos=51 "
                "reduced-phys-bits=1 (EPYC 7003 \"Milan\"); on the SEV host, `cloak sev "
                "check` tells the real values\n", sev->summary);
    }
}

/* The kernel command line besides the console words: sev-sim, then
 * --kernel-args, then the static addresses (network.c).  "" if none. */
static void extra_cmdline(const struct session *s, char *out, size_t len)
{
    const struct options *o = &s->o;
    snprintf(out, len, "%s%s%s", o->sev_sim ? "sev-sim" : "",
             o->sev_sim && o->kernel_args && *o->kernel_args ? " " : "",
             o->kernel_args ? o->kernel_args : "");
    net_kernel_words(&s->cfg, out, len);
}

/* The program, its interpreter and libraries, and the volumes. */
static void find_contents(struct session *s)
{
    struct options *o = &s->o;
    struct elf_info info;
    char err[2048];

    if (elf_check_file(o->program, &info, err, sizeof err) < 0)
        die("%s", err);
    if (image_path_from(o->program, s->program_image, sizeof s->program_image) < 0)
        die("%s: cannot make an image path of it", o->program);
    s->b = (struct build){.program = o->program, .program_image = s->program_image,
                          .confidential = s->confidential};
    struct dep_request dr = {.program = o->program, .program_image = s->program_image,
                             .ld_library_path = config_env_get(&s->cfg, "LD_LIBRARY_PATH"),
                             .ld_preload = config_env_get(&s->cfg, "LD_PRELOAD")};
    if (deps_resolve(&dr, &s->b.deps, err, sizeof err) < 0)
        die("%s", err);
    resolve_mounts(&s->cfg, &s->b, o->run && !o->list);
}

void session_start(struct session *s, int argc, char **argv, bool run, bool dump_check)
{
    memset(s, 0, sizeof *s);
    s->o.dump_check = dump_check;
    s->o.run = run;
    s->o.settle = 2;
    parse_options(argc, argv, &s->o);
    load_config(s);
    if (run)
        net_settle(s);
    apply_sev(s, argv[0]);
    extra_cmdline(s, s->extra, sizeof s->extra);
    find_contents(s);
}

int session_list(struct session *s)
{
    /* the archive is written (to a temporary file) as it is listed */
    s->b.list = stdout;
    tmp_path(s->archive, sizeof s->archive, "archive.cpio");
    write_archive(s->archive, &s->cfg, &s->b);
    config_free(&s->cfg);
    return 0;
}

void session_boot_files(struct session *s)
{
    if (s->o.run || s->cfg.uefi)
        share_file(s->kernel, sizeof s->kernel, "CLOAK_KERNEL", "kernel.elf", "kernel");
    if (s->cfg.uefi)
        share_file(s->loader, sizeof s->loader, "CLOAK_LOADER", "bootx64.efi", "UEFI loader");
}

void write_disk(const char *path, const char *kernel, const char *loader,
                const char *archive, const char *cmdline_file)
{
    const struct esp_file files[] = {
        {"EFI/BOOT/BOOTX64.EFI", loader},
        {"cloak/kernel.elf", kernel},
        {"cloak/archive.cpio", archive},
        {"cloak/cmdline.txt", cmdline_file},
    };
    char err[1024];
    size_t n = sizeof files / sizeof files[0] - (cmdline_file ? 0 : 1);

    if (disk_image_write(path, files, n, err, sizeof err) < 0)
        die("%s", err);
}

void write_text_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    if (!f || fputs(text, f) < 0 || fclose(f) != 0)
        die("%s: cannot write: %s", path, strerror(errno));
}

/* Under UEFI: the archive, the kernel words (if any) and the loader on a
 * GPT disk at o->output. */
static void build_disk(struct session *s)
{
    const char *cmdline_file = NULL;
    char cmdline_path[PATH_MAX];

    tmp_path(s->archive, sizeof s->archive, "archive.cpio");
    write_archive(s->archive, &s->cfg, &s->b);
    if (*s->extra) {
        tmp_path(cmdline_path, sizeof cmdline_path, "cmdline.txt");
        write_text_file(cmdline_path, s->extra);
        cmdline_file = cmdline_path;
    }
    write_disk(s->o.output, s->kernel, s->loader, s->archive, cmdline_file);
}

int cmd_build(int argc, char **argv)
{
    struct session s;

    session_start(&s, argc, argv, false, false);
    if (s.o.list)
        return session_list(&s);
    session_boot_files(&s);
    if (!s.cfg.uefi)
        write_archive(s.o.output, &s.cfg, &s.b);
    else
        build_disk(&s);
    if (s.o.sev_sim)
        fprintf(stderr, "cloak: note: the image boots with sev-sim (simulated SEV: the "
                "kernel's code paths only; nothing is encrypted)\n");
    if (s.o.sev_sim && !s.cfg.uefi)
        fprintf(stderr, "cloak: note: without --uefi the image is the boot archive alone; "
                "pass `-append sev-sim` to QEMU yourself\n");
    config_free(&s.cfg);
    return 0;
}
