#include "fs/boot_archive.h"
#include "fs/cpio.h"
#include "fs/ramfs.h"
#include "fs/path.h"
#include "mm/heap.h"
#include "lib/string.h"
#include "lib/format.h"
#include "lib/errno.h"

/* Archivers write names as "/a", "./a" or "a": the same path, relative
 * to the root.  Drops leading slashes and then one "./". */
static void strip_prefix(const char **name, size_t *len)
{
    while (*len && (*name)[0] == '/') {
        (*name)++;
        (*len)--;
    }
    if (*len >= 2 && (*name)[0] == '.' && (*name)[1] == '/') {
        *name += 2;
        *len -= 2;
    }
}

/* ".." components would escape nothing here but make no sense. */
static bool has_dotdot(const char *name, size_t len)
{
    for (size_t i = 0; i < len; i++)
        if (name[i] == '.' && (i == 0 || name[i - 1] == '/') && i + 1 < len && name[i + 1] == '.' &&
            (i + 2 == len || name[i + 2] == '/'))
            return true;
    return false;
}

/* The directory that holds the entry, made with any missing parents (an
 * archive need not list them), and the last component of the name.  NULL
 * or what is wrong. */
static const char *parent_of(const char *name, size_t len, struct vnode **dir, const char **base, size_t *blen)
{
    size_t slash = len;
    while (slash > 0 && name[slash - 1] != '/')
        slash--;
    if (path_mkdir_all(name, slash, dir) < 0)
        return "a parent of this entry is not a directory";
    *base = name + slash;
    *blen = len - slash;
    if (*blen > NAME_MAX)
        return "entry name component longer than 255 bytes";
    return 0;
}

/* Owner, times and contents of a new node.  A file's data stays in the
 * archive (which stays in memory); a symlink's target gets a NUL, so it
 * is copied.  NULL or what is wrong. */
static const char *fill_node(struct vnode *vn, const struct cpio_entry *e, uint32_t type)
{
    vn->uid = e->uid;
    vn->gid = e->gid;
    vn->mtime.sec = vn->ctime.sec = vn->atime.sec = (int64_t)e->mtime;
    vn->mtime.nsec = vn->ctime.nsec = vn->atime.nsec = 0;
    if (type == S_IFREG) {
        vn->data = (uint8_t *)e->data;
        vn->size = e->size;
        vn->capacity = e->size;
        vn->data_owned = false;
    } else if (type == S_IFLNK) {
        if (e->size == 0 || e->size >= PATH_MAX)
            return "symlink target is empty or too long";
        vn->target = kmalloc(e->size + 1);
        if (!vn->target)
            return "out of memory";
        memcpy(vn->target, e->data, e->size);
        vn->target[e->size] = 0;
        vn->size = e->size;
    }
    return 0;
}

static int add_entry(const struct cpio_entry *e, const char **error)
{
    const char *name = e->name;
    size_t len = e->name_len;
    strip_prefix(&name, &len);
    if (len == 0 || (len == 1 && name[0] == '.'))
        return 0;                       /* the root itself */
    if (has_dotdot(name, len)) {
        *error = "entry name contains '..'";
        return -1;
    }
    struct vnode *dir;
    const char *base;
    size_t blen;
    const char *why = parent_of(name, len, &dir, &base, &blen);
    if (why) {
        *error = why;
        return -1;
    }
    uint32_t type = e->mode & S_IFMT;
    struct vnode *existing = ramfs_lookup(dir, base, blen);
    if (existing) {
        if (type == S_IFDIR && vn_is_dir(existing)) {
            existing->mode = e->mode;   /* an explicit entry after an implied one */
            return 0;
        }
        *error = "duplicate entry";
        return -1;
    }
    if (type != S_IFDIR && type != S_IFREG && type != S_IFLNK) {
        *error = "unsupported file type (only files, directories and symlinks)";
        return -1;
    }
    struct vnode *vn = ramfs_new(e->mode);
    if (!vn) {
        *error = "out of memory";
        return -1;
    }
    why = fill_node(vn, e, type);
    if (why) {
        *error = why;
        return -1;
    }
    if (ramfs_link(dir, base, blen, vn) < 0) {
        *error = "cannot link entry";
        return -1;
    }
    return 0;
}

int boot_archive_load(const uint8_t *archive, uint64_t size, const char **error, char *where, int where_len)
{
    uint64_t off = 0;
    struct cpio_entry e;
    int r;
    where[0] = 0;
    while ((r = cpio_next(archive, size, &off, &e, error)) == 1) {
        if (add_entry(&e, error) < 0) {
            snprintf(where, (size_t)where_len, "%.*s", (int)(e.name_len > 200 ? 200 : e.name_len), e.name);
            return -1;
        }
    }
    if (r < 0)
        snprintf(where, (size_t)where_len, "offset %lu", off);
    return r < 0 ? -1 : 0;
}
