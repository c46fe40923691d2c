/* Open inodes: references the caller holds, so that an inode whose last
 * name goes while it is open is freed on the last release (or at unmount)
 * rather than under the open file. */
#include "fs/ext2/ext2_fs.h"
#include "mm/heap.h"

struct ext2_open *ext2_open_find(struct ext2_fs *fs, uint32_t ino)
{
    for (uint32_t i = 0; i < fs->nopens; i++)
        if (fs->opens[i].ino == ino)
            return &fs->opens[i];
    return 0;
}

int ext2_iref(struct ext2_fs *fs, uint32_t ino)
{
    struct ext2_open *o = ext2_open_find(fs, ino);
    if (o) {
        o->refs++;
        return 0;
    }
    struct ext2_inode in;
    int r = ext2_iget(fs, ino, &in);
    if (r < 0)
        return r;
    if (fs->nopens == fs->capopens) {
        uint32_t cap = fs->capopens ? fs->capopens * 2 : 16;
        struct ext2_open *n = krealloc(fs->opens, cap * sizeof(*n));
        if (!n)
            return -ENOMEM;
        fs->opens = n;
        fs->capopens = cap;
    }
    fs->opens[fs->nopens++] = (struct ext2_open){.ino = ino, .refs = 1, .orphan = false};
    return 0;
}

static int release_slot(struct ext2_fs *fs, struct ext2_open *o)
{
    uint32_t ino = o->ino;
    bool orphan = o->orphan;
    *o = fs->opens[--fs->nopens];
    if (!orphan || fs->ro)
        return 0;
    struct ext2_inode in;
    int r = ext2_iread(fs, ino, &in);
    if (r < 0)
        return r;
    if (in.i_links_count != 0 || in.i_mode == 0)
        return 0;
    return ext2_idelete(fs, ino, &in);
}

int ext2_irelease(struct ext2_fs *fs, uint32_t ino)
{
    struct ext2_open *o = ext2_open_find(fs, ino);
    if (!o)
        return -EINVAL;
    if (--o->refs)
        return 0;
    return release_slot(fs, o);
}

int ext2_orphan_or_delete(struct ext2_fs *fs, uint32_t ino, struct ext2_inode *in)
{
    struct ext2_open *o = ext2_open_find(fs, ino);
    if (!o)
        return ext2_idelete(fs, ino, in);
    o->orphan = true;
    in->i_ctime = ext2_now();
    return ext2_iwrite(fs, ino, in);
}

void ext2_open_cleanup(struct ext2_fs *fs)
{
    while (fs->nopens)
        release_slot(fs, &fs->opens[0]);
}
