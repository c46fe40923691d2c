/* What goes into the image: the manifest, the program, the user's files
 * (Files, Dirs, MapDirs), the interpreter and libraries, the files glibc
 * opens at run time, and the volumes to mount. */
#define _GNU_SOURCE
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../image/archive.h"
#include "../volume/volume.h"
#include "cli.h"
#include "session.h"

/* The files the C libraries' resolvers read are written by add_etc, not
 * copied from the host: the host's /etc/nsswitch.conf names NSS modules
 * (mdns, systemd, ...) the image does not have, and its /etc/hosts names
 * the host.  /etc/ld.so.cache is left out: the image has its own library
 * layout. */

/* The archive being written, and the place for its messages. */
struct job {
    struct image_archive *a;
    char err[2048];
    size_t shown;                   /* warnings printed so far */
};

/* Every addition goes through here: on failure the archive is abandoned
 * and cloak dies with the reason; new warnings are printed as they come. */
static void added(struct job *j, int rc)
{
    if (rc < 0) {
        image_archive_abort(j->a);
        die("%s", j->err);
    }
    for (; j->shown < image_archive_warning_count(j->a); j->shown++)
        fprintf(stderr, "cloak: warning: %s\n", image_archive_warning(j->a, j->shown));
}

/* The manifest (docs/manifest.md): program, argv, environment, mounts. */
static void render_manifest(const struct cloak_config *cfg, const struct build *b,
                            char **manifest, size_t *mlen)
{
    char err[2048];
    const char **argv, **env;
    struct manifest m = {0};

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
    if (manifest_render(&m, manifest, mlen, err, sizeof err) < 0)
        die("%s", err);
    for (size_t i = 0; i < cfg->env.n; i++)
        free((char *)env[i]);
    free(env);
    free(argv);
}

/* Files, Dirs and MapDirs from the configuration. */
static void add_user_files(struct job *j, const struct cloak_config *cfg)
{
    char img[PATH_MAX], host[PATH_MAX];

    for (size_t i = 0; i < cfg->files.n; i++) {
        const char *f = cfg->files.items[i];
        if (image_path_from(f, img, sizeof img) < 0) {
            image_archive_abort(j->a);
            die("Files: \"%s\" is not a file path", f);
        }
        added(j, image_archive_add_file(j->a, img, f, j->err, sizeof j->err));
    }
    for (size_t i = 0; i < cfg->dirs.n; i++) {
        const char *d = cfg->dirs.items[i];
        image_path_from(d, img, sizeof img); /* "." maps to / */
        added(j, image_archive_add_tree(j->a, img, d, j->err, sizeof j->err));
    }
    for (size_t i = 0; i < cfg->mapdirs.n; i++) {
        const char *k = cfg->mapdirs.items[i].key, *v = cfg->mapdirs.items[i].value;
        if (k[0] == '/' || strcmp(cfg->files_parent_dir, ".") == 0)
            snprintf(host, sizeof host, "%s", k);
        else
            snprintf(host, sizeof host, "%s/%s", cfg->files_parent_dir, k);
        added(j, image_archive_add_mapped(j->a, host, v, j->err, sizeof j->err));
    }
}

/* The interpreter and libraries, after the user's files so that a library
 * given in Files wins (with a warning); then what glibc reads at run time. */
static void add_runtime(struct job *j, const struct build *b)
{
    for (size_t i = 0; i < b->deps.n; i++) {
        const struct dep_file *f = &b->deps.files[i];
        if (f->link)
            added(j, image_archive_add_symlink(j->a, f->image, f->link, f->host, j->err,
                                               sizeof j->err));
        else
            added(j, image_archive_add_file(j->a, f->image, f->host, j->err, sizeof j->err));
    }
}


/* A volume left not clean (its VM killed) or with errors still mounts;
 * the user hears it before the run, with the command that checks it. */
static void warn_if_not_clean(const char *name, const char *path)
{
    struct volume_info v;
    if (volume_read_super(path, &v) < 0 || v.state == VOLUME_CLEAN || v.state == VOLUME_NOT_EXT2)
        return;
    if (v.state == VOLUME_ERRORS)
        fprintf(stderr, "cloak: warning: volume %s (%s) has errors recorded by the kernel that "
                "last mounted it; to repair it: e2fsck -f %s\n", name, path, path);
    else
        fprintf(stderr, "cloak: warning: volume %s (%s) was not cleanly unmounted (its VM was "
                "stopped or killed with the volume mounted); it is mounted as it is. To check "
                "it: e2fsck -f %s\n", name, path, path);
}

