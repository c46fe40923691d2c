/* cloak help: the usage text, which is also the reference for every option
 * and exit status; `cloak help COMMAND` (and `cloak COMMAND --help`) print
 * the parts of it about one command. */
#include <stdio.h>
#include <string.h>

#include "../config/config.h"
#include "../qemu/accel.h"
#include "../qemu/qemu.h"
#include "../volume/volume.h"
#include "cli.h"

static const char usage_text[] =
"usage: cloak run [OPTIONS] PROGRAM [ARGS...]\n"
"       cloak build [OPTIONS] PROGRAM [ARGS...] -o IMAGE\n"
"       cloak build --list [OPTIONS] PROGRAM [ARGS...]\n"
"       cloak volume create NAME [-d DIR] [-s SIZE] [-c FILE]\n"
"       cloak volume list [-c FILE]\n"
"       cloak volume delete NAME [-c FILE]\n"
"       cloak sev check\n"
"       cloak image create [-c FILE] [-t gcp] [-g PROJECT] [-i NAME] PROGRAM [ARGS...]\n"
"       cloak image list [-g PROJECT]\n"
"       cloak image delete NAME [-g PROJECT]\n"
"       cloak instance create [-c FILE] [-g PROJECT] [-z ZONE] [-f FLAVOR] [-i NAME] IMAGE\n"
"       cloak instance list [-g PROJECT] [-z ZONE]\n"
"       cloak instance delete|start|stop NAME [-g PROJECT] [-z ZONE]\n"
"       cloak instance logs NAME [-f] [--kernel-log | --port N]\n"
"       cloak instance attestation NAME\n"
"       cloak group create NAME --size N [-c FILE] [-g PROJECT] [-z ZONE] [-f FLAVOR] IMAGE\n"
"       cloak group resize NAME --size N [-g PROJECT] [-z ZONE]\n"
"       cloak group list [-g PROJECT] [-z ZONE]\n"
"       cloak group delete NAME [-g PROJECT] [-z ZONE]\n"
"       cloak dump-check [OPTIONS] SECRET -- PROGRAM [ARGS...]\n"
"       cloak help [COMMAND]\n"
"       cloak version\n"
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
"  image   Google Cloud images (tools/gcp; README, \"Google Cloud\"): `create`\n"
"          builds the UEFI disk as `build --uefi` does (the program on serial\n"
"          port 3, the kernel log on port 1), packs it as Compute Engine\n"
"          imports it (disk.raw, a whole GiB, in a tar.gz), uploads it to\n"
"          CloudConfig.BucketName (made if missing), calls images.insert with\n"
"          UEFI_COMPATIBLE, GVNIC and SEV_CAPABLE, waits, and deletes the upload.\n"
"          Name: -i, CloudConfig.ImageName or the program's.  `list`, `delete`.\n"
"  instance  Compute Engine VMs from those images: `create` makes a\n"
"          Confidential VM (AMD SEV) when CloudConfig.ConfidentialVM: NVMe boot\n"
"          disk, gVNIC with an external address, onHostMaintenance TERMINATE,\n"
"          firewall rules for RunConfig.Ports/UDPPorts (-p, --udp);\n"
"          --confidential-type SEV only (SEV_SNP, TDX refused).  `list`,\n"
"          `delete` (with its rules), `start`, `stop`; `logs NAME [-f]` the\n"
"          program's output (--kernel-log: the kernel's); `attestation NAME`\n"
"          the SEV launch report from Cloud Logging: exit 0 only if integrity\n"
"          passed and the SEV policy forbids debugging, else 1.\n"
"  group   fleets on Google's own engine (a zonal managed instance group):\n"
"          `create NAME --size N IMAGE` makes the instance template NAME-template\n"
"          (the properties `instance create` gives one instance: machine type,\n"
"          NVMe boot disk, gVNIC, SEV and onHostMaintenance TERMINATE when\n"
"          CloudConfig.ConfidentialVM) and the group NAME of N instances\n"
"          (NAME-xxxx), which Google keeps running; `resize NAME --size N` (0\n"
"          keeps the group, empty), `list` (target size, template, instances\n"
"          per status), `delete NAME` (the group, then its template).\n"
"  help    this text; `cloak help COMMAND` or `cloak COMMAND --help`: what\n"
"          is about COMMAND only.\n"
"  version  the version and the git commit cloak was built from (also\n"
"          `cloak --version`).\n"
"  dump-check  boot PROGRAM (taking run's options), wait until it has printed\n"
"          a line (and --settle seconds more), dump the guest's memory through\n"
"          QMP, stop the VM and search the dump for SECRET: each copy's\n"
"          guest-physical address, private memory or the shared DMA heap.\n"
"          Exit 0 if SECRET was not found, 1 if it was, 125 on errors.\n"
"\n"
"Options (as in ops; they go before PROGRAM, everything after it is ARGS):\n"
"  -c FILE       ops configuration file (JSON). Understood so far: Args, Env,\n"
"                Files, Dirs, MapDirs, Mounts, VolumesDir, NameServers, Uefi,\n"
"                RunConfig.Memory, RunConfig.CPUs, RunConfig.Accel,\n"
"                CloudConfig.ConfidentialVM (as --sev); other keys are ignored\n"
"                with a warning.\n"
"  -a ARG        a program argument (repeatable).  -a and ARGS after PROGRAM\n"
"                (-a ones first) replace Args from the file, like ops.\n"
"  -e KEY=VALUE  an environment entry (repeatable), added to Env from the file.\n"
"                The program also gets USER=root and PWD=/ unless set.\n"
"  -m MEM        guest memory, e.g. 64M, 1G (default " CONFIG_DEFAULT_MEMORY "; ops defaults to\n"
"                2G, but QEMU without KVM is slow to boot that much).\n"
"  --smp N       (run) N virtual CPUs, 1 to 64 (default 1, as ops; the\n"
"                same as RunConfig.CPUs).  The kernel starts them all; for now\n"
"                the program's threads still run on the first one only.\n"
"  --mount VOLUME:/PATH[:ro]  mount the volume VOLUME at /PATH (repeatable;\n"
"                added to Mounts from the file).  `run` attaches its image.\n"
"  --disk-bus virtio-blk|virtio-scsi|nvme  how volumes are attached (default\n"
"                virtio-blk: one virtio-blk-pci device each; nvme: one NVMe\n"
"                controller each, as Google Cloud's Confidential VMs attach disks).\n"
"  --accel kvm|tcg|auto  (run) KVM (-accel kvm -cpu host; refused with the\n"
"                reason, 125, where /dev/kvm is unusable), TCG emulation, or KVM\n"
"                where it works and TCG otherwise (saying why).  Default: auto,\n"
"                saying why only with -v; a KVM without hardware virtualization\n"
"                (kvm_pvm) counts as none for auto (README, \"Acceleration\").\n"
"                RunConfig.Accel false is tcg.\n"
"  --net user|none|tap:IFNAME  (run) user (the default): a virtio-net card on\n"
"                QEMU's user network (NAT, DHCP, DNS at 10.0.2.3; the host is\n"
"                10.0.2.2); none: no card; tap:IFNAME: on a tap device you made\n"
"                (RunConfig.TapName; README, \"Networking\").\n"
"  --ip-address A, --netmask M, --gateway G, --ipv6-address A6\n"
"                static addresses instead of DHCP (RunConfig.IPAddress, NetMask\n"
"                (default 255.255.255.0), Gateway, IPv6Address).\n"
"  -p SPEC       (run) forward host port(s) on 127.0.0.1 to the guest, as ops:\n"
"                80, 80,443, 7000-7010, or HOST:GUEST (8080:80); repeatable;\n"
"                added to RunConfig.Ports.  --udp: the -p ports for UDP too.\n"
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
"Google Cloud options (image, instance, group; --dry-run prints each request, sends\n"
"nothing, needs no credentials):\n"
"  -c FILE  the ops config: CloudConfig.ProjectID, Zone, BucketName, ImageName,\n"
"           Flavor, ConfidentialVM; RunConfig.Ports, UDPPorts, InstanceName\n"
"  -t gcp   the target (only gcp)    -g PROJECT, -z ZONE (over the file; else\n"
"           GOOGLE_CLOUD_PROJECT, GOOGLE_CLOUD_ZONE, the key's project_id)\n"
"  Credentials: GOOGLE_APPLICATION_CREDENTIALS (a service-account key), else\n"
"  `gcloud auth print-access-token`, else the metadata server (on GCE).\n"
"  Errors: 125, with Google's message and what to do.\n"
"\n"
"Exit status of `cloak run`:\n"
"  0-255  the program's exit status (killed by signal S: 128+S)\n"
"  70     kernel panic, or the VM stopped without reporting a status\n"
"  125    cloak itself failed (bad option, config or program, QEMU missing)\n"
"  126    the kernel refused the program (bad ELF or manifest; or the image\n"
"         requires SEV and SEV is not active)\n"
"  127    the program was not found in the image\n"
"  130    interrupted: Ctrl-C (SIGINT) and SIGTERM go to the program, which\n"
"         decides (without a handler it dies of them: 130, 143); a second\n"
"         one within 2 s, or SIGHUP, stops the VM (130, 143, 129)\n"
"  141    cloak's stdout is a pipe whose reader went away (`... | head -1`):\n"
"         the VM was stopped, as SIGPIPE would end the program (silently)\n"
"A program killed by a signal, and a kernel panic, are said in one line on\n"
"stderr (\"cloak: program killed by SIGSEGV: ...\"); -v and --log have the\n"
"kernel's full report.\n"
"\n"
"Environment:\n"
"  CLOAK_KERNEL, CLOAK_LOADER   the kernel ELF and UEFI loader to use (default:\n"
"      <dir of cloak>/../share/cloak/kernel.elf and bootx64.efi)\n"
"  CLOAK_QEMU                   the QEMU binary (default " QEMU_DEFAULT_BINARY ")\n"
"  CLOAK_KVM_DEVICE             the KVM device --accel probes (default " ACCEL_KVM_DEVICE ")\n"
"  CLOAK_OVMF_CODE, CLOAK_OVMF_VARS   UEFI firmware (default " OVMF_DIR "/*_4M.fd)\n"
"  CLOAK_VOLUMES                the volumes directory, unless the config has\n"
"      VolumesDir (default " VOLUME_DEFAULT_DIR ")\n"
"  CLOAK_MKE2FS                 the mke2fs to run (default: from PATH, /usr/sbin)\n"
"  TMPDIR                       where the temporary directory goes\n"
"  CLOAK_GCP_ENDPOINT           one root URL for Compute, Storage and Logging\n"
"      (tests; default Google's); GCE_METADATA_HOST the metadata server\n";

