#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include "fsutil.h"
#include "lib/errno.h"

int fs_resolve(struct ext2_fs *fs, const char *path, uint32_t *ino)
{
    uint32_t cur = ext2_root(fs);
    const char *p = path;
    while (*p) {
        while (*p == '/')
            p++;
        if (!*p)
            break;
        const char *e = strchr(p, '/');
        size_t n = e ? (size_t)(e - p) : strlen(p);
        struct ext2_stat st;
        int r = ext2_stat(fs, cur, &st);
        if (r < 0)
            return r;
        if ((st.mode & 0170000) == 0120000)
            return -ENOENT;         /* the tests' symlinks all dangle */
        if ((st.mode & 0170000) != 0040000)
            return -ENOTDIR;
        r = ext2_lookup(fs, cur, p, n, &cur);
        if (r < 0)
            return r;
        p += n;
    }
    *ino = cur;
    return 0;
}

int fs_parent(struct ext2_fs *fs, const char *path, uint32_t *dir, const char **name)
{
    const char *slash = strrchr(path, '/');
    if (!slash) {
        *dir = ext2_root(fs);
        *name = path;
        return 0;
    }
    char buf[1024];
    snprintf(buf, sizeof(buf), "%.*s", (int)(slash - path), path);
    *name = slash + 1;
    int r = fs_resolve(fs, buf, dir);
    if (r < 0)
        return r;
    struct ext2_stat st;
    r = ext2_stat(fs, *dir, &st);
    if (r < 0)
        return r;
    if ((st.mode & 0170000) == 0120000)
        return -ENOENT;
    return (st.mode & 0170000) == 0040000 ? 0 : -ENOTDIR;
}

uint8_t *fs_read_all(struct ext2_fs *fs, uint32_t ino, size_t *len)
{
    struct ext2_stat st;
    if (ext2_stat(fs, ino, &st) < 0)
        return NULL;
    uint8_t *b = malloc(st.size ? st.size : 1);
    uint64_t done = 0;
    while (done < st.size) {
        /* Odd-sized chunks to exercise partial blocks. */
        uint64_t n = st.size - done < 1000003 ? st.size - done : 1000003;
        int64_t r = ext2_read(fs, ino, done, b + done, n);
        if (r <= 0) {
            free(b);
            return NULL;
        }
        done += r;
    }
    *len = st.size;
    return b;
}

static int compare_entry(struct ext2_fs *fs, uint32_t dir, const char *hostdir, const char *name)
{
    char hp[4096];
    snprintf(hp, sizeof(hp), "%s/%s", hostdir, name);
    struct stat hs;
    if (lstat(hp, &hs) < 0) {
        printf("# %s: missing on the host\n", hp);
        return -1;
    }
    uint32_t ino;
    int r = ext2_lookup(fs, dir, name, strlen(name), &ino);
    if (r < 0) {
        printf("# %s: ext2 lookup %d\n", hp, r);
        return -1;
    }
    struct ext2_stat st;
    if (ext2_stat(fs, ino, &st) < 0 || (st.mode & 0170000) != (hs.st_mode & 0170000)) {
        printf("# %s: type differs (ext2 mode %o, host %o)\n", hp, st.mode, hs.st_mode);
        return -1;
    }
    if (S_ISREG(hs.st_mode)) {
        size_t hl, el;
        uint8_t *h = host_read(hp, &hl), *e = fs_read_all(fs, ino, &el);
        int bad = !h || !e || hl != el || memcmp(h, e, hl) != 0;
        if (bad)
            printf("# %s: contents differ (host %zu bytes, ext2 %zu)\n", hp, hl, e ? el : 0);
        free(h);
        free(e);
        return bad ? -1 : 0;
    }
    if (S_ISLNK(hs.st_mode)) {
        char ht[4096], et[4096];
        ssize_t hl = readlink(hp, ht, sizeof(ht));
        int el = ext2_readlink(fs, ino, et, sizeof(et));
        if (hl != el || memcmp(ht, et, hl) != 0) {
            printf("# %s: symlink differs (%zd/%d)\n", hp, hl, el);
            return -1;
        }
        return 0;
    }
    if (S_ISDIR(hs.st_mode))
        return fs_compare_tree(fs, ino, hp, false);
    return 0;
}

int fs_compare_tree(struct ext2_fs *fs, uint32_t ino, const char *dir, bool skip_lf)
{
    DIR *d = opendir(dir);
    if (!d) {
        printf("# cannot open %s\n", dir);
        return -1;
    }
    int bad = 0, nhost = 0;
    struct dirent *de;
    while ((de = readdir(d))) {
        if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
            continue;
        nhost++;
        if (compare_entry(fs, ino, dir, de->d_name) < 0)
            bad = -1;
    }
    closedir(d);
    /* Nothing more on the ext2 side. */
    uint64_t cookie = 0;
    char name[256];
    size_t len;
    uint32_t eino;
    uint8_t dt;
    int n = 0, dots = 0, r;
    while ((r = ext2_readdir(fs, ino, &cookie, name, &len, &eino, &dt)) == 1) {
        if (!strcmp(name, ".") || !strcmp(name, "..")) {
            dots++;
            continue;
        }
        if (skip_lf && !strcmp(name, "lost+found"))
            continue;
        n++;
    }
    if (r < 0 || n != nhost || dots != 2) {
        printf("# %s: ext2 has %d entries (%d dots, readdir %d), host %d\n", dir, n, dots, r, nhost);
        bad = -1;
    }
    return bad;
}

struct ext2_fs *fs_mount(struct memdev *m, bool ro)
{
    struct ext2_fs *fs = NULL;
    char err[128];
    int r = ext2_mount(&m->dev, ro, &fs, err, sizeof(err));
    if (r < 0) {
        printf("# mount failed: %d %s\n", r, err);
        return NULL;
    }
    return fs;
}