/* /etc/hosts: localhost (IPv4 and IPv6) and the guest's host name (the
 * kernel's uname nodename, "cloak"), so that getaddrinfo("localhost")
 * and gethostbyname(gethostname()) answer without DNS, as on a Linux host.
 * /etc/nsswitch.conf: files, then DNS, for hosts; glibc's static programs
 * have both built in (glibc >= 2.34), its dynamic ones find them in libc.so. */
static const char etc_hosts[] = "127.0.0.1\tlocalhost cloak\n"
                                "::1\tlocalhost ip6-localhost ip6-loopback\n";
/* glibc gives every address of a name in /etc/hosts only with "multi on"
 * (Debian's own /etc/host.conf says so): localhost is 127.0.0.1 and ::1. */
static const char etc_host_conf[] = "multi on\n";
static const char etc_nsswitch[] = "passwd: files\ngroup: files\nhosts: files dns\n"
                                   "networks: files\nprotocols: files\nservices: files\n";

static void add_etc_data(struct job *j, const char *path, const char *text)
{
    if (!image_archive_has(j->a, path))
        added(j, image_archive_add_data(j->a, path, text, strlen(text), 0644, j->err,
                                        sizeof j->err));
}

/* /etc/resolv.conf, /etc/hosts, /etc/nsswitch.conf and /etc/passwd,
 * unless the user's files have them. */
static void add_etc(struct job *j, const struct cloak_config *cfg)
{
    char *resolv = NULL;
    size_t rlen = 0;
    FILE *rf;

    if (!image_archive_has(j->a, "/etc/resolv.conf")) {
        /* ops's rule: one "nameserver  IP" line (two spaces) per NameServers entry */
        if (!(rf = open_memstream(&resolv, &rlen)))
            die("out of memory");
        for (size_t i = 0; i < cfg->nameservers.n; i++)
            fprintf(rf, "nameserver  %s\n", cfg->nameservers.items[i]);
        if (fclose(rf) != 0)
            die("out of memory");
        added(j, image_archive_add_data(j->a, "/etc/resolv.conf", resolv, rlen, 0644, j->err,
                                        sizeof j->err));
        free(resolv);
    }
    add_etc_data(j, "/etc/hosts", etc_hosts);
    add_etc_data(j, "/etc/nsswitch.conf", etc_nsswitch);
    add_etc_data(j, "/etc/host.conf", etc_host_conf);
    if (!image_archive_has(j->a, "/etc/passwd")) {
        static const char passwd[] = "root:x:0:0:root:/root:/bin/nobash\n";
        added(j, image_archive_add_data(j->a, "/etc/passwd", passwd, sizeof passwd - 1, 0644,
                                        j->err, sizeof j->err));
    }
}

void write_archive(const char *path, const struct cloak_config *cfg, const struct build *b)
{
    struct job j = {0};
    char *manifest;
    size_t mlen;

    render_manifest(cfg, b, &manifest, &mlen);
    if (!(j.a = image_archive_open(path, j.err, sizeof j.err)))
        die("%s", j.err);
    image_archive_set_list(j.a, b->list);
    added(&j, image_archive_add_data(j.a, MANIFEST_IMAGE_PATH, manifest, mlen, 0644, j.err,
                                     sizeof j.err));
    added(&j, image_archive_add_file(j.a, b->program_image, b->program, j.err, sizeof j.err));
    add_user_files(&j, cfg);
    add_runtime(&j, b);
    add_etc(&j, cfg);
    if (image_archive_close(j.a, j.err, sizeof j.err) < 0) {
        unlink(path);
        die("%s", j.err);
    }
    free(manifest);
}

void resolve_mounts(const struct cloak_config *cfg, struct build *b, bool need_images)
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
            warn_if_not_clean(name, path);
            char *p = strdup(path);
            if (!p)
                die("out of memory");
            b->volumes[i] = (struct qemu_volume){name, p, ro};
        }
        b->nmounts++;
    }
}

