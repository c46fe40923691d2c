/* Data volumes: ext2 (revision 1) image files, one per volume, named
 * NAME.img in the volumes directory, with NAME as their ext2 label (the
 * kernel mounts a volume by its label; see docs/manifest.md, "mount").
 * Made by mke2fs from e2fsprogs, run as a child process. */
#ifndef CLOAK_TOOLS_VOLUME_H
#define CLOAK_TOOLS_VOLUME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define VOLUME_DEFAULT_DIR "~/.cloak/volumes" /* ops: ~/.ops/volumes */
#define VOLUME_SUFFIX ".img"
#define VOLUME_NAME_MAX 16                    /* the ext2 label field */
#define VOLUME_MIN_SIZE (1ull << 20)
#define VOLUME_MAX_SIZE (16ull << 40)         /* ext2 with 4 KiB blocks */
#define MKE2FS_PACKAGE "e2fsprogs"

/* The volumes directory: the config's VolumesDir if set, else
 * $CLOAK_VOLUMES, else VOLUME_DEFAULT_DIR; a leading "~/" is $HOME. */
int volume_dir(const char *config_dir, char *out, size_t len, char *err, size_t errlen);

/* 1 to 16 characters from A-Z a-z 0-9 _ . -, not starting with '.' or '-'. */
int volume_check_name(const char *name, char *err, size_t errlen);

/* "64M", "1G", "512k", "1048576" (bytes), suffixes are powers of 1024 as in
 * ops (k, m, g, t; any case; "B"/"iB" may follow).  -1 if not a size. */
int volume_parse_size(const char *s, uint64_t *bytes);

/* DIR/NAME.img into out (the name is checked). */
int volume_path(const char *dir, const char *name, char *out, size_t len, char *err,
                size_t errlen);

/* Creates NAME.img in dir (made if missing) with the contents of data_dir
 * (NULL: empty).  size NULL: the data's size plus a quarter plus 8 MiB.
 * Fills path with where it went.  Errors name the value at fault: a bad
 * name or size, a volume that exists, a data_dir that is not a directory,
 * mke2fs missing (and the package to install) or failing (its message). */
int volume_create(const char *dir, const char *name, const char *data_dir, const char *size,
                  char *path, size_t pathlen, char *err, size_t errlen);

/* The image of volume NAME; -1 if there is none, the message naming it,
 * the directory and the command that creates it. */
int volume_find(const char *dir, const char *name, char *path, size_t pathlen, char *err,
                size_t errlen);

int volume_delete(const char *dir, const char *name, char *path, size_t pathlen, char *err,
                  size_t errlen);

/* What the superblock says of the last unmount (s_state): a volume whose
 * VM was killed, or whose kernel stopped before unmounting, is not clean;
 * one where the kernel found damage has errors.  The kernel mounts both
 * and says so in its log; the host tool says so before the run, with the
 * e2fsck command that checks the volume. */
enum volume_state {
    VOLUME_NOT_EXT2,
    VOLUME_CLEAN,
    VOLUME_NOT_CLEAN,
    VOLUME_ERRORS,
};

struct volume_info {
    char name[256];
    char label[17];       /* from the superblock; "" if it is not ext2 */
    bool ext2;
    enum volume_state state;
    uint64_t size;        /* bytes */
};

/* The label and state of the image at path (info->name and size are not
 * touched).  -1 if it cannot be read (errno set). */
int volume_read_super(const char *path, struct volume_info *info);
/* "clean", "not clean", "has errors" or "not ext2". */
const char *volume_state_name(enum volume_state s);

/* The volumes in dir, sorted by name (a missing dir has none).  *out is
 * malloc'd. */
int volume_list(const char *dir, struct volume_info **out, size_t *n, char *err, size_t errlen);

#endif
