/* The cloak command: the front end.  It parses the command line, then calls
 * the modules in order (config, ELF checks, manifest and boot archive, disk
 * image, QEMU); they never call back into it.  Exit statuses are listed in
 * usage() below. */
#define _GNU_SOURCE
#include <errno.h>
#include <ftw.h>
#include <getopt.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../config/config.h"
#include "../dump/dump_check.h"
#include "../elf/deps.h"
#include "../elf/elf_check.h"
#include "../image/archive.h"
#include "../image/disk_image.h"
#include "../image/manifest_writer.h"
#include "../qemu/qemu.h"
#include "../sev/sev_check.h"
#include "../volume/volume.h"

#define EXIT_CLOAK_ERROR 125
#define EXIT_VM_DIED 70

static const char usage_text[] =
"usage: cloak run [OPTIONS] PROGRAM [ARGS...]\n"
"       cloak build [OPTIONS] PROGRAM [ARGS...] -o IMAGE\n"
"       cloak build --list [OPTIONS] PROGRAM [ARGS...]\n"
"       cloak volume create NAME [-d DIR] [-s SIZE] [-c FILE]\n"
"       cloak volume list [-c FILE]\n"
"       cloak volume delete NAME [-c FILE]\n"
"       cloak sev check\n"
"       cloak dump-check [OPTIONS] SECRET -- PROGRAM [ARGS...]\n"
"       cloak help\n"
"\n"
"Runs one Linux x86-64 program (static or dynamically linked) as the only\n"
"program of the cloak unikernel, in QEMU.\n"
"\n"
"  run     build an image for PROGRAM (a host ELF file) and boot it in QEMU;\n"
"          the program's output is cloak's output, its exit status cloak's.\n"
"  build   only build.  Without --uefi, IMAGE is the boot archive itself\n"
"          (cpio \"newc\": the program, its libraries, its files,\n"
"          /.cloak/manifest); boot it with\n"
"            qemu-system-x86_64 -kernel <prefix>/share/cloak/kernel.elf -initrd IMAGE\n"
"          and the consoles `cloak run --dry-run` shows.  With --uefi, IMAGE is a\n"
"          raw GPT disk whose EFI System Partition holds EFI/BOOT/BOOTX64.EFI,\n"
"          cloak/kernel.elf and cloak/archive.cpio (bootable with OVMF, and what\n"
"          a cloud image is made from).\n"
"  volume  data volumes (ext2 images in the volumes directory) to mount with\n"
"          --mount or Mounts: `create NAME -d DIR -s SIZE` makes one labelled\n"
"          NAME from the files in DIR (SIZE like 64M or 1G; default: DIR's size\n"
"          plus a quarter plus 8M), `list` shows them, `delete NAME` removes one.\n"
"  sev check  can this machine run AMD SEV guests?  One line per check (CPU,\n"
"          CPUID 0x8000001F with the C-bit, kvm_amd sev, /dev/kvm, /dev/sev, QEMU's\n"
"          sev-guest, OVMF), ok or missing and why, then a summary.  Exit 0 if\n"
"          SEV works, 1 if not.\n"
"  dump-check  boot PROGRAM (taking run's options), wait until it has printed\n"
"          a line (and --settle seconds more), dump the guest's memory through\n"
"          QMP, stop the VM and search the dump for SECRET: each copy's\n"
"          guest-physical address, private memory or the shared DMA heap.\n"
"          Exit 0 if SECRET was not found, 1 if it was, 125 on errors.\n"
"\n"
"Options (as in ops; they go before PROGRAM, everything after it is ARGS):\n"
"  -c FILE       ops configuration file (JSON). Understood so far: Args, Env,\n"
"                Files, Dirs, MapDirs, Mounts, VolumesDir, NameServers, Uefi,\n"
"                RunConfig.Memory, CloudConfig.ConfidentialVM (as --sev);\n"
"                other keys are ignored with a warning.\n"
"  -a ARG        a program argument (repeatable).  -a and ARGS after PROGRAM\n"
"                (-a ones first) replace Args from the file, like ops.\n"
"  -e KEY=VALUE  an environment entry (repeatable), added to Env from the file.\n"
"                The program also gets USER=root and PWD=/ unless set.\n"
"  -m MEM        guest memory, e.g. 64M, 1G (default " CONFIG_DEFAULT_MEMORY "; ops defaults to\n"
"                2G, but QEMU without KVM is slow to boot that much).\n"
"  --mount VOLUME:/PATH[:ro]  mount the volume VOLUME at /PATH (repeatable;\n"
"                added to Mounts from the file).  `run` attaches its image.\n"
"  --disk-bus virtio-blk|virtio-scsi  how volumes are attached (default\n"
"                virtio-blk: one virtio-blk-pci device each).\n"
"  --uefi        boot through UEFI firmware (OVMF) from a GPT disk, as clouds\n"
"                and AMD SEV do, instead of the fast PVH direct boot.\n"
"  -o IMAGE      (build) where to write the image.\n"
"  --list        print the files the image would hold, one per line\n"
"                (IMAGE-PATH <- HOST-PATH), and exit without building or running.\n"
"  -v            show the kernel log on stderr while the VM runs.\n"
"  --log FILE    write the kernel log to FILE.\n"
"  --kernel-args STR  extra kernel command line (see docs/boot-protocol.md)\n"
"  --sev         AMD SEV: the image requires memory encryption (manifest line\n"
"                `confidential required`) and boots through UEFI; `run` uses KVM\n"
"                and -object sev-guest with this host's C-bit, and refuses (125)\n"
"                with the reasons of `cloak sev check` on a host without SEV.\n"
"                CloudConfig.ConfidentialVM does the same.\n"
"  --sev-sim     simulated SEV for machines without it (kernel word sev-sim):\n"
"                the kernel's SEV code paths run, NOTHING is encrypted.\n"
"  --qmp PATH    (run) a QMP unix socket at PATH, to inspect the running guest.\n"
"  --settle S    (dump-check) seconds to wait after the first output line\n"
"                (default 2).\n"
"  --keep-dump FILE  (dump-check) write the memory dump (ELF core) to FILE\n"
"                and keep it.\n"
"  --dry-run     (run) build the image, print the QEMU command instead of\n"
"                running it, and keep the temporary directory it refers to.\n"
"  -h, --help    this text.\n"
"\n"
"The program goes into the image at its path as given, made absolute\n"
"(examples/luggage/luggage -> /examples/luggage/luggage, ./prog -> /prog);\n"
"argv[0] is that path.  A dynamically linked program brings its interpreter\n"
"and the libraries it needs, found from its ELF file the way glibc's ld.so\n"
"finds them here (DT_RPATH, LD_LIBRARY_PATH from Env, DT_RUNPATH,\n"
"/etc/ld.so.cache, /lib/x86_64-linux-gnu, /usr/lib/x86_64-linux-gnu, /lib,\n"
"/usr/lib), each at its host path.  Libraries a program opens with dlopen()\n"
"cannot be seen in its ELF file: add them with Files or MapDirs.\n"
"\n"
"Exit status of `cloak run`:\n"
"  0-255  the program's exit status (killed by signal S: 128+S)\n"
"  70     kernel panic, or the VM stopped without reporting a status\n"
"  125    cloak itself failed (bad option, config or program, QEMU missing)\n"
"  126    the kernel refused the program (bad ELF or manifest; or the image\n"
"         requires SEV and SEV is not active)\n"
"  127    the program was not found in the image\n"
"\n"
"Environment:\n"
"  CLOAK_KERNEL, CLOAK_LOADER   the kernel ELF and UEFI loader to use (default:\n"
"      <dir of cloak>/../share/cloak/kernel.elf and bootx64.efi)\n"
"  CLOAK_QEMU                   the QEMU binary (default " QEMU_DEFAULT_BINARY ")\n"
"  CLOAK_OVMF_CODE, CLOAK_OVMF_VARS   UEFI firmware (default " OVMF_DIR "/*_4M.fd)\n"
"  CLOAK_VOLUMES                the volumes directory, unless the config has\n"
"      VolumesDir (default " VOLUME_DEFAULT_DIR ")\n"
"  CLOAK_MKE2FS                 the mke2fs to run (default: from PATH, /usr/sbin)\n"
"  TMPDIR                       where the temporary directory goes\n";

