/* The VFS face of ext2: one vnode per inode in use, attributes refreshed
 * from the inode after every operation that can change them.
 *
 * Every operation that changes the volume is counted while it runs.  The
 * kernel can end the program inside one (out of memory while copying from
 * its buffer, a fault): the exit path then unmounts with that operation
 * half done, and such a volume is written back but left marked not clean,
 * as after a crash, for e2fsck to check; never marked clean. */
#include "fs/ext2_vfs.h"
#include "fs/ext2/ext2.h"
#include "fs/vfs.h"
#include "fs/path.h"
#include "fs/ramfs.h"
#include "drivers/block.h"
#include "drivers/clock.h"
#include "mm/heap.h"
#include "mm/memory.h"
#include "lib/string.h"
#include "lib/format.h"
#include "lib/errno.h"
#include "lib/log.h"

#define VNODE_BUCKETS 256

struct ext2_vfs {
    struct mount m;
    struct ext2_fs *fs;
    uint64_t dev;
    unsigned busy;                 /* changing operations in progress */
    struct vnode_link { struct vnode *vn; struct vnode_link *next; } *buckets[VNODE_BUCKETS];
};

static const struct vnode_ops ext2_vnode_ops;

static struct ext2_vfs *volume(struct vnode *vn)
{
    return vn->fs;
}

static void fill(struct vnode *vn, const struct ext2_stat *st)
{
    vn->mode = st->mode;
    vn->nlink = st->links;
    vn->uid = st->uid;
    vn->gid = st->gid;
    vn->size = st->size;
    vn->blocks512 = st->blocks512 ? st->blocks512 : 0;
    vn->atime = (struct timespec64){ st->atime, 0 };
    vn->mtime = (struct timespec64){ st->mtime, 0 };
    vn->ctime = (struct timespec64){ st->ctime, 0 };
}

static void op_begin(struct vnode *vn)
{
    volume(vn)->busy++;
}

static void op_end(struct vnode *vn)
{
    volume(vn)->busy--;
}

static int refresh(struct vnode *vn)
{
    struct ext2_stat st;
    int err = ext2_stat(volume(vn)->fs, (uint32_t)vn->ino, &st);
    if (!err)
        fill(vn, &st);
    return err;
}

/* The vnode of an inode: the same one every time while the volume is up. */
static int get_vnode(struct ext2_vfs *v, uint32_t ino, struct vnode **out)
{
    struct vnode_link **b = &v->buckets[ino % VNODE_BUCKETS];
    for (struct vnode_link *l = *b; l; l = l->next) {
        if (l->vn->ino == ino) {
            *out = l->vn;
            return refresh(l->vn);
        }
    }
    struct ext2_stat st;
    int err = ext2_stat(v->fs, ino, &st);
    if (err)
        return err;
    struct vnode *vn = kzalloc(sizeof(*vn));
    struct vnode_link *l = kmalloc(sizeof(*l));
    if (!vn || !l) {
        kfree(vn);
        kfree(l);
        return -ENOMEM;
    }
    vn->ino = ino;
    vn->dev = v->dev;
    vn->ops = &ext2_vnode_ops;
    vn->mount = &v->m;
    vn->fs = v;
    fill(vn, &st);
    l->vn = vn;
    l->next = *b;
    *b = l;
    *out = vn;
    return 0;
}

static int64_t e_read(struct vnode *vn, void *buf, uint64_t len, uint64_t off)
{
    return ext2_read(volume(vn)->fs, (uint32_t)vn->ino, off, buf, len);
}

static int64_t e_write(struct vnode *vn, const void *buf, uint64_t len, uint64_t off)
{
    op_begin(vn);
    int64_t n = ext2_write(volume(vn)->fs, (uint32_t)vn->ino, off, buf, len);
    refresh(vn);
    op_end(vn);
    return n;
}

static int e_truncate(struct vnode *vn, uint64_t size)
{
    op_begin(vn);
    int err = ext2_truncate(volume(vn)->fs, (uint32_t)vn->ino, size);
    refresh(vn);
    op_end(vn);
    return err;
}

static int e_fsync(struct vnode *vn)
{
    op_begin(vn);
    int err = ext2_fsync(volume(vn)->fs, (uint32_t)vn->ino);
    op_end(vn);
    return err;
}

static int e_lookup(struct vnode *dir, const char *name, size_t len, struct vnode **out)
{
    uint32_t ino;
    int err = ext2_lookup(volume(dir)->fs, (uint32_t)dir->ino, name, len, &ino);
    return err ? err : get_vnode(volume(dir), ino, out);
}