void usage(FILE *f)
{
    fputs(usage_text, f);
}

/* The text between the first line starting with `from` and the next line
 * starting with `to` (or the end). */
static void print_section(FILE *f, const char *from, const char *to)
{
    const char *a = strstr(usage_text, from), *b;

    if (!a)
        return;
    b = strstr(a + 1, to);
    fprintf(f, "%.*s", (int)(b ? b - a : (long)strlen(a)), a);
}

/* The synopsis lines that name the command. */
static void print_synopsis(FILE *f, const char *cmd)
{
    char word[64];
    const char *end = strstr(usage_text, "\n\n"), *p = usage_text;

    snprintf(word, sizeof word, "cloak %s", cmd);
    while (p < end) {
        const char *nl = strchr(p, '\n');
        const char *hit = strstr(p, word);
        size_t wl = strlen(word);
        if (hit && hit < nl && (hit[wl] == ' ' || hit[wl] == '\n'))
            fprintf(f, "usage: %.*s\n", (int)(nl - hit), hit);
        p = nl + 1;
    }
}

/* The command's paragraph of the description: "  CMD ..." and the lines
 * indented under it. */
static int print_description(FILE *f, const char *cmd)
{
    char head[64];
    const char *a, *p;

    snprintf(head, sizeof head, "\n  %s ", cmd);
    if (!(a = strstr(usage_text, head)))
        return -1;
    for (p = a + 1; *p;) {
        const char *nl = strchr(p, '\n');
        if (p != a + 1 && strncmp(p, "          ", 10) != 0)
            break;
        p = nl + 1;
    }
    fprintf(f, "\n%.*s", (int)(p - (a + 1)), a + 1);
    return 0;
}

