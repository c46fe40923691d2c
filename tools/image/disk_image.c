/* disk_image_write (disk_image.h): a GPT disk with one EFI System Partition.
 *
 *   LBA 0            protective MBR
 *   LBA 1            primary GPT header
 *   LBA 2..33        primary partition entry array
 *   LBA 2048..       the ESP (FAT16/FAT32), 1 MiB aligned, its size rounded
 *                    up to whole MiB
 *   last 33 LBAs     backup entry array, backup header (last LBA)
 *
 * The disk ends 1 MiB after the partition.  GUIDs derive from the content,
 * so the same files give the same image byte for byte. */
#include "disk_image.h"
#include "fat.h"
#include "gpt.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#define MIB (1024u * 1024u)
#define PART_FIRST_LBA (MIB / GPT_SECTOR) /* 2048 */

static int failf(char *err, size_t errlen, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    if (err && errlen)
        vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
    return -1;
}

static void *read_host_file(const char *path, uint64_t *size, char *err, size_t errlen) {
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        failf(err, errlen, "%s: %s", path, strerror(errno));
        return NULL;
    }
    struct stat st;
    if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
        failf(err, errlen, "%s: not a regular file", path);
        close(fd);
        return NULL;
    }
    uint8_t *buf = malloc(st.st_size ? (size_t)st.st_size : 1);
    if (!buf) {
        failf(err, errlen, "%s: out of memory", path);
        close(fd);
        return NULL;
    }
    size_t got = 0;
    while (got < (size_t)st.st_size) {
        ssize_t n = read(fd, buf + got, (size_t)st.st_size - got);
        if (n <= 0) {
            failf(err, errlen, "%s: %s", path, n < 0 ? strerror(errno) : "file shrank while read");
            free(buf);
            close(fd);
            return NULL;
        }
        got += (size_t)n;
    }
    close(fd);
    *size = (uint64_t)st.st_size;
    return buf;
}

/* A version-4-style GUID from a seed and a salt. */
static void derive_guid(gpt_guid *g, uint32_t seed, uint32_t salt) {
    for (uint32_t i = 0; i < 4; i++) {
        uint8_t in[12];
        put_le32(in, seed);
        put_le32(in + 4, salt);
        put_le32(in + 8, i);
        put_le32(g->b + 4 * i, (uint32_t)crc32(0, in, sizeof in));
    }
    g->b[7] = (uint8_t)((g->b[7] & 0x0f) | 0x40); /* version 4 (byte 7 holds the high half) */
    g->b[8] = (uint8_t)((g->b[8] & 0x3f) | 0x80); /* variant 10 */
}

static int pwrite_all(int fd, const void *buf, uint64_t len, uint64_t off) {
    const uint8_t *p = buf;
    while (len > 0) {
        ssize_t n = pwrite(fd, p, len > (1u << 30) ? (1u << 30) : (size_t)len, (off_t)off);
        if (n <= 0)
            return -1;
        p += n;
        len -= (uint64_t)n;
        off += (uint64_t)n;
    }
    return 0;
}

int disk_image_write(const char *path, const struct esp_file *files, size_t nfiles,
                     char *err, size_t errlen) {
    return disk_image_write_size(path, files, nfiles, 0, err, errlen);
}

int disk_image_write_size(const char *path, const struct esp_file *files, size_t nfiles,
                          uint64_t align_bytes, char *err, size_t errlen) {
    int rc = -1, fd = -1;
    struct fat_file *ff = calloc(nfiles ? nfiles : 1, sizeof *ff);
    struct fat_volume vol = {0};
    struct gpt_disk *gd = NULL;
    if (!ff)
        return failf(err, errlen, "out of memory");

    for (size_t i = 0; i < nfiles; i++) {
        ff[i].path = files[i].esp_path;
        ff[i].data = read_host_file(files[i].host_path, &ff[i].size, err, errlen);
        if (!ff[i].data)
            goto out;
    }
    uint32_t seed = 0;
    for (size_t i = 0; i < nfiles; i++) {
        seed = (uint32_t)crc32(seed, (const uint8_t *)ff[i].path, (uInt)strlen(ff[i].path));
        seed = (uint32_t)crc32_z(seed, ff[i].data, (z_size_t)ff[i].size);
    }
    struct fat_options opt = {.hidden_sectors = PART_FIRST_LBA, .volume_id = seed};
    if (fat_build(&vol, ff, nfiles, &opt, err, errlen) < 0)
        goto out;

    uint64_t part_sectors = ((vol.size + MIB - 1) / MIB) * (MIB / GPT_SECTOR);
    uint64_t disk_sectors = PART_FIRST_LBA + part_sectors + MIB / GPT_SECTOR;
    if (align_bytes >= GPT_SECTOR)
        disk_sectors = (disk_sectors + align_bytes / GPT_SECTOR - 1) /
                       (align_bytes / GPT_SECTOR) * (align_bytes / GPT_SECTOR);
    gpt_guid disk_guid, part_guid;
    derive_guid(&disk_guid, seed, 1);
    derive_guid(&part_guid, seed, 2);
    struct gpt_partition part = {
        .type = GPT_TYPE_ESP,
        .unique = part_guid,
        .first_lba = PART_FIRST_LBA,
        .last_lba = PART_FIRST_LBA + part_sectors - 1,
        .name = "EFI System Partition",
    };
    gd = malloc(sizeof *gd);
    if (!gd || gpt_build(gd, disk_sectors, &disk_guid, &part, 1) < 0) {
        failf(err, errlen, "%s: cannot lay out the GPT", path);
        goto out;
    }

    fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) {
        failf(err, errlen, "%s: %s", path, strerror(errno));
        goto out;
    }
    /* ftruncate leaves the unused parts as holes: the file is sparse */
    if (ftruncate(fd, (off_t)(disk_sectors * GPT_SECTOR)) < 0 ||
        pwrite_all(fd, gd->mbr, GPT_SECTOR, 0) < 0 ||
        pwrite_all(fd, gd->primary, GPT_SECTOR, GPT_SECTOR) < 0 ||
        pwrite_all(fd, gd->array, sizeof gd->array, 2 * GPT_SECTOR) < 0 ||
        pwrite_all(fd, vol.data, vol.size, (uint64_t)PART_FIRST_LBA * GPT_SECTOR) < 0 ||
        pwrite_all(fd, gd->array, sizeof gd->array, gd->backup_array_lba * GPT_SECTOR) < 0 ||
        pwrite_all(fd, gd->backup, GPT_SECTOR, gd->backup_lba * GPT_SECTOR) < 0) {
        failf(err, errlen, "%s: %s", path, strerror(errno));
        goto out;
    }
    if (close(fd) < 0) {
        fd = -1;
        failf(err, errlen, "%s: %s", path, strerror(errno));
        goto out;
    }
    fd = -1;
    rc = 0;
out:
    if (fd >= 0) {
        close(fd);
        unlink(path);
    }
    for (size_t i = 0; i < nfiles; i++)
        free((void *)ff[i].data);
    free(ff);
    free(gd);
    fat_free(&vol);
    return rc;
}