static int e_readdir(struct vnode *dir, uint64_t *cookie, char name[NAME_MAX + 1], uint64_t *ino, uint8_t *dtype)
{
    size_t len;
    uint32_t i;
    int r = ext2_readdir(volume(dir)->fs, (uint32_t)dir->ino, cookie, name, &len, &i, dtype);
    if (r == 1) {
        name[len] = 0;
        *ino = i;
    }
    return r;
}

static int e_create(struct vnode *dir, const char *name, size_t len, uint32_t mode, struct vnode **out)
{
    struct ext2_vfs *v = volume(dir);
    uint32_t ino;
    op_begin(dir);
    int err = (mode & S_IFMT) == S_IFDIR
        ? ext2_mkdir(v->fs, (uint32_t)dir->ino, name, len, (uint16_t)(mode & 07777), &ino)
        : ext2_create(v->fs, (uint32_t)dir->ino, name, len, (uint16_t)(mode & 07777), &ino);
    refresh(dir);
    op_end(dir);
    return err ? err : get_vnode(v, ino, out);
}

static int e_symlink(struct vnode *dir, const char *name, size_t len, const char *target, struct vnode **out)
{
    uint32_t ino;
    op_begin(dir);
    int err = ext2_symlink(volume(dir)->fs, (uint32_t)dir->ino, name, len, target, &ino);
    refresh(dir);
    op_end(dir);
    return err ? err : get_vnode(volume(dir), ino, out);
}

static int e_link(struct vnode *dir, const char *name, size_t len, struct vnode *vn)
{
    op_begin(dir);
    int err = ext2_link(volume(dir)->fs, (uint32_t)dir->ino, name, len, (uint32_t)vn->ino);
    refresh(dir);
    refresh(vn);
    op_end(dir);
    return err;
}

static int e_unlink(struct vnode *dir, const char *name, size_t len, bool is_dir)
{
    struct ext2_vfs *v = volume(dir);
    struct vnode *victim = 0;
    e_lookup(dir, name, len, &victim);
    if (victim && victim->mounted)
        return -EBUSY;
    op_begin(dir);
    int err = is_dir ? ext2_rmdir(v->fs, (uint32_t)dir->ino, name, len)
                     : ext2_unlink(v->fs, (uint32_t)dir->ino, name, len);
    refresh(dir);
    if (victim && !err && refresh(victim) < 0)
        victim->nlink = 0;               /* the inode is gone; open files keep the vnode */
    op_end(dir);
    return err;
}

static int e_rename(struct vnode *odir, const char *oname, size_t olen, struct vnode *ndir, const char *nname,
                    size_t nlen)
{
    op_begin(odir);
    int err = ext2_rename(volume(odir)->fs, (uint32_t)odir->ino, oname, olen, (uint32_t)ndir->ino, nname, nlen);
    refresh(odir);
    refresh(ndir);
    op_end(odir);
    return err;
}

static int e_readlink(struct vnode *vn, char *buf, size_t size)
{
    return ext2_readlink(volume(vn)->fs, (uint32_t)vn->ino, buf, size);
}

static int e_setattr(struct vnode *vn)
{
    struct ext2_vfs *v = volume(vn);
    op_begin(vn);
    int err = ext2_chmod(v->fs, (uint32_t)vn->ino, (uint16_t)(vn->mode & 07777));
    if (!err)
        err = ext2_set_times(v->fs, (uint32_t)vn->ino, (uint32_t)vn->atime.sec, (uint32_t)vn->mtime.sec);
    refresh(vn);
    op_end(vn);
    return err;
}

/* An open file keeps its inode alive after its last name goes. */
static void e_opened(struct vnode *vn, uint32_t flags)
{
    (void)flags;
    if (volume(vn)->fs)
        ext2_iref(volume(vn)->fs, (uint32_t)vn->ino);
}

static void e_release(struct vnode *vn, uint32_t flags)
{
    (void)flags;
    if (volume(vn)->fs) {
        op_begin(vn);                    /* the last release frees an unlinked inode */
        ext2_irelease(volume(vn)->fs, (uint32_t)vn->ino);
        op_end(vn);
    }
}

static const struct vnode_ops ext2_vnode_ops = {
    .opened = e_opened,
    .release = e_release,
    .read = e_read,
    .write = e_write,
    .truncate = e_truncate,
    .fsync = e_fsync,
    .lookup = e_lookup,
    .readdir = e_readdir,
    .create = e_create,
    .symlink = e_symlink,
    .link = e_link,
    .unlink = e_unlink,
    .rename = e_rename,
    .readlink = e_readlink,
    .setattr = e_setattr,
};