static void usage(FILE *f)
{
    fputs(usage_text, f);
}

__attribute__((format(printf, 1, 2), noreturn))
static void die(const char *fmt, ...)
{
    va_list ap;

    fflush(stdout);
    fputs("cloak: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    exit(EXIT_CLOAK_ERROR);
}

/* ---- the temporary directory ---- */

static char tmp_dir[PATH_MAX];
static bool keep_tmp;

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)ftw;
    if (flag == FTW_DP)
        rmdir(path);
    else
        unlink(path);
    return 0;
}

static void remove_tmp(void)
{
    if (tmp_dir[0] && !keep_tmp)
        nftw(tmp_dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

static const char *make_tmp(void)
{
    const char *base = getenv("TMPDIR");

    if (tmp_dir[0])
        return tmp_dir;
    if (!base || !*base)
        base = "/tmp";
    if ((size_t)snprintf(tmp_dir, sizeof tmp_dir, "%s/cloak-XXXXXX", base) >= sizeof tmp_dir)
        die("TMPDIR is too long");
    if (!mkdtemp(tmp_dir)) {
        int e = errno;
        tmp_dir[0] = '\0';
        die("cannot create a temporary directory in %s: %s", base, strerror(e));
    }
    atexit(remove_tmp);
    return tmp_dir;
}

static void tmp_path(char *out, size_t len, const char *name)
{
    if ((size_t)snprintf(out, len, "%s/%s", make_tmp(), name) >= len)
        die("temporary path too long");
}

/* ---- finding the kernel and loader ---- */

static void share_file(char *out, size_t len, const char *env, const char *name, const char *what)
{
    const char *v = getenv(env);
    char exe[PATH_MAX];
    ssize_t n;

    if (v && *v) {
        if ((size_t)snprintf(out, len, "%s", v) >= len)
            die("%s is too long", env);
    } else {
        n = readlink("/proc/self/exe", exe, sizeof exe - 1);
        if (n < 0)
            die("cannot find my own executable (/proc/self/exe): %s", strerror(errno));
        exe[n] = '\0';
        *strrchr(exe, '/') = '\0';
        if ((size_t)snprintf(out, len, "%s/../share/cloak/%s", exe, name) >= len)
            die("path of the %s is too long", what);
    }
    if (access(out, R_OK) != 0)
        die("the %s %s is missing (%s); build it with `make`, or point %s at one",
            what, out, strerror(errno), env);
}

/* ---- options ---- */

struct options {
    bool run;                 /* run, else build */
    const char *config;
    char **flag_args;
    size_t nflag_args;
    char **envs;
    size_t nenvs;
    const char *memory;
    bool uefi;
    bool verbose;
    const char *log;
    bool dry_run;
    bool list;                /* --list */
    char **mounts;            /* --mount VOLUME:/path[:ro] */
    size_t nmounts;
    const char *disk_bus;     /* --disk-bus */
    const char *kernel_args;  /* extra kernel command line */
    bool sev;                 /* --sev: real AMD SEV */
    bool sev_sim;             /* --sev-sim: the kernel's simulation (protects nothing) */
    const char *qmp;          /* --qmp PATH: a QMP unix socket */
    /* dump-check */
    bool dump_check;
    const char *secret;
    double settle;            /* --settle SECONDS */
    const char *keep_dump;    /* --keep-dump FILE */
    const char *output;
    const char *program;
    char **prog_args;         /* ARGS after PROGRAM */
    size_t nprog_args;
};

static void append(char ***list, size_t *n, char *s)
{
    char **l = realloc(*list, (*n + 1) * sizeof *l);
    if (!l)
        die("out of memory");
    l[(*n)++] = s;
    *list = l;
}

static void parse_options(int argc, char **argv, struct options *o)
{
    enum { OPT_UEFI = 256, OPT_LOG, OPT_DRY_RUN, OPT_KERNEL_ARGS, OPT_LIST, OPT_MOUNT,
           OPT_DISK_BUS, OPT_SEV, OPT_SEV_SIM, OPT_QMP, OPT_SETTLE, OPT_KEEP_DUMP };
    static const struct option longopts[] = {
        {"config", required_argument, NULL, 'c'},
        {"args", required_argument, NULL, 'a'},
        {"envs", required_argument, NULL, 'e'},
        {"memory", required_argument, NULL, 'm'},
        {"output", required_argument, NULL, 'o'},
        {"verbose", no_argument, NULL, 'v'},
        {"help", no_argument, NULL, 'h'},
        {"uefi", no_argument, NULL, OPT_UEFI},
        {"log", required_argument, NULL, OPT_LOG},
        {"dry-run", no_argument, NULL, OPT_DRY_RUN},
        {"kernel-args", required_argument, NULL, OPT_KERNEL_ARGS},
        {"list", no_argument, NULL, OPT_LIST},
        {"mount", required_argument, NULL, OPT_MOUNT},
        {"mounts", required_argument, NULL, OPT_MOUNT}, /* ops's spelling */
        {"disk-bus", required_argument, NULL, OPT_DISK_BUS},
        {"sev", no_argument, NULL, OPT_SEV},
        {"sev-sim", no_argument, NULL, OPT_SEV_SIM},
        {"qmp", required_argument, NULL, OPT_QMP},
        {"settle", required_argument, NULL, OPT_SETTLE},
        {"keep-dump", required_argument, NULL, OPT_KEEP_DUMP},
        {NULL, 0, NULL, 0},
    };
    const char *cmd = argv[0];
    int c;

    opterr = 0;
    optind = 1;
    /* '+': stop at PROGRAM, so that its own options stay its own */
    while ((c = getopt_long(argc, argv, "+:c:a:e:m:o:vh", longopts, NULL)) != -1) {
        switch (c) {
        case 'c': o->config = optarg; break;
        case 'a': append(&o->flag_args, &o->nflag_args, optarg); break;
        case 'e': append(&o->envs, &o->nenvs, optarg); break;
        case 'm': o->memory = optarg; break;
        case 'o': o->output = optarg; break;
        case 'v': o->verbose = true; break;
        case OPT_UEFI: o->uefi = true; break;
        case OPT_LOG: o->log = optarg; break;
        case OPT_DRY_RUN: o->dry_run = true; break;
        case OPT_KERNEL_ARGS: o->kernel_args = optarg; break;
        case OPT_LIST: o->list = true; break;
        case OPT_MOUNT: append(&o->mounts, &o->nmounts, optarg); break;
        case OPT_DISK_BUS: o->disk_bus = optarg; break;
        case OPT_SEV: o->sev = true; break;
        case OPT_SEV_SIM: o->sev_sim = true; break;
        case OPT_QMP: o->qmp = optarg; break;
        case OPT_SETTLE: {
            char *end;
            if (!o->dump_check)
                die("%s: --settle is for `cloak dump-check`", cmd);
            errno = 0;
            o->settle = strtod(optarg, &end);
            if (errno || end == optarg || *end || o->settle < 0 || o->settle > 3600)
                die("dump-check: --settle \"%s\": give seconds, from 0 to 3600", optarg);
            break;
        }
        case OPT_KEEP_DUMP:
            if (!o->dump_check)
                die("%s: --keep-dump is for `cloak dump-check`", cmd);
            o->keep_dump = optarg;
            break;
        case 'h':
            usage(stdout);
            exit(0);
        case ':':
            die("%s: option %s needs a value (see `cloak help`)", cmd, argv[optind - 1]);
        default:
            if (optopt)
                die("%s: unknown option -%c (see `cloak help`)", cmd, optopt);
            die("%s: unknown option %s (see `cloak help`)", cmd, argv[optind - 1]);
        }
    }
    if (o->dump_check) {
        if (optind >= argc)
            die("dump-check: which secret? usage: cloak dump-check [OPTIONS] SECRET -- "
                "PROGRAM [ARGS...]");
        o->secret = argv[optind++];
        if (optind >= argc || strcmp(argv[optind], "--") != 0)
            die("dump-check: put -- between the secret and the program: cloak dump-check "
                "[OPTIONS] SECRET -- PROGRAM [ARGS...]");
        optind++;
        if (o->dry_run || o->list || o->qmp)
            die("dump-check: %s does not go with dump-check",
                o->dry_run ? "--dry-run" : o->list ? "--list" : "--qmp");
    }
    if (optind >= argc)
        die("%s: which program? usage: cloak %s [OPTIONS] PROGRAM [ARGS...]%s", cmd, cmd,
            o->run || o->list ? "" : " -o IMAGE");
    o->program = argv[optind++];
    /* `cloak build PROG ARGS -o IMAGE`: -o may also follow the arguments */
    for (; optind < argc; optind++) {
        if (!o->run && strcmp(argv[optind], "-o") == 0 && optind + 1 < argc &&
            optind + 2 == argc) {
            o->output = argv[++optind];
            continue;
        }
        append(&o->prog_args, &o->nprog_args, argv[optind]);
    }
    if (o->run && o->output)
        die("run: -o is for `cloak build`");
    if (!o->run && o->dry_run)
        die("build: --dry-run is for `cloak run`");
    if (o->list && (o->dry_run || o->output))
        die("%s: --list prints what the image would hold; it goes without %s", cmd,
            o->dry_run ? "--dry-run" : "-o");
    if (!o->run && !o->output && !o->list)
        die("build: where to? add -o IMAGE (or --list to see what it would hold)");
    if (o->sev && o->sev_sim)
        die("%s: --sev or --sev-sim, not both (--sev-sim only simulates SEV for testing)", cmd);
    if (!o->run && o->qmp)
        die("build: --qmp is for `cloak run`");
    if (o->disk_bus && strcmp(o->disk_bus, "virtio-blk") != 0 &&
        strcmp(o->disk_bus, "virtio-scsi") != 0)
        die("%s: --disk-bus \"%s\": use virtio-blk or virtio-scsi", cmd, o->disk_bus);
}

/* ---- building ---- */

static void print_warnings_archive(struct image_archive *a, size_t *shown)
{
    for (; *shown < image_archive_warning_count(a); (*shown)++)
        fprintf(stderr, "cloak: warning: %s\n", image_archive_warning(a, *shown));
}

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

/* Files glibc programs open at run time, copied from the host when it has
 * them (/etc/resolv.conf is written from NameServers instead, as ops does;
 * /etc/ld.so.cache is left out: the image has its own library layout). */
static const char *const runtime_files[] = {"/etc/nsswitch.conf", "/etc/hosts"};

/* Writes the boot archive for the program to `path`. */
static void write_archive(const char *path, const struct cloak_config *cfg,
                          const struct build *b)
{
    char err[2048], img[PATH_MAX], host[PATH_MAX];
    const char **argv, **env;
    char *manifest, *resolv = NULL;
    size_t mlen, shown = 0, rlen = 0;
    struct image_archive *a;
    struct manifest m = {0};
    FILE *rf;

    argv = calloc(cfg->args.n + 1, sizeof *argv);
    env = calloc(cfg->env.n + 1, sizeof *env);
    if (!argv || !env)
        die("out of memory");
    argv[0] = b->program_image;
    for (size_t i = 0; i < cfg->args.n; i++)
        argv[i + 1] = cfg->args.items[i];
    for (size_t i = 0; i < cfg->env.n; i++) {
        const struct config_kv *kv = &cfg->env.items[i];
        if (!*kv->key || strchr(kv->key, '='))
            die("environment variable name \"%s\" is not valid (empty or has '=')", kv->key);
        if (asprintf((char **)&env[i], "%s=%s", kv->key, kv->value) < 0)
            die("out of memory");
    }
    m.program = b->program_image;
    m.argv = argv;
    m.argc = cfg->args.n + 1;
    m.env = env;
    m.envc = cfg->env.n;
    m.mounts = b->mounts;
    m.nmounts = b->nmounts;
    m.confidential = b->confidential;
    if (manifest_render(&m, &manifest, &mlen, err, sizeof err) < 0)
        die("%s", err);

    if (!(a = image_archive_open(path, err, sizeof err)))
        die("%s", err);
    image_archive_set_list(a, b->list);
#define TRY(call) do { if ((call) < 0) { image_archive_abort(a); die("%s", err); } \
                       print_warnings_archive(a, &shown); } while (0)
    TRY(image_archive_add_data(a, MANIFEST_IMAGE_PATH, manifest, mlen, 0644, err, sizeof err));
    TRY(image_archive_add_file(a, b->program_image, b->program, err, sizeof err));
    for (size_t i = 0; i < cfg->files.n; i++) {
        const char *f = cfg->files.items[i];
        if (image_path_from(f, img, sizeof img) < 0) {
            image_archive_abort(a);
            die("Files: \"%s\" is not a file path", f);
        }
        TRY(image_archive_add_file(a, img, f, err, sizeof err));
    }
    for (size_t i = 0; i < cfg->dirs.n; i++) {
        const char *d = cfg->dirs.items[i];
        image_path_from(d, img, sizeof img); /* "." maps to / */
        TRY(image_archive_add_tree(a, img, d, err, sizeof err));
    }
    for (size_t i = 0; i < cfg->mapdirs.n; i++) {
        const char *k = cfg->mapdirs.items[i].key, *v = cfg->mapdirs.items[i].value;
        if (k[0] == '/' || strcmp(cfg->files_parent_dir, ".") == 0)
            snprintf(host, sizeof host, "%s", k);
        else
            snprintf(host, sizeof host, "%s/%s", cfg->files_parent_dir, k);
        TRY(image_archive_add_mapped(a, host, v, err, sizeof err));
    }
    /* the interpreter and libraries, after the user's files so that a
     * library given in Files wins (with a warning) */
    for (size_t i = 0; i < b->deps.n; i++) {
        const struct dep_file *f = &b->deps.files[i];
        if (f->link)
            TRY(image_archive_add_symlink(a, f->image, f->link, f->host, err, sizeof err));
        else
            TRY(image_archive_add_file(a, f->image, f->host, err, sizeof err));
    }
    if (b->deps.dynamic) {
        for (size_t i = 0; i < sizeof runtime_files / sizeof runtime_files[0]; i++)
            if (!image_archive_has(a, runtime_files[i]) && access(runtime_files[i], R_OK) == 0)
                TRY(image_archive_add_file(a, runtime_files[i], runtime_files[i], err,
                                           sizeof err));
    }
    if (!image_archive_has(a, "/etc/resolv.conf")) {
        /* ops's rule: one "nameserver  IP" line (two spaces) per NameServers entry */
        if (!(rf = open_memstream(&resolv, &rlen)))
            die("out of memory");
        for (size_t i = 0; i < cfg->nameservers.n; i++)
            fprintf(rf, "nameserver  %s\n", cfg->nameservers.items[i]);
        if (fclose(rf) != 0)
            die("out of memory");
        TRY(image_archive_add_data(a, "/etc/resolv.conf", resolv, rlen, 0644, err, sizeof err));
        free(resolv);
    }
    if (!image_archive_has(a, "/etc/passwd")) {
        static const char passwd[] = "root:x:0:0:root:/root:/bin/nobash\n";
        TRY(image_archive_add_data(a, "/etc/passwd", passwd, sizeof passwd - 1, 0644,
                                   err, sizeof err));
    }
#undef TRY
    if (image_archive_close(a, err, sizeof err) < 0) {
        unlink(path);
        die("%s", err);
    }
    free(manifest);
    for (size_t i = 0; i < cfg->env.n; i++)
        free((char *)env[i]);
    free(env);
    free(argv);
}

/* Mounts (the file's, then --mount) into b: manifest lines, and for `run`
 * the volume images, which must exist. */
static void resolve_mounts(const struct cloak_config *cfg, struct build *b, bool need_images)
{
    char err[2048], dir[PATH_MAX], path[PATH_MAX];

    if (!cfg->mounts.n)
        return;
    b->mounts = calloc(cfg->mounts.n, sizeof *b->mounts);
    b->volumes = calloc(cfg->mounts.n, sizeof *b->volumes);
    if (!b->mounts || !b->volumes)
        die("out of memory");
    if (volume_dir(cfg->volumes_dir, dir, sizeof dir, err, sizeof err) < 0)
        die("%s", err);
    for (size_t i = 0; i < cfg->mounts.n; i++) {
        const char *name = cfg->mounts.items[i].key;
        char *point;
        bool ro;

        if (volume_check_name(name, err, sizeof err) < 0)
            die("Mounts: %s", err);
        if (config_mount_point(name, cfg->mounts.items[i].value, &point, &ro, err,
                               sizeof err) < 0)
            die("%s", err);
        for (size_t k = 0; k < i; k++)
            if (strcmp(b->mounts[k].path, point) == 0)
                die("volumes %s and %s are both mounted at %s", b->mounts[k].label, name, point);
        b->mounts[i] = (struct manifest_mount){name, point, ro};
        if (need_images) {
            if (volume_find(dir, name, path, sizeof path, err, sizeof err) < 0)
                die("%s", err);
            char *p = strdup(path);
            if (!p)
                die("out of memory");
            b->volumes[i] = (struct qemu_volume){name, p, ro};
        }
        b->nmounts++;
    }
}

/* ---- volumes ---- */

static int volume_command(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"config", required_argument, NULL, 'c'},
        {"data", required_argument, NULL, 'd'},
        {"size", required_argument, NULL, 's'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *config = NULL, *data = NULL, *size = NULL, *sub;
    char err[4096], dir[PATH_MAX], path[PATH_MAX];
    char *pos[4];
    size_t npos = 0;
    struct cloak_config cfg;
    int c;

    opterr = 0;
    optind = 1;
    /* GNU getopt moves the options (wherever they are) before the operands */
    while ((c = getopt_long(argc, argv, ":c:d:s:h", longopts, NULL)) != -1) {
        switch (c) {
        case 'c': config = optarg; break;
        case 'd': data = optarg; break;
        case 's': size = optarg; break;
        case 'h':
            usage(stdout);
            exit(0);
        case ':':
            die("volume: option %s needs a value (see `cloak help`)", argv[optind - 1]);
        default:
            die("volume: unknown option %s (see `cloak help`)", argv[optind - 1]);
        }
    }
    for (; optind < argc; optind++) {
        if (npos == sizeof pos / sizeof pos[0])
            die("volume: too many arguments (see `cloak help`)");
        pos[npos++] = argv[optind];
    }
    if (npos == 0)
        die("volume: create, list or delete? usage: cloak volume create NAME -d DIR -s SIZE");
    sub = pos[0];
    config_init(&cfg);
    if (config && config_load_file(&cfg, config, err, sizeof err) < 0)
        die("%s", err);
    for (size_t i = 0; i < cfg.warnings.n; i++)
        if (!strstr(cfg.warnings.items[i], "not supported yet"))
            fprintf(stderr, "cloak: warning: %s\n", cfg.warnings.items[i]);
    if (volume_dir(cfg.volumes_dir, dir, sizeof dir, err, sizeof err) < 0)
        die("%s", err);
    if (strcmp(sub, "create") == 0) {
        if (npos != 2)
            die("volume create: which name? usage: cloak volume create NAME -d DIR -s SIZE");
        if (volume_create(dir, pos[1], data, size, path, sizeof path, err, sizeof err) < 0)
            die("volume create: %s", err);
        printf("%s\n", path);
        fprintf(stderr, "cloak: created volume %s in %s\n", pos[1], path);
    } else if (strcmp(sub, "list") == 0) {
        struct volume_info *v;
        size_t n;
        if (npos != 1 || data || size)
            die("volume list takes no arguments");
        if (volume_list(dir, &v, &n, err, sizeof err) < 0)
            die("volume list: %s", err);
        if (n == 0)
            fprintf(stderr, "cloak: no volumes in %s\n", dir);
        for (size_t i = 0; i < n; i++) {
            char p[PATH_MAX + 300];
            snprintf(p, sizeof p, "%s/%s" VOLUME_SUFFIX, dir, v[i].name);
            printf("%-16s %8lluM  %s%s\n", v[i].name,
                   (unsigned long long)((v[i].size + (1 << 20) - 1) >> 20), p,
                   !v[i].ext2 ? "  (not ext2)" :
                   strcmp(v[i].label, v[i].name) ? "  (label differs)" : "");
        }
        free(v);
    } else if (strcmp(sub, "delete") == 0) {
        if (npos != 2 || data || size)
            die("volume delete: usage: cloak volume delete NAME");
        if (volume_delete(dir, pos[1], path, sizeof path, err, sizeof err) < 0)
            die("volume delete: %s", err);
        fprintf(stderr, "cloak: deleted volume %s (%s)\n", pos[1], path);
    } else {
        die("volume: unknown sub-command \"%s\"; use create, list or delete", sub);
    }
    config_free(&cfg);
    return 0;
}

/* cmdline_file: NULL, or a host file to place as \cloak\cmdline.txt. */
static void write_disk(const char *path, const char *kernel, const char *loader,
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

static void write_text_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    if (!f || fputs(text, f) < 0 || fclose(f) != 0)
        die("%s: cannot write: %s", path, strerror(errno));
}

/* ---- running ---- */

static int report_outcome(const struct qemu_result *r, const char *log_path, bool verbose)
{
    struct vm_outcome o;
    int status;

    qemu_outcome_from_file(log_path, &o);
    status = o.status;
    fflush(stdout);
    switch (o.end) {
    case VM_END_PROGRAM:
        break;
    case VM_END_REFUSED:
        fprintf(stderr, "cloak: the kernel refused to run the program (status %d)%s\n", status,
                o.report && !verbose ? "; the kernel log says:" : "");
        if (o.report && !verbose)
            fputs(o.report, stderr);
        break;
    case VM_END_PANIC:
        fprintf(stderr, "cloak: kernel panic%s\n", o.report && !verbose ? ":" : "");
        if (o.report && !verbose)
            fputs(o.report, stderr);
        break;
    case VM_END_OTHER:
        fprintf(stderr, "cloak: warning: the kernel reported exit status %d for an unknown "
                "reason\n", status);
        break;
    case VM_END_NO_STATUS:
        if (r->forwarded_signal) {
            status = 128 + r->forwarded_signal;
            fprintf(stderr, "cloak: interrupted (%s)\n", strsignal(r->forwarded_signal));
            break;
        }
        if (r->exited)
            fprintf(stderr, "cloak: the VM stopped without reporting an exit status (QEMU "
                    "exited with status %d)\n", r->status);
        else
            fprintf(stderr, "cloak: the VM stopped without reporting an exit status (QEMU was "
                    "killed by %s)\n", strsignal(r->status));
        if (verbose)
            break;
        if (o.report) {
            fprintf(stderr, "cloak: the end of the kernel log:\n");
            fputs(o.report, stderr);
            if (o.report[strlen(o.report) - 1] != '\n')
                fputc('\n', stderr);
        } else {
            fprintf(stderr, "cloak: the kernel log is empty (the kernel never started?)\n");
        }
        break;
    }
    qemu_outcome_free(&o);
    return status;
}

/* ---- AMD SEV ---- */

/* What `cloak sev check` says about this machine. */
static void sev_host_verdict(struct sev_verdict *v)
{
    struct sev_facts f;
    char code[PATH_MAX], vars[PATH_MAX], err[1024];
    const char *qbin = getenv("CLOAK_QEMU");
    bool ovmf = qemu_find_ovmf(code, sizeof code, vars, sizeof vars, err, sizeof err) == 0;

    sev_gather(&f, qbin && *qbin ? qbin : NULL, ovmf ? code : NULL);
    sev_verdict(&f, v);
}

static int sev_command(int argc, char **argv)
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

/* The kernel command line besides the console words: sev-sim, then
 * --kernel-args.  "" if none. */
static void extra_cmdline(const struct options *o, char *out, size_t len)
{
    snprintf(out, len, "%s%s%s", o->sev_sim ? "sev-sim" : "",
             o->sev_sim && o->kernel_args && *o->kernel_args ? " " : "",
             o->kernel_args ? o->kernel_args : "");
}

int main(int argc, char **argv)
{
    struct options o = {0};
    struct cloak_config cfg;
    struct elf_info info;
    struct sev_verdict sev = {0};
    char err[2048], program_image[PATH_MAX], archive[PATH_MAX], disk[PATH_MAX];
    char kernel[PATH_MAX], loader[PATH_MAX], log_path[PATH_MAX];
    char ovmf_code[PATH_MAX], ovmf_vars[PATH_MAX], extra[4096];
    char qmp_path[PATH_MAX], console_path[PATH_MAX], dump_path[PATH_MAX];
    const char *cmd;
    bool confidential;

    if (argc < 2) {
        usage(stderr);
        return EXIT_CLOAK_ERROR;
    }
    cmd = argv[1];
    if (!strcmp(cmd, "help") || !strcmp(cmd, "--help") || !strcmp(cmd, "-h")) {
        usage(stdout);
        return 0;
    }
    if (!strcmp(cmd, "volume"))
        return volume_command(argc - 1, argv + 1);
    if (!strcmp(cmd, "sev"))
        return sev_command(argc - 1, argv + 1);
    if (strcmp(cmd, "run") != 0 && strcmp(cmd, "build") != 0 && strcmp(cmd, "dump-check") != 0)
        die("unknown command \"%s\"; try `cloak help`", cmd);
    o.dump_check = strcmp(cmd, "dump-check") == 0;
    o.run = strcmp(cmd, "run") == 0 || o.dump_check;
    o.settle = 2;
    parse_options(argc - 1, argv + 1, &o);

    /* the configuration: file, then flags */
    config_init(&cfg);
    if (o.config && config_load_file(&cfg, o.config, err, sizeof err) < 0)
        die("%s", err);
    for (size_t i = 0; i < cfg.warnings.n; i++)
        fprintf(stderr, "cloak: warning: %s\n", cfg.warnings.items[i]);
    if (o.nflag_args || o.nprog_args) {
        char **all = calloc(o.nflag_args + o.nprog_args + 1, sizeof *all);
        if (!all)
            die("out of memory");
        memcpy(all, o.flag_args, o.nflag_args * sizeof *all);
        memcpy(all + o.nflag_args, o.prog_args, o.nprog_args * sizeof *all);
        config_set_args(&cfg, all, o.nflag_args + o.nprog_args);
        free(all);
    }
    for (size_t i = 0; i < o.nenvs; i++)
        if (config_add_env_flag(&cfg, o.envs[i], err, sizeof err) < 0)
            die("%s", err);
    if (o.memory && config_set_memory(&cfg, o.memory, "-m", err, sizeof err) < 0)
        die("%s", err);
    if (o.uefi || o.sev)
        cfg.uefi = true;
    for (size_t i = 0; i < o.nmounts; i++)
        if (config_add_mount_flag(&cfg, o.mounts[i], err, sizeof err) < 0)
            die("%s", err);
    config_finalize(&cfg);
    if (cfg.uefi && cfg.memory_bytes < (64ull << 20))
        die("-m %lluM: booting through UEFI needs at least 64M (OVMF itself uses most of it)",
            (unsigned long long)(cfg.memory_bytes >> 20));

    /* SEV: the image says "confidential required" and boots through UEFI;
     * running it needs a host that can (cloak sev check) */
    confidential = o.sev || cfg.confidential_vm;
    if (confidential && o.sev_sim)
        die("%s: --sev-sim simulates SEV on a machine without it; it does not go with %s",
            cmd, o.sev ? "--sev" : "CloudConfig.ConfidentialVM (which asks for real SEV)");
    if (confidential && o.run && !o.list) {
        const char *why = o.sev ? "--sev" : "CloudConfig.ConfidentialVM";
        sev_host_verdict(&sev);
        if (!sev.works && !o.dry_run) {
            fflush(stdout);
            fprintf(stderr, "cloak: %s asks for AMD SEV, but %s\n", why, sev.summary);
            for (size_t i = 0; i < sev.n; i++)
                if (sev.lines[i].required && !sev.lines[i].ok)
                    fprintf(stderr, "cloak:   %s: %s\n", sev.lines[i].name,
                            sev.lines[i].reason);
            fprintf(stderr, "cloak: (`cloak sev check` shows every check; --sev-sim runs the "
                    "same code paths without SEV, and protects nothing)\n");
            exit(EXIT_CLOAK_ERROR);
        }
        if (!sev.works) {
            sev.cbitpos = 51;
            sev.reduced_phys_bits = 1;
            fprintf(stderr, "cloak: warning: %s; the command below uses cbitpos=51 "
                    "reduced-phys-bits=1 (EPYC 7003 \"Milan\"); on the SEV host, `cloak sev "
                    "check` tells the real values\n", sev.summary);
        }
    }
    extra_cmdline(&o, extra, sizeof extra);

    /* the program and what it needs */
    if (elf_check_file(o.program, &info, err, sizeof err) < 0)
        die("%s", err);
    if (image_path_from(o.program, program_image, sizeof program_image) < 0)
        die("%s: cannot make an image path of it", o.program);
    struct build b = {.program = o.program, .program_image = program_image,
                      .confidential = confidential};
    struct dep_request dr = {.program = o.program, .program_image = program_image,
                             .ld_library_path = config_env_get(&cfg, "LD_LIBRARY_PATH"),
                             .ld_preload = config_env_get(&cfg, "LD_PRELOAD")};
    if (deps_resolve(&dr, &b.deps, err, sizeof err) < 0)
        die("%s", err);
    resolve_mounts(&cfg, &b, o.run && !o.list);

    if (o.list) { /* the archive is written (to a temporary file) as it is listed */
        b.list = stdout;
        tmp_path(archive, sizeof archive, "archive.cpio");
        write_archive(archive, &cfg, &b);
        config_free(&cfg);
        return 0;
    }

    /* what the boot needs */
    if (o.run || cfg.uefi)
        share_file(kernel, sizeof kernel, "CLOAK_KERNEL", "kernel.elf", "kernel");
    if (cfg.uefi)
        share_file(loader, sizeof loader, "CLOAK_LOADER", "bootx64.efi", "UEFI loader");

    if (!o.run) {
        if (!cfg.uefi) {
            write_archive(o.output, &cfg, &b);
        } else {
            tmp_path(archive, sizeof archive, "archive.cpio");
            write_archive(archive, &cfg, &b);
            const char *cmdline_file = NULL;
            char cmdline_path[PATH_MAX];
            if (*extra) {
                tmp_path(cmdline_path, sizeof cmdline_path, "cmdline.txt");
                write_text_file(cmdline_path, extra);
                cmdline_file = cmdline_path;
            }
            write_disk(o.output, kernel, loader, archive, cmdline_file);
        }
        if (o.sev_sim)
            fprintf(stderr, "cloak: note: the image boots with sev-sim (simulated SEV: the "
                    "kernel's code paths only; nothing is encrypted)\n");
        if (o.sev_sim && !cfg.uefi)
            fprintf(stderr, "cloak: note: without --uefi the image is the boot archive alone; "
                    "pass `-append sev-sim` to QEMU yourself\n");
        config_free(&cfg);
        return 0;
    }

    tmp_path(archive, sizeof archive, "archive.cpio");
    write_archive(archive, &cfg, &b);
    if (o.log) {
        if ((size_t)snprintf(log_path, sizeof log_path, "%s", o.log) >= sizeof log_path)
            die("--log: path too long");
    } else {
        tmp_path(log_path, sizeof log_path, "kernel.log");
    }

    struct qemu_config q = {0};
    struct qemu_argv qa;
    const char *qbin = getenv("CLOAK_QEMU");
    q.binary = qbin && *qbin ? qbin : NULL;
    q.memory_mib = cfg.memory_bytes >> 20;
    q.uefi = cfg.uefi;
    q.log_path = log_path;
    q.volumes = b.volumes;
    q.nvolumes = b.nmounts;
    q.disk_bus = o.disk_bus && !strcmp(o.disk_bus, "virtio-scsi") ? QEMU_DISK_VIRTIO_SCSI
                                                                 : QEMU_DISK_VIRTIO_BLK;
    /* io_uring makes volume I/O markedly faster; CLOAK_NO_IO_URING=1 turns
     * it off for a QEMU built without it. */
    const char *no_uring = getenv("CLOAK_NO_IO_URING");
    q.io_uring = b.nmounts && !(no_uring && *no_uring && strcmp(no_uring, "0")) && qemu_host_has_io_uring();
    if (confidential) {
        q.sev = true;
        q.sev_cbitpos = sev.cbitpos;
        q.sev_reduced_phys_bits = sev.reduced_phys_bits;
        q.sev_policy = QEMU_SEV_POLICY;
    }
    q.qmp_path = o.qmp;
    if (o.dump_check) {
        tmp_path(qmp_path, sizeof qmp_path, "qmp.sock");
        tmp_path(console_path, sizeof console_path, "console.out");
        if (o.keep_dump) {
            if ((size_t)snprintf(dump_path, sizeof dump_path, "%s", o.keep_dump) >=
                sizeof dump_path)
                die("--keep-dump: path too long");
        } else {
            tmp_path(dump_path, sizeof dump_path, "memory.core");
        }
        q.qmp_path = qmp_path;
        q.console_path = console_path;
    }
    if (cfg.uefi) {
        char cmdline_path[PATH_MAX], cmdline[8192];
        snprintf(cmdline, sizeof cmdline, "console=com3 klog=com1%s%s", *extra ? " " : "",
                 extra);
        tmp_path(cmdline_path, sizeof cmdline_path, "cmdline.txt");
        write_text_file(cmdline_path, cmdline);
        tmp_path(disk, sizeof disk, "disk.img");
        write_disk(disk, kernel, loader, archive, cmdline_path);
        if (qemu_setup_ovmf(make_tmp(), ovmf_code, sizeof ovmf_code, ovmf_vars,
                            sizeof ovmf_vars, err, sizeof err) < 0)
            die("%s", err);
        q.ovmf_code = ovmf_code;
        q.ovmf_vars = ovmf_vars;
        q.disk = disk;
    } else {
        q.kernel = kernel;
        q.initrd = archive;
        q.cmdline = extra;
    }
    if (qemu_build_argv(&q, &qa) < 0)
        die("out of memory");

    if (o.dry_run) {
        char *line = qemu_format_command(&qa);
        if (!line)
            die("out of memory");
        printf("%s\n", line);
        free(line);
        keep_tmp = true;
        config_free(&cfg);
        fprintf(stderr, "cloak: dry run: the files it names are kept in %s (remove it when "
                "done)\n", tmp_dir);
        qemu_argv_free(&qa);
        return 0;
    }

    if (o.sev_sim)
        fprintf(stderr, "cloak: --sev-sim: simulated SEV (the kernel's SEV code paths, bounce "
                "buffers included); guest memory is NOT encrypted\n");
    if (q.uefi && !q.sev)
        fprintf(stderr, "cloak: booting through OVMF (UEFI firmware takes a few seconds under "
                "emulation)\n");
    fflush(stdout);

    if (o.dump_check) {
        struct dump_check d = {
            .qemu = &qa, .qmp_path = qmp_path, .console_path = console_path,
            .log_path = log_path, .dump_path = dump_path, .keep_dump = o.keep_dump != NULL,
            .secret = o.secret, .settle_s = o.settle, .output_timeout_s = 240,
            .verbose = o.verbose,
        };
        printf("dump-check: %s, %s, %lluM of guest memory\n", o.program,
               q.sev ? "AMD SEV (memory encrypted)" :
               o.sev_sim ? "simulated SEV (memory NOT encrypted)" : "no memory encryption",
               (unsigned long long)(cfg.memory_bytes >> 20));
        fflush(stdout);
        int rc = dump_check_run(&d);
        qemu_argv_free(&qa);
        config_free(&cfg);
        return rc;
    }

    struct qemu_result r;
    if (qemu_run(&qa, log_path, o.verbose, &r, err, sizeof err) < 0)
        die("%s", err);
    qemu_argv_free(&qa);
    config_free(&cfg);
    return report_outcome(&r, log_path, o.verbose);
}
