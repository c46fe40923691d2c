/* Names: creating files, directories and symlinks, hard links, unlink,
 * rmdir and rename (replacing a target as POSIX rename does). */
#include "fs/ext2/ext2_fs.h"
#include "lib/string.h"

#define MAX_DEPTH 4096    /* '..' steps before a chain counts as a loop */
#define PATH_MAX_EXT2 4096

static int check_name(const char *name, size_t len)
{
    if (len == 0)
        return -ENOENT;
    if (len > EXT2_NAME_LEN)
        return -ENAMETOOLONG;
    if (memchr(name, '/', len) || memchr(name, 0, len))
        return -EINVAL;
    return 0;
}

static bool is_dots(const char *name, size_t len)
{
    return (len == 1 && name[0] == '.') || (len == 2 && name[0] == '.' && name[1] == '.');
}

static int get_dir(struct ext2_fs *fs, uint32_t dir, struct ext2_inode *din)
{
    int r = ext2_iget(fs, dir, din);
    if (r < 0)
        return r;
    if (!ext2_is_dir(din))
        return -ENOTDIR;
    /* removed while open: no new names in it */
    return din->i_links_count ? 0 : -ENOENT;
}

/* Directory link counts ('..' of a subdirectory): never below 2. */
static int adjust_links(struct ext2_fs *fs, uint32_t ino, int delta)
{
    struct ext2_inode in;
    int r = ext2_iread(fs, ino, &in);
    if (r < 0)
        return r;
    if (delta > 0)
        in.i_links_count++;
    else if (in.i_links_count > 2)
        in.i_links_count--;
    in.i_ctime = ext2_now();
    return ext2_iwrite(fs, ino, &in);
}

/* Frees an inode that never got a name (a failed create). */
static void undo_new(struct ext2_fs *fs, uint32_t ino, struct ext2_inode *in)
{
    in->i_links_count = 0;
    ext2_idelete(fs, ino, in);
}

/* The common start of create, mkdir and symlink: the directory checked,
 * the name free, an inode allocated and initialised (not yet written). */
static int new_inode(struct ext2_fs *fs, uint32_t dir, const char *name, size_t len, uint16_t mode,
                     struct ext2_inode *din, uint32_t *ino, struct ext2_inode *in)
{
    if (fs->ro)
        return -EROFS;
    int r = get_dir(fs, dir, din);
    if (r < 0)
        return r;
    r = check_name(name, len);
    if (r < 0)
        return r;
    if (is_dots(name, len))
        return -EEXIST;
    uint32_t existing;
    r = ext2_dir_find(fs, dir, din, name, len, &existing, 0);
    if (r == 0)
        return -EEXIST;
    if (r != -ENOENT)
        return r;
    bool is_dir = (mode & 0170000) == 0040000;
    if (is_dir && din->i_links_count >= EXT2_LINK_MAX)
        return -EMLINK;
    r = ext2_alloc_inode(fs, dir, is_dir, ino);
    if (r < 0)
        return r;
    memset(in, 0, sizeof(*in));
    in->i_mode = mode;
    in->i_links_count = is_dir ? 2 : 1;
    in->i_atime = in->i_ctime = in->i_mtime = ext2_now();
    return 0;
}

int ext2_create(struct ext2_fs *fs, uint32_t dir, const char *name, size_t len, uint16_t mode, uint32_t *ino)
{
    struct ext2_inode din, in;
    int r = new_inode(fs, dir, name, len, (uint16_t)(0100000 | (mode & 07777)), &din, ino, &in);
    if (r < 0)
        return r;
    r = ext2_iwrite_new(fs, *ino, &in);
    if (r == 0)
        r = ext2_dir_add(fs, dir, &din, name, len, *ino, in.i_mode);
    if (r < 0)
        undo_new(fs, *ino, &in);
    return r;
}

int ext2_mkdir(struct ext2_fs *fs, uint32_t dir, const char *name, size_t len, uint16_t mode, uint32_t *ino)
{
    struct ext2_inode din, in;
    int r = new_inode(fs, dir, name, len, (uint16_t)(0040000 | (mode & 07777)), &din, ino, &in);
    if (r < 0)
        return r;
    r = ext2_dir_init(fs, *ino, &in, dir);
    if (r == 0)
        r = ext2_iwrite_new(fs, *ino, &in);
    if (r == 0)
        r = ext2_dir_add(fs, dir, &din, name, len, *ino, in.i_mode);
    if (r < 0) {
        undo_new(fs, *ino, &in);
        return r;
    }
    din.i_links_count++;
    return ext2_iwrite(fs, dir, &din);
}

