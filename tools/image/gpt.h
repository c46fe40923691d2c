/* GUID Partition Table (UEFI spec, chapter 5): the protective MBR, the
 * primary and backup headers and partition entry arrays of a disk with
 * 512-byte sectors. */
#ifndef CLOAK_IMAGE_GPT_H
#define CLOAK_IMAGE_GPT_H

#include <stdint.h>

#define GPT_SECTOR 512u
#define GPT_ENTRIES 128u      /* entries in each array */
#define GPT_ENTRY_SIZE 128u   /* bytes per entry */
#define GPT_ARRAY_SECTORS (GPT_ENTRIES * GPT_ENTRY_SIZE / GPT_SECTOR) /* 32 */
#define GPT_HEADER_SIZE 92u
#define GPT_FIRST_USABLE (2 + GPT_ARRAY_SECTORS) /* LBA 34 */

/* A GUID in its on-disk form (first three fields little-endian). */
typedef struct { uint8_t b[16]; } gpt_guid;

/* C12A7328-F81F-11D2-BA4B-00A0C93EC93B */
extern const gpt_guid GPT_TYPE_ESP;

struct gpt_partition {
    gpt_guid type;
    gpt_guid unique;
    uint64_t first_lba, last_lba; /* inclusive */
    uint64_t attributes;
    const char *name;             /* ASCII, at most 36 characters */
};

/* Everything GPT puts on a disk of `disk_sectors` sectors, built in memory:
 * write mbr at LBA 0, primary at LBA 1, array at LBA 2 (primary) and at
 * backup_array_lba, backup at the last LBA. */
struct gpt_disk {
    uint8_t mbr[GPT_SECTOR];
    uint8_t primary[GPT_SECTOR];
    uint8_t backup[GPT_SECTOR];
    uint8_t array[GPT_ENTRIES * GPT_ENTRY_SIZE];
    uint64_t backup_array_lba;
    uint64_t backup_lba;
};

/* Parses "XXXXXXXX-XXXX-XXXX-XXXX-XXXXXXXXXXXX" into on-disk form; 0 or -1. */
int gpt_guid_parse(const char *text, gpt_guid *out);

/* Fills d for the given partitions (at most GPT_ENTRIES, each inside the
 * usable LBAs).  Returns 0, or -1 if the disk is too small or a partition
 * lies outside the usable area. */
int gpt_build(struct gpt_disk *d, uint64_t disk_sectors, const gpt_guid *disk_guid,
              const struct gpt_partition *parts, unsigned nparts);

/* Little-endian helpers shared with fat.c and the tests. */
static inline void put_le16(uint8_t *p, uint16_t v) { p[0] = v; p[1] = v >> 8; }
static inline void put_le32(uint8_t *p, uint32_t v) { for (int i = 0; i < 4; i++) p[i] = v >> (8 * i); }
static inline void put_le64(uint8_t *p, uint64_t v) { for (int i = 0; i < 8; i++) p[i] = v >> (8 * i); }
static inline uint16_t get_le16(const uint8_t *p) { return (uint16_t)(p[0] | p[1] << 8); }
static inline uint32_t get_le32(const uint8_t *p) { return p[0] | p[1] << 8 | p[2] << 16 | (uint32_t)p[3] << 24; }
static inline uint64_t get_le64(const uint8_t *p) { return get_le32(p) | (uint64_t)get_le32(p + 4) << 32; }

#endif