static int volume_sync(struct mount *m)
{
    struct ext2_vfs *v = m->fs;
    v->busy++;
    int err = ext2_sync(v->fs);
    v->busy--;
    return err;
}

static int volume_unmount(struct mount *m)
{
    struct ext2_vfs *v = m->fs;
    if (!v->fs)
        return 0;
    char label[17];                      /* m->label lives in v->fs, freed below */
    strlcpy(label, m->label, sizeof(label));
    int err;
    if (v->busy) {
        klog("ext2: %s: the program ended inside %u operation(s) on the volume: written back but left "
             "marked not clean (e2fsck checks it)", label, v->busy);
        err = ext2_unmount_unclean(v->fs);
    } else {
        err = ext2_unmount(v->fs);
    }
    v->fs = 0;
    m->label = "";
    if (err)
        klog("ext2: unmounting %s failed (%d): the volume may need e2fsck", label, err);
    return err;
}

static int volume_statfs(struct mount *m, struct fs_stats *out)
{
    struct ext2_statfs st;
    int err = ext2_statfs(((struct ext2_vfs *)m->fs)->fs, &st);
    if (err)
        return err;
    out->magic = 0xEF53;
    out->block_size = st.block_size;
    out->blocks = st.blocks;
    out->free_blocks = st.avail_blocks;
    out->files = st.inodes;
    out->free_files = st.free_inodes;
    return 0;
}

static uint32_t seconds_now(void)
{
    return (uint32_t)(clock_realtime_ns() / 1000000000ull);
}

/* The label in the ext2 superblock (bytes 1024.. of the device), if any. */
static bool device_label(struct block_device *dev, char label[17])
{
    /* Whole sectors: one 4096-byte sector holds the superblock too. */
    uint32_t bytes = dev->sector_size > 2048 ? dev->sector_size : 2048;
    if (dev->sector_size == 0 || dev->sector_size > 4096 || bytes % dev->sector_size)
        return false;
    uint8_t *buf = kmalloc(bytes);
    if (!buf)
        return false;
    bool ok = block_read(dev, 0, bytes / dev->sector_size, buf) == 0 &&
              buf[1024 + 56] == 0x53 && buf[1024 + 57] == 0xef;
    if (ok) {
        memcpy(label, buf + 1024 + 120, 16);
        label[16] = 0;
    }
    kfree(buf);
    return ok;
}

int ext2_vfs_mount(const char *label, const char *path, bool read_only, char *err, size_t errlen)
{
    static uint64_t next_dev = 16;
    static bool configured;
    if (!configured) {
        ext2_set_clock(seconds_now);
        uint64_t limit = mm_total_ram() / 8;
        ext2_set_cache_limit(limit < (8ull << 20) ? (8ull << 20) : limit);
        configured = true;
    }
    struct block_device *dev = 0;
    char found[17];
    for (unsigned i = 0; i < block_count(); i++) {
        if (device_label(block_get(i), found) && !strcmp(found, label)) {
            dev = block_get(i);
            break;
        }
    }
    if (!dev) {
        snprintf(err, errlen, "no attached disk carries an ext2 volume labelled \"%s\" (%u disk(s) seen)", label,
                 block_count());
        return -ENODEV;
    }
    struct ext2_vfs *v = kzalloc(sizeof(*v));
    if (!v) {
        snprintf(err, errlen, "out of memory");
        return -ENOMEM;
    }
    char why[160];
    int r = ext2_mount(dev, read_only || dev->read_only, &v->fs, why, sizeof(why));
    if (r) {
        snprintf(err, errlen, "volume \"%s\" on %s: %s", label, dev->name, why);
        kfree(v);
        return r;
    }
    v->dev = next_dev++;
    v->m.fs = v;
    v->m.read_only = ext2_read_only(v->fs);
    v->m.label = ext2_label(v->fs);
    v->m.sync = volume_sync;
    v->m.unmount = volume_unmount;
    v->m.statfs = volume_statfs;
    struct vnode *on;
    if ((r = get_vnode(v, ext2_root(v->fs), &v->m.root)) ||
        (r = path_mkdir_all(path, strlen(path), &on)) || (r = vfs_mount(on, &v->m))) {
        snprintf(err, errlen, "cannot mount volume \"%s\" at %s (%d)", label, path, r);
        ext2_unmount(v->fs);
        kfree(v);
        return r;
    }
    klog("ext2: volume \"%s\" (%s) mounted at %s%s", label, dev->name, path, v->m.read_only ? ", read-only" : "");
    return 0;
}