int ext2_symlink(struct ext2_fs *fs, uint32_t dir, const char *name, size_t len, const char *target, uint32_t *ino)
{
    size_t tlen = strnlen(target, PATH_MAX_EXT2);
    if (tlen == 0)
        return -ENOENT;
    struct ext2_inode din, in;
    if (fs->ro)
        return -EROFS;
    if (tlen >= fs->bs || tlen >= PATH_MAX_EXT2)
        return -ENAMETOOLONG;
    int r = new_inode(fs, dir, name, len, 0120777, &din, ino, &in);
    if (r < 0)
        return r;
    in.i_size = (uint32_t)tlen;
    if (tlen < EXT2_FAST_LINK_MAX) {
        memcpy(in.i_block, target, tlen);
    } else {
        uint32_t pblk;
        bool fresh;
        r = ext2_bmap(fs, *ino, &in, 0, true, 0, &pblk, &fresh);
        struct ext2_buf *b = r == 0 ? ext2_bget_new(fs, pblk, true, &r) : 0;
        if (b) {
            memcpy(b->data, target, tlen);
            ext2_bdirty(fs, b);
            ext2_brelse(fs, b);
        }
    }
    if (r == 0)
        r = ext2_iwrite_new(fs, *ino, &in);
    if (r == 0)
        r = ext2_dir_add(fs, dir, &din, name, len, *ino, in.i_mode);
    if (r < 0)
        undo_new(fs, *ino, &in);
    return r;
}

int ext2_link(struct ext2_fs *fs, uint32_t dir, const char *name, size_t len, uint32_t ino)
{
    if (fs->ro)
        return -EROFS;
    struct ext2_inode din, in;
    int r = get_dir(fs, dir, &din);
    if (r < 0)
        return r;
    r = check_name(name, len);
    if (r < 0)
        return r;
    if (is_dots(name, len))
        return -EEXIST;
    uint32_t existing;
    r = ext2_dir_find(fs, dir, &din, name, len, &existing, 0);
    if (r == 0)
        return -EEXIST;
    if (r != -ENOENT)
        return r;
    r = ext2_iget(fs, ino, &in);
    if (r < 0)
        return r;
    if (ext2_is_dir(&in))
        return -EPERM;
    if (in.i_links_count >= EXT2_LINK_MAX)
        return -EMLINK;
    r = ext2_dir_add(fs, dir, &din, name, len, ino, in.i_mode);
    if (r < 0)
        return r;
    in.i_links_count++;
    in.i_ctime = ext2_now();
    return ext2_iwrite(fs, ino, &in);
}

/* Drops one name of ino: frees it when no name is left. */
static int drop_link(struct ext2_fs *fs, uint32_t ino, struct ext2_inode *in)
{
    if (ext2_is_dir(in))
        in->i_links_count = 0;
    else if (in->i_links_count)
        in->i_links_count--;
    if (in->i_links_count == 0)
        return ext2_orphan_or_delete(fs, ino, in);
    in->i_ctime = ext2_now();
    return ext2_iwrite(fs, ino, in);
}

int ext2_unlink(struct ext2_fs *fs, uint32_t dir, const char *name, size_t len)
{
    if (fs->ro)
        return -EROFS;
    struct ext2_inode din, in;
    int r = get_dir(fs, dir, &din);
    if (r < 0)
        return r;
    r = check_name(name, len);
    if (r < 0)
        return r;
    if (is_dots(name, len))
        return -EISDIR;
    uint32_t ino;
    struct ext2_dirpos pos;
    r = ext2_dir_find(fs, dir, &din, name, len, &ino, &pos);
    if (r < 0)
        return r;
    r = ext2_iget_entry(fs, dir, ino, &in);
    if (r < 0)
        return r;
    if (ext2_is_dir(&in))
        return -EISDIR;
    r = ext2_dir_remove(fs, dir, &pos);
    if (r < 0)
        return r;
    return drop_link(fs, ino, &in);
}

int ext2_rmdir(struct ext2_fs *fs, uint32_t dir, const char *name, size_t len)
{
    if (fs->ro)
        return -EROFS;
    struct ext2_inode din, in;
    int r = get_dir(fs, dir, &din);
    if (r < 0)
        return r;
    r = check_name(name, len);
    if (r < 0)
        return r;
    if (len == 1 && name[0] == '.')
        return -EINVAL;
    if (len == 2 && name[0] == '.' && name[1] == '.')
        return -ENOTEMPTY;
    uint32_t ino;
    struct ext2_dirpos pos;
    r = ext2_dir_find(fs, dir, &din, name, len, &ino, &pos);
    if (r < 0)
        return r;
    if (ino == dir || ino == EXT2_ROOT_INO)
        return EXT2_CORRUPT(fs, "directory inode %u: entry '%.*s' names inode %u", dir, (int)len, name, ino);
    r = ext2_iget_entry(fs, dir, ino, &in);
    if (r < 0)
        return r;
    if (!ext2_is_dir(&in))
        return -ENOTDIR;
    r = ext2_dir_empty(fs, ino, &in);
    if (r < 0)
        return r;
    if (r == 0)
        return -ENOTEMPTY;
    r = ext2_dir_remove(fs, dir, &pos);
    if (r == 0)
        r = adjust_links(fs, dir, -1);
    if (r < 0)
        return r;
    return drop_link(fs, ino, &in);
}

