#include <stdint.h>
#include <string.h>
#include "walk.h"

#define MAX_DEPTH 8
#define MAX_ENTRIES 2000

struct walk {
    struct ext2_fs *fs;
    unsigned entries, errors;
    uint8_t buf[65536];
};

static void visit(struct walk *w, uint32_t dir, int depth)
{
    uint64_t cookie = 0, last = 0;
    char name[256];
    size_t len;
    uint32_t ino;
    uint8_t dt;
    int r;
    while ((r = ext2_readdir(w->fs, dir, &cookie, name, &len, &ino, &dt)) == 1) {
        if (++w->entries > MAX_ENTRIES || cookie <= last)
            return;
        last = cookie;
        uint32_t found;
        if (ext2_lookup(w->fs, dir, name, len, &found) < 0)
            w->errors++;
        if ((len == 1 && name[0] == '.') || (len == 2 && name[0] == '.' && name[1] == '.'))
            continue;
        struct ext2_stat st;
        if (ext2_stat(w->fs, ino, &st) < 0) {
            w->errors++;
            continue;
        }
        switch (st.mode & 0170000) {
        case 0040000:
            if (depth < MAX_DEPTH)
                visit(w, ino, depth + 1);
            break;
        case 0100000:
            for (uint64_t off = 0; off < st.size && off < (1u << 20); off += sizeof(w->buf)) {
                int64_t n = ext2_read(w->fs, ino, off, w->buf, sizeof(w->buf));
                if (n <= 0) {
                    w->errors += n < 0;
                    break;
                }
            }
            /* and the far end of big sparse files */
            if (st.size > (1u << 20) && ext2_read(w->fs, ino, st.size - 100, w->buf, 200) < 0)
                w->errors++;
            break;
        case 0120000:
            if (ext2_readlink(w->fs, ino, (char *)w->buf, 4096) < 0)
                w->errors++;
            break;
        }
    }
    if (r < 0)
        w->errors++;
}

static struct walk the_walk;

unsigned ext2_walk(struct ext2_fs *fs)
{
    struct walk *w = &the_walk;
    w->fs = fs;
    w->entries = w->errors = 0;
    visit(w, ext2_root(fs), 0);
    return w->errors;
}

/* Changes under the root and in the first subdirectories found. */
unsigned ext2_mutate(struct ext2_fs *fs)
{
    unsigned errors = 0;
    uint32_t root = ext2_root(fs), ino, sub = 0, dir;
    static uint8_t data[70000];
    for (size_t i = 0; i < sizeof(data); i++)
        data[i] = (uint8_t)(i * 7);
    uint64_t cookie = 0;
    char name[256];
    size_t len;
    uint8_t dt;
    int n = 0;
    while (n++ < 50 && ext2_readdir(fs, root, &cookie, name, &len, &ino, &dt) == 1) {
        if (dt == 4 && name[0] != '.') {
            sub = ino;
            break;
        }
    }
    errors += ext2_create(fs, root, "fz_new", 6, 0644, &ino) < 0;
    if (ext2_lookup(fs, root, "fz_new", 6, &ino) == 0) {
        errors += ext2_write(fs, ino, 0, data, sizeof(data)) < 0;
        errors += ext2_write(fs, ino, 300000, data, 100) < 0;
        errors += ext2_truncate(fs, ino, 5000) < 0;
    }
    errors += ext2_mkdir(fs, root, "fz_dir", 6, 0755, &dir) < 0;
    errors += ext2_symlink(fs, root, "fz_link", 7, "fz_new", &ino) < 0;
    if (sub) {
        errors += ext2_rename(fs, root, "fz_new", 6, sub, "fz_moved", 8) < 0;
        errors += ext2_rename(fs, root, "fz_dir", 6, sub, "fz_dir2", 7) < 0;
        /* Every entry of the subdirectory: appended to, renamed, removed. */
        cookie = 0;
        n = 0;
        while (n++ < 40 && ext2_readdir(fs, sub, &cookie, name, &len, &ino, &dt) == 1) {
            if (name[0] == '.')
                continue;
            if (dt == 8)
                errors += ext2_write(fs, ino, 10, data, 3000) < 0;
            errors += ext2_unlink(fs, sub, name, len) < 0;
            errors += ext2_rmdir(fs, sub, name, len) < 0;
        }
        errors += ext2_rmdir(fs, root, name, len) < 0;
    }
    cookie = 0;
    n = 0;
    while (n++ < 40 && ext2_readdir(fs, root, &cookie, name, &len, &ino, &dt) == 1) {
        if (name[0] == '.')
            continue;
        errors += ext2_rename(fs, root, name, len, root, "fz_renamed", 10) < 0;
        errors += ext2_unlink(fs, root, "fz_renamed", 10) < 0;
        break;
    }
    errors += ext2_sync(fs) < 0;
    return errors;
}