int command_help(FILE *f, const char *cmd)
{
    const char *desc = strcmp(cmd, "sev") == 0 ? "sev check" : cmd;
    char head[64];

    snprintf(head, sizeof head, "\n  %s ", desc);
    if (strlen(cmd) > 32 || !strstr(usage_text, head)) {
        fprintf(stderr, "cloak: help: no command \"%s\"; `cloak help` lists them\n", cmd);
        return -1;
    }
    print_synopsis(f, cmd);
    print_description(f, desc);
    if (!strcmp(cmd, "run") || !strcmp(cmd, "build") || !strcmp(cmd, "dump-check")) {
        fputc('\n', f);
        print_section(f, "Options (", "\n\n");
        fputc('\n', f);
    }
    if (!strcmp(cmd, "image") || !strcmp(cmd, "instance") || !strcmp(cmd, "group")) {
        fputc('\n', f);
        print_section(f, "Google Cloud options", "\n\n");
        fputc('\n', f);
    }
    if (!strcmp(cmd, "run")) {
        fputc('\n', f);
        print_section(f, "Exit status of `cloak run`", "\n\n");
        fputc('\n', f);
    }
    return 0;
}

int cmd_help(int argc, char **argv)
{
    if (argc >= 2)
        return command_help(stdout, argv[1]) < 0 ? EXIT_CLOAK_ERROR : 0;
    usage(stdout);
    return 0;
}