/* -EINVAL if dir is ino or lies below it. */
static int check_not_below(struct ext2_fs *fs, uint32_t dir, uint32_t ino)
{
    uint32_t cur = dir;
    for (int depth = 0; depth < MAX_DEPTH; depth++) {
        if (cur == ino)
            return -EINVAL;
        if (cur == EXT2_ROOT_INO)
            return 0;
        uint32_t parent;
        int r = ext2_dir_parent(fs, cur, &parent);
        if (r < 0)
            return r;
        if (parent == cur)
            return EXT2_CORRUPT(fs, "directory inode %u is its own parent", cur);
        cur = parent;
    }
    return EXT2_CORRUPT(fs, "the '..' chain from directory inode %u does not reach the root", dir);
}

int ext2_rename(struct ext2_fs *fs, uint32_t odir, const char *oname, size_t olen, uint32_t ndir,
                const char *nname, size_t nlen)
{
    if (fs->ro)
        return -EROFS;
    struct ext2_inode odin, ndin, sin, tin;
    int r = get_dir(fs, odir, &odin);
    if (r == 0)
        r = get_dir(fs, ndir, &ndin);
    if (r == 0)
        r = check_name(oname, olen);
    if (r == 0)
        r = check_name(nname, nlen);
    if (r < 0)
        return r;
    if (is_dots(oname, olen) || is_dots(nname, nlen))
        return -EINVAL;
    uint32_t sino, tino = 0;
    struct ext2_dirpos spos, tpos;
    r = ext2_dir_find(fs, odir, &odin, oname, olen, &sino, &spos);
    if (r < 0)
        return r;
    r = ext2_iget_entry(fs, odir, sino, &sin);
    if (r < 0)
        return r;
    r = ext2_dir_find(fs, ndir, &ndin, nname, nlen, &tino, &tpos);
    if (r == -ENOENT)
        tino = 0;
    else if (r < 0)
        return r;
    if (tino == sino)
        return 0;
    bool sdir = ext2_is_dir(&sin);
    /* As Linux orders its checks: a directory cannot move below itself,
     * nor replace one of its ancestors. */
    if (sdir && odir != ndir) {
        r = check_not_below(fs, ndir, sino);
        if (r < 0)
            return r;
    }
    if (tino) {
        r = ext2_iget_entry(fs, ndir, tino, &tin);
        if (r < 0)
            return r;
        if (ext2_is_dir(&tin)) {
            r = check_not_below(fs, odir, tino);
            if (r < 0)
                return r == -EINVAL ? -ENOTEMPTY : r;
        }
        if (sdir && !ext2_is_dir(&tin))
            return -ENOTDIR;
        if (!sdir && ext2_is_dir(&tin))
            return -EISDIR;
        if (sdir) {
            r = ext2_dir_empty(fs, tino, &tin);
            if (r < 0)
                return r;
            if (r == 0)
                return -ENOTEMPTY;
        }
    }
    if (sdir && odir != ndir && !tino && ndin.i_links_count >= EXT2_LINK_MAX)
        return -EMLINK;
    /* The new name first, then the old one goes. */
    if (tino)
        r = ext2_dir_retarget(fs, ndir, &tpos, sino, sin.i_mode);
    else
        r = ext2_dir_add(fs, ndir, &ndin, nname, nlen, sino, sin.i_mode);
    if (r < 0)
        return r;
    uint32_t again;
    r = ext2_iread(fs, odir, &odin);
    if (r == 0)
        r = ext2_dir_find(fs, odir, &odin, oname, olen, &again, &spos);
    if (r == 0 && again != sino)
        r = EXT2_CORRUPT(fs, "directory inode %u changed under rename", odir);
    if (r == 0)
        r = ext2_dir_remove(fs, odir, &spos);
    if (r < 0)
        return r;
    if (sdir && odir != ndir) {
        r = ext2_dir_set_parent(fs, sino, &sin, ndir);
        if (r == 0)
            r = adjust_links(fs, odir, -1);
        if (r == 0 && !tino)
            r = adjust_links(fs, ndir, +1);
        if (r < 0)
            return r;
    } else if (sdir && tino) {
        r = adjust_links(fs, ndir, -1);
        if (r < 0)
            return r;
    }
    sin.i_ctime = ext2_now();
    r = ext2_iwrite(fs, sino, &sin);
    if (r < 0)
        return r;
    if (tino)
        r = drop_link(fs, tino, &tin);
    return r;
}
