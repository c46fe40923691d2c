/* A FAT16 or FAT32 volume built in memory from a list of files, with 8.3
 * names and, where a name is not a plain upper-case 8.3 name, VFAT long
 * names.  Files are laid out contiguously; directories are created as the
 * paths need them. */
#ifndef CLOAK_IMAGE_FAT_H
#define CLOAK_IMAGE_FAT_H

#include <stddef.h>
#include <stdint.h>

#define FAT_SECTOR 512u

struct fat_file {
    const char *path;     /* '/'-separated, no leading '/', e.g. "EFI/BOOT/BOOTX64.EFI" */
    const void *data;
    uint64_t size;
};

struct fat_options {
    uint64_t hidden_sectors; /* LBA of the partition (BPB_HiddSec) */
    uint32_t volume_id;
    uint64_t min_bytes;      /* make the volume at least this big (0: no minimum) */
};

struct fat_volume {
    uint8_t *data;           /* the whole volume, malloc'd; free with fat_free */
    uint64_t size;           /* bytes, a multiple of FAT_SECTOR */
    int fat_bits;            /* 16 or 32 */
    uint32_t clusters;       /* data clusters */
    uint32_t cluster_size;   /* bytes */
};

/* Builds the volume.  Returns 0, or -1 with a message naming the path or
 * limit at fault in err. */
int fat_build(struct fat_volume *vol, const struct fat_file *files, size_t nfiles,
              const struct fat_options *opt, char *err, size_t errlen);
void fat_free(struct fat_volume *vol);

/* The 8.3 checksum stored in each long-name entry. */
uint8_t fat_lfn_checksum(const uint8_t shortname[11]);

#endif
